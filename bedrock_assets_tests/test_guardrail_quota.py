"""ApplyGuardrail at the account's quota: the limiter, the quotas in force, grounding sources
inside Bedrock's limit, and the day's estimate."""

from __future__ import annotations

from pathlib import Path

import boto3
import pytest
from botocore.exceptions import ClientError
from botocore.stub import Stubber

import bedrock_local
from bedrock_assets.aws_calls import RateLimiter
from bedrock_assets.guardrail.calls import apply_all
from bedrock_assets.guardrail.estimate import estimate
from bedrock_assets.guardrail.grounding import FULL, RELEVANT_WINDOWS, select_grounding_source
from bedrock_assets.guardrail.guard import GuardrailSpec
from bedrock_assets.guardrail.limiter import QuotaLimiter
from bedrock_assets.guardrail.policy import configured_policies, default_policy_path, load_policy
from bedrock_assets.guardrail.quotas import (
    default_quotas,
    read_service_quotas,
    resolve_guardrail_quotas,
)
from bedrock_assets.guardrail.requests import guardrail_request, interpret, request_units
from bedrock_assets.prompting.local_model import summarize_transcript
from bedrock_assets.settings import SettingsError, load_settings
from bedrock_assets_tests.harness import long_transcript
from bedrock_local.guardrail.engine import LocalGuardrail

GROUNDING = "contextualGroundingPolicyUnits"
POLICIES = configured_policies(load_policy())


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


# -- the limiter -------------------------------------------------------------------------------
def test_text_units_not_requests_set_the_pace_for_long_calls() -> None:
    clock = FakeClock()
    limiter = QuotaLimiter({"requests": 50, GROUNDING: 100}, clock=clock, sleep=clock.sleep)
    for _ in range(21):
        limiter.acquire({GROUNDING: 50})
    # 100 units of burst, then 50 units per half second: 21 calls of 50 units take 9.5 s.
    assert clock.now == pytest.approx((21 * 50 - 100) / 100)


def test_requests_set_the_pace_for_short_calls() -> None:
    clock = FakeClock()
    limiter = QuotaLimiter({"requests": 10, GROUNDING: 100}, clock=clock, sleep=clock.sleep)
    for _ in range(30):
        limiter.acquire({GROUNDING: 1})
    assert clock.now == pytest.approx((30 - 10) / 10)


def test_each_policy_has_its_own_bucket_and_the_tightest_wins() -> None:
    clock = FakeClock()
    rates = {"requests": 100, "topicPolicyUnits": 5, "contentPolicyUnits": 200}
    limiter = QuotaLimiter(rates, clock=clock, sleep=clock.sleep)
    for _ in range(15):
        limiter.acquire({"topicPolicyUnits": 1, "contentPolicyUnits": 1})
    assert clock.now == pytest.approx((15 - 5) / 5)


def test_unlimited_rates_never_wait_and_idle_time_refills_only_to_the_burst() -> None:
    clock = FakeClock()
    assert QuotaLimiter({"requests": None}, clock=clock, sleep=clock.sleep).reserve({}) == 0
    limiter = QuotaLimiter({GROUNDING: 10}, clock=clock, sleep=clock.sleep)
    clock.now = 3600.0  # an hour idle banks one second of quota, not an hour's
    waits = [limiter.reserve({GROUNDING: 10}) for _ in range(3)]
    assert waits == [0.0, pytest.approx(1.0), pytest.approx(2.0)]


def test_a_retry_takes_its_units_again() -> None:
    """A throttled attempt consumed quota at the service: the retry waits for it again."""
    runtime = boto3.client("bedrock-runtime", region_name="us-east-1")
    request = guardrail_request("A summary.", "Customer: hi.", "g1", "1")
    costs: list[dict] = []

    class Recording(QuotaLimiter):
        def acquire(self, cost=None):  # type: ignore[no-untyped-def]
            costs.append(dict(cost or {}))

    answer = {
        "usage": {k: 0 for k in (*POLICIES, "sensitiveInformationPolicyFreeUnits")},
        "action": "NONE",
        "outputs": [],
        "assessments": [],
    }
    with Stubber(runtime) as stub:
        stub.add_client_error("apply_guardrail", "ThrottlingException", "slow down", 429)
        stub.add_response("apply_guardrail", answer)
        out = list(
            apply_all(
                runtime,
                [("r", request)],
                Recording({}),
                sleep=lambda _: None,
                cost=lambda r: request_units(r, POLICIES),
            )
        )
    assert out[0][1]["action"] == "NONE"
    assert costs == [request_units(request, POLICIES)] * 2 and costs[0][GROUNDING] == 3


