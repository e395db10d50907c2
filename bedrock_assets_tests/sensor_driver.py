"""A sensor process of its own, as a Dagster daemon runs the sensor: evaluate
``batch_job_slots`` against the instance named by DAGSTER_HOME every ``--interval`` seconds,
record its asset events, and launch each run it requests as a new process (``dagster job
execute``) with its own empty working directory and temp dir, as a run launcher would.

Used by the stateless test, which starts two of these at once on the same Postgres instance
and ledger. ``--crash-once FILE``: the first run launched by any driver (whoever creates FILE)
is killed at a crash point, to leave a run that stopped mid-way.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from dagster import DagsterInstance, SensorResult, build_sensor_context

from bedrock_assets.crashpoints import VARIABLE
from bedrock_assets.defs import build_defs
from bedrock_assets.settings import load_settings

DAGSTER = str(Path(sys.executable).with_name("dagster"))


def launch(job: str, tags: dict[str, str], crash: str | None) -> subprocess.Popen:
    """A run in a fresh process, directory and temp dir (nothing shared on local disk)."""
    workdir = tempfile.mkdtemp(prefix="run-cwd-")
    env = {**os.environ, "TMPDIR": tempfile.mkdtemp(prefix="run-tmp-")}
    env.pop(VARIABLE, None)
    if crash:
        env[VARIABLE] = crash
    command = [DAGSTER, "job", "execute", "-m", "bedrock_assets.definitions", "-j", job]
    return subprocess.Popen(
        [*command, "--tags", json.dumps(tags)],
        cwd=workdir,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--interval", type=float, default=0.5)
    parser.add_argument("--seconds", type=float, default=240.0)
    parser.add_argument("--crash-once", default="")
    parser.add_argument("--crash-point", default="collect_after_outputs")
    args = parser.parse_args()
    defs = build_defs(load_settings())
    sensor = defs.resolve_sensor_def("batch_job_slots")
    launched: set[str] = set()  # run keys this process launched (the daemon's dedup)
    runs: list[subprocess.Popen] = []
    cursor: str | None = None
    deadline = time.time() + args.seconds
    with DagsterInstance.get() as instance:
        while time.time() < deadline:
            with build_sensor_context(
                instance=instance, definitions=defs, resources=defs.resources, cursor=cursor
            ) as ctx:
                result = sensor(ctx)
                cursor = ctx.cursor
            if isinstance(result, SensorResult):
                for event in result.asset_events or []:
                    instance.report_runless_asset_event(event)
                for request in result.run_requests or []:
                    if request.run_key in launched:
                        continue
                    launched.add(request.run_key or "")
                    crash = None
                    if args.crash_once:
                        try:
                            os.close(os.open(args.crash_once, os.O_CREAT | os.O_EXCL))
                            crash = args.crash_point
                        except FileExistsError:
                            pass
                    tags = {**request.tags, "dagster/partition": request.partition_key or ""}
                    runs.append(launch("collect_batch_outputs", tags, crash))
            if Path(os.environ["STATELESS_DONE_FILE"]).exists():
                break
            time.sleep(args.interval)
    for run in runs:
        run.wait(timeout=120)


if __name__ == "__main__":
    main()
