"""The Dagster definitions: thin shells over the domain packages, one module per domain.

:func:`build_defs` builds the whole code location from one validated :class:`Settings`, so
nothing is read from the environment at import time and tests build definitions (and their
resources) from settings of their own.
"""

from dagster import Definitions, in_process_executor

from bedrock_assets.defs.batch import build_batch_assets, build_batch_checks
from bedrock_assets.defs.conventions import Conventions
from bedrock_assets.defs.guardrail import build_guardrail_assets
from bedrock_assets.defs.ingest import build_ingest_assets
from bedrock_assets.defs.jobs import build_asset_jobs, build_requeue_job, build_stop_job
from bedrock_assets.defs.partitions import daily_partitions
from bedrock_assets.defs.reporting import build_reporting_assets
from bedrock_assets.defs.resources import build_resources
from bedrock_assets.defs.schedules import build_daily_schedule
from bedrock_assets.defs.sensors import build_batch_job_slots, sensor_interval
from bedrock_assets.reporting.pricing import pricing_version
from bedrock_assets.settings import Settings


def build_defs(settings: Settings) -> Definitions:
    resources = build_resources(settings)
    partitions = daily_partitions(settings.first_partition, settings.schedule_timezone)
    conv = Conventions(
        partitions=partitions,
        owners=tuple(settings.owner_list),
        timezone=settings.schedule_timezone,
        request_version=resources["batch"].request().version,
        guardrail_version=resources["guardrail"].spec().key,
        pricing_version=pricing_version(),
        schedule_hour=settings.schedule_hour,
    )
    prepare, collect = build_asset_jobs(partitions)
    return Definitions(
        assets=[
            *build_ingest_assets(conv),
            *build_batch_assets(conv),
            *build_guardrail_assets(conv),
            *build_reporting_assets(conv),
        ],
        asset_checks=build_batch_checks(conv),
        jobs=[prepare, collect, build_stop_job(partitions), build_requeue_job(partitions)],
        schedules=[
            build_daily_schedule(prepare, settings.schedule_hour, settings.schedule_timezone)
        ],
        sensors=[
            build_batch_job_slots(
                collect,
                sensor_interval(
                    settings.sensor_interval_seconds, bool(settings.job_events_queue_url)
                ),
            )
        ],
        resources=resources,
        # One process per run, steps in sequence: every run (the collect run the sensor
        # requests, asset backfills, "Materialize all") pays Dagster's imports once, not once
        # per step (about 11 s each); the steps of a day depend on each other anyway.
        executor=in_process_executor,
    )
