"""The one source of truth for configuration: ``BEDROCK_ASSETS_*`` environment variables.

Every setting is validated when the code location loads, with bounds, and an invalid value
fails with a message naming its variable. A ``BEDROCK_ASSETS_*`` variable that names no
setting is reported with the closest valid name, never silently ignored.
"""

from __future__ import annotations

import difflib
import logging
import os
import re
import warnings
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

from pydantic import AliasChoices, Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PREFIX = "BEDROCK_ASSETS_"
# The local engine's fault profile keys (bedrock_local.config.FAULT_KEYS; a test keeps them equal).
LOCAL_FAULT_KEYS = ("job_failure", "job_expiry", "record_error", "submit_throttle", "slow_job")
# Variables read outside the settings object (test and demo hooks).
OTHER_VARIABLES = ("BEDROCK_ASSETS_DEMO_DATE",)
PLACEHOLDER_ROLE_ARN = "arn:aws:iam::123456789012:role/BedrockBatchInferenceRole"
LOCAL_BUCKET = "bedrock-assets-local"
GIB = 1024**3

log = logging.getLogger(__name__)


class SettingsError(ValueError):
    """Raised with a readable message naming the offending environment variable."""


class UnknownSettingWarning(UserWarning):
    """A ``BEDROCK_ASSETS_*`` variable that names no setting (probably a typo)."""


def variable(field: str) -> str:
    return f"{PREFIX}{field.upper()}"


