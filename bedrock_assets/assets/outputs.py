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

from bedrock_assets.assets.common import GROUP, md_table, table
from bedrock_assets.assets.shards import batch_input_shards
from bedrock_assets.core.outputs import ALL_CHECKS, ShardOutcome, collect_shard
from bedrock_assets.core.tables import BATCH_OUTPUTS, TableWriter, iter_rows
from bedrock_assets.partitions import daily_partitions
from bedrock_assets.resources import LedgerResource, ObjectStoreResource
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
    context: AssetExecutionContext, object_store: ObjectStoreResource, ledger: LedgerResource
) -> MaterializeResult:
    settings = get_settings()
    store = object_store.get_store()
    call_date = context.partition_key
    shards = ledger.get_ledger().shards_for_date(call_date)
    unfinished = [s for s in shards if s.state != "terminal"]
    if unfinished:
        raise Failure(
            f"{len(unfinished)} of {len(shards)} shards of {call_date} are not finished "
            f"({', '.join(sorted({s.state for s in unfinished}))}); the batch_job_slots sensor "
            "requests this run once every job is terminal."
        )
    outcomes: list[ShardOutcome] = []
    with TableWriter(store, table(settings, "batch_outputs", call_date), BATCH_OUTPUTS) as out:
        for shard in shards:
            mapping = {
                r["record_id"]: r["transcript_id"]
                for r in iter_rows(
                    store,
                    table(settings, f"record_map/{call_date}", shard.shard_id),
                    columns=["record_id", "transcript_id"],
                )
            }
            outcome = collect_shard(store, shard, mapping)
            for row in outcome.rows:
                out.write(row)
            outcome.rows = []
            outcomes.append(outcome)
            context.log.info(
                f"{shard.shard_id} ({shard.job_arn}, {shard.job_status}): "
                f"{outcome.successes} ok, {outcome.errors} errors, "
                f"{outcome.missing} missing"
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
        "records": sum(s.record_count for s in shards),
        "successes": sum(o.successes for o in outcomes),
        "errors": sum(o.errors + o.missing for o in outcomes),
        "missing": sum(o.missing for o in outcomes),
        "input_tokens": sum(o.input_tokens for o in outcomes),
        "output_tokens": sum(o.output_tokens for o in outcomes),
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
