"""Stalls are detected and healed: a lost or damaged ledger, a full disk, a dead collect run.

A ledger that was deleted, truncated or damaged never silently starts empty: the sensor and
the runs stop with an error naming the ledger and ``bedrock-assets ledger rebuild``, which
restores it from the object store and Bedrock's job list so the day finishes with no call sent
twice. Storage errors name the path; partial files are cleaned up by the next run; a collect
run that stopped making progress is failed and requested again.
"""

from __future__ import annotations

import errno
import os
import shutil
import time
from collections.abc import Callable
from typing import Any

import pytest
from dagster import DagsterRun, DagsterRunStatus, RunRequest
from dagster._core.utils import make_new_run_id

from bedrock_assets import cli
from bedrock_assets.reporting.day_report import report_json
from bedrock_assets.state.files import StorageError
from bedrock_assets.state.ledger.errors import REBUILD, LedgerLost, LedgerUnavailable
from bedrock_assets_tests.harness import DAY, TEST_DEFAULTS, Pipeline

pytestmark = pytest.mark.e2e
CONFIG: dict[str, Any] = {"max_records_per_job": 20}


def _cli(pipeline: Pipeline, monkeypatch: pytest.MonkeyPatch, *argv: str) -> int:
    """Run ``bedrock-assets`` as a user would, with the pipeline's settings in the env."""
    values = {**TEST_DEFAULTS, **CONFIG, "data_root": pipeline.settings.data_root}
    for key, value in values.items():
        monkeypatch.setenv(f"BEDROCK_ASSETS_{key.upper()}", str(value))
    try:
        cli.main(list(argv))
    except SystemExit as exc:
        return int(exc.code or 0)
    return 0


def _in_flight_day(make_pipeline: Callable[..., Pipeline]) -> Pipeline:
    pipeline = make_pipeline(**CONFIG, local_step_seconds=0.3)
    pipeline.land(DAY, 40, mixed_formats=False, include_bad=False)
    pipeline.prepare(DAY)
    pipeline.tick()
    assert {s.state for s in pipeline.ledger.shards_for_date(DAY)} == {"active"}
    return pipeline


def _assert_lost(pipeline: Pipeline, kind: type[Exception]) -> None:
    with pytest.raises(kind) as raised:
        pipeline.tick()
    message = str(raised.value)
    assert str(pipeline.settings.ledger_path) in message and REBUILD in message


def _finishes_once(pipeline: Pipeline, calls: int = 40, jobs: int = 2) -> None:
    pipeline.drain()
    report = report_json(pipeline.report(DAY))
    assert report["summarized"] == calls and report["conservation_ok"], report
    assert report["records_submitted"] == calls and report["batch_jobs"] == jobs, report
    names = [
        j["jobName"]
        for j in pipeline.bedrock.list_model_invocation_jobs(maxResults=100)[
            "invocationJobSummaries"
        ]
    ]
    assert len(names) == jobs  # the engine saw one job per shard: nothing was resubmitted


@pytest.mark.parametrize("how", ["deleted", "truncated_to_zero"])
def test_a_lost_ledger_stops_everything_and_the_rebuild_finishes_the_day(
    make_pipeline: Callable[..., Pipeline], monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    pipeline = _in_flight_day(make_pipeline)
    path = pipeline.settings.ledger_path
    for suffix in ("-wal", "-shm"):
        path.with_name(path.name + suffix).unlink(missing_ok=True)
    if how == "deleted":
        path.unlink()
    else:
        path.write_bytes(b"")
    _assert_lost(pipeline, LedgerLost)
    with pytest.raises(Exception, match="ledger rebuild"):
        pipeline.prepare(DAY)  # a re-run does not register the day afresh either
    assert _cli(pipeline, monkeypatch, "ledger", "rebuild") == 0
    assert {s.state for s in pipeline.ledger.shards_for_date(DAY)} == {"active"}
    _finishes_once(pipeline)
    pipeline.prepare(DAY)  # the rebuilt ledger knows every call: nothing to send
    assert pipeline.drain() == []
    _finishes_once(pipeline)


def test_a_damaged_ledger_names_its_path_and_is_moved_aside_by_the_rebuild(
    make_pipeline: Callable[..., Pipeline], monkeypatch: pytest.MonkeyPatch
) -> None:
    pipeline = _in_flight_day(make_pipeline)
    pipeline.wait_idle(30)
    path = pipeline.settings.ledger_path
    for suffix in ("-wal", "-shm"):
        path.with_name(path.name + suffix).unlink(missing_ok=True)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])  # half-truncated: a copy or a disk cut short
    _assert_lost(pipeline, LedgerUnavailable)
    assert _cli(pipeline, monkeypatch, "ledger", "rebuild") == 1  # refuses to paper over it
    assert _cli(pipeline, monkeypatch, "ledger", "rebuild", "--move-aside") == 0
    assert list(path.parent.glob("ledger.sqlite.aside-*"))  # the damaged file is kept
    _finishes_once(pipeline)


