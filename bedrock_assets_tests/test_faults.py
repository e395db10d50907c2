"""The whole pipeline for a day under each fault profile of the local engine, and all at once.

Asserts the conservation equation, exactly one Bedrock job per shard attempt, and that every
dead-lettered record carries its reason.
"""

from collections import Counter

import pytest
from dagster import AssetKey, DagsterInstance

from bedrock_assets import resources
from bedrock_assets.core.ledger import Ledger
from bedrock_assets.core.sample_data import land_sample_day
from bedrock_assets.core.storage import LocalObjectStore
from bedrock_assets.core.tables import read_table
from bedrock_assets.report import day_report
from bedrock_assets.settings import Settings, get_settings
from bedrock_assets_tests.conftest import drain, prepare_day, reset_caches

DAY = "2024-08-23"
PROFILES = {
    "none": "",
    "job_failure": "job_failure=0.5",
    "job_expiry": "job_expiry=0.5",
    "record_error": "record_error=0.25",
    "submit_throttle": "submit_throttle=0.5",
    "slow_job": "slow_job=0.5",
    "all": "job_failure=0.3,job_expiry=0.3,record_error=0.2,submit_throttle=0.3,slow_job=0.3",
}


@pytest.mark.parametrize("profile", sorted(PROFILES))
def test_pipeline_under_faults(
    env: Settings, instance: DagsterInstance, monkeypatch: pytest.MonkeyPatch, profile: str
) -> None:
    monkeypatch.setenv("BEDROCK_ASSETS_LOCAL_FAULTS", PROFILES[profile])
    monkeypatch.setenv("BEDROCK_ASSETS_MAX_RECORDS_PER_JOB", "20")
    monkeypatch.setenv("BEDROCK_ASSETS_RETRY_BACKOFF_SECONDS", "0")
    monkeypatch.setenv("BEDROCK_ASSETS_MAX_JOB_ATTEMPTS", "3")
    monkeypatch.setenv("BEDROCK_ASSETS_MAX_RECORD_ATTEMPTS", "3")
    reset_caches()
    settings = get_settings()
    store = LocalObjectStore(settings.object_store_root)
    land_sample_day(store, settings.s3_uri(settings.landing_prefix), DAY, 60, seed=3)
    prepare_day(instance, DAY)
    drain(instance, timeout=240)

    report = day_report(settings, store, DAY)
    assert report["pending"] == 0 and report["retrying"] == 0
    assert report["landed"] == 65
    assert report["landed"] == (
        report["quarantined"] + report["summarized"] + report["dead_lettered"] + report["pending"]
    )
    check = instance.get_latest_materialization_event(AssetKey("token_usage_metrics"))
    assert check.asset_materialization.metadata["landed"].value == 65

    # Exactly one job per shard attempt: every submission recorded in the ledger is one job
    # in the engine, and no job name was used twice.
    ledger = Ledger(settings.ledger_path)
    submissions = [
        (e["shard_id"], e["job_arn"])
        for e in ledger.events()
        if e["to_state"] == "active" and e["job_arn"]
    ]
    assert len({arn for _, arn in submissions}) == len(submissions)
    engine = resources.local_batch_client(settings)
    jobs = engine.list_model_invocation_jobs(maxResults=1000)["invocationJobSummaries"]
    assert len(jobs) == len(submissions)
    assert max(Counter(j["jobName"] for j in jobs).values()) == 1
    attempts = Counter(j["jobName"].rsplit("-a", 1)[0] for j in jobs)
    assert max(attempts.values()) <= settings.max_job_attempts

    dead_uri = settings.s3_uri(settings.tables_prefix, "dead_letters", f"{DAY}.parquet")
    dead = read_table(store, dead_uri).to_pylist() if store.exists(dead_uri) else []
    assert len(dead) == report["dead_lettered"]
    assert all(d["error_code"] and d["error_message"] and d["attempts"] >= 1 for d in dead)
    if profile == "none":
        assert report["summarized"] == 60 and not dead
    if profile == "record_error":
        assert any(s.kind == "retry" for s in ledger.shards_for_date(DAY))
    if profile in ("job_failure", "job_expiry", "all"):
        assert any(e["message"] and "attempt 1 ended" in e["message"] for e in ledger.events())
