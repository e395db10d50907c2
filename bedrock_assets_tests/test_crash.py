"""SIGKILL a real process at each step of submission and collection, restart it, and get the
same final tables as an undisturbed run: nothing lost, no job submitted twice."""

import os
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from dagster import DagsterInstance

from bedrock_assets.crashpoints import POINTS, VARIABLE
from bedrock_assets_tests.harness import DAY, TEST_DEFAULTS, Pipeline, settings_for

pytestmark = pytest.mark.crash
ROOT = Path(__file__).resolve().parents[1]
CONFIG: dict[str, Any] = {
    **TEST_DEFAULTS,
    "max_records_per_job": 20,
    # enough errors (>= the job minimum of 10 of 40) that the retries go in a batch job of their own
    "local_faults": "record_error=0.4",
    "retry_backoff_seconds": 0,
    # The killed process's leases run out in seconds, not the deployed minutes.
    "submit_lease_seconds": 2,
    "collect_lease_seconds": 2,
}


def driver(root: Path, crashpoint: str | None = None) -> int:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BEDROCK_ASSETS_")}
    env.update({f"BEDROCK_ASSETS_{k.upper()}": str(v) for k, v in CONFIG.items()})
    env["BEDROCK_ASSETS_DATA_ROOT"] = str(root)
    if crashpoint:
        env[VARIABLE] = crashpoint
    return subprocess.run(
        [sys.executable, "-m", "bedrock_assets_tests.crash_driver"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        timeout=300,
    ).returncode


def final_tables(pipeline: Pipeline) -> dict:
    store = pipeline.store

    def rows(name: str) -> list[dict]:
        uri = pipeline.layout.table(name, DAY)
        return pipeline.table(name).to_pylist() if store.exists(uri) else []

    pipeline.wait_idle(60)
    summaries = pipeline.bedrock.list_model_invocation_jobs(maxResults=1000)
    names = [j["jobName"] for j in summaries["invocationJobSummaries"]]
    assert max(Counter(names).values()) == 1
    return {
        "summaries": {r["record_id"]: r["guarded_summary"] for r in rows("guarded_summaries")},
        "outputs": {r["record_id"]: r["status"] for r in rows("batch_outputs")},
        "dead": {r["record_id"]: r["error_code"] for r in rows("dead_letters")},
        "jobs": sorted(names),
        "metrics": [
            (m["records"], m["successes"], m["input_tokens"], m["output_tokens"])
            for m in rows("token_usage_metrics")
        ],
    }


def run_day(root: Path, crashpoint: str | None) -> dict:
    with DagsterInstance.ephemeral() as instance:
        pipeline = Pipeline(settings_for(root, **CONFIG), instance)
        pipeline.land(DAY, 40, seed=21, mixed_formats=False, include_bad=False)
        pipeline.prepare(DAY)
        if crashpoint:
            assert driver(root, crashpoint) == -signal.SIGKILL, f"{crashpoint} was never reached"
        assert driver(root) == 0
        return final_tables(pipeline)


@pytest.fixture(scope="module")
def undisturbed(tmp_path_factory: pytest.TempPathFactory) -> dict:
    result = run_day(tmp_path_factory.mktemp("calm"), None)
    assert len(result["summaries"]) + len(result["dead"]) == 40
    assert any(name.startswith("bedrock-assets-2024-08-23-9") for name in result["jobs"])
    return result


@pytest.mark.parametrize("point", POINTS)
def test_sigkill_and_restart_gives_the_same_tables(
    undisturbed: dict, tmp_path: Path, point: str
) -> None:
    assert run_day(tmp_path, point) == undisturbed
