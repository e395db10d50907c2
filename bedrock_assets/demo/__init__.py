"""``make demo``: land a sample day and run the whole pipeline through Dagster.

Materializes the prepare job into the persistent instance (``DAGSTER_HOME``), then runs the
real Dagster daemon so the ``batch_job_slots`` sensor ticks, submits the shards to the
embedded Bedrock engine and launches the collect run; finally prints the day's report.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from dagster import DagsterInstance, DagsterRunStatus, RunsFilter

from bedrock_assets.defs import build_defs
from bedrock_assets.ingest.samples import land_sample_day
from bedrock_assets.reporting.day_report import day_report, format_report
from bedrock_assets.settings import load_settings
from bedrock_assets.state.files import private_dir

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


def _collect_succeeded(instance: DagsterInstance, call_date: str, since: float) -> str | None:
    runs = instance.get_runs(
        filters=RunsFilter(job_name="collect_batch_outputs", tags={"dagster/partition": call_date}),
        limit=5,
    )
    for run in runs:
        record = instance.get_run_record_by_id(run.run_id)
        if run.status == DagsterRunStatus.SUCCESS:
            return run.run_id
        if (
            run.status == DagsterRunStatus.FAILURE
            and record
            and record.create_timestamp.timestamp() >= since
        ):
            raise SystemExit(f"collect run {run.run_id} failed: open `make dev` to see why")
    return None


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    yesterday = (datetime.now(UTC) - timedelta(days=1)).date().isoformat()
    parser.add_argument("--date", default=os.environ.get("BEDROCK_ASSETS_DEMO_DATE", yesterday))
    parser.add_argument("--count", type=int, default=400)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--timeout", type=float, default=240.0)
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
    started = time.time()
    defs = build_defs(settings)
    resources = defs.resources or {}
    store, layout = resources["object_store"].get_store(), resources["object_store"].layout()
    landed = land_sample_day(
        store, layout.uri(layout.landing_prefix), args.date, args.count, seed=args.seed
    )
    print(
        f"landed {landed['transcripts']} transcripts and {landed['bad_inputs']} bad inputs "
        f"for {args.date} under {settings.object_store_root}/{settings.bucket}/"
        f"{settings.landing_prefix}/{args.date}/"
    )

    with DagsterInstance.get() as instance:
        result = defs.resolve_job_def("prepare_batch_inputs").execute_in_process(
            instance=instance, partition_key=args.date
        )
        if not result.success:
            raise SystemExit("prepare_batch_inputs failed")
        print(
            "materialized raw_transcripts and batch_input_shards; starting the Dagster "
            "daemon so the batch_job_slots sensor submits and tracks the jobs ..."
        )
        env = {**os.environ, "DAGSTER_HOME": str(home)}
        daemon = subprocess.Popen(
            [
                str(Path(sys.executable).with_name("dagster-daemon")),
                "run",
                "-w",
                str(WORKSPACE),
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=open(home / "demo-daemon.log", "wb"),
            start_new_session=True,
        )
        try:
            deadline = time.time() + args.timeout
            run_id = None
            while time.time() < deadline and not run_id:
                if daemon.poll() is not None:
                    raise SystemExit(f"the Dagster daemon exited; see {home}/demo-daemon.log")
                run_id = _collect_succeeded(instance, args.date, started)
                time.sleep(2)
            if not run_id:
                raise SystemExit(f"timed out after {args.timeout:.0f}s; see {home}/demo-daemon.log")
        finally:
            os.killpg(daemon.pid, signal.SIGTERM)
            try:
                daemon.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(daemon.pid, signal.SIGKILL)
    print(
        f"collect_batch_outputs run {run_id} succeeded ({time.time() - started:.0f}s end to end)\n"
    )
    ledger = resources["ledger"].get_ledger()
    report = day_report(store, layout, ledger, args.date)
    report["tables"] = resources["object_store"].locate(report["tables"])["dagster/uri"]
    print(format_report(report))
    print("\nOpen the Dagster UI on this instance with: make dev")


if __name__ == "__main__":
    main()
