"""Asset jobs: preparing a day's batch input, collecting a day's batch output, stopping a day."""

from dagster import (
    AssetSelection,
    JobDefinition,
    OpExecutionContext,
    PartitionsDefinition,
    define_asset_job,
    job,
    op,
)

# define_asset_job's return type, which dagster does not export
from dagster._core.definitions.unresolved_asset_job_definition import (
    UnresolvedAssetJobDefinition,
)

from bedrock_assets.batch.stop import stop_partition
from bedrock_assets.defs.resources import BatchInferenceResource, LedgerResource

PREPARE = ("raw_transcripts", "batch_input_shards")
COLLECT = (
    "bedrock_batch_jobs",
    "batch_job_outputs",
    "guarded_summaries",
    "token_usage_metrics",
    "summary_review_queue",
    "system_card",
)


def build_asset_jobs(
    partitions: PartitionsDefinition,
) -> tuple[UnresolvedAssetJobDefinition, UnresolvedAssetJobDefinition]:
    prepare = define_asset_job(
        "prepare_batch_inputs",
        selection=AssetSelection.assets(*PREPARE),
        partitions_def=partitions,
        description="Ingest a day's transcripts and register its batch input shards as pending "
        "jobs.",
    )
    collect = define_asset_job(
        "collect_batch_outputs",
        selection=AssetSelection.assets(*COLLECT),
        partitions_def=partitions,
        description="Record a day's finished batch jobs, join their outputs (retrying or "
        "dead-lettering failed records), apply the guardrail, compute usage metrics, and build "
        "the review queue and system card.",
    )
    return prepare, collect


@op(description="StopModelInvocationJob for every in-flight job of the partition's records.")
def stop_partition_jobs(
    context: OpExecutionContext, batch: BatchInferenceResource, ledger: LedgerResource
) -> None:
    for line in stop_partition(
        batch.bedrock.control_plane(), ledger.get_ledger(), context.partition_key
    ):
        context.log.info(line)


@op(description="Failed shards of the partition back to the queue, after their cause is fixed.")
def requeue_partition_shards(context: OpExecutionContext, ledger: LedgerResource) -> None:
    requeued = ledger.get_ledger().requeue_failed(context.partition_key)
    context.log.info(f"{context.partition_key}: {len(requeued)} failed shard(s) requeued")


def build_requeue_job(partitions: PartitionsDefinition) -> JobDefinition:
    @job(
        partitions_def=partitions,
        description="Put a day's failed shards (Bedrock refused their jobs) back in the queue "
        "once the cause is fixed; the batch_job_slots sensor submits them again.",
    )
    def requeue_failed_shards() -> None:
        requeue_partition_shards()

    return requeue_failed_shards


def build_stop_job(partitions: PartitionsDefinition) -> JobDefinition:
    """Stop a day: every in-flight job holding its records gets StopModelInvocationJob and
    nothing more is submitted; partial output is still collected and records that never got
    an answer are dead-lettered as ``stopped_by_user`` by the next collect run."""

    @job(
        partitions_def=partitions,
        description="Stop every in-flight Bedrock batch job of a day and submit nothing more "
        "for it; partial output is still collected.",
    )
    def stop_batch_jobs() -> None:
        stop_partition_jobs()

    return stop_batch_jobs
