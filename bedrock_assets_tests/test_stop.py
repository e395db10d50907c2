"""Stopping a day: in-flight jobs stop, nothing more is submitted, partial output is kept."""

import time
from collections.abc import Callable
from pathlib import Path

import pytest

from bedrock_assets.cli import main as cli
from bedrock_assets_tests.harness import DAY, Pipeline


@pytest.mark.e2e
def test_stop_a_day_mid_flight(make_pipeline: Callable[..., Pipeline]) -> None:
    # one job runs, one waits
    pipeline = make_pipeline(max_records_per_job=20, max_concurrent_jobs=1, local_step_seconds=0.5)
    pipeline.land(DAY, 40, seed=2, mixed_formats=False, include_bad=False)
    pipeline.prepare(DAY)
    pipeline.tick()
    ledger = pipeline.ledger
    assert sorted(s.state for s in ledger.shards_for_date(DAY)) == ["active", "pending"]

    result = pipeline.defs.resolve_job_def("stop_batch_jobs").execute_in_process(
        instance=pipeline.instance, partition_key=DAY
    )
    assert result.success
    time.sleep(0.2)
    pipeline.drain(timeout=120)
    shards = ledger.shards_for_date(DAY)
    assert {s.job_status for s in shards} == {"Stopped"}
    assert all(s.stop_requested for s in shards) and sum(bool(s.job_arn) for s in shards) == 1
    report = pipeline.report(DAY)
    assert report["landed"] == report["summarized"] + report["dead_lettered"] == 40
    dead = pipeline.table("dead_letters").to_pylist()
    assert {d["error_code"] for d in dead} == {"stopped_by_user"}
    assert len(dead) >= 20  # at least the shard that never ran


def test_stop_command_with_nothing_in_flight(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("BEDROCK_ASSETS_DATA_ROOT", str(tmp_path / "data"))
    cli(["stop", "--date", DAY])
    assert "nothing to stop" in capsys.readouterr().out
