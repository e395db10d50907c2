"""batch_input_shards, bedrock_batch_jobs and batch_job_outputs: Bedrock batch inference."""

import warnings

from dagster import (
    AssetCheckResult,
    AssetChecksDefinition,
    AssetCheckSeverity,
    AssetExecutionContext,
    AssetsDefinition,
    Config,
    DataVersion,
    Failure,
    MaterializeResult,
    MetadataValue,
    PreviewWarning,
    asset,
    asset_check,
)
from pydantic import Field

from bedrock_assets.batch.collect import (
    CollectResult,
    DayNotFinished,
    OnDemandSettings,
    collect_day,
)
from bedrock_assets.batch.prepare import prepare_day
from bedrock_assets.batch.progress import DayProgress, collect_key, day_progress
from bedrock_assets.batch.waiting import wait_for_day
from bedrock_assets.defs.conventions import (
    BATCH,
    BATCH_INPUT_LINE,
    Conventions,
    table_metadata,
)
from bedrock_assets.defs.metadata import check_results, log_all, to_metadata
from bedrock_assets.defs.resources import (
    BatchInferenceResource,
    LedgerResource,
    ObjectStoreResource,
)
from bedrock_assets.defs.sensors import (
    ACCEPTED_CHECK,
    BUDGET_CHECK,
    accepted_evaluation,
    progress_observation,
)
from bedrock_assets.state.schemas import BATCH_OUTPUTS

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


def _request(batch: BatchInferenceResource) -> dict[str, object]:
    """What the shards were built with: prompt, model, format, quotas and their sources."""
    request, quotas = batch.request(), batch.quotas_in_force()
    return {
        "prompt_version": request.prompt.version,
        "guidelines": ", ".join(request.prompt.guidelines),
        "model_id": request.model_id,
        "request_format": request.family,
        "quotas": quotas.sharding().as_metadata(),
        "quota_sources": quotas.sources,
        "below_minimum_policy": batch.below_minimum_policy,
        "input_redacted": batch.redact_input,
    }


def _collect(
    store: ObjectStoreResource,
    ledger: LedgerResource,
    batch: BatchInferenceResource,
    call_date: str,
) -> CollectResult:
    """collect_day with this deployment's settings; an unfinished day fails the step."""
    on_demand = OnDemandSettings(
        batch.bedrock.runtime(),
        batch.model_invocation_type,
        batch.on_demand_requests_per_second,
        batch.on_demand_max_attempts,
    )
    try:
        return collect_day(
            store.get_store(),
            store.layout(),
            ledger.get_ledger(),
            call_date,
            on_demand,
            batch.quotas_in_force().sharding(),
            batch.max_record_attempts,
            batch.model_id,
            batch.request().version,
        )
    except DayNotFinished as exc:
        raise Failure(str(exc)) from None


