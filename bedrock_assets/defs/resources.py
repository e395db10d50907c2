"""The resources, carrying their configuration; the one place that chooses the backend.

Each deployment gets one set, built by :func:`build_resources` from the validated
``BEDROCK_ASSETS_*`` settings: a local folder and the embedded Bedrock (``bedrock_local``) by
default, S3 (dagster-aws ``S3Resource``) and boto3 on AWS. Every field shows on the Dagster
UI's resource pages. Assets and the sensor ask these resources for clients and domain
objects; nothing below the Dagster layer reads settings or chooses a backend.
"""

import functools
from collections.abc import Callable
from typing import Any, Literal
from urllib.parse import quote

import boto3
from botocore.config import Config
from dagster import ConfigurableResource, EnvVar, MetadataValue, ResourceDependency
from dagster_aws.s3 import S3Resource
from pydantic import Field

from bedrock_assets.batch.events import JobEventQueue
from bedrock_assets.batch.policy import BelowMinimumPolicy
from bedrock_assets.batch.quotas import (
    QUOTA_FIELDS,
    QuotaCache,
    QuotasInForce,
    read_service_quotas,
    resolve,
)
from bedrock_assets.batch.requests import JobSettings
from bedrock_assets.batch.slots import TickReport, run_tick
from bedrock_assets.guardrail import quotas as guardrail_quotas
from bedrock_assets.guardrail.guard import GuardrailSpec
from bedrock_assets.guardrail.policy import (
    configured_policies,
    default_policy_path,
    grounding_threshold,
    load_policy,
    policy_digest,
)
from bedrock_assets.ingest.fields import parse_field_map
from bedrock_assets.ingest.options import ReadOptions
from bedrock_assets.prompting.model_families import RequestSpec
from bedrock_assets.prompting.prompt import load_prompt
from bedrock_assets.reporting.budget import CostModel
from bedrock_assets.settings import Settings
from bedrock_assets.state.layout import StoreLayout
from bedrock_assets.state.ledger import Ledger, sqlite_url
from bedrock_assets.state.objects import LocalObjectStore, ObjectStore, S3ObjectStore, split_uri

_BOTO_CONFIG = Config(retries={"mode": "adaptive", "max_attempts": 8})
_QUOTA_CACHE = QuotaCache()


_CLIENTS: dict[tuple[str, str, str | None], Any] = {}


def _aws_client(service: str, region: str, endpoint_url: str | None = None) -> Any:
    """One boto3 client per service, Region and endpoint per process, on the standard
    credential chain (AWS_PROFILE, SSO, instance or task role). A client made before any
    credentials could be found is not kept: botocore fixes a client's credentials when it is
    made, so caching it would leave the process unsigned after the credentials appear."""
    key = (service, region, endpoint_url)
    client = _CLIENTS.get(key)
    if client is None:
        session = boto3.session.Session()
        client = session.client(
            service, region_name=region, endpoint_url=endpoint_url, config=_BOTO_CONFIG
        )
        if session.get_credentials() is not None:
            _CLIENTS[key] = client
    return client


# -- the object store ---------------------------------------------------------------------------
class ObjectStoreResource(ConfigurableResource):
    """The bucket and its prefixes (landing, batch input and output, tables)."""

    bucket: str
    landing_prefix: str = "landing"
    input_prefix: str = "batch-input"
    output_prefix: str = "batch-output"
    tables_prefix: str = "tables"

    def layout(self) -> StoreLayout:
        return StoreLayout(
            bucket=self.bucket,
            landing_prefix=self.landing_prefix,
            input_prefix=self.input_prefix,
            output_prefix=self.output_prefix,
            tables_prefix=self.tables_prefix,
        )

    def get_store(self) -> ObjectStore:
        raise NotImplementedError

    def locate(self, uri: str) -> dict[str, Any]:
        """``dagster/uri`` metadata a person can open for an object or prefix."""
        raise NotImplementedError


