"""``make demo``: land a sample day and run the whole pipeline through Dagster.

Materializes the prepare job into the persistent instance (``DAGSTER_HOME``), then runs the
real Dagster daemon so the ``batch_job_slots`` sensor ticks, submits the shards to the
embedded Bedrock engine and launches the collect run; finally prints the day's report.
"""

from __future__ import annotations

import argparse
import math
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from dagster import DagsterInstance, DagsterRunStatus, RunsFilter

from bedrock_assets.batch.progress import day_progress
from bedrock_assets.defs import build_defs
from bedrock_assets.demo.daemon import forget_heartbeats, refusal, running_daemon
from bedrock_assets.ingest.samples import land_sample_day
from bedrock_assets.reporting.day_report import day_report, format_report
from bedrock_assets.settings import Settings, load_settings
from bedrock_assets.state.files import private_dir
from bedrock_assets.state.ledger import Ledger

# The same code location `make dev` opens, so the demo's sensor ticks show in its UI.
WORKSPACE = Path(__file__).resolve().parents[2] / "workspace.yaml"

DAGSTER_YAML = """telemetry:
  enabled: false
nux:
  enabled: false
run_monitoring:
  enabled: true
run_coordinator:
  module: dagster._core.run_coordinator
  class: QueuedRunCoordinator
  config:
    max_concurrent_runs: 4
"""


def ensure_dagster_home() -> Path:
    """The instance folder, owner-only: run event logs and compute logs live under it."""
    home = Path(os.environ.setdefault("DAGSTER_HOME", str(Path(".dagster_home").resolve())))
    private_dir(home)
    home.chmod(0o700)
    config = home / "dagster.yaml"
    if not config.exists():
        config.write_text(DAGSTER_YAML)
    return home


def _collect_succeeded(
    instance: DagsterInstance, call_date: str, since: float, succeeded_since: float
) -> str | None:
    """The day's collect run that succeeded after ``succeeded_since``; a failure after
    ``since`` (this demo's start) ends the demo."""
    records = instance.get_run_records(
        filters=RunsFilter(job_name="collect_batch_outputs", tags={"dagster/partition": call_date}),
        limit=5,
    )
    for record in records:
        run, created = record.dagster_run, record.create_timestamp.timestamp()
        if run.status == DagsterRunStatus.SUCCESS and created >= succeeded_since:
            return run.run_id
        if run.status == DagsterRunStatus.FAILURE and created >= since:
            raise SystemExit(f"collect run {run.run_id} failed: open `make dev` to see why")
    return None


def demo_timeout(jobs: int, slots: int) -> float:
    """Seconds to wait for the day, from its work: the daemon's start and the collect run,
    plus each wave of jobs through the slots, with a threefold margin for a busy 2-core
    machine (a demo day measured 216 s there with a process per step)."""
    waves = max(1, math.ceil(jobs / max(1, slots)))
    return 3.0 * (60.0 + 30.0 * waves + 60.0)


def _start_daemon(home: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [str(Path(sys.executable).with_name("dagster-daemon")), "run", "-w", str(WORKSPACE)],
        env={**os.environ, "DAGSTER_HOME": str(home)},
        stdout=subprocess.DEVNULL,
        stderr=open(home / "demo-daemon.log", "wb"),  # noqa: SIM115 - the daemon's, kept open
        start_new_session=True,
    )


def _stop_daemon(daemon: subprocess.Popen[bytes], instance: DagsterInstance) -> None:
    os.killpg(daemon.pid, signal.SIGTERM)
    try:
        daemon.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(daemon.pid, signal.SIGKILL)
        daemon.wait()
    forget_heartbeats(instance)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--date",
        default=os.environ.get("BEDROCK_ASSETS_DEMO_DATE"),
        help="the call date (default: the newest daily partition, yesterday in "
        "BEDROCK_ASSETS_SCHEDULE_TIMEZONE)",
    )
    parser.add_argument("--count", type=int, default=400)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--timeout", type=float, default=None, help="seconds (default: from the day's jobs)"
    )
    parser.add_argument(
        "--reuse-daemon",
        action="store_true",
        help="use the Dagster daemon already running on this instance (e.g. `make dev`'s)",
    )
    args = parser.parse_args(argv)

    # Small jobs and two slots, so the demo day needs several jobs queued through the quota.
    os.environ.setdefault("BEDROCK_ASSETS_MAX_RECORDS_PER_JOB", "150")
    os.environ.setdefault("BEDROCK_ASSETS_MAX_CONCURRENT_JOBS", "2")
    os.environ.setdefault("BEDROCK_ASSETS_SENSOR_INTERVAL_SECONDS", "5")
    home = ensure_dagster_home()
    settings = load_settings()
    if settings.backend != "local":
        raise SystemExit(
            "make demo runs on the embedded local backend; unset BEDROCK_ASSETS_BACKEND"
        )
    args.date = args.date or settings.recent_partitions(1)[0]
    problem = settings.not_a_partition(args.date)
    if problem:
        raise SystemExit(f"make demo: {problem}")
    with DagsterInstance.get() as instance:
        other = running_daemon(instance)
        if other and not args.reuse_daemon:
            raise SystemExit(refusal(str(home), other))
        _run_day(args, home, settings, instance, reuse=other is not None)


