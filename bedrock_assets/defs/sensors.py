"""batch_job_slots: the Dagster replacement for seed 004's Lambda + DynamoDB queue manager."""

import json
import os
import socket
import time
from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, datetime
from typing import Any

from dagster import (
    AssetCheckEvaluation,
    AssetCheckKey,
    AssetCheckSeverity,
    AssetKey,
    AssetObservation,
    AssetRecordsFilter,
    DagsterInstance,
    DagsterRun,
    DagsterRunStatus,
    DefaultSensorStatus,
    JobDefinition,
    MetadataValue,
    RunRequest,
    RunsFilter,
    SensorDefinition,
    SensorEvaluationContext,
    SensorResult,
    SkipReason,
    sensor,
)

# define_asset_job's return type, which dagster does not export
from dagster._core.definitions.unresolved_asset_job_definition import (
    UnresolvedAssetJobDefinition,
)
from dagster._core.storage.asset_check_execution_record import AssetCheckExecutionRecordStatus
from dagster._core.storage.dagster_run import IN_PROGRESS_RUN_STATUSES
from dagster._core.storage.tags import BACKFILL_ID_TAG
from dagster._core.storage.tags import PARTITION_NAME_TAG as PARTITION_TAG

from bedrock_assets.batch.events import run_event_tick
from bedrock_assets.batch.progress import DayProgress, day_progress
from bedrock_assets.batch.recovery import bind_ledger
from bedrock_assets.batch.slots import TickReport
from bedrock_assets.defs.metadata import to_metadata
from bedrock_assets.defs.resources import (
    BatchInferenceResource,
    LedgerResource,
    ObjectStoreResource,
)
from bedrock_assets.state.ledger import Ledger, ShardRow

RUN_KEY_TAG = "bedrock_assets/run_key"
MAX_COLLECT_RUNS = 3  # failed collect runs of one day before the sensor stops asking


ACCEPTED_CHECK = "batch_jobs_accepted"
BUDGET_CHECK = "within_daily_budget"
JOBS_ASSET = "bedrock_batch_jobs"
# Two sensor processes (two daemons, a failover) must not both request a day's collect run:
# the first to take the run key's lease in the ledger requests it. Once the run exists its
# run-key tag dedupes; the lease only covers the moments before, so it is short (a requester
# that died holds the day back for at most BEDROCK_ASSETS_COLLECT_LEASE_SECONDS).
LEASE_OWNER = f"{socket.gethostname()}:{os.getpid()}"
# With a job-event queue the sensor ticks this often (the daemon's own loop period): a tick
# with no event only reads the queue; one with an event reconciles and refills at once.
EVENT_TICK_SECONDS = 5


def sensor_interval(poll_seconds: int, job_events: bool) -> int:
    """The sensor's minimum interval: the polling interval, or the event tick with a queue."""
    return min(poll_seconds, EVENT_TICK_SECONDS) if job_events else poll_seconds


FIX_HINT = (
    "fix the cause (`bedrock-assets preflight` names it), then `bedrock-assets requeue --date "
    "<date>` or launch the requeue_failed_shards job for the partition"
)


def accepted_evaluation(failed: list[ShardRow]) -> AssetCheckEvaluation:
    """Whether Bedrock accepted every batch job (red, naming the days and Bedrock's message,
    if not). Ledger-wide rather than per partition: Dagster stores one runless evaluation per
    partition, and this one changes whenever a job is refused or a fix is requeued."""
    days = sorted({d for s in failed for d in [s.call_date]})
    return AssetCheckEvaluation(
        asset_key=AssetKey("batch_input_shards"),
        check_name=ACCEPTED_CHECK,
        passed=not failed,
        severity=AssetCheckSeverity.ERROR,
        metadata={
            "failed_shards": len(failed),
            "days": ", ".join(days) or "none",
            "errors": MetadataValue.md(
                "\n".join(f"- {s.call_date} `{s.shard_id}`: {s.message}" for s in failed) or "none"
            ),
            **({"fix": FIX_HINT} if failed else {}),
        },
    )


