"""The project's guardrail policy on the local guardrail engine: ApplyGuardrail requests as the
pipeline sends them, answers in Bedrock's shape, and what the pipeline keeps of them."""

from typing import Any

import pytest
from botocore.exceptions import ClientError, ParamValidationError

import bedrock_local
from bedrock_assets.guardrail.policy import default_policy_path, load_policy
from bedrock_assets.guardrail.requests import guardrail_request, interpret
from bedrock_local.guardrail.grounding import grounding_score
from bedrock_local_tests.shapes import assert_output_fits

BLOCKED = load_policy()["blockedOutputsMessaging"]

SOURCE = (
    "Customer: Hi, this is Olivia Garcia, olivia@example.com. I was charged twice, "
    "$42.10, for order ORD-12345678.\n"
    "Agent: I have processed a refund of $42.10 to your card. Refund sent."
)


@pytest.fixture(scope="module")
def guard(tmp_path_factory: pytest.TempPathFactory) -> Any:
    return bedrock_local.client(
        "bedrock-runtime",
        data_root=tmp_path_factory.mktemp("guard"),
        guardrails={"abc123": str(default_policy_path())},
    )


def apply(guard: Any, summary: str, source: str = SOURCE) -> dict:
    response = guard.apply_guardrail(**guardrail_request(summary, source, "abc123", "DRAFT"))
    assert_output_fits("bedrock-runtime", "ApplyGuardrail", response)
    return response


def test_masks_with_bedrock_placeholders_and_reports_entities(guard) -> None:
    summary = "The customer Olivia Garcia (olivia@example.com) was refunded $42.10."
    response = apply(guard, summary)
    assert response["action"] == "GUARDRAIL_INTERVENED"
    text = response["outputs"][0]["text"]
    assert "{NAME}" in text and "{EMAIL}" in text
    assert "Olivia" not in text and "olivia@example.com" not in text
    entities = response["assessments"][0]["sensitiveInformationPolicy"]["piiEntities"]
    assert {(e["type"], e["action"]) for e in entities} == {
        ("NAME", "ANONYMIZED"),
        ("EMAIL", "ANONYMIZED"),
    }
    assert response["usage"]["sensitiveInformationPolicyUnits"] == 1


def test_interpret_drops_raw_matches(guard) -> None:
    summary = "Refund sent to olivia@example.com for Olivia Garcia."
    result = interpret(summary, apply(guard, summary))
    assert result.pii_types == ("EMAIL", "NAME") and result.pii_count == 2
    assert "olivia" not in repr(result).lower()
    assert result.intervened_policies == ("sensitiveInformationPolicy",)


def test_clean_summary_passes_untouched(guard) -> None:
    summary = "The customer was charged twice and the agent processed a refund of $42.10."
    response = apply(guard, summary)
    assert response["action"] == "NONE" and response["outputs"] == []
    result = interpret(summary, response)
    assert result.guarded_summary == summary and result.grounding_score >= 0.9


def test_grounding_blocks_an_invented_amount(guard) -> None:
    invented = "The agent refunded $980.00 and promised a $50 voucher by 2025-01-01."
    assert grounding_score(invented, SOURCE) < 0.7
    response = apply(guard, invented)
    result = interpret(invented, response)
    assert "contextualGroundingPolicy" in result.intervened_policies
    assert result.guarded_summary == BLOCKED


def test_denied_topic_blocks(guard) -> None:
    summary = "The agent suggested the customer buy more shares of the company."
    result = interpret(summary, apply(guard, summary, source=summary))
    assert "topicPolicy" in result.intervened_policies
    assert result.guarded_summary == BLOCKED


def test_request_is_validated_like_bedrock(guard) -> None:
    with pytest.raises(ClientError) as exc:
        guard.apply_guardrail(
            guardrailIdentifier="Bad-Id",
            guardrailVersion="DRAFT",
            source="OUTPUT",
            content=[{"text": {"text": "x"}}],
        )
    assert exc.value.response["Error"]["Code"] == "ValidationException"
    with pytest.raises(ParamValidationError):
        guard.apply_guardrail(
            guardrailIdentifier="abc", guardrailVersion="DRAFT", content=[{"text": {"text": "x"}}]
        )


@pytest.mark.parametrize(
    ("summary", "policy", "blocked"),
    [
        ("The customer said the agent was a worthless idiot.", "contentPolicy", True),
        ("The customer said the product was useless.", "contentPolicy", False),  # LOW < MEDIUM
        ("The caller said you'll regret this to the agent.", "contentPolicy", True),
        ("The caller asked the agent to skip the verification.", "contentPolicy", True),
        ("The customer said damn, the box was crushed.", "wordPolicy", True),
        ("The customer asked about Oktank Platinum Secret pricing.", "wordPolicy", True),
        ("The customer said hello and thanked the agent.", None, False),
    ],
)
def test_content_and_word_filters(guard, summary: str, policy: str | None, blocked: bool) -> None:
    response = apply(guard, summary, source=summary)
    result = interpret(summary, response)
    assert (result.guarded_summary == BLOCKED) is blocked
    if blocked:
        assert policy in result.intervened_policies
    if policy == "contentPolicy" and not blocked:
        filters = response["assessments"][0]["contentPolicy"]["filters"]
        assert filters[0]["confidence"] == "LOW" and filters[0]["action"] == "NONE"
    assert (
        response["usage"]["contentPolicyUnits"] == 1 and response["usage"]["wordPolicyUnits"] == 1
    )
