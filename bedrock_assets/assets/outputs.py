"""batch_job_outputs: every submitted record joined to its output line, with manifest checks."""

from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetExecutionContext,
    Failure,
    MaterializeResult,
    MetadataValue,
    asset,
)

from bedrock_assets.assets.common import GROUP, load_record_map, md_table, table
from bedrock_assets.assets.retries import register_retries
from bedrock_assets.assets.shards import batch_input_shards
from bedrock_assets.core.crash import crashpoint
from bedrock_assets.core.guard_calls import RateLimiter
from bedrock_assets.core.on_demand import run_on_demand
from bedrock_assets.core.outputs import ALL_CHECKS, DayMerge, ShardOutcome, collect_shard
from bedrock_assets.core.tables import BATCH_OUTPUTS, DEAD_LETTERS, TableWriter, write_rows
from bedrock_assets.partitions import daily_partitions
from bedrock_assets.resources import BedrockRuntimeResource, LedgerResource, ObjectStoreResource
from bedrock_assets.settings import get_settings

CHECK_DESCRIPTIONS = {
    "manifest_total_matches_submitted": (
        "manifest.json.out totalRecordCount equals the records submitted in the shard."
    ),
    "manifest_processed_equals_success_plus_error": (
        "processedRecordCount = successRecordCount + errorRecordCount, and both equal what "
        "the output lines show."
    ),
    "record_ids_exactly_once": (
        "Every submitted recordId appears exactly once in the job output (no missing, "
        "duplicated, unknown or malformed lines)."
    ),
    "token_totals_match_manifest": (
        "The input and output token totals of the output lines equal the manifest's."
    ),
}


@asset(
    partitions_def=daily_partitions,
    group_name=GROUP,
    deps=[batch_input_shards],
    kinds={"s3", "bedrock", "parquet"},
    check_specs=[
        AssetCheckSpec(name, asset="batch_job_outputs", description=desc)
        for name, desc in CHECK_DESCRIPTIONS.items()
    ],
    description=(
        "The day's batch job results: reads every {jobId}/*.jsonl.out and manifest.json.out, "
        "joins each output line to its input by recordId (output order is not guaranteed) "
        "and gives every submitted record one row: success with summary and tokens, the "
        "record's error, or missing_output. Requested by the batch_job_slots sensor when "
        "every job of the day is terminal."
    ),
)
def batch_job_outputs(
    context: AssetExecutionContext,
    object_store: ObjectStoreResource,
    ledger: LedgerResource,
    bedrock_runtime: BedrockRuntimeResource,
) -> MaterializeResult:
    settings = get_settings()
    store = object_store.get_store()
    call_date = context.partition_key
    led = ledger.get_ledger()
    shards = led.shards_for_date(call_date)
    unfinished = [s for s in shards if s.state not in ("terminal", "on_demand")]
    if unfinished:
        raise Failure(
            f"{len(unfinished)} of {len(shards)} shards holding {call_date}'s records are not "
            f"finished ({', '.join(sorted({s.state for s in unfinished}))}); the "
            "batch_job_slots sensor requests this run once every job is terminal."
        )
    for shard in [s for s in shards if s.state == "on_demand"]:
        manifest = run_on_demand(
            bedrock_runtime.get_client(),
            store,
            shard,
            settings.model_invocation_type,
            RateLimiter(settings.guardrail_rate),
            attempts=settings.guardrail_max_attempts,
        )
        led.mark_on_demand_done(
            shard.shard_id,
            "Completed",
            f"{manifest['processedRecordCount']} records on demand (below the batch job minimum)",
        )
        context.log.info(
            f"{shard.shard_id}: {shard.record_count} records below the batch "
            f"minimum sent on demand: {manifest}"
        )
    shards = led.shards_for_date(call_date)
    counts = led.date_counts(call_date)
    outcomes: list[ShardOutcome] = []
    merge = DayMerge(settings.max_record_attempts)
    with TableWriter(store, table(settings, "batch_outputs", call_date), BATCH_OUTPUTS) as out:
        for shard in shards:
            mapping = load_record_map(store, settings, shard)
            outcome = collect_shard(store, shard, mapping, call_date)
            for row in outcome.rows:
                if (done := merge.add(row, shard)) is not None:
                    out.write(done)
            outcome.rows = []
            outcomes.append(outcome)
            context.log.info(
                f"{shard.shard_id} ({shard.job_arn or shard.mode}, {shard.job_status}): "
                f"{outcome.day_successes} ok, {outcome.day_errors} errors, "
                f"{outcome.day_missing} missing of {call_date}'s {counts.get(shard.shard_id)}"
            )
        retry, dead = merge.finish()
        for row in retry + dead:
            out.write(row)
    crashpoint("collect_after_outputs")
    write_rows(
        store,
        table(settings, "dead_letters", call_date),
        DEAD_LETTERS,
        ({k: row.get(k) for k in DEAD_LETTERS.names} for row in dead),
    )
    for row in dead:
        context.log.warning(
            f"dead-lettered {row['record_id']} after {row['attempts']} "
            f"attempts: {row['error_code']}"
        )
    retry_shards = register_retries(store, settings, led, call_date, retry, shards)
    crashpoint("collect_after_retries")
    if retry:
        context.log.info(
            f"{len(retry)} records go to {len(retry_shards)} retry shard(s): "
            f"{', '.join(s.shard_id for s in retry_shards)}"
        )
    checks = []
    for name, fn in ALL_CHECKS.items():
        result = fn(outcomes)
        checks.append(
            AssetCheckResult(
                check_name=name,
                passed=result.passed,
                severity=AssetCheckSeverity.ERROR,
                metadata={
                    "failures": MetadataValue.md(
                        "\n".join(f"- {f}" for f in result.failures) or "none"
                    ),
                    "shards_checked": len(outcomes),
                },
            )
        )
    totals = {
        "records": sum(counts.values()),
        "successes": sum(o.day_successes for o in outcomes),
        "retrying": len(retry),
        "dead_lettered": len(dead),
        "input_tokens": sum(o.day_input_tokens for o in outcomes),
        "output_tokens": sum(o.day_output_tokens for o in outcomes),
        "on_demand_records": sum(counts[s.shard_id] for s in shards if s.mode == "on_demand"),
    }
    return MaterializeResult(
        check_results=checks,
        metadata={
            **totals,
            "jobs": len([s for s in shards if s.job_arn]),
            "job_table": MetadataValue.md(
                md_table(
                    ["shard", "job ARN", "status", "success", "error", "missing"],
                    [
                        (
                            o.shard.shard_id,
                            o.shard.job_arn,
                            o.shard.job_status,
                            o.successes,
                            o.errors,
                            o.missing,
                        )
                        for o in outcomes[:50]
                    ],
                )
            ),
            "outputs_table": table(settings, "batch_outputs", call_date),
        },
    )
