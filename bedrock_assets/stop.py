"""Stop a day: a Dagster job (launch it for a partition from the UI) and the same as a command.

Every in-flight batch job holding the day's records gets StopModelInvocationJob and is
recorded as stopped (the sensor records its final status; partial output is collected);
shards not yet submitted are recorded as stopped without a job. Records that never got an
answer are dead-lettered as ``stopped_by_user`` by the next collect run, not lost.
"""

from dagster import OpExecutionContext, job, op

from bedrock_assets.core.slots import stop_partition
from bedrock_assets.partitions import daily_partitions
from bedrock_assets.resources import BedrockBatchResource, LedgerResource


@op(description="StopModelInvocationJob for every in-flight job of the partition's records.")
def stop_partition_jobs(
    context: OpExecutionContext, bedrock: BedrockBatchResource, ledger: LedgerResource
) -> None:
    for line in stop_partition(bedrock.get_client(), ledger.get_ledger(), context.partition_key):
        context.log.info(line)


@job(
    partitions_def=daily_partitions,
    description="Stop every in-flight Bedrock batch job of a day and submit nothing more for "
    "it; partial output is still collected.",
)
def stop_batch_jobs() -> None:
    stop_partition_jobs()