# A run in these states has a worker that should be writing events; QUEUED runs wait for the
# run coordinator and are not stalls.
_WORKING = (
    DagsterRunStatus.NOT_STARTED,
    DagsterRunStatus.STARTING,
    DagsterRunStatus.STARTED,
    DagsterRunStatus.CANCELING,
)


def _last_activity(instance: DagsterInstance, run: DagsterRun) -> float | None:
    records = instance.event_log_storage.get_records_for_run(
        run.run_id, limit=1, ascending=False
    ).records
    return records[0].event_log_entry.timestamp if records else None


def fail_stalled_runs(
    context: SensorEvaluationContext, runs: list[DagsterRun], stall_seconds: float
) -> list[DagsterRun]:
    """Mark collect runs that stopped making progress as failed, so the day is requested
    again: a worker killed with its process group, a lost container, a hung process. Run
    monitoring catches most of these; this bound holds whatever the run launcher."""
    stalled = []
    now = time.time()
    for run in runs:
        last = _last_activity(context.instance, run) if run.status in _WORKING else None
        if last is None or now - last <= stall_seconds:
            continue
        message = (
            f"no event for {now - last:.0f}s (more than BEDROCK_ASSETS_COLLECT_STALL_SECONDS="
            f"{stall_seconds:.0f}): marked failed by batch_job_slots, which requests the day again"
        )
        try:
            context.instance.run_launcher.terminate(run.run_id)
        except Exception as exc:  # a dead worker cannot be asked to stop
            context.log.info(f"terminate {run.run_id}: {type(exc).__name__}")
        current = context.instance.get_run_by_id(run.run_id)
        if current is not None and current.status in _WORKING:
            context.instance.report_run_failed(current, message)
        context.log.error(
            f"collect run {run.run_id} for {run.tags.get('dagster/partition')}: " + message
        )
        stalled.append(run)
    return stalled


def _collect_request(
    context: SensorEvaluationContext,
    ledger: Ledger,
    call_date: str,
    run_key: str,
    shards: list[ShardRow],
    stall_seconds: float,
    lease_seconds: float,
) -> RunRequest | str:
    """The collect run for a finished day, or why there is none: ``collected`` (a run
    succeeded), ``running`` (one is queued or running) or ``gave_up`` (too many failed)."""
    runs = context.instance.get_runs(filters=RunsFilter(tags={RUN_KEY_TAG: run_key}))
    if fail_stalled_runs(context, list(runs), stall_seconds):
        runs = context.instance.get_runs(filters=RunsFilter(tags={RUN_KEY_TAG: run_key}))
    if _collecting_elsewhere(context.instance, call_date):
        return "running"  # "Materialize all" or a backfill run waits on the day's jobs itself
    if any(r.status == DagsterRunStatus.SUCCESS for r in runs):
        return "collected"
    if any(r.status not in (DagsterRunStatus.FAILURE, DagsterRunStatus.CANCELED) for r in runs):
        return "running"
    if len(runs) >= MAX_COLLECT_RUNS:
        context.log.error(
            f"{call_date}: {len(runs)} collect runs failed; not requesting "
            "another (re-materialize batch_job_outputs after fixing the cause)"
        )
        return "gave_up"
    key = f"{run_key}-retry{len(runs)}" if runs else run_key
    if not ledger.take_lease(f"collect:{key}", LEASE_OWNER, lease_seconds):
        return "running"  # another sensor process asked for this run a moment ago
    statuses = sorted({s.job_status or "" for s in shards})
    context.log.info(
        f"{call_date}: all {len(shards)} jobs terminal ({', '.join(statuses)}): "
        f"requesting {key}" + (f" after {len(runs)} failed run(s)" if runs else "")
    )
    return RunRequest(
        run_key=key,
        partition_key=call_date,
        tags={RUN_KEY_TAG: run_key, **_backfill_tags(context.instance, call_date)},
    )


