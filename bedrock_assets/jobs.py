"""Asset jobs: preparing a day's batch input, and collecting a day's batch output."""

from dagster import AssetSelection, define_asset_job

from bedrock_assets.partitions import daily_partitions

prepare_batch_inputs_job = define_asset_job(
    "prepare_batch_inputs",
    selection=AssetSelection.assets("raw_transcripts", "batch_input_shards"),
    partitions_def=daily_partitions,
    description="Ingest a day's transcripts and register its batch input shards as pending jobs.",
)

batch_outputs_job = define_asset_job(
    "collect_batch_outputs",
    selection=AssetSelection.assets(
        "batch_job_outputs",
        "guarded_summaries",
        "token_usage_metrics",
        "summary_review_queue",
        "system_card",
    ),
    partitions_def=daily_partitions,
    description="Join a day's finished batch jobs (retrying or dead-lettering failed records), "
    "apply the guardrail, compute usage metrics, and build the review queue and system card.",
)
