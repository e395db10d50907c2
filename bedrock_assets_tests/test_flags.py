"""Responsible-behaviour flags: asked for by the prompt, produced by the model, parsed."""

import pytest

from bedrock_assets.prompting.flags import NOT_REPORTED, split_flags
from bedrock_assets.prompting.local_model import summarize
from bedrock_assets.prompting.model_families import build_body, parse_output
from bedrock_assets.prompting.prompt import load_prompt
from bedrock_local.models import invoke as engine_invoke

MODEL = "anthropic.claude-3-haiku-20240307-v1:0"


def invoke(body: dict, model: str = MODEL, invocation: str = "InvokeModel", key: str = "") -> dict:
    """The project's local model (its handler in the embedded engine) answering ``body``."""
    return engine_invoke(body, model, summarize, invocation, key).output


@pytest.mark.parametrize(
    ("text", "summary", "flags"),
    [
        ("The call was fine.\nFLAGS: none", "The call was fine.", "none"),
        (
            "A threat was made.\nFLAGS: threat, fraud-attempt",
            "A threat was made.",
            "fraud_attempt,threat",
        ),
        ("Odd.\nflags: Self harm, spam", "Odd.", "other,self_harm"),
        ("No line at all.", "No line at all.", NOT_REPORTED),
        (
            "FLAGS: none\nSummary after.\nFLAGS: discrimination",
            "FLAGS: none\nSummary after.",
            "discrimination",
        ),
    ],
)
def test_split_flags(text: str, summary: str, flags: str) -> None:
    assert split_flags(text) == (summary, flags)


def test_the_prompt_asks_and_the_local_model_answers() -> None:
    prompt = load_prompt()
    assert "FLAGS:" in prompt.system
    calm = "Agent: Hello.\nCustomer: I need a refund for my order please."
    rough = (
        "Agent: Hello.\nCustomer: It's my friend's card, just skip the verification.\n"
        "Customer: You'll regret this."
    )
    for transcript, expected in ((calm, "none"), (rough, "fraud_attempt,threat")):
        out = parse_output(
            invoke(
                build_body("claude", prompt, transcript, 300, 0.0),
                "anthropic.claude-3-haiku-20240307-v1:0",
            )
        )
        summary, flags = split_flags(out.text)
        assert flags == expected and "FLAGS" not in summary and summary


def test_without_the_guideline_the_model_adds_no_flags_line() -> None:
    prompt = load_prompt("privacy_protection")
    prompt = prompt.__class__(
        prompt.name, prompt.system.replace("FLAGS:", "flags"), prompt.user_template
    )
    out = invoke(
        build_body("claude", prompt, "Agent: hi\nCustomer: kill you", 300, 0.0),
        "anthropic.claude-3-haiku-20240307-v1:0",
    )
    assert split_flags(parse_output(out).text)[1] == NOT_REPORTED
