"""The local guardrail engine answers ApplyGuardrail exactly in Bedrock's shape."""

import pytest
from botocore.exceptions import ClientError, ParamValidationError

from bedrock_assets.core.guarding import guardrail_request, interpret
from bedrock_assets.local.guardrail_engine import (
    LocalGuardrailClient,
    aba_ok,
    detect_pii,
    grounding_score,
    luhn_ok,
)
from bedrock_assets_tests.shapes import assert_output_fits

SOURCE = (
    "Customer: Hi, this is Olivia Garcia, olivia@example.com. I was charged twice, "
    "$42.10, for order ORD-12345678.\n"
    "Agent: I have processed a refund of $42.10 to your card. Refund sent."
)


@pytest.fixture(scope="module")
def guard() -> LocalGuardrailClient:
    return LocalGuardrailClient()


def apply(guard: LocalGuardrailClient, summary: str, source: str = SOURCE) -> dict:
    response = guard.apply_guardrail(**guardrail_request(summary, source, "abc123", "DRAFT"))
    assert_output_fits("bedrock-runtime", "ApplyGuardrail", response)
    return response


@pytest.mark.parametrize(
    ("text", "etype", "value"),
    [
        ("write to olivia.garcia12@example.com today", "EMAIL", "olivia.garcia12@example.com"),
        ("call (415) 555-0134 please", "PHONE", "(415) 555-0134"),
        ("card 4111 1111 1111 1111 on file", "CREDIT_DEBIT_CARD_NUMBER", "4111 1111 1111 1111"),
        ("ssn 123-45-6789", "US_SOCIAL_SECURITY_NUMBER", "123-45-6789"),
        (
            "ship to 742 Evergreen Terrace, Springfield, IL 62704",
            "ADDRESS",
            "742 Evergreen Terrace, Springfield, IL 62704",
        ),
        ("Hi, this is Olivia Garcia from billing", "NAME", "Olivia Garcia"),
        ("the card expires 09/27", "CREDIT_DEBIT_CARD_EXPIRY", "09/27"),
        ("the CVV is 123", "CREDIT_DEBIT_CARD_CVV", "123"),
        ("my PIN is 4821", "PIN", "4821"),
        ("the password is Hunter2!x", "PASSWORD", "Hunter2!x"),
        ("routing number 021000021", "US_BANK_ROUTING_NUMBER", "021000021"),
        (
            "visit https://oktank.example.com/account now",
            "URL",
            "https://oktank.example.com/account",
        ),
        ("from 192.168.10.4", "IP_ADDRESS", "192.168.10.4"),
    ],
)
def test_detects_each_supported_type(text: str, etype: str, value: str) -> None:
    found = [(s.type, text[s.start : s.end]) for s in detect_pii(text)]
    assert (etype, value) in found


@pytest.mark.parametrize(
    "text",
    [
        "my password is wrong and I am locked out",
        "card 4111 1111 1111 1112 is not a valid number",  # fails the Luhn check
        "I have {NAME} and {EMAIL} already masked",
        "The order will arrive in 5 business days",
    ],
)
def test_no_false_positive(text: str) -> None:
    assert detect_pii(text) == []


def test_checksums() -> None:
    assert luhn_ok("4111111111111111") and not luhn_ok("4111111111111112")
    assert aba_ok("021000021") and not aba_ok("021000022")


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
    assert result.guarded_summary == guard.blocked_output


def test_denied_topic_blocks(guard) -> None:
    summary = "The agent suggested the customer buy more shares of the company."
    result = interpret(summary, apply(guard, summary, source=summary))
    assert "topicPolicy" in result.intervened_policies
    assert result.guarded_summary == guard.blocked_output


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
    assert (result.guarded_summary == guard.blocked_output) is blocked
    if blocked:
        assert policy in result.intervened_policies
    if policy == "contentPolicy" and not blocked:
        filters = response["assessments"][0]["contentPolicy"]["filters"]
        assert filters[0]["confidence"] == "LOW" and filters[0]["action"] == "NONE"
    assert (
        response["usage"]["contentPolicyUnits"] == 1 and response["usage"]["wordPolicyUnits"] == 1
    )
