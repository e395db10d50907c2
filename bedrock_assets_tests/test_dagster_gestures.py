"""What a daily Dagster user does ends green and tells the story.

"Materialize all" for a day (in process and through the CLI) succeeds with every asset
materialized, without the sensor; a run that registered a day under a backfill passes the
backfill on to the collect run the sensor requests; progress of a running job is observed;
a tick that submitted says so and keeps a meaningful cursor; the daily budget holds.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from dagster import AssetKey

from bedrock_assets.reporting.day_report import report_json
from bedrock_assets_tests.harness import DAY, TEST_DEFAULTS, Pipeline

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[1]
ALL_ASSETS = {
    "raw_transcripts",
    "batch_input_shards",
    "bedrock_batch_jobs",
    "batch_job_outputs",
    "guarded_summaries",
    "token_usage_metrics",
    "summary_review_queue",
    "system_card",
}


def materialized(pipeline: Pipeline, day: str = DAY) -> set[str]:
    return {
        key
        for key in ALL_ASSETS
        if day in pipeline.instance.get_materialized_partitions(AssetKey(key))
    }


def test_materialize_all_for_a_day_ends_green_without_the_sensor(
    make_pipeline: Callable[..., Pipeline],
) -> None:
    pipeline = make_pipeline(max_records_per_job=15, max_concurrent_jobs=1)
    pipeline.land(DAY, 40)
    job = pipeline.defs.get_implicit_global_asset_job_def()  # what "Materialize all" runs
    result = job.execute_in_process(instance=pipeline.instance, partition_key=DAY)
    assert result.success
    assert materialized(pipeline) == ALL_ASSETS
    report = report_json(pipeline.report(DAY))
    assert report["summarized"] == 40 and report["conservation_ok"], report
    assert report["batch_jobs"] == 3  # queued one at a time through a single slot
    # The day is collected: the sensor requests no second collect run.
    result_tick = pipeline.tick()
    assert not (result_tick and result_tick.run_requests)


def test_the_cli_materialize_select_star_exits_0(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BEDROCK_ASSETS_")}
    settings = {**TEST_DEFAULTS, "data_root": tmp_path / "data", "max_records_per_job": 20}
    env.update({f"BEDROCK_ASSETS_{k.upper()}": str(v) for k, v in settings.items()})
    env["DAGSTER_HOME"] = str(tmp_path / "home")
    (tmp_path / "home").mkdir()
    bin_dir = Path(sys.executable).parent
    land = [str(bin_dir / "bedrock-assets"), "land-sample", "--date", DAY, "--count", "30"]
    subprocess.run(land, env=env, check=True, capture_output=True, timeout=120)
    done = subprocess.run(
        [
            str(bin_dir / "dagster"),
            "asset",
            "materialize",
            "-m",
            "bedrock_assets.definitions",
            "--select",
            "*",
            "--partition",
            DAY,
        ],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    report = subprocess.run(
        [str(bin_dir / "bedrock-assets"), "report", "--date", DAY, "--json"],
        env=env,
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
    )
    figures = json.loads(report.stdout)
    assert figures["summarized"] == 30 and figures["conservation_ok"]
    assert figures["total_cost_usd"] == pytest.approx(
        figures["inference_cost_usd"] + figures["guardrail_cost_usd"], abs=1e-6
    )


def test_the_collect_run_carries_the_backfill_of_the_day(pipeline: Pipeline) -> None:
    pipeline.land(DAY, 20, mixed_formats=False, include_bad=False)
    prepare = pipeline.defs.resolve_job_def("prepare_batch_inputs")
    assert prepare.execute_in_process(
        instance=pipeline.instance, partition_key=DAY, tags={"dagster/backfill": "bfxyz"}
    ).success
    for _ in range(200):
        result = pipeline.tick()
        if result and result.run_requests:
            (request,) = result.run_requests
            assert request.tags["dagster/backfill"] == "bfxyz"
            return
        time.sleep(0.05)
    raise AssertionError("no collect run requested")


def test_progress_of_a_running_job_is_observed(make_pipeline: Callable[..., Pipeline]) -> None:
    pipeline = make_pipeline(local_record_seconds=0.02, max_records_per_job=60)
    pipeline.land(DAY, 60, mixed_formats=False, include_bad=False)
    pipeline.prepare(DAY)
    seen = []
    for _ in range(400):
        pipeline.tick()
        seen.append(pipeline.observation("bedrock_batch_jobs"))
        if seen[-1]["jobs_finished"] == 1:
            break
        time.sleep(0.02)
    running = [o for o in seen if o["jobs_finished"] == 0 and 0 < o["records_processed"] < 60]
    assert running, [o["records_processed"] for o in seen]
    assert 0 < running[0]["percent_processed"] < 100
    assert seen[-1]["jobs_done"] == "1 of 1" and seen[-1]["percent_processed"] == 100.0
    # Bedrock's live success and error counts are shown, not only stored.
    assert running[-1]["records_succeeded"] + running[-1]["records_in_error"] > 0
    assert "| succeeded | errors |" in running[-1]["jobs"]
    pipeline.drain()


def test_ticks_say_what_they_did_and_keep_a_cursor(pipeline: Pipeline) -> None:
    from dagster import build_sensor_context

    pipeline.land(DAY, 20, mixed_formats=False, include_bad=False)
    pipeline.prepare(DAY)
    sensor = pipeline.defs.resolve_sensor_def("batch_job_slots")
    with build_sensor_context(
        instance=pipeline.instance, definitions=pipeline.defs, resources=pipeline.resources
    ) as ctx:
        busy = sensor(ctx)
        cursor = json.loads(ctx.cursor or "{}")
        assert busy.skip_reason and "submitted 1 job(s)" in busy.skip_reason.skip_message
        assert "1/10 slots in use after submitting" in busy.skip_reason.skip_message
        assert cursor["submitted_total"] == 1 and cursor["ticks"] == 1
        assert "min_records_per_job" in cursor["quotas"]  # logged once, then on change only
    pipeline.drain()
    with build_sensor_context(
        instance=pipeline.instance,
        definitions=pipeline.defs,
        resources=pipeline.resources,
        cursor=json.dumps(cursor),
    ) as ctx:
        idle = sensor(ctx)
        assert idle.skip_reason and idle.skip_reason.skip_message.startswith("idle")


def test_the_daily_budget_holds_jobs_back_in_red(make_pipeline: Callable[..., Pipeline]) -> None:
    pipeline = make_pipeline(max_records_per_job=20, daily_budget_usd=0.01)
    pipeline.land(DAY, 40, mixed_formats=False, include_bad=False)
    pipeline.prepare(DAY)
    pipeline.tick()
    states = [s.state for s in pipeline.ledger.shards_for_date(DAY)]
    assert states.count("active") < len(states)  # not every job fits in a cent
    assert pipeline.check_status("batch_input_shards", "within_daily_budget", None) is False
    raised = pipeline.with_settings(daily_budget_usd=100.0)
    raised.drain()
    assert raised.check_status("batch_input_shards", "within_daily_budget", None) is True
    assert report_json(raised.report(DAY))["summarized"] == 40


def test_a_ui_backfill_of_every_asset_for_two_days_completes(tmp_path: Path) -> None:
    """`dagster dev` running; the UI's "Materialize all" for two days (GraphQL
    launchPartitionBackfill) ends COMPLETED_SUCCESS with all eight assets of both days."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("BEDROCK_ASSETS_")}
    done = subprocess.run(
        [
            sys.executable,
            str(ROOT / "scripts" / "ui_tour.py"),
            "--no-pictures",
            "--days=2",
            "--count=120",
            f"--work={tmp_path}",
            "--timeout=420",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "backfill COMPLETED_SUCCESS" in done.stdout
    for asset in ALL_ASSETS:
        assert f"{asset:22s} 2/2" in done.stdout
