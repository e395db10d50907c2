"""The whole pipeline for a day under each fault profile of the local engine, and all at once.

Asserts the conservation equation, exactly one Bedrock job per shard attempt, and that every
dead-lettered record carries its reason.
"""

from collections import Counter
from collections.abc import Callable

import pytest

from bedrock_assets_tests.harness import DAY, Pipeline

pytestmark = pytest.mark.e2e
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
def test_pipeline_under_faults(make_pipeline: Callable[..., Pipeline], profile: str) -> None:
    pipeline = make_pipeline(
        local_faults=PROFILES[profile],
        max_records_per_job=20,
        retry_backoff_seconds=0,
        submit_backoff_seconds=0,
        max_job_attempts=3,
        max_record_attempts=3,
    )
    settings, store = pipeline.settings, pipeline.store
    pipeline.land(DAY, 60, seed=3)
    pipeline.prepare(DAY)
    pipeline.drain(timeout=240)

    report = pipeline.report(DAY)
    assert report["pending"] == 0 and report["retrying"] == 0
    assert report["landed"] == 65
    assert report["landed"] == (
        report["quarantined"] + report["summarized"] + report["dead_lettered"] + report["pending"]
    )
    assert pipeline.metadata("token_usage_metrics")["landed"] == 65

    # Exactly one job per shard attempt: every submission recorded in the ledger is one job
    # in the engine, and no job name was used twice.
    ledger = pipeline.ledger
    submissions = [
        (e["shard_id"], e["job_arn"])
        for e in ledger.events()
        if e["to_state"] == "active" and e["job_arn"]
    ]
    assert len({arn for _, arn in submissions}) == len(submissions)
    jobs = pipeline.bedrock.list_model_invocation_jobs(maxResults=1000)["invocationJobSummaries"]
    assert len(jobs) == len(submissions)
    assert max(Counter(j["jobName"] for j in jobs).values()) == 1
    attempts = Counter(j["jobName"].rsplit("-a", 1)[0] for j in jobs)
    assert max(attempts.values()) <= settings.max_job_attempts

    dead_uri = pipeline.layout.table("dead_letters", DAY)
    dead = pipeline.table("dead_letters").to_pylist() if store.exists(dead_uri) else []
    assert len(dead) == report["dead_lettered"]
    assert all(d["error_code"] and d["error_message"] and d["attempts"] >= 1 for d in dead)
    if profile == "none":
        assert report["summarized"] == 60 and not dead
    if profile == "record_error":
        assert any(s.kind == "retry" for s in ledger.shards_for_date(DAY))
    if profile in ("job_failure", "job_expiry", "all"):
        assert any(e["message"] and "attempt 1 ended" in e["message"] for e in ledger.events())
