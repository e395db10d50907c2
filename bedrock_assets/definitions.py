"""The code location: assets, checks, jobs, the schedule, the sensor and the resources."""

from dagster import Definitions

from bedrock_assets.assets.guarded import guarded_summaries
from bedrock_assets.assets.ingest import raw_transcripts
from bedrock_assets.assets.metrics import token_usage_metrics
from bedrock_assets.assets.outputs import batch_job_outputs
from bedrock_assets.assets.review import summary_review_queue, system_card
from bedrock_assets.assets.shards import batch_input_shards
from bedrock_assets.jobs import batch_outputs_job, prepare_batch_inputs_job
from bedrock_assets.resources import build_resources
from bedrock_assets.schedules import daily_prepare_schedule
from bedrock_assets.sensors import batch_job_slots
from bedrock_assets.stop import stop_batch_jobs

defs = Definitions(
    assets=[
        raw_transcripts,
        batch_input_shards,
        batch_job_outputs,
        guarded_summaries,
        token_usage_metrics,
        summary_review_queue,
        system_card,
    ],
    jobs=[prepare_batch_inputs_job, batch_outputs_job, stop_batch_jobs],
    schedules=[daily_prepare_schedule],
    sensors=[batch_job_slots],
    resources=build_resources(),
)
