"""The local guardrail's PII detection: every Bedrock type in varied phrasing, the false alarms
of the old engine, one span with the right type, checksums from python-stdnum."""

import pytest

from bedrock_local.guardrail.pii import aba_ok, analyzer, detect_pii, luhn_ok, mask_pii


def found(text: str) -> list[tuple[str, str]]:
    return [(s.type, text[s.start : s.end]) for s in detect_pii(text)]


@pytest.mark.parametrize(
    ("text", "etype", "value"),
    [
        ("write to olivia.garcia12@example.com today", "EMAIL", "olivia.garcia12@example.com"),
        ("call (415) 555-0134 please", "PHONE", "(415) 555-0134"),
        ("her mobile is +44 7700 900123", "PHONE", "+44 7700 900123"),
        ("card 4111 1111 1111 1111 on file", "CREDIT_DEBIT_CARD_NUMBER", "4111 1111 1111 1111"),
        ("ssn 123-45-6789", "US_SOCIAL_SECURITY_NUMBER", "123-45-6789"),
        ("her social is 123 45 6789", "US_SOCIAL_SECURITY_NUMBER", "123 45 6789"),
        ("SSN 123456789 on the form", "US_SOCIAL_SECURITY_NUMBER", "123456789"),
        (
            "ship to 742 Evergreen Terrace, Springfield, IL 62704",
            "ADDRESS",
            "742 Evergreen Terrace, Springfield, IL 62704",
        ),
        (
            "Send it to Flat 4B, 22 Baker Street, London NW1 6XE please",
            "ADDRESS",
            "Flat 4B, 22 Baker Street, London NW1 6XE",
        ),
        ("Mail goes to PO Box 1142, Tulsa, OK 74103.", "ADDRESS", "PO Box 1142, Tulsa, OK 74103"),
        ("Hi, this is Olivia Garcia from billing", "NAME", "Olivia Garcia"),
        ("Thanks for calling, Thandiwe speaking.", "NAME", "Thandiwe"),
        ("Ms. Okonkwo asked about the refund", "NAME", "Okonkwo"),
        ("hi my name is kevin oduya and i need help", "NAME", "kevin oduya"),
        ("the card expires 09/27", "CREDIT_DEBIT_CARD_EXPIRY", "09/27"),
        ("valid through Sept 2027, she said", "CREDIT_DEBIT_CARD_EXPIRY", "Sept 2027"),
        ("the CVV is 123", "CREDIT_DEBIT_CARD_CVV", "123"),
        ("my PIN is 4821", "PIN", "4821"),
        ("4821 is her PIN, she said", "PIN", "4821"),
        ("the password is Hunter2!x", "PASSWORD", "Hunter2!x"),
        ("her passphrase was Ganesha@108 until the reset", "PASSWORD", "Ganesha@108"),
        ("routing number 021000021", "US_BANK_ROUTING_NUMBER", "021000021"),
        ("the RTN is 021000021", "US_BANK_ROUTING_NUMBER", "021000021"),
        ("checking account 4429871035 was debited", "US_BANK_ACCOUNT_NUMBER", "4429871035"),
        ("login ID jdoe_88 is locked", "USERNAME", "jdoe_88"),
        ("DL number D1234567 was scanned", "DRIVER_ID", "D1234567"),
        ("She is 72 years old.", "AGE", "72 years"),
        ("aged seventy-two, she asked", "AGE", "seventy-two"),
        (
            "visit https://oktank.example.com/account now",
            "URL",
            "https://oktank.example.com/account",
        ),
        ("the page at oktank.com/help failed", "URL", "oktank.com/help"),
        ("from 192.168.10.4", "IP_ADDRESS", "192.168.10.4"),
        ("from 2001:db8::8a2e:370:7334 overnight", "IP_ADDRESS", "2001:db8::8a2e:370:7334"),
        ("key AKIAIOSFODNN7EXAMPLE leaked", "AWS_ACCESS_KEY", "AKIAIOSFODNN7EXAMPLE"),
        (
            "secret wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY leaked",
            "AWS_SECRET_KEY",
            "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        ),
    ],
)
def test_detects_each_type(text: str, etype: str, value: str) -> None:
    assert (etype, value) in found(text)


@pytest.mark.parametrize(
    "text",
    [
        "my password is wrong and I am locked out",
        "The username was not working this morning.",
        "card 4111 1111 1111 1112 is not a valid number",  # fails the Luhn check
        "I have {NAME} and {EMAIL} already masked",
        "The order will arrive in 5 business days",
        "She called from Austin, Texas about her order.",
        "He wants to return the Jordan sneakers.",
        "The customer lives in Virginia.",
        "The app was updated to version 10.2.0.1 last night.",
        "Ticket 4471-2234 was escalated; SKU 12345678 is out of stock.",
        "Tracking number 1Z999AA10123456784 shows the parcel in transit.",
        "The account is 15 years old and has never been late.",
        "She ordered 12 boxes but only 9 arrived.",
    ],
)
def test_no_false_alarm(text: str) -> None:
    assert detect_pii(text) == []


@pytest.mark.parametrize(
    ("text", "etype"),
    [
        ("Transfer failed because account 55203 98841 was closed.", "US_BANK_ACCOUNT_NUMBER"),
        ("The DMV ID he gave is 9988-1234-556.", "DRIVER_ID"),
        ("The router's gateway is 192.168.1.254 today.", "IP_ADDRESS"),
        ("The security PIN on the account is six digits, 441722.", "PIN"),
    ],
)
def test_one_span_with_the_right_type(text: str, etype: str) -> None:
    spans = detect_pii(text)
    assert [s.type for s in spans] == [etype]


def test_city_and_postcode_are_masked_with_the_street() -> None:
    masked = mask_pii("Update address to Plot 22, Sector 15, Gurugram, Haryana 122001.")
    assert masked == "Update address to {ADDRESS}."


def test_types_filter_and_repeated_names() -> None:
    text = "Ms. Okonkwo called; Okonkwo's email is n.okonkwo@example.com."
    assert {s.type for s in detect_pii(text, {"EMAIL"})} == {"EMAIL"}
    assert mask_pii(text, {"NAME"}).count("{NAME}") == 2


def test_engine_loads_once() -> None:
    assert analyzer() is analyzer()


def test_checksums() -> None:
    assert luhn_ok("4111111111111111") and not luhn_ok("4111111111111112")
    assert aba_ok("021000021") and not aba_ok("021000022")


def test_a_value_holding_braces_is_masked_but_a_placeholder_is_left_alone() -> None:
    masked = mask_pii("My password is p@ss{word}9 and the PIN is 4821.")
    assert "p@ss{word}9" not in masked and "4821" not in masked
    assert mask_pii("The customer, {NAME}, called.") == "The customer, {NAME}, called."


def test_odd_text_never_crashes_and_keeps_offsets() -> None:
    masked = mask_pii("Call \ud800 me at jane.doe@example.com")
    assert "\ud800" in masked and "{EMAIL}" in masked  # offsets unchanged around a surrogate
    noisy = "!" * 5000 + " write to jane.doe@example.com"
    assert mask_pii(noisy).endswith("write to {EMAIL}")


@pytest.mark.slow
def test_threads_arriving_first_share_one_engine() -> None:
    """ApplyGuardrail calls arrive on several threads: the engine is built once, not once
    per thread (lru_cache alone does not lock while it builds)."""
    from concurrent.futures import ThreadPoolExecutor

    from bedrock_local.guardrail import pii

    pii._build_analyzer.cache_clear()
    with ThreadPoolExecutor(4) as pool:
        engines = list(pool.map(lambda _: pii.analyzer(), range(4)))
    assert len({id(e) for e in engines}) == 1