def test_the_requests_only_limiter_still_plugs_in() -> None:
    RateLimiter(None).acquire({GROUNDING: 5})


# -- what a request costs ----------------------------------------------------------------------
def test_request_units_per_policy_as_bedrock_counts_them() -> None:
    request = guardrail_request("s" * 1500, "t" * 98_500, "g1", "1")
    units = request_units(request, POLICIES)
    assert units["sensitiveInformationPolicyUnits"] == units["topicPolicyUnits"] == 2
    assert units[GROUNDING] == 2 + 99 + 1  # summary + grounding source + query
    assert set(units) == set(POLICIES)
    assert GROUNDING not in request_units({**request, "source": "INPUT"}, POLICIES)
    # The local engine reports the same usage for the same request.
    response = LocalGuardrail(load_policy()).apply(request)
    assert dict(interpret("s", response).units_by_policy)[GROUNDING] == units[GROUNDING]


# -- the quotas in force -----------------------------------------------------------------------
def test_region_defaults_and_precedence() -> None:
    assert default_quotas("us-east-1")["grounding_units_per_second"] == 106
    assert default_quotas("eu-west-1")["grounding_source_max_units"] == 50
    quotas = resolve_guardrail_quotas(
        "us-west-2",
        {"grounding_units_per_second": 300.0},
        lambda: {"grounding_units_per_second": 250.0, "topic_units_per_second": 80.0},
    )
    assert quotas.values["grounding_units_per_second"] == 300.0
    assert quotas.sources["grounding_units_per_second"] == "BEDROCK_ASSETS override"
    assert quotas.rates["topicPolicyUnits"] == 80.0
    assert quotas.sources["topic_units_per_second"] == "Service Quotas"
    assert (
        quotas.rates["contentPolicyUnits"] == 200.0 and quotas.grounding_source_max_chars == 100_000
    )
    local = resolve_guardrail_quotas("eu-west-1", {}, None, enforce_rates=False)
    assert set(local.rates.values()) == {None} and local.grounding_source_max_units == 50


def test_reads_applyguardrail_quotas_from_service_quotas() -> None:
    client = boto3.client("service-quotas", region_name="us-east-1")
    quotas = [
        ("On-demand ApplyGuardrail Contextual grounding policy text units per second", 400.0),
        ("On-demand ApplyGuardrail Denied topic policy text units per second", 75.0),
        ("On-demand ApplyGuardrail requests per second", 60.0),
        ("Batch inference job size (in GB) for Claude 3 Haiku", 5.0),
    ]
    page = [
        {"QuotaName": n, "Value": v, "QuotaCode": f"L-{i:08d}", "ServiceCode": "bedrock"}
        for i, (n, v) in enumerate(quotas)
    ]
    with Stubber(client) as stub:
        stub.add_response("list_service_quotas", {"Quotas": page[:2], "NextToken": "t"})
        stub.add_response("list_service_quotas", {"Quotas": page[2:]})
        found = read_service_quotas(client)
    assert found == {
        "grounding_units_per_second": 400.0,
        "topic_units_per_second": 75.0,
        "requests_per_second": 60.0,
    }


