"""The Dagster definitions: thin shells over the domain packages, one module per domain.

:func:`build_defs` builds the whole code location from one validated :class:`Settings`, so
nothing is read from the environment at import time and tests build definitions (and their
resources) from settings of their own.
"""

from dagster import Definitions

from bedrock_assets.defs.batch import build_batch_assets, build_batch_checks
from bedrock_assets.defs.guardrail import build_guardrail_assets
from bedrock_assets.defs.ingest import build_ingest_assets
from bedrock_assets.defs.jobs import build_asset_jobs, build_requeue_job, build_stop_job
from bedrock_assets.defs.partitions import daily_partitions
from bedrock_assets.defs.reporting import build_reporting_assets
from bedrock_assets.defs.resources import build_resources
from bedrock_assets.defs.schedules import build_daily_schedule
from bedrock_assets.defs.sensors import build_batch_job_slots
from bedrock_assets.prompting.prompt import load_prompt
from bedrock_assets.settings import Settings


def build_defs(settings: Settings) -> Definitions:
    partitions = daily_partitions(settings.partitions_start_date)
    prepare, collect = build_asset_jobs(partitions)
    return Definitions(
        assets=[
            *build_ingest_assets(partitions),
            *build_batch_assets(partitions, load_prompt(settings.guidelines).version),
            *build_guardrail_assets(partitions),
            *build_reporting_assets(partitions),
        ],
        asset_checks=build_batch_checks(),
        jobs=[prepare, collect, build_stop_job(partitions), build_requeue_job(partitions)],
        schedules=[build_daily_schedule(prepare)],
        sensors=[build_batch_job_slots(collect, settings.sensor_interval_seconds)],
        resources=build_resources(settings),
    )
