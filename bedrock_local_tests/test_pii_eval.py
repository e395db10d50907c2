"""The local guardrail on planted PII of every supported type: recall >= 0.98 and precision
>= 0.95 per type (fixed seed), and the masking leaves none of the planted values."""

import pytest

from bedrock_local.evaluation.pii import GENERATORS, build_samples, evaluate
from bedrock_local.guardrail.pii import detect_pii, mask_pii

REQUIRED = {
    "NAME",
    "EMAIL",
    "PHONE",
    "ADDRESS",
    "CREDIT_DEBIT_CARD_NUMBER",
    "CREDIT_DEBIT_CARD_CVV",
    "CREDIT_DEBIT_CARD_EXPIRY",
    "US_SOCIAL_SECURITY_NUMBER",
    "US_BANK_ACCOUNT_NUMBER",
    "US_BANK_ROUTING_NUMBER",
    "PIN",
    "PASSWORD",
    "USERNAME",
    "DRIVER_ID",
    "IP_ADDRESS",
    "URL",
    "AGE",
}


def test_every_required_type_is_planted() -> None:
    assert set(GENERATORS) == REQUIRED


@pytest.mark.parametrize("etype", sorted(REQUIRED))
def test_floors_per_type(etype: str) -> None:
    result = evaluate(detect_pii, build_samples(60, seed=7))[etype]
    assert result["planted"] == 60
    assert result["recall"] >= 0.98, result
    assert result["precision"] >= 0.95, result


def test_negatives_stay_clean_and_masking_removes_planted_values() -> None:
    samples = build_samples(10, seed=3)
    for sample in samples:
        masked = mask_pii(sample.text)
        for start, end, _ in sample.spans:
            assert sample.text[start:end] not in masked
        if not sample.spans:
            assert masked == sample.text


def test_the_evaluation_can_fail() -> None:
    nothing = evaluate(lambda text: [], build_samples(5, seed=1))
    assert all(m["recall"] == 0.0 for m in nothing.values())