def test_service_quotas_denied_falls_back_to_the_region_defaults() -> None:
    def denied() -> dict[str, float]:
        raise ClientError({"Error": {"Code": "AccessDeniedException"}}, "ListServiceQuotas")

    quotas = resolve_guardrail_quotas("us-east-1", {}, denied)
    assert quotas.rates[GROUNDING] == 106.0
    assert "AccessDeniedException" in quotas.sources["grounding_units_per_second"]


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("BEDROCK_ASSETS_GUARDRAIL_GROUNDING_UNITS_PER_SECOND", "0"),
        ("BEDROCK_ASSETS_GUARDRAIL_TOPIC_UNITS_PER_SECOND", "fast"),
        ("BEDROCK_ASSETS_GUARDRAIL_GROUNDING_SOURCE_MAX_UNITS", "5000"),
    ],
)
def test_bad_quota_settings_name_their_variable(
    variable: str, value: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(SettingsError, match=variable):
        load_settings()


def test_settings_reach_the_guardrail_spec(tmp_path: Path) -> None:
    from bedrock_assets.defs.resources import build_resources

    settings = load_settings(
        data_root=tmp_path, guardrail_grounding_units_per_second=42, region="eu-west-1"
    )
    spec = build_resources(settings)["guardrail"].spec()
    assert spec.rates[GROUNDING] == 42 and spec.rates["requests"] is None  # local: unlimited
    assert spec.grounding_source_max_units == 50 and set(spec.policies) == set(POLICIES)


# -- grounding sources inside the limit --------------------------------------------------------
@pytest.fixture(scope="module")
def long_call() -> tuple[str, str]:
    transcript = long_transcript(150_000)
    return transcript, summarize_transcript(transcript, max_chars=2000)


def test_a_call_within_the_limit_is_sent_whole() -> None:
    source = select_grounding_source("Customer: hi.\nAgent: hello.", "A greeting.", 100_000)
    assert (source.strategy, source.windows, source.text) == (
        FULL,
        1,
        "Customer: hi.\nAgent: hello.",
    )


def test_a_long_call_is_grounded_on_the_passages_the_summary_draws_on(
    long_call: tuple[str, str],
) -> None:
    transcript, summary = long_call
    source = select_grounding_source(transcript, summary, 100_000)
    assert source.strategy == RELEVANT_WINDOWS and source.chars <= 100_000 < len(transcript)
    lines = set(transcript.splitlines())
    assert all(line in lines for line in source.text.splitlines())  # passages, never rewritten
    # Every figure the summary states is in what it is grounded on.
    import re

    for figure in re.findall(r"\$\d[\d,.]*\d", summary):
        assert figure in source.text
    assert select_grounding_source(transcript, summary, 100_000) == source  # deterministic


def test_bedrock_refuses_the_whole_long_call_and_accepts_the_passages(
    long_call: tuple[str, str], tmp_path: Path
) -> None:
    """The local engine enforces the limit like Bedrock; the verdict on the passages is the
    verdict on the whole call (an engine without the limit is the reference)."""
    transcript, summary = long_call
    runtime = bedrock_local.client(
        "bedrock-runtime",
        data_root=tmp_path,
        guardrails={"bedrockassetslocal": str(default_policy_path())},
    )
    whole = guardrail_request(summary, transcript, "bedrockassetslocal", "DRAFT")
    with pytest.raises(ClientError) as refused:
        runtime.apply_guardrail(**whole)
    assert refused.value.response["Error"]["Code"] == "ValidationException"
    assert "100 text units" in refused.value.response["Error"]["Message"]

    spec = GuardrailSpec("bedrockassetslocal", "DRAFT", policies=POLICIES)
    source, request = spec.request({"summary": summary, "grounding_source": transcript})
    on_passages = interpret(summary, runtime.apply_guardrail(**request))
    reference = interpret(summary, LocalGuardrail(load_policy(), 1000).apply(whole))
    assert source.strategy == RELEVANT_WINDOWS
    assert on_passages.action == reference.action
    assert on_passages.intervened_policies == reference.intervened_policies
    assert on_passages.grounding_score is not None and on_passages.grounding_score >= 0.7


def test_outside_the_large_regions_the_limit_is_50_units(tmp_path: Path) -> None:
    runtime = bedrock_local.client(
        "bedrock-runtime",
        data_root=tmp_path,
        region="eu-west-1",
        guardrails={"g1": str(default_policy_path())},
    )
    with pytest.raises(ClientError, match="50 text units"):
        runtime.apply_guardrail(**guardrail_request("A summary.", "x " * 30_000, "g1", "DRAFT"))


# -- the estimate ------------------------------------------------------------------------------
def test_estimate_names_the_quota_that_sets_the_pace() -> None:
    units = [{GROUNDING: 102, "topicPolicyUnits": 1}] * 10 + [{GROUNDING: 3, "topicPolicyUnits": 1}]
    result = estimate(units, {"requests": 50.0, GROUNDING: 106.0, "topicPolicyUnits": 50.0})
    assert result.requests == 11 and result.units[GROUNDING] == 1023
    assert result.bottleneck == GROUNDING and result.seconds == pytest.approx(1023 / 106)
    assert estimate(units, {"requests": None}).bottleneck == "none"