def _run_day(
    args: argparse.Namespace,
    home: Path,
    settings: Settings,
    instance: DagsterInstance,
    reuse: bool,
) -> None:
    started = time.time()
    defs = build_defs(settings)
    resources = defs.resources or {}
    store, layout = resources["object_store"].get_store(), resources["object_store"].layout()
    ledger = resources["ledger"].get_ledger()
    landed = land_sample_day(
        store, layout.uri(layout.landing_prefix), args.date, args.count, seed=args.seed
    )
    print(
        f"landed {landed['transcripts']} transcripts and {landed['bad_inputs']} bad inputs "
        f"for {args.date} under {settings.object_store_root}/{settings.bucket}/"
        f"{settings.landing_prefix}/{args.date}/"
    )
    result = defs.resolve_job_def("prepare_batch_inputs").execute_in_process(
        instance=instance, partition_key=args.date
    )
    if not result.success:
        raise SystemExit("prepare_batch_inputs failed")
    progress = day_progress(ledger, args.date)
    jobs = progress.total
    # A day demoed before, with nothing new to send: its earlier collect run is the answer.
    succeeded_since = 0.0 if progress.complete else started
    timeout = args.timeout or demo_timeout(jobs, settings.max_concurrent_jobs)
    print(
        f"materialized raw_transcripts and batch_input_shards: {jobs} jobs through "
        f"{settings.max_concurrent_jobs} slots; "
        + (
            "the Dagster daemon already running on this instance submits and tracks them"
            if reuse
            else "starting the Dagster daemon so the batch_job_slots sensor submits and tracks them"
        )
        + f" (waiting up to {timeout:.0f}s) ..."
    )
    run_id = _collect_succeeded(instance, args.date, started, succeeded_since)
    if run_id:
        print(f"{args.date} was demoed before and has nothing new to send: no daemon needed")
    else:
        daemon = None if reuse else _start_daemon(home)
        log = home / "demo-daemon.log"
        try:
            run_id = _wait(
                instance, ledger, args.date, (started, succeeded_since), timeout, daemon, log
            )
        finally:
            if daemon is not None:
                _stop_daemon(daemon, instance)
    print(
        f"collect_batch_outputs run {run_id} succeeded ({time.time() - started:.0f}s end to end)\n"
    )
    report = day_report(store, layout, ledger, args.date)
    report["tables"] = resources["object_store"].locate(report["tables"])["dagster/uri"]
    print(format_report(report))
    print("\nOpen the Dagster UI on this instance with: make dev")


def _wait(
    instance: DagsterInstance,
    ledger: Ledger,
    call_date: str,
    since: tuple[float, float],
    timeout: float,
    daemon: subprocess.Popen[bytes] | None,
    log: Path,
) -> str:
    """Poll until the day's collect run succeeds, printing each change of progress."""
    deadline, shown = time.time() + timeout, ""
    while time.time() < deadline:
        if daemon is not None and daemon.poll() is not None:
            raise SystemExit(f"the Dagster daemon exited; see {log}")
        if run_id := _collect_succeeded(instance, call_date, *since):
            return run_id
        progress = day_progress(ledger, call_date)
        line = f"  {progress.headline()} ({progress.processed}/{progress.records} records)"
        collect = _collect_status(instance, call_date, since[0])
        if collect:
            line += f"; collect_batch_outputs {collect}"
        if line != shown:
            print(f"{line} [{time.time() - since[0]:.0f}s]", flush=True)
            shown = line
        time.sleep(2)
    where = f"; see {log}" if daemon is not None else " (is the batch_job_slots sensor on?)"
    raise SystemExit(f"timed out after {timeout:.0f}s{where}")


def _collect_status(instance: DagsterInstance, call_date: str, since: float) -> str | None:
    runs = instance.get_run_records(
        filters=RunsFilter(job_name="collect_batch_outputs", tags={"dagster/partition": call_date}),
        limit=1,
    )
    if runs and runs[0].create_timestamp.timestamp() >= since:
        return runs[0].dagster_run.status.value.lower()
    return None


if __name__ == "__main__":
    main()
