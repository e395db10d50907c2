"""batch_input_shards and batch_job_outputs: the two ends of Bedrock batch inference."""

from dagster import (
    AssetCheckResult,
    AssetChecksDefinition,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetExecutionContext,
    AssetsDefinition,
    Config,
    DataVersion,
    Failure,
    MaterializeResult,
    PartitionsDefinition,
    asset,
    asset_check,
)
from pydantic import Field

from bedrock_assets.batch.collect import DayNotFinished, OnDemandSettings, collect_day
from bedrock_assets.batch.prepare import prepare_day
from bedrock_assets.defs.metadata import GROUP, check_results, log_all, to_metadata
from bedrock_assets.defs.resources import (
    BatchInferenceResource,
    LedgerResource,
    ObjectStoreResource,
)
from bedrock_assets.defs.sensors import ACCEPTED_CHECK, accepted_evaluation

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


class PrepareConfig(Config):
    """Run configuration of batch_input_shards (launchpad: ops.batch_input_shards.config)."""

    resummarize: bool = Field(
        default=False,
        description="Send again the calls summarized under an older prompt or model (newest "
        "version wins per call). Default (and BEDROCK_ASSETS_RESUMMARIZE unset): keep what "
        "was paid for; only calls never sent are sent.",
    )


def build_batch_assets(
    partitions: PartitionsDefinition, prompt_version: str
) -> list[AssetsDefinition]:
    @asset(
        partitions_def=partitions,
        group_name=GROUP,
        deps=["raw_transcripts"],
        # The rendered prompt's hash: a change of guidelines marks the shards (and everything
        # downstream) as changed in the UI.
        code_version=prompt_version,
        kinds={"s3", "bedrock"},
        description=(
            "Bedrock batch input: one JSONL line {recordId, modelInput} per transcript, with "
            "the versioned responsible-summarization prompt, split into shards (one batch job "
            "each) that respect the minimum/maximum records per job, records and bytes per "
            "file, and bytes per job. Each shard is registered as a pending job in the ledger; "
            "the batch_job_slots sensor submits it."
        ),
    )
    def batch_input_shards(
        context: AssetExecutionContext,
        object_store: ObjectStoreResource,
        ledger: LedgerResource,
        batch: BatchInferenceResource,
        config: PrepareConfig,
    ) -> MaterializeResult:
        request, quotas = batch.request(), batch.quotas_in_force()
        day = prepare_day(
            object_store.get_store(),
            object_store.layout(),
            ledger.get_ledger(),
            context.partition_key,
            request,
            quotas.sharding(),
            batch.below_minimum(),
            batch.redactor(),
            resummarize=config.resummarize or batch.resummarize,
        )
        log_all(context.log, *day.logs(quotas.sharding().min_records_per_job))
        return MaterializeResult(
            data_version=DataVersion(day.data_version),
            metadata=to_metadata(
                {
                    **day.summary(),
                    "prompt_version": request.prompt.version,
                    "guidelines": ", ".join(request.prompt.guidelines),
                    "model_id": request.model_id,
                    "request_format": request.family,
                    "quotas": quotas.sharding().as_metadata(),
                    "quota_sources": quotas.sources,
                    "below_minimum_policy": batch.below_minimum_policy,
                    "input_redacted": batch.redact_input,
                }
            ),
        )

    @asset(
        partitions_def=partitions,
        group_name=GROUP,
        deps=["batch_input_shards"],
        kinds={"s3", "bedrock", "parquet"},
        check_specs=[
            AssetCheckSpec(name, asset="batch_job_outputs", description=desc)
            for name, desc in CHECK_DESCRIPTIONS.items()
        ],
        description=(
            "The day's batch job results: reads every {jobId}/*.jsonl.out and "
            "manifest.json.out, joins each output line to its input by recordId (output order "
            "is not guaranteed) and gives every submitted record one row: success with summary "
            "and tokens, the record's error, or missing_output. Requested by the "
            "batch_job_slots sensor when every job of the day is terminal."
        ),
    )
    def batch_job_outputs(
        context: AssetExecutionContext,
        object_store: ObjectStoreResource,
        ledger: LedgerResource,
        batch: BatchInferenceResource,
    ) -> MaterializeResult:
        on_demand = OnDemandSettings(
            batch.bedrock.runtime(),
            batch.model_invocation_type,
            batch.on_demand_requests_per_second,
            batch.on_demand_max_attempts,
        )
        try:
            day = collect_day(
                object_store.get_store(),
                object_store.layout(),
                ledger.get_ledger(),
                context.partition_key,
                on_demand,
                batch.quotas_in_force().sharding(),
                batch.max_record_attempts,
                batch.model_id,
                batch.request().version,
            )
        except DayNotFinished as exc:
            raise Failure(str(exc)) from None
        log_all(context.log, day.logs, day.warnings)
        return MaterializeResult(
            check_results=check_results(
                day.checks, AssetCheckSeverity.ERROR, shards_checked=len(day.outcomes)
            ),
            metadata=to_metadata(day.summary()),
        )

    return [batch_input_shards, batch_job_outputs]


def build_batch_checks() -> list[AssetChecksDefinition]:
    @asset_check(
        asset="batch_input_shards",
        name=ACCEPTED_CHECK,
        description=(
            "Bedrock accepted every batch job. A permanent error on submit (a bad role, a "
            "missing iam:PassRole, a model without access or batch support) fails this check "
            "with the days and Bedrock's message as soon as the sensor sees it; the other "
            "shards proceed. Green again once the requeued jobs are accepted."
        ),
    )
    def batch_jobs_accepted(ledger: LedgerResource) -> AssetCheckResult:
        evaluation = accepted_evaluation(ledger.get_ledger().shards_in_state("failed"))
        return AssetCheckResult(
            passed=evaluation.passed, severity=evaluation.severity, metadata=evaluation.metadata
        )

    return [batch_jobs_accepted]
