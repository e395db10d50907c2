"""Negative context and type disambiguation in the PII engine, in fresh phrasing: numbers
that label things, brands and landmarks shaped like names, cue words that name a field or
a tool, and values whose type the neighbouring words decide."""

import pytest

from bedrock_local.guardrail.pii import detect_pii


def found(text: str) -> list[tuple[str, str]]:
    return [(s.type, text[s.start : s.end]) for s in detect_pii(text)]


@pytest.mark.parametrize(
    "text",
    [
        "The waybill 5520 7781 3349 was scanned at the hub.",
        "Her gas meter number 4471902235 was read in March.",
        "Roll the controller back to 2.4.6.8 build before retrying.",
        "The guest network is called CafeNet_5G.",
        "The password manager auto-filled an old entry.",
        "The password was auto-filled by the browser.",
        "Pixel 7 owners report the same fault.",
        "Marshall amplifiers ship from the Leeds depot.",
        "Santa Monica Pier was the pickup point.",
        "Jordan Almonds were left out of the hamper.",
    ],
)
def test_things_that_only_look_like_pii(text: str) -> None:
    assert detect_pii(text) == []


@pytest.mark.parametrize(
    ("text", "etype", "value"),
    [
        ("The account ID for the bank is 5512 8830 17.", "US_BANK_ACCOUNT_NUMBER", "5512 8830 17"),
        ("Bank account ending in 30917 was debited twice.", "US_BANK_ACCOUNT_NUMBER", "30917"),
        ("The Discord name he gave was lanternfish#4410.", "USERNAME", "lanternfish#4410"),
        ("The SMS code she read back was 604 117.", "PASSWORD", "604 117"),
        ("The code in the text message was 7730.", "PASSWORD", "7730"),
        ("I tried logging in as qmorrow but it failed.", "USERNAME", "qmorrow"),
        ("Her login ID, pnakamura, is locked out.", "USERNAME", "pnakamura"),
        ("Her social ends in 8812.", "US_SOCIAL_SECURITY_NUMBER", "8812"),
        ("The card runs until 04/29, she said.", "CREDIT_DEBIT_CARD_EXPIRY", "04/29"),
        ("She read out 552 from the signature strip.", "CREDIT_DEBIT_CARD_CVV", "552"),
        ("Her uncle, 83, lives with her.", "AGE", "83"),
        ("She said she is in her late forties.", "AGE", "forties"),
    ],
)
def test_the_neighbouring_words_decide_the_type(text: str, etype: str, value: str) -> None:
    assert (etype, value) in found(text)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("I was helped by Saoirse earlier today.", "Saoirse"),
        ("The account belongs to Wairimu Njoroge.", "Wairimu Njoroge"),
        ("Adaeze Nwosu asked about the late fee.", "Adaeze Nwosu"),
        ("Good morning, you're through to Cathal.", "Cathal"),
        ("She said her name was Liesel Vogt.", "Liesel Vogt"),
    ],
)
def test_names_after_person_only_cues(text: str, value: str) -> None:
    assert ("NAME", value) in found(text)


@pytest.mark.parametrize(
    ("text", "etype", "value"),
    [
        ("Open http://10.0.0.7:8443/setup to finish.", "URL", "http://10.0.0.7:8443/setup"),
        ("Her profile: linkedin.com/in/oona-lehtonen", "URL", "linkedin.com/in/oona-lehtonen"),
        (
            "Odd logins came from 2a02:c7f:88aa:5600::1 overnight.",
            "IP_ADDRESS",
            "2a02:c7f:88aa:5600::1",
        ),
        ("Her ATM code is 6021.", "PIN", "6021"),
    ],
)
def test_a_container_or_a_specific_cue_names_the_value(text: str, etype: str, value: str) -> None:
    assert found(text) == [(etype, value)]


@pytest.mark.parametrize(
    "text",
    [
        "The IMEI 490154203237518 is on the blocklist.",
        "He drives a Lincoln Continental now.",
    ],
)
def test_an_imei_and_a_thing_after_a_determiner_are_not_pii(text: str) -> None:
    assert detect_pii(text) == []
