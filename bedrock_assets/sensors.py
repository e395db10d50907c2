"""batch_job_slots: the Dagster replacement for seed 004's Lambda + DynamoDB queue manager."""

from dagster import (
    AssetKey,
    AssetObservation,
    DagsterRunStatus,
    DefaultSensorStatus,
    RunRequest,
    RunsFilter,
    SensorEvaluationContext,
    SensorResult,
    SkipReason,
    sensor,
)

from bedrock_assets.core.ledger import ShardRow
from bedrock_assets.core.slots import run_tick
from bedrock_assets.jobs import batch_outputs_job
from bedrock_assets.resources import (
    BedrockBatchResource,
    LedgerResource,
    job_settings_from,
    quotas_in_force,
)
from bedrock_assets.settings import get_settings

RUN_KEY_TAG = "bedrock_assets/run_key"
MAX_COLLECT_RUNS = 3  # failed collect runs of one day before the sensor stops asking


@sensor(
    name="batch_job_slots",
    job=batch_outputs_job,
    minimum_interval_seconds=get_settings().sensor_interval_seconds,
    default_status=DefaultSensorStatus.RUNNING,
    description=(
        "Fills the quota-limited Bedrock batch job slots. Each tick: refreshes the status of "
        "active jobs (Failed, Expired and Stopped jobs are resubmitted as the next attempt "
        "after a backoff; jobs waiting too long are reported), reconciles submissions "
        "interrupted by a crash, sends held shards past their wait on demand, counts the "
        "slots in use for the model (jobs this pipeline did not create count too), submits "
        "pending shards oldest day first with an idempotent clientRequestToken, records every "
        "transition in the SQLite ledger, and when every job holding a day's records is "
        "terminal requests one run of collect_batch_outputs for that day (again, up to 3 "
        "times, if a run fails)."
    ),
)
def batch_job_slots(
    context: SensorEvaluationContext, bedrock: BedrockBatchResource, ledger: LedgerResource
) -> SensorResult | SkipReason:
    settings = get_settings()
    led = ledger.get_ledger()
    context.log.info(f"quotas in force: {quotas_in_force(settings).describe()}")
    job_settings = job_settings_from(settings)
    report = run_tick(
        bedrock.get_client(), led, job_settings, deadline_for=settings.below_minimum_deadline
    )
    for line in report.logs:
        context.log.info(line)

    def observe(shard: ShardRow, **metadata: object) -> AssetObservation:
        return AssetObservation(
            asset_key=AssetKey("batch_input_shards"),
            partition=shard.call_date,
            metadata={"shard_id": shard.shard_id, **metadata},
        )

    events = [
        observe(shard, job_arn=shard.job_arn or "", job_status=status)
        for shard, status in report.refreshed
    ]
    events += [
        observe(shard, job_arn=shard.job_arn or "", job_status=shard.job_status or "", stuck=True)
        for shard in report.stuck
    ]
    for shard in report.submitted:
        current = led.shard(shard.shard_id)
        events.append(
            observe(
                shard,
                job_arn=current.job_arn if current else "",
                job_status="Submitted",
                records=shard.record_count,
            )
        )
    requests = []
    for call_date, run_key, shards in report.ready:
        runs = context.instance.get_runs(filters=RunsFilter(tags={RUN_KEY_TAG: run_key}))
        if any(r.status == DagsterRunStatus.SUCCESS for r in runs):
            led.mark_requested(call_date, run_key)  # collected by an earlier run
            continue
        if any(r.status not in (DagsterRunStatus.FAILURE, DagsterRunStatus.CANCELED) for r in runs):
            continue  # queued or running
        if len(runs) >= MAX_COLLECT_RUNS:
            led.mark_requested(call_date, run_key)
            context.log.error(
                f"{call_date}: {len(runs)} collect runs failed; not requesting "
                "another (re-materialize batch_job_outputs after fixing the cause)"
            )
            continue
        key = f"{run_key}-retry{len(runs)}" if runs else run_key
        statuses = sorted({s.job_status or "" for s in shards})
        context.log.info(
            f"{call_date}: all {len(shards)} jobs terminal ({', '.join(statuses)}): "
            f"requesting {key}" + (f" after {len(runs)} failed run(s)" if runs else "")
        )
        requests.append(
            RunRequest(run_key=key, partition_key=call_date, tags={RUN_KEY_TAG: run_key})
        )
    summary = (
        f"{len(report.submitted)} submitted, {len(report.refreshed)} status changes, "
        f"{report.used_slots}/{job_settings.max_concurrent_jobs} slots used "
        f"({report.foreign_jobs} foreign), tick {report.seconds:.2f}s"
    )
    context.log.info(summary)
    if not requests and not events:
        return SkipReason(summary)
    return SensorResult(run_requests=requests, asset_events=events)
