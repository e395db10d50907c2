"""What a local engine enforces and where it keeps its state: one frozen configuration.

It is stored with every job, so a detached job worker runs with the configuration the job was
submitted under, whatever the submitting process does next.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_MODEL_HANDLER = "bedrock_local.models:lead_handler"
FAULT_KEYS = ("job_failure", "job_expiry", "record_error", "submit_throttle", "slow_job")


@dataclass(frozen=True)
class EngineConfig:
    """The account, its quotas per model, the engine's pace, and its pluggable parts."""

    store_root: str
    state_path: str = ""
    region: str = "us-east-1"
    account_id: str = "123456789012"
    max_concurrent_jobs: int = 10
    min_records_per_job: int = 100
    max_records_per_job: int = 50_000
    max_records_per_file: int = 50_000
    max_file_bytes: int = 200 * 1024**2
    step_seconds: float = 0.5
    # Time per record while a job is InProgress (a real job's pace, so progress is visible).
    record_seconds: float = 0.0
    s3_endpoint_url: str | None = None  # jobs read and write S3 (an emulator) instead of a folder
    # Fault injection: probabilities of job failure, expiry, per-record errors, throttled
    # submissions and slow jobs (see parse_faults).
    faults: tuple[tuple[str, float], ...] = ()
    # ``module:function`` producing a model's text (see bedrock_local.models).
    model_handler: str = DEFAULT_MODEL_HANDLER
    # Guardrail id -> policy file (the CreateGuardrail parameters as JSON).
    guardrails: tuple[tuple[str, str], ...] = field(default=())

    @classmethod
    def under(cls, data_root: str | Path, **options: object) -> EngineConfig:
        """A configuration keeping state and objects under one data root, as
        ``bedrock-local serve --data-root`` does: ``state/local_bedrock.sqlite`` and
        ``object_store/<bucket>/<key>``."""
        root = Path(data_root).expanduser().resolve()
        guardrails = options.pop("guardrails", ())
        if isinstance(guardrails, dict):
            guardrails = tuple(sorted((str(k), str(v)) for k, v in guardrails.items()))
        faults = options.pop("faults", ())
        if isinstance(faults, str):
            faults = parse_faults(faults)
        return cls(
            store_root=str(root / "object_store"),
            state_path=str(root / "state" / "local_bedrock.sqlite"),
            guardrails=guardrails,  # type: ignore[arg-type]
            faults=faults,  # type: ignore[arg-type]
            **options,  # type: ignore[arg-type]
        )


def parse_faults(spec: str) -> tuple[tuple[str, float], ...]:
    """``"job_failure=0.2,record_error=0.05"`` -> validated (key, probability) pairs."""
    out = []
    for part in filter(None, (p.strip() for p in spec.split(","))):
        key, _, value = part.partition("=")
        if key not in FAULT_KEYS:
            raise ValueError(f"unknown fault {key!r}; use {', '.join(FAULT_KEYS)}")
        prob = float(value)
        if not 0.0 <= prob <= 1.0:
            raise ValueError(f"fault {key} must be a probability, got {value}")
        out.append((key, prob))
    return tuple(out)
