"""One tick of the job-slot manager: refresh jobs, count slots, submit, find finished days.

Plain functions over a ``bedrock`` client (boto3 or the local engine) and the ledger, so the
Dagster sensor stays a thin shell and the logic is testable without Dagster.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from bedrock_assets.aws_calls import backoff_seconds, error_code, error_message, is_transient
from bedrock_assets.batch.contract import (
    IN_FLIGHT_STATUSES,
    RESUBMIT_STATUSES,
    TERMINAL_STATUSES,
    WAITING_STATUSES,
)
from bedrock_assets.batch.progress import collect_key
from bedrock_assets.batch.requests import JobSettings, create_request
from bedrock_assets.crashpoints import crashpoint
from bedrock_assets.prompting.model_families import base_model_id
from bedrock_assets.state.ledger import Ledger, ShardRow

SUBMIT_LEASE = "submit"


@dataclass
class TickReport:
    refreshed: list[tuple[ShardRow, str]] = field(default_factory=list)
    progressed: list[ShardRow] = field(default_factory=list)  # record counts moved
    used_slots: int = 0
    foreign_jobs: int = 0
    submitted: list[ShardRow] = field(default_factory=list)
    adopted: list[ShardRow] = field(default_factory=list)
    resubmitted: list[tuple[ShardRow, str]] = field(default_factory=list)
    stuck: list[ShardRow] = field(default_factory=list)
    deferred: str | None = None
    failed: list[tuple[ShardRow, str, str]] = field(default_factory=list)  # shard, code, message
    ready: list[tuple[str, str, list[ShardRow]]] = field(default_factory=list)
    used_after: int = 0  # slots in use once this tick's submissions are counted
    # Shards left pending because their estimated cost would take their day over the daily
    # budget: (shard, its estimate, the day's estimated spend so far).
    over_budget: list[tuple[ShardRow, float, float]] = field(default_factory=list)
    lease_busy: bool = False  # another process held the submit lease
    logs: list[str] = field(default_factory=list)
    seconds: float = 0.0


def count_in_flight(client: Any, model_id: str) -> list[dict[str, Any]]:
    """Every in-flight job of the model in the account, ours or not (they share the quota).

    Bedrock may report the model as an id, a foundation-model ARN or an inference profile (id
    or ARN), and users configure any of these: both sides are reduced to the base model id.
    """
    base = base_model_id(model_id)
    paginator = client.get_paginator("list_model_invocation_jobs")
    return [
        job
        for status in IN_FLIGHT_STATUSES
        for page in paginator.paginate(statusEquals=status, PaginationConfig={"PageSize": 1000})
        for job in page.get("invocationJobSummaries", [])
        if base_model_id(str(job.get("modelId", ""))) == base
    ]


def find_job_by_name(client: Any, job_name: str) -> dict[str, Any] | None:
    paginator = client.get_paginator("list_model_invocation_jobs")
    for page in paginator.paginate(nameContains=job_name, PaginationConfig={"PageSize": 100}):
        for job in page.get("invocationJobSummaries", []):
            if job.get("jobName") == job_name:
                return job
    return None


def run_tick(
    client: Any,
    ledger: Ledger,
    settings: JobSettings,
    clock: Callable[[], float] = time.monotonic,
    deadline_for: Callable[[str], float] | None = None,
    now: Callable[[], float] = time.time,
    cost_of: Callable[[ShardRow], float] | None = None,
) -> TickReport:
    """Refresh active jobs, reconcile interrupted submissions, fill free slots oldest-first."""
    started = clock()
    report = TickReport()
    log = report.logs.append

    # A re-summarization replaced these: stop their jobs, cancel what never ran.
    for shard in ledger.obsolete_unfinished():
        ledger.request_stop(shard.shard_id)
        if shard.state == "active" and shard.job_arn:
            try:
                client.stop_model_invocation_job(jobIdentifier=shard.job_arn)
                log(f"{shard.shard_id}: replaced by a re-summarization, stopping {shard.job_arn}")
            except ClientError as exc:  # already finished: its status is recorded below
                log(f"{shard.shard_id}: {error_code(exc)} on stop of {shard.job_arn}")
        else:
            ledger.cancel(shard.shard_id)
            log(f"{shard.shard_id}: replaced by a re-summarization before it ran")

    for shard in ledger.shards_in_state("active"):
        try:
            job = client.get_model_invocation_job(jobIdentifier=shard.job_arn)
        except ClientError as exc:
            code = error_code(exc)
            if code != "ResourceNotFoundException":
                log(f"refresh of {shard.job_arn} deferred: {code}")
                continue
            job = {"status": "Failed", "message": "the job no longer exists in Bedrock"}
        status = job["status"]
        if "processedRecordCount" in job and ledger.record_progress(
            shard.shard_id,
            int(job.get("processedRecordCount") or 0),
            int(job.get("successRecordCount") or 0),
            int(job.get("errorRecordCount") or 0),
        ):
            report.progressed.append(shard)
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
        terminal = status in TERMINAL_STATUSES
        if ledger.record_status(shard.shard_id, status, job.get("message"), terminal):
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
        found = find_job_by_name(client, shard.job_name or "")
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

    owner = f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"
    if ledger.take_lease(SUBMIT_LEASE, owner, settings.lease_seconds):
        try:
            _fill_slots(client, ledger, settings, report, now, cost_of)
        finally:
            ledger.release_lease(SUBMIT_LEASE, owner)
    else:
        report.lease_busy = True
        log("another process is filling the job slots: this tick refreshed jobs only")

    for call_date, shards in ledger.ready_partitions():
        # The shard attempts, not their statuses: the collect run itself moves on-demand
        # shards to terminal, and must not make the sensor ask for a second run.
        report.ready.append((call_date, collect_key(call_date, shards), shards))
    report.seconds = clock() - started
    return report


def _fill_slots(
    client: Any,
    ledger: Ledger,
    settings: JobSettings,
    report: TickReport,
    now: Callable[[], float],
    cost_of: Callable[[ShardRow], float] | None = None,
) -> None:
    """Count the model's in-flight jobs and submit pending shards into the free slots (under
    the submit lease, so two processes never both fill the same free slots)."""
    log = report.logs.append
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
    spent: dict[str, float] = {}
    for shard in ledger.submittable(budget, now()) if budget else []:
        if settings.daily_budget_usd is not None and cost_of is not None:
            if shard.call_date not in spent:
                spent[shard.call_date] = sum(
                    cost_of(s)
                    for s in ledger.shards_for_date(shard.call_date, include_superseded=True)
                    if s.state in ("submitting", "active", "terminal") and s.mode == "batch"
                )
            estimate = cost_of(shard)
            if spent[shard.call_date] + estimate > settings.daily_budget_usd:
                report.over_budget.append((shard, estimate, spent[shard.call_date]))
                log(
                    f"{shard.shard_id} NOT submitted: about ${estimate:.2f} would take "
                    f"{shard.call_date} past its daily budget of ${settings.daily_budget_usd:.2f} "
                    f"(${spent[shard.call_date]:.2f} estimated so far)"
                )
                continue
            spent[shard.call_date] += estimate
        request = create_request(shard, settings)
        ledger.mark_submitting(shard.shard_id, request["jobName"], request["clientRequestToken"])
        crashpoint("submit_before_create")
        try:
            response = client.create_model_invocation_job(**request)
        except (ClientError, BotoCoreError) as exc:
            code = error_code(exc) if isinstance(exc, ClientError) else type(exc).__name__
            message = error_message(exc)
            if is_transient(exc):
                delay = backoff_seconds(shard.deferrals, base=settings.submit_backoff_seconds)
                ledger.defer(shard.shard_id, f"{code} on submit: {message}", now() + delay)
                report.deferred = code
                log(f"submit of {shard.shard_id} deferred {delay:.0f}s: {code}: {message}")
                break  # throttled or out of quota: the rest of the queue waits too
            ledger.mark_failed(shard.shard_id, code, message)
            report.failed.append((shard, code, message))
            log(f"submit of {shard.shard_id} FAILED (permanent, not retried): {code}: {message}")
            continue  # a permanent error never blocks the shards queued behind it
        crashpoint("submit_after_create")
        ledger.mark_active(shard.shard_id, response["jobArn"], "Submitted")
        report.submitted.append(shard)
        log(f"submitted {shard.shard_id} as {response['jobArn']} ({shard.record_count} records)")
    report.used_after = report.used_slots + len(report.submitted)
