"""batch_job_slots: the Dagster replacement for seed 004's Lambda + DynamoDB queue manager."""

import time
from typing import Any

from dagster import (
    AssetCheckEvaluation,
    AssetCheckKey,
    AssetCheckSeverity,
    AssetKey,
    AssetObservation,
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

from bedrock_assets.batch.recovery import bind_ledger
from bedrock_assets.batch.slots import TickReport, run_tick
from bedrock_assets.defs.resources import (
    BatchInferenceResource,
    LedgerResource,
    ObjectStoreResource,
)
from bedrock_assets.state.ledger import Ledger, ShardRow

RUN_KEY_TAG = "bedrock_assets/run_key"
MAX_COLLECT_RUNS = 3  # failed collect runs of one day before the sensor stops asking


ACCEPTED_CHECK = "batch_jobs_accepted"
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


def _observe(shard: ShardRow, **metadata: Any) -> AssetObservation:
    return AssetObservation(
        asset_key=AssetKey("batch_input_shards"),
        partition=shard.call_date,
        metadata={"shard_id": shard.shard_id, **metadata},
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
    call_date: str,
    run_key: str,
    shards: list[ShardRow],
    stall_seconds: float,
) -> RunRequest | str:
    """The collect run for a finished day, or why there is none: ``collected`` (a run
    succeeded), ``running`` (one is queued or running) or ``gave_up`` (too many failed)."""
    runs = context.instance.get_runs(filters=RunsFilter(tags={RUN_KEY_TAG: run_key}))
    if fail_stalled_runs(context, list(runs), stall_seconds):
        runs = context.instance.get_runs(filters=RunsFilter(tags={RUN_KEY_TAG: run_key}))
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
    statuses = sorted({s.job_status or "" for s in shards})
    context.log.info(
        f"{call_date}: all {len(shards)} jobs terminal ({', '.join(statuses)}): "
        f"requesting {key}" + (f" after {len(runs)} failed run(s)" if runs else "")
    )
    return RunRequest(run_key=key, partition_key=call_date, tags={RUN_KEY_TAG: run_key})


def _tick_events(report: TickReport, ledger: Ledger) -> list[Any]:
    """What the tick changed, as events on the assets: job statuses, stuck jobs, new jobs,
    and whether Bedrock accepted each day's jobs (a partitioned check, red on refusal)."""
    events: list[Any] = [
        _observe(s, job_arn=s.job_arn or "", job_status=st) for s, st in report.refreshed
    ]
    events += [
        _observe(s, job_arn=s.job_arn or "", job_status=s.job_status or "", stuck=True)
        for s in report.stuck
    ]
    for shard in report.submitted:
        current = ledger.shard(shard.shard_id)
        arn = current.job_arn if current else ""
        events.append(
            _observe(shard, job_arn=arn, job_status="Submitted", records=shard.record_count)
        )
    return events


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
    ) -> SensorResult | SkipReason:
        led = ledger.get_ledger()
        # A lost ledger fails the tick, naming it and the rebuild command, before any submit.
        bind_ledger(led, object_store.get_store(), object_store.layout())
        context.log.info(f"quotas in force: {batch.quotas_in_force().describe()}")
        settings = batch.job_settings()
        deadline = batch.below_minimum().deadline
        report = run_tick(batch.bedrock.control_plane(), led, settings, deadline_for=deadline)
        for line in report.logs:
            context.log.info(line)
        events = _tick_events(report, led) + _accepted_events(context.instance, report, led)
        for shard, code, message in report.failed:
            context.log.error(f"{shard.call_date}: {shard.shard_id} refused: {code}: {message}")
        requests = []
        for call_date, run_key, shards in report.ready:
            request = _collect_request(
                context, call_date, run_key, shards, batch.collect_stall_seconds
            )
            if isinstance(request, RunRequest):
                requests.append(request)
            elif request != "running":
                led.mark_requested(call_date, run_key)
        summary = (
            f"{len(report.submitted)} submitted, {len(report.refreshed)} status changes, "
            f"{report.used_slots}/{settings.max_concurrent_jobs} slots used "
            f"({report.foreign_jobs} foreign), tick {report.seconds:.2f}s"
        )
        context.log.info(summary)
        if not requests and not events:
            return SkipReason(summary)
        return SensorResult(run_requests=requests, asset_events=events)

    return batch_job_slots
