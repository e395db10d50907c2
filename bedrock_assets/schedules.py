"""Every morning, prepare the previous day's batch input; the sensor takes it from there."""

from dagster import DefaultScheduleStatus, build_schedule_from_partitioned_job

from bedrock_assets.jobs import prepare_batch_inputs_job

daily_prepare_schedule = build_schedule_from_partitioned_job(
    prepare_batch_inputs_job,
    name="daily_prepare_batch_inputs",
    hour_of_day=6,
    minute_of_hour=0,
    default_status=DefaultScheduleStatus.RUNNING,
    description="Materializes raw_transcripts and batch_input_shards for the previous day at "
    "06:00; the batch_job_slots sensor then submits its shards.",
)