class LocalObjectStoreResource(ObjectStoreResource):
    """A local folder laid out like the bucket: ``<root>/<bucket>/<key>``, owner-only."""

    root: str = Field(description="Folder holding the buckets (under the data root).")

    def get_store(self) -> ObjectStore:
        return LocalObjectStore(self.root)

    def locate(self, uri: str) -> dict[str, Any]:
        """The local path (what ``s3://bedrock-assets-local/...`` stands for on this machine)."""
        return {"dagster/uri": str(LocalObjectStore(self.root).path_for(uri))}


class S3ObjectStoreResource(ObjectStoreResource):
    """Amazon S3 through dagster-aws ``S3Resource``."""

    s3: ResourceDependency[S3Resource]

    def get_store(self) -> ObjectStore:
        return S3ObjectStore(self.s3.get_client())

    def locate(self, uri: str) -> dict[str, Any]:
        """The S3 URI and the object (or folder) in the S3 console."""
        bucket, key = split_uri(uri)
        region = self.s3.region_name or "us-east-1"
        kind = "buckets" if key.endswith("/") or not key else "object"
        link = (
            f"https://s3.console.aws.amazon.com/s3/{kind}/{bucket}?region={region}"
            f"&prefix={quote(key)}"
        )
        return {"dagster/uri": uri, "console": MetadataValue.url(link)}


# -- Bedrock clients ----------------------------------------------------------------------------
class BedrockResource(ConfigurableResource):
    """Clients for ``bedrock`` (batch jobs), ``bedrock-runtime`` (guardrail, on demand) and
    Service Quotas, with boto3's method names and shapes whichever backend serves them."""

    region: str

    def control_plane(self) -> Any:
        raise NotImplementedError

    def runtime(self) -> Any:
        raise NotImplementedError

    def service_quotas(self) -> Any | None:
        """The Service Quotas client, or None where there is no account to ask."""
        return None

    def redactor(self) -> Callable[[str], str]:
        """Masks PII in text as ``{TYPE}`` (input redaction, the same engine on every backend)."""
        from bedrock_local.guardrail.pii import mask_pii

        return mask_pii

    def local_model_name(self) -> str | None:
        """The embedded model's name, or None when Bedrock itself serves the model."""
        return None

    def local_evaluation(self) -> dict[str, Any] | None:
        """The local guardrail engine's evaluations, where it stands in for the service."""
        return None

    def jobs_console(self) -> str | None:
        """Where a person sees the batch jobs (the Bedrock console on AWS)."""
        return None


class LocalBedrockResource(BedrockResource):
    """The embedded Bedrock (``bedrock_local``): batch engine, guardrail and model handler."""

    data_root: str = Field(description="State (state/) and objects (object_store/) live here.")
    account_id: str = "123456789012"
    max_concurrent_jobs: int = 10
    min_records_per_job: int = 100
    max_records_per_job: int = 50_000
    max_records_per_file: int = 50_000
    max_file_bytes: int = 200 * 1024**2
    step_seconds: float = Field(default=0.5, description="Time per job status step.")
    record_seconds: float = Field(default=0.0, description="Time per record while InProgress.")
    faults: str = Field(default="", description="Fault injection, e.g. job_failure=0.2.")
    guardrail_id: str = "bedrockassetslocal"
    guardrail_policy: str = Field(default="", description="Policy file of the local guardrail.")
    model_handler: str = "bedrock_assets.prompting.local_model:summarize"

    def _config(self) -> Any:
        from bedrock_local import EngineConfig

        return EngineConfig.under(
            self.data_root,
            region=self.region,
            account_id=self.account_id,
            max_concurrent_jobs=self.max_concurrent_jobs,
            min_records_per_job=self.min_records_per_job,
            max_records_per_job=self.max_records_per_job,
            max_records_per_file=self.max_records_per_file,
            max_file_bytes=self.max_file_bytes,
            step_seconds=self.step_seconds,
            record_seconds=self.record_seconds,
            faults=self.faults,
            model_handler=self.model_handler,
            guardrails={self.guardrail_id: self.guardrail_policy or str(default_policy_path())},
        )

    def control_plane(self) -> Any:
        return _local_client("bedrock", self._config())

    def runtime(self) -> Any:
        return _local_client("bedrock-runtime", self._config())

    def local_model_name(self) -> str | None:
        from bedrock_local.models import MODEL_NAME, load_handler

        return getattr(load_handler(self.model_handler), "model_name", MODEL_NAME)

    def local_evaluation(self) -> dict[str, Any] | None:
        return _local_evaluation(self.guardrail_policy or str(default_policy_path()))


