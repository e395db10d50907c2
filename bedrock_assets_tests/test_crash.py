"""SIGKILL a real process at each step of submission and collection, restart it, and get the
same final tables as an undisturbed run: nothing lost, no job submitted twice."""

import os
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from dagster import DagsterInstance

from bedrock_assets import resources
from bedrock_assets.core.crash import POINTS
from bedrock_assets.core.sample_data import land_sample_day
from bedrock_assets.core.storage import LocalObjectStore
from bedrock_assets.core.tables import read_table
from bedrock_assets.settings import get_settings
from bedrock_assets_tests.conftest import prepare_day, reset_caches

DAY = "2024-08-23"
ROOT = Path(__file__).resolve().parents[1]


def configure(mp: pytest.MonkeyPatch, root: Path) -> None:
    mp.setenv("BEDROCK_ASSETS_DATA_ROOT", str(root))
    mp.setenv("BEDROCK_ASSETS_LOCAL_STEP_SECONDS", "0.02")
    mp.setenv("BEDROCK_ASSETS_MIN_RECORDS_PER_JOB", "10")
    mp.setenv("BEDROCK_ASSETS_MAX_RECORDS_PER_JOB", "20")
    mp.setenv("BEDROCK_ASSETS_LOCAL_FAULTS", "record_error=0.3")
    mp.setenv("BEDROCK_ASSETS_RETRY_BACKOFF_SECONDS", "0")
    mp.delenv("BEDROCK_ASSETS_CRASHPOINT", raising=False)
    reset_caches()


def driver(crashpoint: str | None = None) -> int:
    env = dict(os.environ)
    if crashpoint:
        env["BEDROCK_ASSETS_CRASHPOINT"] = crashpoint
    return subprocess.run(
        [sys.executable, "-m", "bedrock_assets_tests.crash_driver"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        timeout=300,
    ).returncode


def final_tables() -> dict:
    settings = get_settings()
    store = LocalObjectStore(settings.object_store_root)

    def rows(name: str) -> list[dict]:
        uri = settings.s3_uri(settings.tables_prefix, name, f"{DAY}.parquet")
        return read_table(store, uri).to_pylist() if store.exists(uri) else []

    engine = resources.local_batch_client(settings)
    engine.wait_idle(60)
    names = [
        j["jobName"]
        for j in engine.list_model_invocation_jobs(maxResults=1000)["invocationJobSummaries"]
    ]
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
    with pytest.MonkeyPatch.context() as mp:
        configure(mp, root)
        settings = get_settings()
        store = LocalObjectStore(settings.object_store_root)
        land_sample_day(
            store,
            settings.s3_uri(settings.landing_prefix),
            DAY,
            40,
            seed=21,
            mixed_formats=False,
            include_bad=False,
        )
        with DagsterInstance.ephemeral() as instance:
            prepare_day(instance, DAY)
        if crashpoint:
            assert driver(crashpoint) == -signal.SIGKILL, f"{crashpoint} was never reached"
        assert driver() == 0
        result = final_tables()
        reset_caches()
        return result


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
