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
    prepare_job: UnresolvedAssetJobDefinition, hour: int, timezone: str
) -> ScheduleDefinition | UnresolvedPartitionedAssetScheduleDefinition:
    """At ``hour`` in the call center's time zone (the partitions' own), for the day that
    just ended there."""
    return build_schedule_from_partitioned_job(
        prepare_job,
        name="daily_prepare_batch_inputs",
        hour_of_day=hour,
        minute_of_hour=0,
        default_status=DefaultScheduleStatus.RUNNING,
        description=f"Materializes raw_transcripts and batch_input_shards for the previous day "
        f"at {hour:02d}:00 {timezone} (BEDROCK_ASSETS_SCHEDULE_TIMEZONE / SCHEDULE_HOUR); the "
        "batch_job_slots sensor then submits its shards.",
    )