@functools.lru_cache(maxsize=16)
def _local_client(service: str, config: Any) -> Any:
    import bedrock_local

    return bedrock_local.client(service, config=config)


@functools.lru_cache(maxsize=2)
def _local_evaluation(policy_path: str) -> dict[str, Any]:
    from bedrock_local.evaluation import grounding, pii
    from bedrock_local.guardrail.grounding import grounding_score

    threshold = grounding_threshold(load_policy(policy_path)) or 0.0
    return {
        "grounding": grounding.published_splits(grounding_score, threshold),
        "pii": pii.evaluate_published(),
    }


class AwsBedrockResource(BedrockResource):
    """Amazon Bedrock through boto3: the standard credential chain, adaptive retries, one
    client per process; endpoints from ``AWS_ENDPOINT_URL_BEDROCK`` /
    ``AWS_ENDPOINT_URL_BEDROCK_RUNTIME`` (emulators, VPC endpoints) when set."""

    bedrock_endpoint_url: str | None = None
    bedrock_runtime_endpoint_url: str | None = None

    def control_plane(self) -> Any:
        return _aws_client("bedrock", self.region, self.bedrock_endpoint_url)

    def runtime(self) -> Any:
        return _aws_client("bedrock-runtime", self.region, self.bedrock_runtime_endpoint_url)

    def service_quotas(self) -> Any | None:
        return _aws_client("service-quotas", self.region)

    def jobs_console(self) -> str | None:
        return (
            f"https://{self.region}.console.aws.amazon.com/bedrock/home?region={self.region}"
            "#/batch-inference"
        )


