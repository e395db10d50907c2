"""The residual scan as a second, independent detector: it catches most raw values that leak
past a guardrail (each labelled span of the hand-written dev set, left unmasked alone), and
stays quiet on guarded summaries of corpus calls."""

import zipfile

import pytest

from bedrock_assets.guardrail.residual import scan
from bedrock_assets.prompting.local_model import summarize_transcript
from bedrock_local.evaluation.datasets import default_corpus_zip, load_pii
from bedrock_local.guardrail.pii import mask_pii


def leaks() -> list[str]:
    """Each labelled span left raw while the sentence's other spans are placeholders."""
    out = []
    for ex in load_pii("dev"):
        for i, _ in enumerate(ex.spans):
            text = ex.text
            for j, other in sorted(enumerate(ex.spans), key=lambda p: -p[1].start):
                if j != i:
                    text = text[: other.start] + "{" + other.type + "}" + text[other.end :]
            out.append(text)
    return out


def test_catches_most_leaked_values() -> None:
    texts = leaks()[::4]  # a quarter keeps the fast lane fast; all of them: 95.3%
    caught = sum(bool(scan(t)) for t in texts)
    assert len(texts) > 140
    assert caught / len(texts) >= 0.90, caught / len(texts)


def test_quiet_on_guarded_corpus_summaries() -> None:
    path = default_corpus_zip()
    if not path.exists():
        pytest.skip("no corpus zip")
    with zipfile.ZipFile(path) as zf:
        names = sorted(n for n in zf.namelist() if n.endswith(".txt"))[:20]
        summaries = [summarize_transcript(zf.read(n).decode("utf-8"), 2000) for n in names]
    flagged = [dict(scan(mask_pii(s))) for s in summaries]
    assert sum(map(bool, flagged)) <= 1, [f for f in flagged if f]


def test_a_value_in_braces_is_no_placeholder_and_odd_text_does_not_crash() -> None:
    assert scan("Customer said the password is {hunter2} today.")
    assert scan("Call \ud800 me, Jane Doe, at jane.doe@example.com")["EMAIL"] == 1
    assert scan("." * 5000 + " reach me at jane.doe@example.com")["EMAIL"] == 1


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("Apparently 5521 was his PIN all along.", "CREDENTIAL"),
        ("She read out 011000015 as the routing number.", "CREDENTIAL"),
        ("Security code CID 4417 was accepted.", "CREDENTIAL"),
        ("He signs in with kofi.mensah on the tablet.", "USERNAME"),
        ("Her handle is @dune.walker on the forum.", "USERNAME"),
        ("Her dad, who is 79, asked for large-print bills.", "AGE"),
        ("At 81, he still manages the account himself.", "AGE"),
        ("The replacement card expires April of 2029.", "CREDIT_DEBIT_CARD_EXPIRY"),
    ],
)
def test_catches_values_said_in_other_orders_and_words(text: str, kind: str) -> None:
    assert scan(text)[kind] >= 1, dict(scan(text))


@pytest.mark.parametrize(
    "text",
    [
        "The username rules say at least six characters.",
        "Router firmware 4.1.0.22 was pushed overnight.",
        "The statement dated 11/04/2025 was re-sent.",
        "He attached scan_0042.pdf to the email thread.",
        "Incident INC7723104 was linked to the outage.",
        "The agent responded: Hmm, it looks like the refund takes a week.",
        "I filled in the form and clicked 'Submit Request.' Then it froze.",
        "She asked whether her Galaxy Tab order had shipped.",
    ],
)
def test_quiet_on_numbers_and_words_that_are_not_pii(text: str) -> None:
    assert not scan(text), dict(scan(text))
