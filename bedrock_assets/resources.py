"""Dagster resources: the same four handles whichever backend the settings select.

The pipeline code never branches on the backend: these resources hand it an object store,
a ``bedrock`` client, a guardrail client (``apply_guardrail``) and the job ledger.
Clients are created once per process and settings are read at run time, so a change of
``BEDROCK_ASSETS_*`` variables needs no code change.
"""

import functools
from typing import Any

import boto3
from botocore.config import Config
from dagster import ConfigurableResource, ResourceDependency
from dagster_aws.s3 import S3Resource

from bedrock_assets.core.ledger import Ledger
from bedrock_assets.core.quotas import (
    QUOTA_FIELDS,
    QuotaCache,
    QuotasInForce,
    read_service_quotas,
    resolve,
)
from bedrock_assets.core.sharding import Quotas
from bedrock_assets.core.slots import JobSettings
from bedrock_assets.core.storage import LocalObjectStore, ObjectStore, S3ObjectStore
from bedrock_assets.local.batch_engine import EngineConfig, LocalBedrockClient, parse_faults
from bedrock_assets.local.runtime import LocalRuntimeClient
from bedrock_assets.settings import Settings, get_settings

_BOTO_CONFIG = Config(retries={"mode": "adaptive", "max_attempts": 8})


_QUOTA_CACHE = QuotaCache()


def quotas_in_force(settings: Settings) -> QuotasInForce:
    """Configuration, explicit overrides and, on AWS, the account's Service Quotas values."""
    configured = {field: getattr(settings, field) for field in QUOTA_FIELDS}
    explicit = set(settings.model_fields_set) & set(QUOTA_FIELDS)
    fetch = None
    if settings.backend == "aws" and settings.quotas_from_service_quotas:

        def fetch() -> dict[str, int]:
            return read_service_quotas(
                aws_client("service-quotas", settings.region), settings.model_id
            )

    key = (
        settings.model_id,
        settings.region,
        tuple(sorted(configured.items())),
        tuple(sorted(explicit)),
        fetch is not None,
    )
    return _QUOTA_CACHE.get(key, lambda: resolve(configured, explicit, fetch))


def quotas_from(settings: Settings) -> Quotas:
    values = quotas_in_force(settings).values
    return Quotas(**{k: v for k, v in values.items() if k != "max_concurrent_jobs"})


def job_settings_from(settings: Settings) -> JobSettings:
    return JobSettings(
        model_id=settings.model_id,
        role_arn=settings.role_arn,
        job_name_prefix=settings.job_name_prefix,
        max_concurrent_jobs=quotas_in_force(settings).values["max_concurrent_jobs"],
        max_submits_per_tick=settings.sensor_max_submits_per_tick,
        max_job_attempts=settings.max_job_attempts,
        retry_backoff_seconds=settings.retry_backoff_seconds,
        stuck_after_seconds=settings.stuck_after_hours * 3600,
        timeout_duration_hours=settings.timeout_duration_hours,
        model_invocation_type=settings.model_invocation_type,
        kms_key_id=settings.kms_key_id,
        s3_bucket_owner=settings.s3_bucket_owner,
        vpc_config=(
            (tuple(vpc["subnetIds"]), tuple(vpc["securityGroupIds"]))
            if (vpc := settings.vpc_config)
            else None
        ),
    )


@functools.lru_cache(maxsize=8)
def local_batch_client(settings: Settings) -> LocalBedrockClient:
    config = EngineConfig(
        store_root=str(settings.object_store_root.resolve()),
        region=settings.region,
        account_id=settings.account_id,
        max_concurrent_jobs=settings.max_concurrent_jobs,
        min_records_per_job=settings.min_records_per_job,
        max_records_per_job=settings.max_records_per_job,
        max_records_per_file=settings.max_records_per_file,
        max_file_bytes=settings.max_file_bytes,
        step_seconds=settings.local_step_seconds,
        faults=parse_faults(settings.local_faults),
    )
    return LocalBedrockClient(settings.local_engine_path.resolve(), config)


@functools.lru_cache(maxsize=8)
def aws_client(service: str, region: str) -> Any:
    """boto3 client on the standard chain; honours AWS_PROFILE and AWS_ENDPOINT_URL_<SERVICE>."""
    return boto3.session.Session().client(service, region_name=region, config=_BOTO_CONFIG)


class ObjectStoreResource(ConfigurableResource):
    """The bucket: a local directory by default, S3 (dagster-aws ``S3Resource``) on AWS."""

    s3: ResourceDependency[S3Resource]

    def get_store(self) -> ObjectStore:
        settings = get_settings()
        if settings.backend == "aws":
            return S3ObjectStore(self.s3.get_client())
        return LocalObjectStore(settings.object_store_root)


class BedrockBatchResource(ConfigurableResource):
    """The ``bedrock`` control plane (batch jobs): the local engine or boto3."""

    def get_client(self) -> Any:
        settings = get_settings()
        if settings.backend == "aws":
            return aws_client("bedrock", settings.region)
        return local_batch_client(settings)


class BedrockRuntimeResource(ConfigurableResource):
    """``bedrock-runtime``: ApplyGuardrail, and InvokeModel/Converse for the on-demand path;
    the local guardrail engine and summarizer, or boto3."""

    def get_client(self) -> Any:
        settings = get_settings()
        if settings.backend == "aws":
            return aws_client("bedrock-runtime", settings.region)
        return _local_runtime()


@functools.lru_cache(maxsize=1)
def _local_runtime() -> LocalRuntimeClient:
    return LocalRuntimeClient()


class LedgerResource(ConfigurableResource):
    """The SQLite job ledger shared by the sensor and the assets."""

    def get_ledger(self) -> Ledger:
        return Ledger(get_settings().ledger_path)


def build_resources() -> dict[str, Any]:
    return {
        "object_store": ObjectStoreResource(s3=S3Resource()),
        "bedrock": BedrockBatchResource(),
        "bedrock_runtime": BedrockRuntimeResource(),
        "ledger": LedgerResource(),
    }
