"""`make demo` and a daemon already running on its instance (`make dev`'s): never a second."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import pytest
from dagster import DagsterInstance
from dagster._daemon.types import DaemonHeartbeat

import bedrock_assets.demo as demo
from bedrock_assets.demo.daemon import forget_heartbeats, running_daemon


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A demo instance and data root of this test's own; starting a daemon is a failure."""
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("BEDROCK_ASSETS_DATA_ROOT", str(tmp_path / "data"))
    for name, value in {
        "MAX_RECORDS_PER_JOB": "150",
        "MAX_CONCURRENT_JOBS": "2",
        "SENSOR_INTERVAL_SECONDS": "5",
    }.items():
        monkeypatch.setenv(f"BEDROCK_ASSETS_{name}", value)

    def no_second_daemon(*args: Any, **kwargs: Any) -> None:
        raise AssertionError(f"the demo started a process: {args[0]}")

    monkeypatch.setattr(demo.subprocess, "Popen", no_second_daemon)
    return demo.ensure_dagster_home()


def beat(age_seconds: float, daemon_id: str = "make-dev-daemon") -> None:
    with DagsterInstance.get() as instance:
        instance.add_daemon_heartbeat(
            DaemonHeartbeat(time.time() - age_seconds, "SENSOR", daemon_id, None)
        )


def test_the_demo_refuses_to_start_a_second_daemon_on_its_instance(
    home: Path, tmp_path: Path
) -> None:
    beat(age_seconds=4)
    with pytest.raises(SystemExit) as exit_:
        demo.main(["--count", "10"])
    message = str(exit_.value)
    assert "already running" in message and str(home) in message
    assert "make-dev" in message
    # 4 s old when written; the refusal may come a few seconds later on a loaded machine
    age = re.search(r"last heartbeat (\d+)s ago", message)
    assert age is not None and 4 <= int(age.group(1)) <= 30
    assert "--reuse-daemon" in message and "DAGSTER_HOME=" in message
    assert not list((tmp_path / "data").rglob("landing"))  # refused before landing anything


def test_a_heartbeat_older_than_three_intervals_is_no_running_daemon(home: Path) -> None:
    beat(age_seconds=10 * 60, daemon_id="stopped-yesterday")
    with DagsterInstance.get() as instance:
        assert running_daemon(instance) is None
    beat(age_seconds=20, daemon_id="alive")
    with DagsterInstance.get() as instance:
        found = running_daemon(instance)
    assert found is not None and found.daemon_id == "alive" and 19 <= found.age_seconds < 30


def test_the_demos_own_daemon_leaves_no_heartbeat_behind(home: Path) -> None:
    """Otherwise a second `make demo` within 90 s would refuse, seeing the first's daemon."""
    beat(age_seconds=1, daemon_id="the-demos-own")
    with DagsterInstance.get() as instance:
        forget_heartbeats(instance)
        assert running_daemon(instance) is None


@pytest.mark.slow
def test_reusing_the_running_daemon_starts_none_and_shows_progress(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """With --reuse-daemon the day is landed and prepared, no daemon is started, and the wait
    prints the day's progress; with nobody ticking the sensor here, it times out saying so."""
    beat(age_seconds=2)
    with pytest.raises(SystemExit) as exit_:
        demo.main(["--count", "10", "--reuse-daemon", "--timeout", "3"])
    assert "timed out after 3s" in str(exit_.value)
    assert "batch_job_slots sensor" in str(exit_.value)
    out = capsys.readouterr().out
    assert "already running on this instance submits and tracks them" in out
    assert "0 of 1 jobs done" in out and "(0/10 records)" in out


def test_the_timeout_follows_the_work_with_margin_for_a_busy_machine() -> None:
    # The demo day: 3 jobs through 2 slots measured 216 s on a busy 2-core machine.
    assert demo.demo_timeout(3, 2) >= 2 * 216
    assert demo.demo_timeout(30, 2) > demo.demo_timeout(3, 2)
    assert demo.demo_timeout(3, 10) == demo.demo_timeout(1, 10)
