"""Days below the batch job minimum: wait and ride along with a later day, or go on demand."""

from datetime import UTC, datetime, timedelta

import pytest
from dagster import DagsterInstance

from bedrock_assets.core.ledger import Ledger
from bedrock_assets.core.sample_data import land_sample_day
from bedrock_assets.core.storage import LocalObjectStore
from bedrock_assets.core.tables import read_table
from bedrock_assets.report import day_report
from bedrock_assets.settings import Settings
from bedrock_assets_tests.conftest import drain, prepare_day, reset_caches
from bedrock_assets_tests.test_pipeline import check_results


def recent(days_ago: int) -> str:
    return (datetime.now(UTC) - timedelta(days=days_ago)).date().isoformat()


def land(settings: Settings, day: str, count: int) -> LocalObjectStore:
    store = LocalObjectStore(settings.object_store_root)
    land_sample_day(
        store,
        settings.s3_uri(settings.landing_prefix),
        day,
        count,
        mixed_formats=False,
        include_bad=False,
    )
    return store


def outputs(settings: Settings, store: LocalObjectStore, day: str) -> list[dict]:
    return read_table(
        store, settings.s3_uri(settings.tables_prefix, "batch_outputs", f"{day}.parquet")
    ).to_pylist()


def test_small_day_waits_then_rides_along_with_the_next_day(
    env: Settings, instance: DagsterInstance
) -> None:
    first, second = recent(3), recent(2)
    store = land(env, first, 6)  # min is 10 in tests
    prepare_day(instance, first)
    assert drain(instance) == []  # held inside its wait window: nothing submitted
    ledger = Ledger(env.ledger_path)
    assert [s.state for s in ledger.shards_for_date(first)] == ["held"]
    assert day_report(env, store, first)["pending"] == 6

    land(env, second, 8)
    prepare_day(instance, second)
    shards = ledger.shards_for_date(second)
    assert len(shards) == 1 and shards[0].record_count == 14
    assert ledger.shards_for_date(first) == shards  # the first day's records ride along
    requests = drain(instance)
    assert sorted(r.partition_key for r in requests) == [first, second]
    first_report, second_report = day_report(env, store, first), day_report(env, store, second)
    assert (first_report["summarized"], first_report["pending"]) == (6, 0)
    assert (second_report["summarized"], second_report["pending"]) == (8, 0)
    assert {o["call_date"] for o in outputs(env, store, first)} == {first}
    assert all(check_results(instance, "batch_job_outputs").values())
    assert check_results(instance, "token_usage_metrics") == {"conservation": True}
    jobs = {s.job_arn for d in (first, second) for s in ledger.shards_for_date(d)}
    assert len(jobs) == 1  # one batch job for both days


def test_on_demand_policy_invokes_the_model_and_prices_it_on_demand(
    env: Settings, instance: DagsterInstance, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BEDROCK_ASSETS_BELOW_MINIMUM_POLICY", "on_demand")
    reset_caches()
    day = recent(2)
    store = land(env, day, 5)
    prepare_day(instance, day)
    assert [r.partition_key for r in drain(instance)] == [day]
    rows = outputs(env, store, day)
    assert len(rows) == 5 and {r["inference_mode"] for r in rows} == {"on_demand"}
    assert all(r["status"] == "success" for r in rows)
    report = day_report(env, store, day)
    assert report["summarized"] == 5 and report["jobs"] == []
    assert (
        report["cost_usd"] == pytest.approx(report["on_demand_cost_usd"]) and report["cost_usd"] > 0
    )
    assert all(check_results(instance, "batch_job_outputs").values())
    assert check_results(instance, "token_usage_metrics") == {"conservation": True}


def test_held_records_past_their_wait_go_on_demand(
    env: Settings, instance: DagsterInstance
) -> None:
    day = "2024-08-23"  # long past the 72-hour wait
    store = land(env, day, 5)
    prepare_day(instance, day)
    assert [r.partition_key for r in drain(instance)] == [day]
    assert day_report(env, store, day)["summarized"] == 5
    events = [e["to_state"] for e in Ledger(env.ledger_path).events()]
    assert events == ["held", "on_demand", "terminal"]