def _collecting_elsewhere(instance: DagsterInstance, call_date: str) -> bool:
    """A run not requested by this sensor that will collect the day (its bedrock_batch_jobs
    step waits for the jobs): requesting another would collect the day twice."""
    runs = instance.get_runs(
        filters=RunsFilter(statuses=IN_PROGRESS_RUN_STATUSES, tags={PARTITION_TAG: call_date})
    )
    return any(
        RUN_KEY_TAG not in r.tags and AssetKey(JOBS_ASSET) in (r.asset_selection or set())
        for r in runs
    )


def _backfill_tags(instance: DagsterInstance, call_date: str) -> dict[str, str]:
    """The backfill that registered the day, so its status covers the collect run too."""
    records = instance.fetch_materializations(
        AssetRecordsFilter(asset_key=AssetKey("batch_input_shards"), asset_partitions=[call_date]),
        limit=1,
    ).records
    run = instance.get_run_by_id(records[0].run_id) if records else None
    backfill = run.tags.get(BACKFILL_ID_TAG) if run else None
    return {BACKFILL_ID_TAG: backfill} if backfill else {}


@dataclass
class TickCursor:
    """What the sensor remembers between ticks (shown as its cursor in the UI): totals of
    what it did, the time of the last tick that did something, the quotas it last logged,
    and the days held back by the budget."""

    ticks: int = 0
    submitted_total: int = 0
    collect_runs_requested: int = 0
    last_work: str = ""
    quotas: str = ""
    over_budget: set[str] = field(default_factory=set)
    active_jobs: int = 0
    slots_in_use: int = 0
    last_reconcile: float = 0.0  # epoch seconds of the last full tick (the polling fallback)
    job_events_deleted: int = 0

    @classmethod
    def load(cls, raw: str | None) -> "TickCursor":
        try:
            data = json.loads(raw) if raw else {}
        except ValueError:
            data = {}
        known = {f.name for f in fields(cls)}
        cursor = cls(**{k: v for k, v in data.items() if k in known})
        cursor.over_budget = set(cursor.over_budget)
        return cursor

    def dump(self) -> str:
        data = asdict(self)
        data["over_budget"] = sorted(self.over_budget)
        return json.dumps(data, sort_keys=True)

    def record(self, report: TickReport, requested: int) -> None:
        self.ticks += 1
        self.submitted_total += len(report.submitted)
        self.collect_runs_requested += requested
        self.slots_in_use = report.used_after
        self.active_jobs = report.used_after - report.foreign_jobs
        if report.submitted or report.refreshed or report.progressed or requested:
            self.last_work = datetime.now(UTC).isoformat(timespec="seconds")

    @staticmethod
    def summary(report: TickReport, slots: int, requested: int) -> str:
        """What the tick did, in one line; an idle tick says it was idle."""
        did = []
        if report.submitted:
            did.append(f"submitted {len(report.submitted)} job(s)")
        if report.refreshed:
            did.append(f"{len(report.refreshed)} status change(s)")
        if report.progressed:
            did.append(f"progress on {len(report.progressed)} job(s)")
        if report.resubmitted:
            did.append(f"{len(report.resubmitted)} job(s) to retry")
        if report.failed:
            did.append(f"{len(report.failed)} REFUSED")
        if report.over_budget:
            did.append(f"{len(report.over_budget)} held back by the daily budget")
        if requested:
            did.append(f"requested {requested} collect run(s)")
        slots_text = (
            "slots not counted (another process is submitting)"
            if report.lease_busy
            else f"{report.used_after}/{slots} slots in use after submitting "
            f"({report.foreign_jobs} by other jobs)"
        )
        head = ", ".join(did) if did else "idle: nothing changed"
        return f"{head}; {slots_text}; tick {report.seconds:.2f}s"


