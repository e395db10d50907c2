"""Days below the batch job minimum: wait and ride along with a later day, or go on demand."""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from bedrock_assets_tests.harness import Pipeline

pytestmark = pytest.mark.e2e


def recent(days_ago: int) -> str:
    return (datetime.now(UTC) - timedelta(days=days_ago)).date().isoformat()


def land(pipeline: Pipeline, day: str, count: int) -> None:
    pipeline.land(day, count, mixed_formats=False, include_bad=False)


def test_small_day_waits_then_rides_along_with_the_next_day(pipeline: Pipeline) -> None:
    first, second = recent(3), recent(2)
    land(pipeline, first, 6)  # min is 10 in tests
    pipeline.prepare(first)
    assert pipeline.drain() == []  # held inside its wait window: nothing submitted
    ledger = pipeline.ledger
    assert [s.state for s in ledger.shards_for_date(first)] == ["held"]
    assert pipeline.report(first)["pending"] == 6

    land(pipeline, second, 8)
    pipeline.prepare(second)
    shards = ledger.shards_for_date(second)
    assert len(shards) == 1 and shards[0].record_count == 14
    assert ledger.shards_for_date(first) == shards  # the first day's records ride along
    requests = pipeline.drain()
    assert sorted(r.partition_key for r in requests) == [first, second]
    first_report, second_report = pipeline.report(first), pipeline.report(second)
    assert (first_report["summarized"], first_report["pending"]) == (6, 0)
    assert (second_report["summarized"], second_report["pending"]) == (8, 0)
    assert {o["call_date"] for o in pipeline.table("batch_outputs", first).to_pylist()} == {first}
    assert all(pipeline.check_results("batch_job_outputs").values())
    assert pipeline.check_results("token_usage_metrics") == {"conservation": True}
    jobs = {s.job_arn for d in (first, second) for s in ledger.shards_for_date(d)}
    assert len(jobs) == 1  # one batch job for both days


def test_on_demand_policy_invokes_the_model_and_prices_it_on_demand(
    make_pipeline: Callable[..., Pipeline],
) -> None:
    pipeline = make_pipeline(below_minimum_policy="on_demand")
    day = recent(2)
    land(pipeline, day, 5)
    pipeline.prepare(day)
    assert [r.partition_key for r in pipeline.drain()] == [day]
    rows = pipeline.table("batch_outputs", day).to_pylist()
    assert len(rows) == 5 and {r["inference_mode"] for r in rows} == {"on_demand"}
    assert all(r["status"] == "success" for r in rows)
    report = pipeline.report(day)
    assert report["summarized"] == 5 and report["jobs"] == []
    assert (
        report["cost_usd"] == pytest.approx(report["on_demand_cost_usd"]) and report["cost_usd"] > 0
    )
    assert all(pipeline.check_results("batch_job_outputs").values())
    assert pipeline.check_results("token_usage_metrics") == {"conservation": True}


def test_held_records_past_their_wait_go_on_demand(pipeline: Pipeline) -> None:
    day = "2024-08-23"  # long past the 72-hour wait
    land(pipeline, day, 5)
    pipeline.prepare(day)
    assert [r.partition_key for r in pipeline.drain()] == [day]
    assert pipeline.report(day)["summarized"] == 5
    events = [e["to_state"] for e in pipeline.ledger.events()]
    assert events == ["held", "on_demand", "terminal"]