def build_batch_assets(conv: Conventions) -> list[AssetsDefinition]:
    @asset(
        **conv.asset(BATCH),
        deps=["raw_transcripts"],
        # Prompt, model and generation settings: a change marks the shards (and everything
        # downstream) as changed in the UI.
        code_version=conv.request_version,
        kinds={"s3", "bedrock"},
        description=(
            "Bedrock batch input: one JSONL line {recordId, modelInput} per transcript, with "
            "the versioned responsible-summarization prompt, split into shards (one batch job "
            "each) that respect the minimum/maximum records per job, records and bytes per "
            "file, and bytes per job. Registering a day reconciles with the ledger: a call "
            "already sent is never sent again. Each new shard is a pending job; the "
            "batch_job_slots sensor (or a run that waits on bedrock_batch_jobs) submits it."
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
        led, layout = ledger.get_ledger(), object_store.layout()
        day = prepare_day(
            object_store.get_store(),
            layout,
            led,
            context.partition_key,
            request,
            quotas.sharding(),
            batch.below_minimum(),
            batch.redactor(),
            resummarize=config.resummarize or batch.resummarize,
        )
        log_all(context.log, *day.logs(quotas.sharding().min_records_per_job))
        # The queue is visible at once, before the first job is submitted.
        context.log_event(progress_observation(day_progress(led, context.partition_key)))
        where = object_store.locate(layout.uri(layout.input_prefix, day.call_date) + "/")
        return MaterializeResult(
            data_version=DataVersion(day.data_version),
            metadata=to_metadata(
                {
                    **day.summary(),
                    **table_metadata(where, day.records, BATCH_INPUT_LINE),
                    **_request(batch),
                }
            ),
        )

    @asset(
        **conv.asset(BATCH),
        deps=["batch_input_shards"],
        code_version=conv.request_version,
        kinds={"bedrock"},
        description=(
            "The day's Amazon Bedrock batch jobs. While they run, the batch_job_slots sensor "
            "observes them here (x of y jobs done, records processed, queued shards). "
            "Materialized when every job holding the day's records has finished: in the "
            "collect run the sensor requests, or in a run that includes this asset ('Materialize "
            "all', a backfill), which waits for the jobs (up to JOBS_WAIT_HOURS), submitting "
            "and tracking them itself. Shards held below the job minimum do not block."
        ),
    )
    def bedrock_batch_jobs(
        context: AssetExecutionContext, ledger: LedgerResource, batch: BatchInferenceResource
    ) -> MaterializeResult:
        led, call_date = ledger.get_ledger(), context.partition_key

        def report(day: DayProgress) -> None:
            context.log.info(day.headline())
            context.log_event(progress_observation(day))

        try:
            day = wait_for_day(
                lambda: day_progress(led, call_date),
                lambda: batch.tick(led),
                report,
                timeout=batch.jobs_wait_hours * 3600,
                poll=batch.jobs_poll_seconds,
                heartbeat=min(300.0, batch.collect_stall_seconds / 3),
            )
        except DayNotFinished as exc:
            raise Failure(str(exc)) from None
        shards = [j.shard for j in day.jobs]
        console = batch.bedrock.jobs_console()
        return MaterializeResult(
            data_version=DataVersion(collect_key(call_date, shards)),
            metadata=to_metadata(
                {
                    **day.metadata(),
                    "progress": day.headline(),
                    **({"console": MetadataValue.url(console)} if console else {}),
                }
            ),
        )

    @asset(
        **conv.asset(BATCH),
        deps=["bedrock_batch_jobs"],
        code_version=conv.request_version,
        kinds={"s3", "bedrock", "parquet"},
        check_specs=[
            conv.check(name, "batch_job_outputs", desc, blocking=True)
            for name, desc in CHECK_DESCRIPTIONS.items()
        ],
        description=(
            "The day's batch job results: reads every {jobId}/*.jsonl.out and "
            "manifest.json.out, joins each output line to its input by recordId (output order "
            "is not guaranteed) and gives every submitted record one row: success with summary "
            "and tokens, the record's error, or missing_output. The manifest checks are "
            "blocking: a mismatch stops the run before any guardrail spend."
        ),
    )
    def batch_job_outputs(
        context: AssetExecutionContext,
        object_store: ObjectStoreResource,
        ledger: LedgerResource,
        batch: BatchInferenceResource,
    ) -> MaterializeResult:
        day = _collect(object_store, ledger, batch, context.partition_key)
        log_all(context.log, day.logs, day.warnings)
        return MaterializeResult(
            check_results=check_results(
                day.checks, AssetCheckSeverity.ERROR, shards_checked=len(day.outcomes)
            ),
            metadata=to_metadata(
                {
                    **day.summary(),
                    **table_metadata(
                        object_store.locate(day.outputs_table),
                        day.totals["records"],
                        BATCH_OUTPUTS,
                    ),
                }
            ),
        )

    return [batch_input_shards, bedrock_batch_jobs, batch_job_outputs]


def build_batch_checks(conv: Conventions) -> list[AssetChecksDefinition]:
    with warnings.catch_warnings():  # partitioned checks are a preview in Dagster 1.13
        warnings.simplefilter("ignore", PreviewWarning)
        return _batch_checks(conv)


def _batch_checks(conv: Conventions) -> list[AssetChecksDefinition]:
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

    @asset_check(
        asset="batch_input_shards",
        name=BUDGET_CHECK,
        description=(
            "Every day's estimated spend (inference at the batch price with max_tokens per "
            "record, plus the guardrail) stays within BEDROCK_ASSETS_DAILY_BUDGET_USD. The "
            "sensor does not submit a job that would exceed it and turns this check red with "
            "the days held back; nothing is lost, the shards wait for a higher budget."
        ),
    )
    def within_daily_budget(
        ledger: LedgerResource, batch: BatchInferenceResource
    ) -> AssetCheckResult:
        model, budget = batch.cost_model(), batch.daily_budget_usd
        spend: dict[str, float] = {}
        for shard in ledger.get_ledger().shards_in_state("pending", "active", "terminal"):
            if shard.mode == "batch":
                spend[shard.call_date] = spend.get(shard.call_date, 0.0) + model.shard_cost(shard)
        over = sorted(d for d, v in spend.items() if budget is not None and v > budget)
        return AssetCheckResult(
            passed=not over,
            metadata={"daily_budget_usd": budget or 0.0, "days_over": ", ".join(over) or "none"},
        )

    return [batch_jobs_accepted, within_daily_budget]