class Settings(BaseSettings):
    """Pipeline settings. Every field maps to ``BEDROCK_ASSETS_<FIELD>``."""

    model_config = SettingsConfigDict(
        env_prefix=PREFIX, extra="ignore", frozen=True, populate_by_name=True
    )

    backend: Literal["local", "aws"] = "local"
    data_root: Path = Field(default=Path(".bedrock_assets_data"))
    bucket: str = Field(default=LOCAL_BUCKET, pattern=r"^[a-z0-9][-.a-z0-9]{1,61}[a-z0-9]$")
    landing_prefix: str = "landing"
    input_prefix: str = "batch-input"
    output_prefix: str = "batch-output"
    tables_prefix: str = "tables"
    region: str = Field(default_factory=lambda: _aws_region(), pattern=r"^[a-z]{2}(-[a-z]+)+-\d$")
    # Endpoint overrides (emulators, VPC endpoints): the standard AWS variables.
    s3_endpoint_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("BEDROCK_ASSETS_S3_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3"),
        pattern=r"^https?://",
    )
    bedrock_endpoint_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices(
            "BEDROCK_ASSETS_BEDROCK_ENDPOINT_URL", "AWS_ENDPOINT_URL_BEDROCK"
        ),
        pattern=r"^https?://",
    )
    bedrock_runtime_endpoint_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices(
            "BEDROCK_ASSETS_BEDROCK_RUNTIME_ENDPOINT_URL", "AWS_ENDPOINT_URL_BEDROCK_RUNTIME"
        ),
        pattern=r"^https?://",
    )
    account_id: str = Field(default="123456789012", pattern=r"^[0-9]{12}$")
    model_id: str = Field(default="anthropic.claude-3-haiku-20240307-v1:0", min_length=1)
    role_arn: str = Field(
        default=PLACEHOLDER_ROLE_ARN,
        pattern=r"^arn:aws(-[^:]+)?:iam::([0-9]{12})?:role/.+$",
    )
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
    below_minimum_wait_hours: float = Field(default=72.0, ge=0, le=24 * 30, allow_inf_nan=False)

    # Quotas (per model and Region; Bedrock's defaults, always overridable).
    min_records_per_job: int = Field(default=100, ge=1, le=1_000_000)
    max_records_per_job: int = Field(default=50_000, ge=1, le=1_000_000)
    max_records_per_file: int = Field(default=50_000, ge=1, le=1_000_000)
    max_file_bytes: int = Field(default=200 * 1024**2, ge=1024, le=5 * GIB)
    max_job_bytes: int = Field(default=GIB, ge=1024, le=100 * GIB)
    max_concurrent_jobs: int = Field(default=10, ge=1, le=1000)

    # Daily budget (USD, inference plus guardrail, estimated before submission): the sensor
    # does not submit a day's job whose estimated cost would take the day past it.
    daily_budget_usd: float | None = Field(default=None, gt=0, le=10_000_000, allow_inf_nan=False)

    # Prompt / model request. Guidelines: "all" or comma-separated ids of guidelines.json.
    guidelines: str = "all"
    # Re-summarize calls already sent under an older prompt/model (default: keep what was
    # paid for; only calls never sent are sent).
    resummarize: bool = False
    # Mask PII in transcripts before the batch job (the model never sees the raw values).
    redact_input: bool = False
    max_tokens: int = Field(default=512, ge=1, le=8192)
    temperature: float = Field(default=0.0, ge=0.0, le=1.0, allow_inf_nan=False)

    # Guardrail.
    guardrail_id: str = Field(
        default="bedrockassetslocal",
        pattern=r"^([a-z0-9]+|arn:aws(-[^:]+)?:bedrock:[a-z0-9-]{1,20}:[0-9]{12}:guardrail/[a-z0-9]+)$",
    )
    guardrail_requests_per_second: float | None = Field(
        default=None, gt=0, le=10_000, allow_inf_nan=False
    )
    guardrail_concurrency: int = Field(default=4, ge=1, le=64)
    guardrail_max_attempts: int = Field(default=8, ge=1, le=20)
    guardrail_version: str = Field(default="DRAFT", pattern=r"^([1-9][0-9]{0,7}|DRAFT)$")
    # ApplyGuardrail quotas (guardrail/quotas.py): text units per second per policy and the
    # grounding-source limit. Unset: Service Quotas on AWS, else the Region's default; the
    # local engine does not throttle, so unset rates are unlimited there.
    guardrail_content_units_per_second: float | None = Field(
        default=None, gt=0, le=1_000_000, allow_inf_nan=False
    )
    guardrail_topic_units_per_second: float | None = Field(
        default=None, gt=0, le=1_000_000, allow_inf_nan=False
    )
    guardrail_pii_units_per_second: float | None = Field(
        default=None, gt=0, le=1_000_000, allow_inf_nan=False
    )
    guardrail_word_units_per_second: float | None = Field(
        default=None, gt=0, le=1_000_000, allow_inf_nan=False
    )
    guardrail_grounding_units_per_second: float | None = Field(
        default=None, gt=0, le=1_000_000, allow_inf_nan=False
    )
    guardrail_grounding_source_max_units: int | None = Field(default=None, ge=1, le=1000)

    # Dagster.
    sensor_interval_seconds: int = Field(default=30, ge=1, le=3600)
    sensor_max_submits_per_tick: int = Field(default=50, ge=1, le=1000)
    # Job state-change events (EventBridge -> SQS, deploy/cloudformation): with a queue the
    # sensor ticks every few seconds reading it, reconciles and refills as soon as a job ends,
    # and still reconciles every sensor_interval_seconds without events (the fallback).
    job_events_queue_url: str | None = Field(
        default=None, pattern=r"^https?://[^/\s]+/[0-9]{12}/[A-Za-z0-9_-]{1,80}$"
    )
    job_events_wait_seconds: int = Field(default=1, ge=0, le=20)
    # The first daily partition (default: 30 days before today, so real days are not slivers
    # of a years-long axis); set it to the first day of your data to backfill further back.
    partitions_start_date: str | None = Field(default=None, pattern=r"^\d{4}-\d{2}-\d{2}$")
    partitions_lookback_days: int = Field(default=30, ge=1, le=3660)
    # Call dates are days in this time zone; the daily schedule runs at 06:00 in it (after the
    # day has ended in every continental US time zone).
    schedule_timezone: str = "America/New_York"
    schedule_hour: int = Field(default=6, ge=0, le=23)
    # Dagster owners of the assets (emails or team:name), comma-separated.
    owners: str = Field(default="team:call-center-analytics", pattern=r"^[^,\s][^,]*(,[^,]+)*$")
    # How long a run that includes the collect steps ("Materialize all") waits for the day's
    # batch jobs, and how often it looks.
    jobs_wait_hours: float = Field(default=24.0, ge=0, le=168, allow_inf_nan=False)
    jobs_poll_seconds: float = Field(default=30.0, ge=0.01, le=3600, allow_inf_nan=False)
    # A collect run with no new event for this long is treated as dead and requested again.
    collect_stall_seconds: float = Field(default=900.0, ge=5, le=86_400, allow_inf_nan=False)

    # Failures and retries.
    max_job_attempts: int = Field(default=3, ge=1, le=10)
    max_record_attempts: int = Field(default=3, ge=1, le=10)
    retry_backoff_seconds: float = Field(default=300.0, ge=0, le=86_400, allow_inf_nan=False)
    # First wait after a throttled (or otherwise transient) submit; it doubles up to 15 min.
    submit_backoff_seconds: float = Field(default=15.0, ge=0, le=3600, allow_inf_nan=False)
    stuck_after_hours: float = Field(default=24.0, gt=0, le=24 * 30, allow_inf_nan=False)
    # Leases a crashed holder keeps until they run out: the submit lease (longer than a tick's
    # bounded work) and the lease on requesting a day's collect run.
    submit_lease_seconds: float = Field(default=120.0, ge=1, le=3600, allow_inf_nan=False)
    collect_lease_seconds: float = Field(default=60.0, ge=1, le=3600, allow_inf_nan=False)
    max_transcript_chars: int = Field(default=200_000, ge=1000, le=10_000_000)
    # Landing files read whole (not JSONL, which streams) above this size are quarantined.
    max_landing_file_bytes: int = Field(default=256 * 1024**2, ge=1024, le=10 * GIB)
    # A team's own record keys for JSON/JSONL/CSV exports: "transcript_id=ticket_ref,text=body"
    # (fields: bedrock_assets/ingest/fields.py); the built-in synonyms still apply.
    record_fields: str = ""
    # Stereo recordings: the channel that carries the agent ("ch_0" or "ch_1"); empty decides
    # by the agent's greeting, else the channels keep neutral labels.
    agent_channel: Literal["", "ch_0", "ch_1"] = ""

    # The job ledger: a SQLAlchemy URL (default: a SQLite file under the data root).
    ledger_url: str | None = None

    # Test hook: SIGKILL the process at this named point (bedrock_assets/crashpoints.py).
    crashpoint: str = ""

    # Local engine.
    local_step_seconds: float = Field(default=0.5, ge=0.0, le=60.0, allow_inf_nan=False)
    # Time per record while a local job is InProgress (0: as fast as the summarizer goes).
    local_record_seconds: float = Field(default=0.0, ge=0.0, le=10.0, allow_inf_nan=False)
    # Fault injection for the local engine, e.g. "job_failure=0.2,record_error=0.05".
    local_faults: str = ""

    @field_validator("guidelines")
    @classmethod
    def _known_guidelines(cls, value: str) -> str:
        from bedrock_assets.prompting.prompt import select_guidelines

        select_guidelines(value)
        return value

    @field_validator("record_fields")
    @classmethod
    def _record_fields(cls, value: str) -> str:
        from bedrock_assets.ingest.fields import parse_field_map

        parse_field_map(value)
        return value

    @field_validator("crashpoint")
    @classmethod
    def _known_crashpoint(cls, value: str) -> str:
        from bedrock_assets.crashpoints import POINTS

        if value and value not in POINTS:
            raise ValueError(f"unknown crash point {value!r}; choose from {list(POINTS)}")
        return value

    @field_validator("local_faults")
    @classmethod
    def _fault_profile(cls, value: str) -> str:
        for part in filter(None, (p.strip() for p in value.split(","))):
            key, sep, prob = part.partition("=")
            if key not in LOCAL_FAULT_KEYS or not sep:
                raise ValueError(f"{part!r}: use key=probability with keys {LOCAL_FAULT_KEYS}")
            try:
                number = float(prob)
            except ValueError:
                raise ValueError(f"{part!r}: {prob!r} is not a number") from None
            if not 0.0 <= number <= 1.0:
                raise ValueError(f"{part!r}: a probability is between 0 and 1")
        return value

    @field_validator("schedule_timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"{value!r} is not an IANA time zone (e.g. America/Chicago)") from None
        return value

    @field_validator("owners")
    @classmethod
    def _dagster_owners(cls, value: str) -> str:
        for owner in (o.strip() for o in value.split(",")):
            if not (
                re.fullmatch(r"team:[A-Za-z0-9_-]+", owner)
                or re.fullmatch(r"[^@\s]+@[^@\s]+", owner)
            ):
                raise ValueError(f"{owner!r}: an owner is an email or team:<name>")
        return value

    @field_validator("partitions_start_date")
    @classmethod
    def _real_past_date(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            day = date.fromisoformat(value)
        except ValueError:
            raise ValueError(f"{value!r} is not a calendar date (YYYY-MM-DD)") from None
        if day > datetime.now(UTC).date():
            raise ValueError(f"{value} is in the future")
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
        if any(part in ("", ".", "..") for part in value.split("/")):
            raise ValueError("a prefix has no empty, '.' or '..' segments")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Settings:
        vpc = self.vpc_config
        if vpc and not (vpc["subnetIds"] and vpc["securityGroupIds"]):
            raise ValueError(
                f"{variable('vpc_subnet_ids')} and {variable('vpc_security_group_ids')} go together"
            )
        if self.min_records_per_job > self.max_records_per_job:
            raise ValueError(
                f"{variable('min_records_per_job')} ({self.min_records_per_job}) must not exceed "
                f"{variable('max_records_per_job')} ({self.max_records_per_job})"
            )
        if self.max_file_bytes > self.max_job_bytes:
            raise ValueError(
                f"{variable('max_file_bytes')} ({self.max_file_bytes}) must not exceed "
                f"{variable('max_job_bytes')} ({self.max_job_bytes})"
            )
        if self.backend == "aws":
            if self.role_arn == PLACEHOLDER_ROLE_ARN:
                raise ValueError(
                    f"{variable('role_arn')} is the placeholder; on AWS set it to the Bedrock "
                    "batch service role (iam/batch-service-role-*.json)"
                )
            if self.bucket == LOCAL_BUCKET:
                raise ValueError(
                    f"{variable('bucket')} is the local default; on AWS set it to your bucket"
                )
        return self

    def local_today(self, now: datetime | None = None) -> date:
        """Today in the call center's time zone, where the daily partitions are cut."""
        from zoneinfo import ZoneInfo

        return (now or datetime.now(UTC)).astimezone(ZoneInfo(self.schedule_timezone)).date()

    @property
    def first_partition(self) -> str:
        """The first daily partition: the setting, or the lookback window before today."""
        if self.partitions_start_date:
            return self.partitions_start_date
        return (self.local_today() - timedelta(days=self.partitions_lookback_days)).isoformat()

    def recent_partitions(self, count: int, now: datetime | None = None) -> list[str]:
        """The newest ``count`` daily partitions, oldest first. A day becomes a partition once
        it has ended in the call center's time zone, so the newest is yesterday *there*: at
        02:00 UTC in New York's evening, yesterday in UTC is not a partition yet."""
        today = self.local_today(now)
        return [(today - timedelta(days=n)).isoformat() for n in range(count, 0, -1)]

    def not_a_partition(self, day: str) -> str | None:
        """Why ``day`` is no daily partition (None if it is), naming the setting to change."""
        try:
            date.fromisoformat(day)
        except ValueError:
            return f"{day!r} is not a calendar date (YYYY-MM-DD)"
        first, last = self.first_partition, self.recent_partitions(1)[0]
        if day < first:
            return (
                f"{day} is before the first daily partition {first} "
                f"(set {variable('partitions_start_date')} earlier)"
            )
        if day > last:
            return (
                f"{day} has not ended in {self.schedule_timezone} yet: the newest daily "
                f"partition is {last} ({variable('schedule_timezone')})"
            )
        return None

    @property
    def owner_list(self) -> list[str]:
        return [o.strip() for o in self.owners.split(",") if o.strip()]

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
        return os.environ.get(variable(field)) == str(getattr(self, field))


def _aws_region() -> str:
    """The standard AWS region variables, so AWS mode needs no second copy of the region."""
    return os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"


_PREFIX_CHARS = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.()!*'/")


def known_variables() -> set[str]:
    names = {variable(name) for name in Settings.model_fields}
    for info in Settings.model_fields.values():
        alias = info.validation_alias
        if isinstance(alias, AliasChoices):
            names |= {c for c in alias.choices if isinstance(c, str) and c.startswith(PREFIX)}
    return names | set(OTHER_VARIABLES)


def unknown_variables(environ: dict[str, str] | None = None) -> dict[str, str | None]:
    """``BEDROCK_ASSETS_*`` variables that name no setting -> the closest valid name."""
    environ = dict(os.environ) if environ is None else environ
    known = sorted(known_variables())
    return {
        name: next(iter(difflib.get_close_matches(name, known, n=1, cutoff=0.6)), None)
        for name in sorted(environ)
        if name.startswith(PREFIX) and name not in known
    }


def _name_for(loc: tuple[Any, ...]) -> str:
    field = str(loc[0]) if loc else ""
    if not field:
        return "settings"
    return field if field.startswith(PREFIX) or field.startswith("AWS_") else variable(field)


def load_settings(**overrides: Any) -> Settings:
    """Read settings from the environment (``overrides`` win), turning validation errors into
    one clear message and warning about variables that name no setting."""
    for name, closest in unknown_variables().items():
        hint = f"; did you mean {closest}?" if closest else ""
        message = f"{name} is not a bedrock_assets setting and is ignored{hint}"
        warnings.warn(message, UnknownSettingWarning, stacklevel=2)
        log.warning(message)
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            msg = err["msg"].removeprefix("Value error, ")
            name = _name_for(err["loc"])
            problems.append(msg if name == "settings" else f"{name}: {msg}")
        raise SettingsError("invalid configuration: " + "; ".join(problems)) from None