# -- batch inference ----------------------------------------------------------------------------
class BatchInferenceResource(ConfigurableResource):
    """The model, its request, the job options, quotas and retry policy of the batch jobs."""

    bedrock: ResourceDependency[BedrockResource]
    model_id: str
    role_arn: str
    job_name_prefix: str = "bedrock-assets"
    model_invocation_type: Literal["InvokeModel", "Converse"] = "InvokeModel"
    guidelines: str = "all"
    max_tokens: int = 512
    temperature: float = 0.0
    redact_input: bool = False
    resummarize: bool = False
    timeout_duration_hours: int | None = None
    kms_key_id: str | None = None
    s3_bucket_owner: str | None = None
    vpc_subnet_ids: list[str] = []
    vpc_security_group_ids: list[str] = []
    min_records_per_job: int = 100
    max_records_per_job: int = 50_000
    max_records_per_file: int = 50_000
    max_file_bytes: int = 200 * 1024**2
    max_job_bytes: int = 1024**3
    max_concurrent_jobs: int = 10
    quota_overrides: list[str] = Field(
        default=[], description="Quotas set explicitly: they win over Service Quotas."
    )
    quotas_from_service_quotas: bool = True
    below_minimum_policy: Literal["wait", "on_demand"] = "wait"
    below_minimum_wait_hours: float = 72.0
    max_job_attempts: int = 3
    max_record_attempts: int = 3
    retry_backoff_seconds: float = 300.0
    submit_backoff_seconds: float = 15.0
    stuck_after_hours: float = 24.0
    submit_lease_seconds: float = 120.0
    collect_lease_seconds: float = 60.0
    max_submits_per_tick: int = 50
    job_events_queue_url: str | None = Field(
        default=None, description="SQS queue of Bedrock job state changes (wake-ups)."
    )
    job_events_wait_seconds: int = 1
    reconcile_interval_seconds: int = Field(
        default=30, description="Polling fallback: a reconciliation at least this often."
    )
    daily_budget_usd: float | None = Field(
        default=None, description="Estimated inference + guardrail spend allowed per call date."
    )
    jobs_wait_hours: float = Field(
        default=24.0, description="How long a run with the collect steps waits for the jobs."
    )
    jobs_poll_seconds: float = 30.0
    collect_stall_seconds: float = Field(
        default=900.0, description="A collect run with no event for this long is failed and re-run."
    )
    on_demand_requests_per_second: float | None = None
    on_demand_max_attempts: int = 8

    def request(self) -> RequestSpec:
        return RequestSpec(
            model_id=self.model_id,
            prompt=load_prompt(self.guidelines),
            invocation_type=self.model_invocation_type,
            max_tokens=self.max_tokens,
            temperature=self.temperature,
        )

    def below_minimum(self) -> BelowMinimumPolicy:
        return BelowMinimumPolicy(self.below_minimum_policy, self.below_minimum_wait_hours)

    def quotas_in_force(self) -> QuotasInForce:
        """Configuration, explicit overrides and, on AWS, the account's Service Quotas values
        (asked once an hour per process)."""
        configured = {field: getattr(self, field) for field in QUOTA_FIELDS}
        client = self.bedrock.service_quotas() if self.quotas_from_service_quotas else None
        fetch = (lambda: read_service_quotas(client, self.model_id)) if client else None
        key = (
            self.model_id,
            self.bedrock.region,
            tuple(sorted(configured.items())),
            tuple(sorted(self.quota_overrides)),
            fetch is not None,
        )
        return _QUOTA_CACHE.get(key, lambda: resolve(configured, set(self.quota_overrides), fetch))

    def job_settings(self) -> JobSettings:
        vpc = (
            (tuple(self.vpc_subnet_ids), tuple(self.vpc_security_group_ids))
            if self.vpc_subnet_ids
            else None
        )
        return JobSettings(
            model_id=self.model_id,
            role_arn=self.role_arn,
            job_name_prefix=self.job_name_prefix,
            max_concurrent_jobs=self.quotas_in_force().max_concurrent_jobs,
            max_submits_per_tick=self.max_submits_per_tick,
            max_job_attempts=self.max_job_attempts,
            retry_backoff_seconds=self.retry_backoff_seconds,
            submit_backoff_seconds=self.submit_backoff_seconds,
            stuck_after_seconds=self.stuck_after_hours * 3600,
            lease_seconds=self.submit_lease_seconds,
            daily_budget_usd=self.daily_budget_usd,
            timeout_duration_hours=self.timeout_duration_hours,
            model_invocation_type=self.model_invocation_type,
            kms_key_id=self.kms_key_id,
            s3_bucket_owner=self.s3_bucket_owner,
            vpc_config=vpc,
        )

    def redactor(self) -> Callable[[str], str] | None:
        return self.bedrock.redactor() if self.redact_input else None

    def cost_model(self) -> CostModel:
        return CostModel(self.max_tokens, self.model_id)

    def job_events(self) -> JobEventQueue | None:
        """The job-event queue, read with boto3 (``AWS_ENDPOINT_URL_SQS`` honoured)."""
        if not self.job_events_queue_url:
            return None
        return JobEventQueue(
            _aws_client("sqs", self.bedrock.region),
            self.job_events_queue_url,
            wait_seconds=self.job_events_wait_seconds,
        )

    def tick(self, ledger: Ledger) -> TickReport:
        """One tick of the slot manager with this deployment's settings (the sensor's, and a
        waiting collect step's)."""
        return run_tick(
            self.bedrock.control_plane(),
            ledger,
            self.job_settings(),
            deadline_for=self.below_minimum().deadline,
            cost_of=self.cost_model().shard_cost,
        )


