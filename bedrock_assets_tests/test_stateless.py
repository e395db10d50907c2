"""Proven stateless: a whole day in ``aws`` mode, the Dagster instance and the ledger on a real
PostgreSQL server, every run in a process of its own with its own empty working directory and
temp dir, two sensor processes ticking at once, and one run killed in the middle.

S3 is moto's server and Bedrock is ``bedrock-local serve``, both reached only through the AWS
endpoint variables; nothing the pipeline needs is on a local disk (the data root is never
created). Every call is summarized exactly once, each shard attempt got one job, and the day
balances.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from bedrock_assets_tests.test_aws_e2e import ACCOUNT, BUCKET, Emulators, emulators  # noqa: F401

pytestmark = [pytest.mark.postgres, pytest.mark.aws, pytest.mark.e2e]
DAY = "2024-08-19"
CALLS = 60
BIN = Path(sys.executable).parent


def _environment(tmp_path: Path, postgres: Any) -> dict[str, str]:
    ledger_db = postgres.create_database("stateless_ledger")
    dagster_db = postgres.create_database("stateless_dagster")
    home = tmp_path / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_text(
        "storage:\n"
        "  postgres:\n"
        f"    postgres_url: {postgres.url(dagster_db, 'psycopg2')}\n"
        "run_monitoring:\n  enabled: true\n"
        "telemetry:\n  enabled: false\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("BEDROCK_ASSETS_")}
    settings = {
        "backend": "aws",
        "bucket": BUCKET,
        "account_id": ACCOUNT,
        "role_arn": f"arn:aws:iam::{ACCOUNT}:role/BatchRole",
        "quotas_from_service_quotas": "false",
        "min_records_per_job": "10",
        "max_records_per_job": "25",
        "ledger_url": postgres.url(ledger_db),
        "data_root": str(tmp_path / "never-created"),
        "partitions_start_date": "2024-01-01",
        "collect_stall_seconds": "5",
        "jobs_poll_seconds": "0.2",
        "retry_backoff_seconds": "0",
    }
    env.update({f"BEDROCK_ASSETS_{k.upper()}": v for k, v in settings.items()})
    env["DAGSTER_HOME"] = str(home)
    env["STATELESS_DONE_FILE"] = str(tmp_path / "done")
    return env


def _run(argv: list[str], env: dict[str, str], tmp_path: Path) -> str:
    workdir = tmp_path / f"cwd-{time.monotonic_ns()}"
    workdir.mkdir()
    done = subprocess.run(
        argv,
        env={**env, "TMPDIR": str(workdir)},
        cwd=workdir,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def test_a_day_on_postgres_with_two_sensors_and_a_killed_run(
    emulators: Emulators,  # noqa: F811
    postgres: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    env = _environment(tmp_path, postgres)
    assets = str(BIN / "bedrock-assets")
    land = [assets, "land-sample", "--date", DAY, "--count", str(CALLS), "--plain-only", "--no-bad"]
    _run(land, env, tmp_path)
    prepare = [str(BIN / "dagster"), "job", "execute", "-m", "bedrock_assets.definitions"]
    _run(
        [*prepare, "-j", "prepare_batch_inputs", "--tags", json.dumps({"dagster/partition": DAY})],
        env,
        tmp_path,
    )

    driver = [sys.executable, "-m", "bedrock_assets_tests.sensor_driver", "--seconds", "240"]
    crash = ["--crash-once", str(tmp_path / "crashed")]
    sensors = [
        subprocess.Popen(
            [*driver, *crash], env=env, cwd=tmp_path, stderr=subprocess.PIPE, text=True
        )
        for _ in range(2)
    ]
    report: dict[str, Any] = {}
    deadline = time.time() + 240
    try:
        while time.time() < deadline:
            out = _run([assets, "report", "--date", DAY, "--json"], env, tmp_path)
            report = json.loads(out)
            if report["summarized"] == CALLS and report["pending"] == 0:
                break
            assert all(s.poll() is None for s in sensors), "a sensor process died"
            time.sleep(2)
    finally:
        Path(env["STATELESS_DONE_FILE"]).touch()
        for s in sensors:
            s.wait(timeout=180)
    assert report["summarized"] == CALLS and report["conservation_ok"], report
    assert report["records_submitted"] == CALLS  # no call sent twice
    jobs = emulators.bedrock.list_model_invocation_jobs(maxResults=100)["invocationJobSummaries"]
    names = [j["jobName"] for j in jobs]
    assert len(names) == len(set(names)) == report["batch_jobs"] == 3  # one job per shard attempt
    assert (tmp_path / "crashed").exists()  # a collect run was killed on the way
    assert not (tmp_path / "never-created").exists()  # nothing kept on a local disk

    from dagster import DagsterInstance, DagsterRunStatus, RunsFilter

    monkeypatch.setenv("DAGSTER_HOME", env["DAGSTER_HOME"])
    with DagsterInstance.get() as instance:
        runs = instance.get_runs(RunsFilter(job_name="collect_batch_outputs"))
    statuses = [r.status for r in runs]
    assert DagsterRunStatus.SUCCESS in statuses and DagsterRunStatus.FAILURE in statuses
