"""Every morning, prepare the previous day's batch input; the sensor takes it from there."""

from dagster import (
    DefaultScheduleStatus,
    ScheduleDefinition,
    build_schedule_from_partitioned_job,
)

# define_asset_job's return type, which dagster does not export
from dagster._core.definitions.partitions.partitioned_schedule import (
    UnresolvedPartitionedAssetScheduleDefinition,
)
from dagster._core.definitions.unresolved_asset_job_definition import (
    UnresolvedAssetJobDefinition,
)


def build_daily_schedule(
    prepare_job: UnresolvedAssetJobDefinition,
) -> ScheduleDefinition | UnresolvedPartitionedAssetScheduleDefinition:
    return build_schedule_from_partitioned_job(
        prepare_job,
        name="daily_prepare_batch_inputs",
        hour_of_day=6,
        minute_of_hour=0,
        default_status=DefaultScheduleStatus.RUNNING,
        description="Materializes raw_transcripts and batch_input_shards for the previous day "
        "at 06:00; the batch_job_slots sensor then submits its shards.",
    )
