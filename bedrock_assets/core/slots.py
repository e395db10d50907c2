"""One tick of the job-slot manager: refresh jobs, count slots, submit, find finished days.

Plain functions over a ``bedrock`` client (boto3 or the local engine) and the ledger, so the
Dagster sensor stays a thin shell and the logic is testable without Dagster.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError

from bedrock_assets.core.crash import crashpoint
from bedrock_assets.core.ledger import IN_FLIGHT_STATUSES, Ledger, ShardRow

RESUBMIT_STATUSES = ("Failed", "Expired", "Stopped")
WAITING_STATUSES = ("Submitted", "Validating", "Scheduled")


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
    stuck_after_seconds: float = 24 * 3600.0
    tags: tuple[tuple[str, str], ...] = (("pipeline", "bedrock_assets"),)


@dataclass
class TickReport:
    refreshed: list[tuple[ShardRow, str]] = field(default_factory=list)
    used_slots: int = 0
    foreign_jobs: int = 0
    submitted: list[ShardRow] = field(default_factory=list)
    adopted: list[ShardRow] = field(default_factory=list)
    resubmitted: list[tuple[ShardRow, str]] = field(default_factory=list)
    stuck: list[ShardRow] = field(default_factory=list)
    deferred: str | None = None
    ready: list[tuple[str, str, list[ShardRow]]] = field(default_factory=list)
    logs: list[str] = field(default_factory=list)
    seconds: float = 0.0


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


def count_in_flight(client: Any, model_id: str) -> list[dict[str, Any]]:
    """Every in-flight job of the model in the account, ours or not (they share the quota)."""
    jobs: list[dict[str, Any]] = []
    for status in IN_FLIGHT_STATUSES:
        kwargs: dict[str, Any] = {"statusEquals": status, "maxResults": 1000}
        while True:
            page = client.list_model_invocation_jobs(**kwargs)
            jobs.extend(
                j for j in page.get("invocationJobSummaries", []) if j.get("modelId") == model_id
            )
            if not page.get("nextToken"):
                break
            kwargs["nextToken"] = page["nextToken"]
    return jobs


def _find_job_by_name(client: Any, job_name: str) -> dict[str, Any] | None:
    kwargs: dict[str, Any] = {"nameContains": job_name, "maxResults": 100}
    while True:
        page = client.list_model_invocation_jobs(**kwargs)
        for job in page.get("invocationJobSummaries", []):
            if job.get("jobName") == job_name:
                return job
        if not page.get("nextToken"):
            return None
        kwargs["nextToken"] = page["nextToken"]


def _error_code(exc: ClientError) -> str:
    return exc.response.get("Error", {}).get("Code", "Unknown")


def run_tick(
    client: Any,
    ledger: Ledger,
    settings: JobSettings,
    clock: Callable[[], float] = time.monotonic,
    deadline_for: Callable[[str], float] | None = None,
    now: Callable[[], float] = time.time,
) -> TickReport:
    """Refresh active jobs, reconcile interrupted submissions, fill free slots oldest-first."""
    started = clock()
    report = TickReport()
    log = report.logs.append

    for shard in ledger.shards_in_state("active"):
        try:
            job = client.get_model_invocation_job(jobIdentifier=shard.job_arn)
        except ClientError as exc:
            code = _error_code(exc)
            if code != "ResourceNotFoundException":
                log(f"refresh of {shard.job_arn} deferred: {code}")
                continue
            job = {"status": "Failed", "message": "the job no longer exists in Bedrock"}
        status = job["status"]
        retryable = status in RESUBMIT_STATUSES and not shard.stop_requested
        if retryable and shard.attempt < settings.max_job_attempts:
            delay = settings.retry_backoff_seconds * 2 ** (shard.attempt - 1)
            ledger.resubmit(shard.shard_id, status, job.get("message"), now() + delay)
            report.resubmitted.append((shard, status))
            log(
                f"job {shard.job_arn} ({shard.shard_id}) ended {status}: attempt "
                f"{shard.attempt + 1} of {settings.max_job_attempts} in {delay:.0f}s"
            )
            continue
        if ledger.record_status(shard.shard_id, status, job.get("message")):
            report.refreshed.append((shard, status))
            log(f"job {shard.job_arn} ({shard.shard_id}): {shard.job_status} -> {status}")
        elif (
            status in WAITING_STATUSES
            and shard.submitted_at
            and now() - shard.submitted_at > settings.stuck_after_seconds
        ):
            report.stuck.append(shard)
            log(
                f"job {shard.job_arn} ({shard.shard_id}) still {status} after "
                f"{(now() - shard.submitted_at) / 3600:.1f}h"
            )

    # A crash between CreateModelInvocationJob and the ledger write leaves 'submitting':
    # adopt the job if Bedrock has it, else the shard goes back to the queue.
    for shard in ledger.shards_in_state("submitting"):
        found = _find_job_by_name(client, shard.job_name or "")
        if found:
            ledger.mark_active(shard.shard_id, found["jobArn"], found["status"])
            report.adopted.append(shard)
            log(f"reconciled {shard.shard_id}: adopted existing job {found['jobArn']}")
        else:
            ledger.mark_pending(shard.shard_id, "no job found for interrupted submission")
            log(f"reconciled {shard.shard_id}: no job existed, shard back to pending")

    # Held shards (below the job minimum) past their wait go to the collect run's on-demand pass.
    if deadline_for is not None:
        for shard in ledger.shards_in_state("held"):
            oldest = ledger.oldest_date(shard.shard_id)
            if now() >= deadline_for(oldest):
                ledger.mark_on_demand(shard.shard_id, "below the job minimum past its wait")
                log(
                    f"{shard.shard_id}: {shard.record_count} records below the job minimum "
                    f"(oldest {oldest}) go on demand"
                )

    in_flight = count_in_flight(client, settings.model_id)
    ours = {s.job_arn for s in ledger.shards_in_state("active")}
    report.used_slots = len(in_flight)
    report.foreign_jobs = sum(1 for j in in_flight if j["jobArn"] not in ours)
    free = max(0, settings.max_concurrent_jobs - report.used_slots)
    log(
        f"model {settings.model_id}: {report.used_slots}/{settings.max_concurrent_jobs} slots "
        f"in use ({report.foreign_jobs} by jobs this pipeline did not create), {free} free"
    )

    budget = min(free, settings.max_submits_per_tick)
    for shard in ledger.submittable(budget, now()) if budget else []:
        request = create_request(shard, settings)
        ledger.mark_submitting(shard.shard_id, request["jobName"], request["clientRequestToken"])
        crashpoint("submit_before_create")
        try:
            response = client.create_model_invocation_job(**request)
        except ClientError as exc:
            code = _error_code(exc)
            ledger.mark_pending(shard.shard_id, f"{code} on submit")
            report.deferred = code
            log(f"submit of {shard.shard_id} deferred: {code}")
            break
        crashpoint("submit_after_create")
        ledger.mark_active(shard.shard_id, response["jobArn"], "Submitted")
        report.submitted.append(shard)
        log(f"submitted {shard.shard_id} as {response['jobArn']} ({shard.record_count} records)")

    for call_date, shards in ledger.ready_partitions():
        # The shard attempts, not their statuses: the collect run itself moves on-demand
        # shards to terminal, and must not make the sensor ask for a second run.
        key_src = "|".join(f"{s.shard_id}:{s.attempt}:{s.job_arn}" for s in shards)
        run_key = f"batch-outputs-{call_date}-{hashlib.sha256(key_src.encode()).hexdigest()[:12]}"
        report.ready.append((call_date, run_key, shards))
    report.seconds = clock() - started
    return report


def stop_partition(client: Any, ledger: Ledger, call_date: str) -> list[str]:
    """Stop every in-flight job holding ``call_date``'s records, and submit nothing more.

    In-flight jobs get StopModelInvocationJob (their partial output is still collected);
    shards not yet submitted end ``Stopped`` without a job. Returns what was done, per shard.
    """
    done = []
    for shard in ledger.shards_for_date(call_date):
        if shard.state == "terminal":
            continue
        ledger.request_stop(shard.shard_id)
        if shard.state == "active" and shard.job_arn:
            try:
                client.stop_model_invocation_job(jobIdentifier=shard.job_arn)
                done.append(f"{shard.shard_id}: stop requested for {shard.job_arn}")
            except ClientError as exc:  # already finished: the next tick records its status
                done.append(f"{shard.shard_id}: {_error_code(exc)} on stop ({shard.job_arn})")
        elif shard.state in ("pending", "held", "on_demand", "submitting"):
            ledger.cancel(shard.shard_id)
            done.append(f"{shard.shard_id}: not submitted, recorded as stopped")
    return done