def _tick_events(report: TickReport, ledger: Ledger) -> list[Any]:
    """Where each day the tick touched stands, as an observation of ``bedrock_batch_jobs``:
    x of y jobs done, records processed, queued shards, and what changed."""
    changes: dict[str, list[str]] = {}

    def note(shard: ShardRow, text: str) -> None:
        for day in ledger.shard_dates(shard.shard_id) or {shard.call_date: 0}:
            changes.setdefault(day, []).append(text)

    for shard, status in report.refreshed:
        note(shard, f"{shard.shard_id}: {status}")
    for shard in report.progressed:
        note(shard, "")
    for shard in report.submitted:
        note(shard, f"{shard.shard_id}: submitted")
    for shard in report.stuck:
        note(shard, f"{shard.shard_id}: STUCK {shard.job_status}")
    for shard, code, _ in report.failed:
        note(shard, f"{shard.shard_id}: refused ({code})")
    for shard, estimate, _ in report.over_budget:
        note(shard, f"{shard.shard_id}: held back by the daily budget (~${estimate:.2f})")
    return [
        progress_observation(day_progress(ledger, day), notes)
        for day, notes in sorted(changes.items())
    ]


def progress_observation(day: DayProgress, notes: list[str] | None = None) -> AssetObservation:
    """A day's batch jobs as an observation (numbers the UI plots, and the jobs table)."""
    changed = [n for n in notes or [] if n]
    return AssetObservation(
        asset_key=AssetKey(JOBS_ASSET),
        partition=day.call_date,
        metadata=to_metadata(
            {**day.metadata(), "progress": day.headline(), "changes": "; ".join(changed) or "-"}
        ),
    )


def _budget_events(report: TickReport, budget: float | None, cursor: TickCursor) -> list[Any]:
    """Red while a day's next job would exceed the daily budget (naming the days), green
    again once their jobs go out. Ledger-wide like batch_jobs_accepted: Dagster keeps one
    runless evaluation per check and partition, and this one changes as days move."""
    held = {s.call_date: (s, est, spent) for s, est, spent in report.over_budget}
    went_out = {s.call_date for s in report.submitted}
    days = (cursor.over_budget - went_out) | set(held)
    if days == cursor.over_budget and not held:
        return []
    cursor.over_budget = days
    rows = [
        f"- {day}: next job `{shard.shard_id}` about ${est:.2f}, ${spent:.2f} estimated so far"
        for day, (shard, est, spent) in sorted(held.items())
    ]
    return [
        AssetCheckEvaluation(
            asset_key=AssetKey("batch_input_shards"),
            check_name=BUDGET_CHECK,
            passed=not days,
            severity=AssetCheckSeverity.ERROR,
            metadata={
                "daily_budget_usd": budget or 0.0,
                "days_held_back": ", ".join(sorted(days)) or "none",
                "held_back": MetadataValue.md("\n".join(rows) or "none"),
                **(
                    {"fix": "raise BEDROCK_ASSETS_DAILY_BUDGET_USD (nothing is lost meanwhile)"}
                    if days
                    else {}
                ),
            },
        )
    ]


def _accepted_events(
    instance: DagsterInstance, report: TickReport, ledger: Ledger
) -> list[AssetCheckEvaluation]:
    """Red when Bedrock refuses a job; green again once every refused job was accepted."""
    failed = ledger.shards_in_state("failed")
    if report.failed:
        return [accepted_evaluation(failed)]
    if report.submitted and not failed:
        key = AssetCheckKey(AssetKey("batch_input_shards"), ACCEPTED_CHECK)
        latest = instance.event_log_storage.get_latest_asset_check_execution_by_key([key])
        record = latest.get(key)
        if record is not None and record.status == AssetCheckExecutionRecordStatus.FAILED:
            return [accepted_evaluation([])]
    return []


