"""The CreateModelInvocationJob request of one shard attempt: deterministic name and token.

The name and the idempotency token depend only on the shard and its attempt number, so a
crash between the call and the ledger write can never create a second job: the retried call
returns the same job, and the next tick finds it by name.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from bedrock_assets.state.ledger import ShardRow


@dataclass(frozen=True)
class JobSettings:
    """What every CreateModelInvocationJob request of this pipeline shares."""

    model_id: str
    role_arn: str
    job_name_prefix: str
    max_concurrent_jobs: int
    max_submits_per_tick: int = 50
    timeout_duration_hours: int | None = None
    model_invocation_type: str = "InvokeModel"
    kms_key_id: str | None = None
    s3_bucket_owner: str | None = None
    vpc_config: tuple[tuple[str, ...], tuple[str, ...]] | None = None
    max_job_attempts: int = 3
    retry_backoff_seconds: float = 300.0
    submit_backoff_seconds: float = 15.0
    stuck_after_seconds: float = 24 * 3600.0
    lease_seconds: float = 120.0  # the submit lease: a crashed holder keeps it this long
    daily_budget_usd: float | None = None
    tags: tuple[tuple[str, str], ...] = (("pipeline", "bedrock_assets"),)


def job_name_for(shard: ShardRow, prefix: str) -> str:
    """Deterministic per shard attempt, inside Bedrock's jobName pattern and 63 chars."""
    return (
        f"{prefix}-{shard.call_date}-{shard.shard_index:04d}-a{shard.attempt}-{shard.shard_id[-6:]}"
    )


def client_token_for(shard: ShardRow) -> str:
    """Idempotency token per shard attempt: a retried create returns the same job."""
    digest = hashlib.sha256(f"{shard.shard_id}:{shard.attempt}".encode()).hexdigest()
    return f"{digest[:40]}a{shard.attempt}"


def create_request(shard: ShardRow, settings: JobSettings) -> dict[str, Any]:
    """The CreateModelInvocationJob request for one shard attempt, with every option set."""
    input_config: dict[str, Any] = {"s3Uri": shard.input_uri, "s3InputFormat": "JSONL"}
    output_config: dict[str, Any] = {"s3Uri": shard.output_uri}
    if settings.s3_bucket_owner:
        input_config["s3BucketOwner"] = output_config["s3BucketOwner"] = settings.s3_bucket_owner
    if settings.kms_key_id:
        output_config["s3EncryptionKeyId"] = settings.kms_key_id
    request: dict[str, Any] = {
        "jobName": job_name_for(shard, settings.job_name_prefix),
        "roleArn": settings.role_arn,
        "clientRequestToken": client_token_for(shard),
        "modelId": shard.model_id,
        "modelInvocationType": settings.model_invocation_type,
        "inputDataConfig": {"s3InputDataConfig": input_config},
        "outputDataConfig": {"s3OutputDataConfig": output_config},
        "tags": [{"key": k, "value": v} for k, v in settings.tags]
        + [
            {"key": "partition", "value": shard.call_date},
            {"key": "shard", "value": shard.shard_id},
        ],
    }
    if settings.timeout_duration_hours:
        request["timeoutDurationInHours"] = settings.timeout_duration_hours
    if settings.vpc_config:
        subnets, groups = settings.vpc_config
        request["vpcConfig"] = {"subnetIds": list(subnets), "securityGroupIds": list(groups)}
    return request