# -- the guardrail ------------------------------------------------------------------------------
class GuardrailResource(ConfigurableResource):
    """The Bedrock guardrail applied to every summary, its policy file and its quotas."""

    bedrock: ResourceDependency[BedrockResource]
    guardrail_id: str
    guardrail_version: str = "DRAFT"
    # ApplyGuardrail quotas set explicitly (None: Service Quotas, else the Region's default;
    # unlimited rates on the local engine).
    requests_per_second: float | None = Field(default=None, description="Requests per second.")
    content_units_per_second: float | None = None
    topic_units_per_second: float | None = None
    pii_units_per_second: float | None = None
    word_units_per_second: float | None = None
    grounding_units_per_second: float | None = None
    grounding_source_max_units: int | None = None
    enforce_quotas: bool = Field(default=True, description="False: the local engine.")
    quotas_from_service_quotas: bool = True
    concurrency: int = 4
    max_attempts: int = 8
    policy_file: str = Field(default="", description="The policy file (default: the package's).")

    def quotas_in_force(self) -> guardrail_quotas.GuardrailQuotas:
        explicit = {
            f: getattr(self, f)
            for f in guardrail_quotas.QUOTA_FIELDS
            if getattr(self, f) is not None
        }
        client = (
            self.bedrock.service_quotas()
            if self.quotas_from_service_quotas and self.enforce_quotas
            else None
        )
        key = (
            self.bedrock.region,
            tuple(sorted(explicit.items())),
            client is not None,
            self.enforce_quotas,
        )
        if key not in _GUARDRAIL_QUOTAS:
            fetch = (lambda: guardrail_quotas.read_service_quotas(client)) if client else None
            _GUARDRAIL_QUOTAS[key] = guardrail_quotas.resolve_guardrail_quotas(
                self.bedrock.region, explicit, fetch, self.enforce_quotas
            )
        return _GUARDRAIL_QUOTAS[key]

    def spec(self) -> GuardrailSpec:
        quotas = self.quotas_in_force()
        return GuardrailSpec(
            self.guardrail_id,
            self.guardrail_version,
            rates=quotas.rates,
            concurrency=self.concurrency,
            attempts=self.max_attempts,
            policy_digest=policy_digest(self.policy()),
            grounding_source_max_units=quotas.grounding_source_max_units,
            policies=configured_policies(self.policy()),
        )

    def policy(self) -> dict[str, Any]:
        return load_policy(self.policy_file or None)


# Service Quotas changes rarely and a run is short: asked once per process.
_GUARDRAIL_QUOTAS: dict[tuple, guardrail_quotas.GuardrailQuotas] = {}


# -- ingest and the ledger ----------------------------------------------------------------------
class IngestResource(ConfigurableResource):
    """What the landing area may hold, and how a team's files are read."""

    max_transcript_chars: int = 200_000
    max_landing_file_bytes: int = 256 * 1024**2
    # A team's own record keys ("transcript_id=ticket_ref,text=body"), beside the synonyms.
    record_fields: str = ""
    # The channel that carries the agent in stereo recordings ("ch_0"/"ch_1"); "" decides by
    # the agent's greeting (bedrock_assets/ingest/roles.py).
    agent_channel: str = ""

    def read_options(self) -> ReadOptions:
        return ReadOptions(parse_field_map(self.record_fields), self.agent_channel or None)


class LedgerResource(ConfigurableResource):
    """The job ledger shared by the sensor and the runs: a SQLAlchemy URL (a SQLite file
    under the data root by default; PostgreSQL for deployments)."""

    url: str = Field(description="SQLAlchemy URL of the ledger database.")

    def resolved_url(self) -> str:
        """The URL itself: Dagster resolves an EnvVar field when it initialises the resource,
        while the CLI and the demo use the resource directly."""
        url = self.url.get_value() if isinstance(self.url, EnvVar) else self.url
        return url or ""

    def get_ledger(self) -> Ledger:
        return Ledger(self.resolved_url())


