"""Benchmark: the collect run's wall time against the work it does.

Prepares a day (the demo's 400 calls, and 5,000; 150 records per job), ticks the
batch_job_slots sensor until the day's jobs are done and the sensor asks for the collect run,
and keeps a copy of that state. From that state each time it runs ``collect_batch_outputs``:

- ``work``: in this (warm) process, ``execute_in_process``: the run's work alone;
- ``run, one process``: ``dagster job execute`` in a fresh process with the code location's
  executor (``in_process``): what a run worker costs, Dagster's imports included;
- ``run, a process per step`` (the baseline, Dagster's default ``multiprocess`` executor):
  the same, each step starting its own process.

The ratio ``wall / work`` is the overhead the run adds to its work. The last row times a fresh
interpreter importing the code location alone (Dagster, SQLAlchemy, pandas, boto3): the fixed
part of any run worker, which weighs most on a small day.

    python benchmarks/collect_run.py [--counts 400 5000]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import dagster as dg

DAY = "2024-08-23"
SETTINGS = {
    "BEDROCK_ASSETS_MAX_RECORDS_PER_JOB": "150",
    "BEDROCK_ASSETS_MAX_CONCURRENT_JOBS": "2",
    "BEDROCK_ASSETS_PARTITIONS_START_DATE": "2024-08-01",
}


@dg.definitions
def multiprocess_defs() -> dg.Definitions:
    """The same code location with Dagster's default executor: a process per step."""
    from bedrock_assets.defs import build_defs
    from bedrock_assets.settings import load_settings

    defs = build_defs(load_settings())
    return dg.Definitions(
        assets=defs.assets,
        asset_checks=defs.asset_checks,
        jobs=defs.jobs,
        schedules=defs.schedules,
        sensors=defs.sensors,
        resources=defs.resources,
        executor=dg.multiprocess_executor,
    )


def ready_day(count: int) -> None:
    """Land and prepare the day; tick the sensor until it requests the collect run."""
    from bedrock_assets.defs import build_defs
    from bedrock_assets.ingest.samples import land_sample_day
    from bedrock_assets.settings import load_settings

    defs = build_defs(load_settings())
    resources = defs.resources or {}
    store, layout = resources["object_store"].get_store(), resources["object_store"].layout()
    land_sample_day(store, layout.uri(layout.landing_prefix), DAY, count, seed=7)
    with dg.DagsterInstance.get() as instance:
        prepared = defs.resolve_job_def("prepare_batch_inputs").execute_in_process(
            instance=instance, partition_key=DAY
        )
        assert prepared.success
        sensor = defs.resolve_sensor_def("batch_job_slots")
        cursor, deadline = None, time.time() + 600
        while time.time() < deadline:
            with dg.build_sensor_context(
                instance=instance, definitions=defs, resources=resources, cursor=cursor
            ) as ctx:
                result = sensor(ctx)
                cursor = ctx.cursor
            if isinstance(result, dg.SensorResult):
                for event in result.asset_events or []:
                    instance.report_runless_asset_event(event)
                if any(r.partition_key == DAY for r in result.run_requests or []):
                    break
            time.sleep(0.5)
        else:
            raise SystemExit("the day's jobs did not finish in 10 minutes")
    wait = getattr(resources["bedrock"].control_plane(), "wait_idle", None)
    if wait is not None:
        wait(timeout=60)


def work_in_process() -> float:
    from bedrock_assets.defs import build_defs
    from bedrock_assets.settings import load_settings

    defs = build_defs(load_settings())
    job = defs.resolve_job_def("collect_batch_outputs")
    with dg.DagsterInstance.get() as instance:
        start = time.perf_counter()
        result = job.execute_in_process(instance=instance, partition_key=DAY, raise_on_error=False)
        seconds = time.perf_counter() - start
    assert result.success
    return seconds


def run_in_fresh_process(target: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(
        [
            str(Path(sys.executable).with_name("dagster")),
            "job",
            "execute",
            *target,
            "-j",
            "collect_batch_outputs",
            "--tags",
            json.dumps({"dagster/partition": DAY}),
        ],
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return time.perf_counter() - start


def imports_only() -> float:
    """A fresh interpreter importing the code location and nothing else: the part of a run
    worker's cost that does not depend on the day."""
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import bedrock_assets.definitions"], check=True)
    return time.perf_counter() - start


def restore(saved: Path, live: Path) -> None:
    shutil.rmtree(live, ignore_errors=True)
    shutil.copytree(saved, live)


def measure(count: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        data, saved = root / "data", root / "data-ready"
        os.environ.update(
            SETTINGS, DAGSTER_HOME=str(root / "home"), BEDROCK_ASSETS_DATA_ROOT=str(data)
        )
        (root / "home").mkdir()
        (root / "home" / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
        ready_day(count)
        shutil.copytree(data, saved)
        variants = {
            "work (execute_in_process, warm)": work_in_process,
            "run, one process (in_process executor)": lambda: run_in_fresh_process(
                ["-m", "bedrock_assets.definitions"]
            ),
            "baseline: a process per step (multiprocess)": lambda: run_in_fresh_process(
                ["-f", __file__, "-a", "multiprocess_defs"]
            ),
        }
        seconds = {}
        for name, run in variants.items():
            restore(saved, data)
            seconds[name] = run()
        seconds["of which: a fresh process importing the code"] = imports_only()
        return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--counts", type=int, nargs="+", default=[400, 5000])
    args = parser.parse_args()
    print(f"collect_batch_outputs run, one day (os.cpu_count()={os.cpu_count()})")
    print(f"{'calls':>6} {'variant':<46} {'seconds':>8} {'wall / work':>12}")
    for count in args.counts:
        seconds = measure(count)
        work = next(iter(seconds.values()))
        for name, s in seconds.items():
            print(f"{count:>6} {name:<46} {s:>8.1f} {s / work:>12.2f}", flush=True)


if __name__ == "__main__":
    main()