def build_batch_job_slots(
    collect_job: JobDefinition | UnresolvedAssetJobDefinition, interval_seconds: int
) -> SensorDefinition:
    @sensor(
        name="batch_job_slots",
        job=collect_job,
        minimum_interval_seconds=interval_seconds,
        default_status=DefaultSensorStatus.RUNNING,
        description=(
            "With BEDROCK_ASSETS_JOB_EVENTS_QUEUE_URL, ticks every few seconds reading Bedrock "
            "job state-change events and does the following as soon as one arrives (else at "
            "the polling interval). "
            "Fills the quota-limited Bedrock batch job slots. Each tick: refreshes the status "
            "of active jobs (Failed, Expired and Stopped jobs are resubmitted as the next "
            "attempt after a backoff; jobs waiting too long are reported), reconciles "
            "submissions interrupted by a crash, sends held shards past their wait on demand, "
            "counts the slots in use for the model (jobs this pipeline did not create count "
            "too), submits pending shards oldest day first with an idempotent "
            "clientRequestToken, records every transition in the ledger, and when every job "
            "holding a day's records is terminal requests one run of collect_batch_outputs for "
            "that day (again, up to 3 times, if a run fails)."
        ),
    )
    def batch_job_slots(
        context: SensorEvaluationContext,
        batch: BatchInferenceResource,
        ledger: LedgerResource,
        object_store: ObjectStoreResource,
    ) -> SensorResult:
        led = ledger.get_ledger()
        # A lost ledger fails the tick, naming it and the rebuild command, before any submit.
        bind_ledger(led, object_store.get_store(), object_store.layout())
        cursor = TickCursor.load(context.cursor)
        quotas = batch.quotas_in_force().describe()
        if quotas != cursor.quotas:  # said once, and again when they change
            context.log.info(f"quotas in force: {quotas}")
            cursor.quotas = quotas
        queue = batch.job_events()
        if queue is None:
            report = batch.tick(led)
        else:
            since = time.time() - cursor.last_reconcile
            outcome, maybe = run_event_tick(
                queue,
                led,
                batch.model_id,
                lambda: batch.tick(led),
                due=since >= batch.reconcile_interval_seconds,
            )
            for line in outcome.warnings:
                context.log.warning(line)
            for line in outcome.logs:
                context.log.info(line)
            cursor.job_events_deleted += outcome.deleted
            if maybe is None:
                wait = batch.reconcile_interval_seconds - since
                context.update_cursor(cursor.dump())
                return SensorResult(
                    skip_reason=SkipReason(
                        f"no job event: {outcome.deleted} event(s) of other models' jobs "
                        f"deleted; polling reconciliation in {wait:.0f}s"
                    )
                )
            report = maybe
            cursor.last_reconcile = time.time()
        for line in report.logs:
            context.log.info(line)
        for shard, code, message in report.failed:
            context.log.error(f"{shard.call_date}: {shard.shard_id} refused: {code}: {message}")
        events = (
            _tick_events(report, led)
            + _accepted_events(context.instance, report, led)
            + _budget_events(report, batch.daily_budget_usd, cursor)
        )
        requests = []
        for call_date, run_key, shards in report.ready:
            request = _collect_request(
                context,
                led,
                call_date,
                run_key,
                shards,
                batch.collect_stall_seconds,
                batch.collect_lease_seconds,
            )
            if isinstance(request, RunRequest):
                requests.append(request)
            elif request != "running":
                led.mark_requested(call_date, run_key)
        slots = batch.job_settings().max_concurrent_jobs
        cursor.record(report, len(requests))
        summary = cursor.summary(report, slots, len(requests))
        context.log.info(summary)
        context.update_cursor(cursor.dump())
        return SensorResult(
            run_requests=requests,
            asset_events=events,
            skip_reason=None if requests else SkipReason(summary),
        )

    return batch_job_slots
