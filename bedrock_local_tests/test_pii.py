"""The local guardrail detectors: every Bedrock PII type, checksums, no false alarms."""

import pytest

from bedrock_local.guardrail.pii import aba_ok, detect_pii, luhn_ok


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
