"""Stopping a day: in-flight jobs stop, nothing more is submitted, partial output is kept."""

import time

import pytest
from dagster import DagsterInstance

from bedrock_assets.cli import main as cli
from bedrock_assets.core.ledger import Ledger
from bedrock_assets.core.sample_data import land_sample_day
from bedrock_assets.core.storage import LocalObjectStore
from bedrock_assets.core.tables import read_table
from bedrock_assets.report import day_report
from bedrock_assets.settings import get_settings
from bedrock_assets_tests.conftest import drain, prepare_day, reset_caches, tick

DAY = "2024-08-23"


def test_stop_a_day_mid_flight(
    env, instance: DagsterInstance, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BEDROCK_ASSETS_MAX_RECORDS_PER_JOB", "20")
    monkeypatch.setenv("BEDROCK_ASSETS_MAX_CONCURRENT_JOBS", "1")  # one job runs, one waits
    monkeypatch.setenv("BEDROCK_ASSETS_LOCAL_STEP_SECONDS", "0.5")
    reset_caches()
    settings = get_settings()
    store = LocalObjectStore(settings.object_store_root)
    land_sample_day(
        store,
        settings.s3_uri(settings.landing_prefix),
        DAY,
        40,
        seed=2,
        mixed_formats=False,
        include_bad=False,
    )
    prepare_day(instance, DAY)
    tick(instance)
    ledger = Ledger(settings.ledger_path)
    assert sorted(s.state for s in ledger.shards_for_date(DAY)) == ["active", "pending"]

    from bedrock_assets.definitions import defs

    result = defs.resolve_job_def("stop_batch_jobs").execute_in_process(
        instance=instance, partition_key=DAY
    )
    assert result.success
    time.sleep(0.2)
    drain(instance, timeout=120)
    shards = ledger.shards_for_date(DAY)
    assert {s.job_status for s in shards} == {"Stopped"}
    assert all(s.stop_requested for s in shards) and sum(bool(s.job_arn) for s in shards) == 1
    report = day_report(settings, store, DAY)
    assert report["landed"] == report["summarized"] + report["dead_lettered"] == 40
    dead = read_table(
        store, settings.s3_uri(settings.tables_prefix, "dead_letters", f"{DAY}.parquet")
    ).to_pylist()
    assert {d["error_code"] for d in dead} == {"stopped_by_user"}
    assert len(dead) >= 20  # at least the shard that never ran


def test_stop_command_with_nothing_in_flight(env, capsys) -> None:
    cli(["stop", "--date", DAY])
    assert "nothing to stop" in capsys.readouterr().out