def test_a_rebuilt_ledger_of_a_finished_day_sends_nothing_again(
    make_pipeline: Callable[..., Pipeline], monkeypatch: pytest.MonkeyPatch
) -> None:
    pipeline = make_pipeline(**CONFIG)
    pipeline.land(DAY, 40, mixed_formats=False, include_bad=False)
    pipeline.prepare(DAY)
    pipeline.drain()
    before = report_json(pipeline.report(DAY))
    pipeline.wait_idle(30)
    pipeline.settings.ledger_path.unlink()
    assert _cli(pipeline, monkeypatch, "ledger", "rebuild") == 0
    pipeline.prepare(DAY)
    pipeline.drain()  # the sensor collects the day again (idempotent), submits nothing
    assert report_json(pipeline.report(DAY)) == before


def test_a_full_disk_names_the_path_and_leaves_no_partial_file(
    make_pipeline: Callable[..., Pipeline], monkeypatch: pytest.MonkeyPatch
) -> None:
    pipeline = make_pipeline(**CONFIG)
    pipeline.land(DAY, 20, mixed_formats=False, include_bad=False)
    real = shutil.copyfile

    def disk_full(src: Any, dst: Any, **kw: Any) -> Any:
        real(src, dst, **kw)
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(shutil, "copyfile", disk_full)
    store = pipeline.store
    target = pipeline.layout.table("transcripts", DAY)
    src = pipeline.settings.data_root / "some.parquet"
    src.write_bytes(b"x" * 1000)
    with pytest.raises(StorageError) as raised:
        store.upload_file(src, target)
    path = store.path_for(target)
    assert str(path) in str(raised.value) and "free space" in str(raised.value)
    assert not [p for p in path.parent.iterdir() if ".tmp-" in p.name]


def test_partial_files_of_a_dead_writer_are_removed_by_the_next_run(
    make_pipeline: Callable[..., Pipeline],
) -> None:
    pipeline = make_pipeline(**CONFIG)
    pipeline.land(DAY, 20, mixed_formats=False, include_bad=False)
    pipeline.prepare(DAY)
    dead_pid = 2**22 + 17  # above pid_max on Linux: no such process
    out = pipeline.store.path_for(pipeline.layout.uri(pipeline.settings.output_prefix, DAY))
    out.mkdir(parents=True, exist_ok=True)
    stale = out / f".part.jsonl.out.tmp-{dead_pid}"
    live = out / f".other.jsonl.out.tmp-{os.getpid()}"  # a writer still at work
    for path in (stale, live):
        path.write_bytes(b"half a line")
    pipeline.drain()
    assert not stale.exists() and live.exists()


def test_a_collect_run_that_stopped_making_progress_is_failed_and_requested_again(
    make_pipeline: Callable[..., Pipeline], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The daemon's process group was killed during a collect run: the run stays STARTED with
    no worker. The sensor fails it once it has been silent for COLLECT_STALL_SECONDS and asks
    for the day again, so the day completes."""
    pipeline = make_pipeline(**CONFIG, collect_stall_seconds=60)
    pipeline.land(DAY, 20, mixed_formats=False, include_bad=False)
    pipeline.prepare(DAY)
    request: RunRequest | None = None
    for _ in range(200):
        result = pipeline.tick()
        if result and result.run_requests:
            request = result.run_requests[0]
            break
        time.sleep(0.05)
    assert request is not None
    # What the daemon launched before it died: a STARTED run with a last event, no worker.
    dead = DagsterRun(
        job_name="collect_batch_outputs",
        run_id=make_new_run_id(),
        status=DagsterRunStatus.STARTED,
        tags={**request.tags, "dagster/partition": DAY},
    )
    pipeline.instance.add_run(dead)
    pipeline.instance.report_engine_event("run worker started", dead)
    result = pipeline.tick()
    assert not (result and result.run_requests)  # still within the bound: left alone

    import bedrock_assets.defs.sensors as sensors

    class Later:
        @staticmethod
        def time() -> float:
            return time.time() + 61

    monkeypatch.setattr(sensors, "time", Later)
    result = pipeline.tick()
    assert result is not None and len(result.run_requests or []) == 1
    failed = pipeline.instance.get_run_by_id(dead.run_id)
    assert failed is not None and failed.status == DagsterRunStatus.FAILURE
    retry = (result.run_requests or [])[0]
    assert retry.run_key != request.run_key
    assert pipeline.collect(DAY, retry.tags).success
    assert report_json(pipeline.report(DAY))["summarized"] == 20
