"""The one source of truth for configuration: ``BEDROCK_ASSETS_*`` environment variables."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class SettingsError(ValueError):
    """Raised with a readable message naming the offending environment variable."""


class Settings(BaseSettings):
    """Pipeline settings. Every field maps to ``BEDROCK_ASSETS_<FIELD>``."""

    model_config = SettingsConfigDict(
        env_prefix="BEDROCK_ASSETS_", extra="ignore", frozen=True, populate_by_name=True
    )

    backend: Literal["local", "aws"] = "local"
    data_root: Path = Field(default=Path(".bedrock_assets_data"))
    bucket: str = Field(
        default="bedrock-assets-local", pattern=r"^[a-z0-9][-.a-z0-9]{1,61}[a-z0-9]$"
    )
    landing_prefix: str = "landing"
    input_prefix: str = "batch-input"
    output_prefix: str = "batch-output"
    tables_prefix: str = "tables"
    region: str = Field(default_factory=lambda: _aws_region())
    # Endpoint overrides (emulators, VPC endpoints): the standard AWS variables.
    s3_endpoint_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("BEDROCK_ASSETS_S3_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3"),
    )
    bedrock_endpoint_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices(
            "BEDROCK_ASSETS_BEDROCK_ENDPOINT_URL", "AWS_ENDPOINT_URL_BEDROCK"
        ),
    )
    bedrock_runtime_endpoint_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices(
            "BEDROCK_ASSETS_BEDROCK_RUNTIME_ENDPOINT_URL", "AWS_ENDPOINT_URL_BEDROCK_RUNTIME"
        ),
    )
    account_id: str = Field(default="123456789012", pattern=r"^[0-9]{12}$")
    model_id: str = "anthropic.claude-3-haiku-20240307-v1:0"
    role_arn: str = "arn:aws:iam::123456789012:role/BedrockBatchInferenceRole"
    job_name_prefix: str = Field(
        default="bedrock-assets", pattern=r"^[a-zA-Z0-9][a-zA-Z0-9-]{0,23}$"
    )
    timeout_duration_hours: int | None = Field(default=None, ge=24, le=168)
    model_invocation_type: Literal["InvokeModel", "Converse"] = "InvokeModel"
    kms_key_id: str | None = Field(
        default=None,
        pattern=r"^((arn:aws(-[^:]+)?:kms:[a-zA-Z0-9-]*:[0-9]{12}:((key/[a-zA-Z0-9-]{36})|"
        r"(alias/[a-zA-Z0-9-_/]+)))|([a-zA-Z0-9-]{36})|(alias/[a-zA-Z0-9-_/]+))$",
    )
    s3_bucket_owner: str | None = Field(default=None, pattern=r"^[0-9]{12}$")
    vpc_subnet_ids: str = Field(default="", pattern=r"^[-0-9a-zA-Z,]*$")
    vpc_security_group_ids: str = Field(default="", pattern=r"^[-0-9a-zA-Z,]*$")
    quotas_from_service_quotas: bool = True
    # A day (or a day's tail) below the job minimum: wait to ride along with later days'
    # jobs for up to below_minimum_wait_hours after its call date, or go on demand at once.
    below_minimum_policy: Literal["wait", "on_demand"] = "wait"
    below_minimum_wait_hours: float = Field(default=72.0, ge=0)

    # Quotas (per model and Region; Bedrock's defaults, always overridable).
    min_records_per_job: int = Field(default=100, ge=1)
    max_records_per_job: int = Field(default=50_000, ge=1)
    max_records_per_file: int = Field(default=50_000, ge=1)
    max_file_bytes: int = Field(default=200 * 1024**2, ge=1024)
    max_job_bytes: int = Field(default=1024**3, ge=1024)
    max_concurrent_jobs: int = Field(default=10, ge=1)

    # Prompt / model request. Guidelines: "all" or comma-separated ids of prompts/guidelines.json.
    guidelines: str = "all"
    # Mask PII in transcripts before the batch job (the model never sees the raw values).
    redact_input: bool = False
    max_tokens: int = Field(default=512, ge=1, le=8192)
    temperature: float = Field(default=0.0, ge=0.0, le=1.0)

    # Guardrail.
    guardrail_id: str = Field(
        default="bedrockassetslocal",
        pattern=r"^([a-z0-9]+|arn:aws(-[^:]+)?:bedrock:[a-z0-9-]{1,20}:[0-9]{12}:guardrail/[a-z0-9]+)$",
    )
    guardrail_requests_per_second: float | None = Field(default=None, gt=0)
    guardrail_concurrency: int = Field(default=4, ge=1, le=64)
    guardrail_max_attempts: int = Field(default=8, ge=1, le=20)
    guardrail_version: str = Field(default="DRAFT", pattern=r"^([1-9][0-9]{0,7}|DRAFT)$")

    # Dagster.
    sensor_interval_seconds: int = Field(default=30, ge=1, le=3600)
    sensor_max_submits_per_tick: int = Field(default=50, ge=1)
    partitions_start_date: str = Field(default="2024-01-01", pattern=r"^\d{4}-\d{2}-\d{2}$")

    # Failures and retries.
    max_job_attempts: int = Field(default=3, ge=1, le=10)
    max_record_attempts: int = Field(default=3, ge=1, le=10)
    retry_backoff_seconds: float = Field(default=300.0, ge=0)
    stuck_after_hours: float = Field(default=24.0, gt=0)
    max_transcript_chars: int = Field(default=200_000, ge=1000)

    # The job ledger: a SQLAlchemy URL (default: a SQLite file under the data root).
    ledger_url: str | None = None

    # Test hook: SIGKILL the process at this named point (bedrock_assets/crashpoints.py).
    crashpoint: str = ""

    # Local engine.
    local_step_seconds: float = Field(default=0.5, ge=0.0, le=60.0)
    # Fault injection for the local engine, e.g. "job_failure=0.2,record_error=0.05"
    # (keys: job_failure, job_expiry, record_error, submit_throttle, slow_job).
    local_faults: str = Field(default="", pattern=r"^([a-z_]+=[0-9.]+)?(,[a-z_]+=[0-9.]+)*$")

    @field_validator("guidelines")
    @classmethod
    def _known_guidelines(cls, value: str) -> str:
        from bedrock_assets.prompting.prompt import select_guidelines

        select_guidelines(value)
        return value

    @field_validator("crashpoint")
    @classmethod
    def _known_crashpoint(cls, value: str) -> str:
        from bedrock_assets.crashpoints import POINTS

        if value and value not in POINTS:
            raise ValueError(f"unknown crash point {value!r}; choose from {list(POINTS)}")
        return value

    @field_validator("ledger_url")
    @classmethod
    def _sqlalchemy_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        from sqlalchemy.engine import make_url
        from sqlalchemy.exc import ArgumentError

        try:
            make_url(value)
        except ArgumentError:
            raise ValueError("not a SQLAlchemy database URL") from None
        return value

    @field_validator("data_root")
    @classmethod
    def _absolute_root(cls, value: Path) -> Path:
        """Absolute, so run workers and job workers agree whatever their working directory."""
        return value.expanduser().resolve()

    @field_validator("landing_prefix", "input_prefix", "output_prefix", "tables_prefix")
    @classmethod
    def _clean_prefix(cls, value: str) -> str:
        value = value.strip("/")
        if not value or any(c not in _PREFIX_CHARS for c in value):
            raise ValueError(
                "prefixes use letters, digits and -_.()!*'/ only (Bedrock's S3 URI pattern)"
            )
        return value

    @model_validator(mode="after")
    def _consistent_quotas(self) -> Settings:
        vpc = self.vpc_config
        if vpc and not (vpc["subnetIds"] and vpc["securityGroupIds"]):
            raise ValueError("vpc_subnet_ids and vpc_security_group_ids go together")
        if self.min_records_per_job > self.max_records_per_job:
            raise ValueError("min_records_per_job must not exceed max_records_per_job")
        if self.max_file_bytes > self.max_job_bytes:
            raise ValueError("max_file_bytes must not exceed max_job_bytes")
        return self

    @property
    def guardrail_rate(self) -> float | None:
        """Client-side ApplyGuardrail rate: unlimited locally, 20/s on AWS unless configured."""
        if self.guardrail_requests_per_second is not None:
            return self.guardrail_requests_per_second
        return 20.0 if self.backend == "aws" else None

    @property
    def vpc_config(self) -> dict[str, list[str]] | None:
        subnets = [x for x in self.vpc_subnet_ids.split(",") if x]
        groups = [x for x in self.vpc_security_group_ids.split(",") if x]
        return {"subnetIds": subnets, "securityGroupIds": groups} if subnets or groups else None

    @property
    def ledger_path(self) -> Path:
        return self.data_root / "state" / "ledger.sqlite"

    @property
    def object_store_root(self) -> Path:
        return self.data_root / "object_store"

    def from_environment(self, field: str) -> bool:
        """Whether ``field`` holds its variable's value (so a resource may show the
        variable's name instead of a value that may be a secret)."""
        return os.environ.get(f"BEDROCK_ASSETS_{field.upper()}") == str(getattr(self, field))


def _aws_region() -> str:
    """The standard AWS region variables, so AWS mode needs no second copy of the region."""
    return os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"


_PREFIX_CHARS = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.()!*'/")


def load_settings(**overrides: object) -> Settings:
    """Read settings from the environment, turning validation errors into one clear message."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            loc = "_".join(str(p) for p in err["loc"]).upper()
            name = f"BEDROCK_ASSETS_{loc}" if loc else "settings"
            problems.append(f"{name}: {err['msg']}")
        raise SettingsError("invalid configuration: " + "; ".join(problems)) from None
