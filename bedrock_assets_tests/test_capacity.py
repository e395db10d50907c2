"""Capacity planning: jobs, makespan through the job quota, guardrail hours at quota, cost."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bedrock_assets.cli import main
from bedrock_assets.guardrail.quotas import default_quotas
from bedrock_assets.planning import guardrail_quotas, plan_day
from bedrock_assets.reporting.capacity import BatchLimits, plan
from bedrock_assets.reporting.pricing import guardrail_units_cost, token_cost
from bedrock_assets.settings import load_settings

MODEL = "anthropic.claude-3-haiku-20240307-v1:0"
LIMITS = BatchLimits(100, 50_000, 1024**3, 10)
RATES = {
    "requests": 50.0,
    "contentPolicyUnits": 200.0,
    "topicPolicyUnits": 50.0,
    "sensitiveInformationPolicyUnits": 200.0,
    "contextualGroundingPolicyUnits": 106.0,
}
POLICIES = ("contentPolicyUnits", "topicPolicyUnits", "sensitiveInformationPolicyUnits")
GROUNDED = (*POLICIES, "contextualGroundingPolicyUnits")


def _plan(calls: int, avg_chars: int = 5000, **kw: object) -> object:
    args: dict = {
        "batch": LIMITS,
        "guardrail_rates": RATES,
        "grounding_source_max_units": 100,
        "policies": GROUNDED,
        "model_id": MODEL,
        "line_bytes": avg_chars + 6000,
        "input_chars": avg_chars + 5000,
        "output_tokens": 150,
        "job_hours": 6.0,
        **kw,
    }
    return plan(calls, avg_chars, **args)


def test_a_million_calls_fill_two_waves_of_the_job_quota() -> None:
    p = _plan(1_000_000)
    assert (p.jobs, p.records_per_job, p.waves) == (20, 50_000, 2)
    assert p.makespan_hours == 12.0
    doubled = _plan(1_000_000, batch=BatchLimits(100, 50_000, 1024**3, 20))
    assert doubled.waves == 1 and doubled.makespan_hours == 6.0  # raise the job quota: half


def test_job_bytes_bound_records_per_job_for_long_calls() -> None:
    p = _plan(100_000, avg_chars=60_000, line_bytes=66_000)
    assert p.records_per_job == 1024**3 // 66_000 < 50_000
    assert p.jobs == -(-100_000 // p.records_per_job)


def test_a_day_below_the_job_minimum_goes_on_demand_at_full_price() -> None:
    p = _plan(50)
    assert p.jobs == 0 and p.waves == 0
    assert p.batch_cost_usd == token_cost(MODEL, p.input_tokens, p.output_tokens, batch=False)


def test_guardrail_hours_follow_the_tightest_quota() -> None:
    p = _plan(1_000_000)
    # Each call: 1 unit of summary, 5 of grounding source, 1 of query for grounding.
    assert p.guardrail_bottleneck == "contextualGroundingPolicyUnits"
    assert p.guardrail_hours == pytest.approx(1_000_000 * 7 / 106 / 3600)
    raised = _plan(1_000_000, guardrail_rates={**RATES, "contextualGroundingPolicyUnits": 1000.0})
    assert raised.guardrail_bottleneck in ("requests", "topicPolicyUnits")
    assert raised.guardrail_hours == pytest.approx(1_000_000 / 50 / 3600)
    assert _plan(10, guardrail_rates={}).guardrail_bottleneck == "none"


def test_grounding_source_is_capped_at_the_limit() -> None:
    assert _plan(1000, avg_chars=150_000, line_bytes=160_000).grounding_source_units == 100
    assert (
        _plan(1000, avg_chars=150_000, grounding_source_max_units=50).grounding_source_units == 50
    )


def test_costs_are_the_pricing_tables() -> None:
    p = _plan(10_000)
    assert p.batch_cost_usd == token_cost(MODEL, p.input_tokens, p.output_tokens, batch=True)
    units = {k: 10_000 for k in POLICIES} | {"contextualGroundingPolicyUnits": 70_000}
    assert p.guardrail_cost_usd == guardrail_units_cost(units)


def test_plan_uses_the_configured_quotas_and_a_real_request(tmp_path: Path) -> None:
    settings = load_settings(
        data_root=tmp_path, max_concurrent_jobs=5, region="eu-west-1", max_records_per_job=10_000
    )
    p = plan_day(settings, 100_000, 5056, 6.0, 150)
    assert (p.jobs, p.waves) == (10, 2)
    assert (
        guardrail_quotas(settings).rates["contextualGroundingPolicyUnits"]
        == (default_quotas("eu-west-1")["grounding_units_per_second"])
    )
    explicit = load_settings(data_root=tmp_path, guardrail_grounding_units_per_second=500)
    assert guardrail_quotas(explicit).rates["contextualGroundingPolicyUnits"] == 500


def test_the_plan_command(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("BEDROCK_ASSETS_DATA_ROOT", str(tmp_path))
    main(["plan", "--calls", "10000", "1000000"])
    out = capsys.readouterr().out
    assert "| 1,000,000 | 20 | 50,000 | 2 | 12.0 |" in out and "guardrail quotas:" in out
    main(["plan", "--calls", "100000", "--avg-chars", "3000", "--json"])
    (plan_json,) = json.loads(capsys.readouterr().out)
    assert plan_json["calls"] == 100_000 and plan_json["jobs"] == 2