def build_resources(settings: Settings) -> dict[str, Any]:
    """One deployment's resources, from its validated settings."""
    local = settings.backend == "local"
    layout = {
        "bucket": settings.bucket,
        "landing_prefix": settings.landing_prefix,
        "input_prefix": settings.input_prefix,
        "output_prefix": settings.output_prefix,
        "tables_prefix": settings.tables_prefix,
    }
    store: ObjectStoreResource = (
        LocalObjectStoreResource(root=str(settings.object_store_root), **layout)
        if local
        else S3ObjectStoreResource(
            s3=S3Resource(region_name=settings.region, endpoint_url=settings.s3_endpoint_url),
            **layout,
        )
    )
    bedrock: BedrockResource = (
        LocalBedrockResource(
            region=settings.region,
            data_root=str(settings.data_root),
            account_id=settings.account_id,
            max_concurrent_jobs=settings.max_concurrent_jobs,
            min_records_per_job=settings.min_records_per_job,
            max_records_per_job=settings.max_records_per_job,
            max_records_per_file=settings.max_records_per_file,
            max_file_bytes=settings.max_file_bytes,
            step_seconds=settings.local_step_seconds,
            record_seconds=settings.local_record_seconds,
            faults=settings.local_faults,
            guardrail_id=settings.guardrail_id,
        )
        if local
        else AwsBedrockResource(
            region=settings.region,
            bedrock_endpoint_url=settings.bedrock_endpoint_url,
            bedrock_runtime_endpoint_url=settings.bedrock_runtime_endpoint_url,
        )
    )
    vpc = settings.vpc_config or {"subnetIds": [], "securityGroupIds": []}
    rate = settings.guardrail_rate
    return {
        "object_store": store,
        "bedrock": bedrock,
        "batch": BatchInferenceResource(
            bedrock=bedrock,
            model_id=settings.model_id,
            role_arn=settings.role_arn,
            job_name_prefix=settings.job_name_prefix,
            model_invocation_type=settings.model_invocation_type,
            guidelines=settings.guidelines,
            max_tokens=settings.max_tokens,
            temperature=settings.temperature,
            redact_input=settings.redact_input,
            resummarize=settings.resummarize,
            timeout_duration_hours=settings.timeout_duration_hours,
            kms_key_id=settings.kms_key_id,
            s3_bucket_owner=settings.s3_bucket_owner,
            vpc_subnet_ids=vpc["subnetIds"],
            vpc_security_group_ids=vpc["securityGroupIds"],
            **{field: getattr(settings, field) for field in QUOTA_FIELDS},
            quota_overrides=sorted(set(settings.model_fields_set) & set(QUOTA_FIELDS)),
            quotas_from_service_quotas=settings.quotas_from_service_quotas,
            below_minimum_policy=settings.below_minimum_policy,
            below_minimum_wait_hours=settings.below_minimum_wait_hours,
            max_job_attempts=settings.max_job_attempts,
            max_record_attempts=settings.max_record_attempts,
            retry_backoff_seconds=settings.retry_backoff_seconds,
            submit_backoff_seconds=settings.submit_backoff_seconds,
            stuck_after_hours=settings.stuck_after_hours,
            submit_lease_seconds=settings.submit_lease_seconds,
            collect_lease_seconds=settings.collect_lease_seconds,
            max_submits_per_tick=settings.sensor_max_submits_per_tick,
            job_events_queue_url=settings.job_events_queue_url,
            job_events_wait_seconds=settings.job_events_wait_seconds,
            reconcile_interval_seconds=settings.sensor_interval_seconds,
            daily_budget_usd=settings.daily_budget_usd,
            collect_stall_seconds=settings.collect_stall_seconds,
            jobs_wait_hours=settings.jobs_wait_hours,
            jobs_poll_seconds=settings.jobs_poll_seconds,
            on_demand_requests_per_second=rate,
            on_demand_max_attempts=settings.guardrail_max_attempts,
        ),
        "guardrail": GuardrailResource(
            bedrock=bedrock,
            guardrail_id=settings.guardrail_id,
            guardrail_version=settings.guardrail_version,
            **{f: getattr(settings, f"guardrail_{f}") for f in guardrail_quotas.QUOTA_FIELDS},
            enforce_quotas=not local,
            quotas_from_service_quotas=settings.quotas_from_service_quotas,
            concurrency=settings.guardrail_concurrency,
            max_attempts=settings.guardrail_max_attempts,
        ),
        "ingest": IngestResource(
            max_transcript_chars=settings.max_transcript_chars,
            max_landing_file_bytes=settings.max_landing_file_bytes,
            record_fields=settings.record_fields,
            agent_channel=settings.agent_channel,
        ),
        "ledger": LedgerResource(
            url=EnvVar("BEDROCK_ASSETS_LEDGER_URL")
            if settings.ledger_url and settings.from_environment("ledger_url")
            else settings.ledger_url or sqlite_url(settings.ledger_path)
        ),
    }
