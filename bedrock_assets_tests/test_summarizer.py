"""The embedded model reads Claude Messages / Converse bodies and answers in their shapes."""

from dataclasses import astuple

import pytest

from bedrock_assets.batch.join import source_transcript
from bedrock_assets.prompting.local_model import summarize
from bedrock_assets.prompting.model_families import build_body, parse_output
from bedrock_assets.prompting.prompt import load_prompt
from bedrock_local.models import ModelInputError
from bedrock_local.models import invoke as engine_invoke

MODEL = "anthropic.claude-3-haiku-20240307-v1:0"

TRANSCRIPT = (
    "Agent: Thanks for calling, how can I help?\n"
    "Customer: I was charged twice for my order and need a refund.\n"
    "Agent: I have processed a refund for the duplicate charge.\n"
    "Agent: Is there anything else I can help with today?"
)


def invoke(body: dict, model: str = MODEL, invocation: str = "InvokeModel", key: str = "") -> dict:
    """The project's local model (its handler in the embedded engine) answering ``body``."""
    return engine_invoke(body, model, summarize, invocation, key).output


def body() -> dict:
    return build_body("claude", load_prompt(), TRANSCRIPT, 300, 0.0)


def test_claude_response_shape_and_determinism() -> None:
    out = invoke(body(), key="k")
    assert out == invoke(body(), key="k")
    assert out["type"] == "message" and out["role"] == "assistant"
    assert out["stop_reason"] == "end_turn" and out["stop_sequence"] is None
    text, stop, tin, tout = astuple(parse_output(out))
    assert "charged twice" in text and "processed a refund" in text
    assert tin > 100 and 0 < tout < 300


def test_prompt_carries_the_responsible_guidelines_and_a_version() -> None:
    prompt = load_prompt()
    for guideline in (
        "Privacy protection",
        "Factual accuracy",
        "Bias mitigation",
        "Gender neutrality",
        "Responsible behavior flagging",
        "Transparency",
    ):
        assert guideline in prompt.system
    assert prompt.version.startswith("responsible_summary-")
    assert source_transcript(body()) == TRANSCRIPT


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda b: b.pop("max_tokens"), "max_tokens"),
        (lambda b: b.update(max_tokens=100000), "max_tokens"),
        (lambda b: b.update(anthropic_version="2023"), "anthropic_version"),
        (lambda b: b.update(messages=[]), "messages"),
        (lambda b: b.update(messages=[{"role": "assistant", "content": "x"}]), "user"),
    ],
)
def test_invalid_bodies_are_record_errors(mutate, message: str) -> None:
    b = body()
    mutate(b)
    with pytest.raises(ModelInputError, match=message):
        invoke(b)


def test_converse_shape() -> None:
    out = invoke(
        {
            "messages": [
                {
                    "role": "user",
                    "content": [{"text": f"<transcript>\n{TRANSCRIPT}\n</transcript>"}],
                }
            ],
            "inferenceConfig": {"maxTokens": 200},
        },
        "amazon.nova-pro-v1:0",
        "Converse",
    )
    text, stop, tin, tout = astuple(parse_output(out))
    assert "refund" in text and stop == "end_turn" and out["usage"]["totalTokens"] == tin + tout


def test_guidelines_are_data_and_selection_changes_the_version() -> None:
    from bedrock_assets.prompting.prompt import guideline_catalogue, select_guidelines

    catalogue = guideline_catalogue()["guidelines"]
    assert len(catalogue) == 14 and all(g["instruction"] for g in catalogue)
    full = load_prompt("all")
    fewer = load_prompt("privacy_protection,factual_accuracy")
    assert fewer.guidelines == ("privacy_protection", "factual_accuracy")
    assert "Bias mitigation" in full.system and "Bias mitigation" not in fewer.system
    assert full.version != fewer.version
    assert load_prompt("factual_accuracy,privacy_protection").version == fewer.version
    with pytest.raises(ValueError, match="unknown guidelines"):
        select_guidelines("privacy_protection,be_nice")
