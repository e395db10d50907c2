"""The embedded model: a deterministic *extractive* summarizer, not an LLM.

It reads a Claude Messages (or Converse) ``modelInput``, picks the transcript sentences that
state the reason for the call and its resolution, and answers in the matching response shape
with token usage. Its model name says what it is so nobody mistakes its output for an LLM's.
"""

from __future__ import annotations

import hashlib
import math
import re
from typing import Any

MODEL_NAME = "local-extractive-summarizer-v1"
MAX_OUTPUT_TOKENS = 4096

_STAGE = re.compile(r"\*[^*]{0,80}\*")
_SENTENCE = re.compile(r"(?<=[.!?])\s+")
_TURN = re.compile(r"^\s*([A-Za-z][A-Za-z0-9 _.'()-]{0,39}?)\s*:\s*(.+)$")
_REASON_WORDS = {
    "order",
    "charge",
    "charged",
    "bill",
    "billing",
    "refund",
    "cancel",
    "account",
    "payment",
    "problem",
    "issue",
    "received",
    "delivery",
    "package",
    "broken",
    "damaged",
    "return",
    "subscription",
    "password",
    "login",
    "upgrade",
    "plan",
    "question",
    "wrong",
    "late",
    "error",
    "offer",
    "promotion",
    "discount",
    "card",
    "fee",
    "service",
    "warranty",
    "replace",
    "missing",
}
_RESOLUTION_WORDS = {
    "processed",
    "refund",
    "refunded",
    "credit",
    "credited",
    "sent",
    "ship",
    "shipped",
    "cancel",
    "cancelled",
    "canceled",
    "updated",
    "resolved",
    "reset",
    "replacement",
    "escalate",
    "ticket",
    "applied",
    "scheduled",
    "confirm",
    "confirmed",
    "issued",
    "waive",
    "waived",
    "arrange",
}


_FLAG_CUES = {
    "threat": (
        "i will hurt",
        "i'll hurt",
        "hurt you",
        "kill you",
        "you'll regret",
        "i know where you",
    ),
    "self_harm": ("kill myself", "end my life", "hurt myself", "suicide"),
    "discrimination": ("people like you", "your kind", "because of your accent", "go back to"),
    "fraud_attempt": (
        "not my account",
        "someone else's card",
        "my friend's card",
        "pretend i'm",
        "don't ask for verification",
        "skip the verification",
    ),
}


def detect_flags(transcript: str) -> list[str]:
    """Cue phrases for the concerns the prompt asks the model to flag (a stand-in for an
    LLM's judgement, deterministic and conservative)."""
    lowered = transcript.lower()
    return [name for name, cues in _FLAG_CUES.items() if any(c in lowered for c in cues)]


def with_flags(summary: str, transcript: str, prompt_text: str) -> str:
    """Append the ``FLAGS:`` line when the prompt asks for it, as an instructed model would."""
    if "FLAGS:" not in prompt_text:
        return summary
    flags = detect_flags(transcript)
    return f"{summary}\nFLAGS: {', '.join(flags) if flags else 'none'}"


class ModelInputError(ValueError):
    """The body is not a valid request for the model (a per-record 400 in batch output)."""


def estimate_tokens(text: str) -> int:
    """A stable stand-in for a tokenizer: about four characters per token."""
    return max(1, math.ceil(len(text) / 4)) if text else 0


def _sentences(text: str) -> list[str]:
    clean = " ".join(_STAGE.sub(" ", text).split())
    return [s.strip() for s in _SENTENCE.split(clean) if len(s.split()) >= 4]


def _score(sentence: str, words: set[str]) -> int:
    tokens = {w.strip(".,!?;:'\"").lower() for w in sentence.split()}
    return len(tokens & words)


def summarize_transcript(transcript: str, max_chars: int) -> str:
    """Reason for the call (customer) + what the agent did + how it ended."""
    customer: list[str] = []
    agent: list[str] = []
    for line in transcript.splitlines():
        match = _TURN.match(line)
        if not match:
            continue
        speaker = match.group(1).lower()
        target = agent if "agent" in speaker or speaker.startswith("rep") else customer
        target.extend(_sentences(match.group(2)))
    if not customer and not agent:
        sentences = _sentences(transcript)
        return " ".join(sentences[:3])[:max_chars] or "The transcript contains no usable content."
    parts = []
    early = customer[:8]
    if early:
        reason = max(early, key=lambda s: (_score(s, _REASON_WORDS), -early.index(s)))
        parts.append(f"The customer called about the following: {reason}")
    if agent:
        late = agent[len(agent) // 3 :] or agent
        action = max(late, key=lambda s: (_score(s, _RESOLUTION_WORDS), late.index(s)))
        parts.append(f"The agent responded: {action}")
        closing = agent[-1]
        if closing != action:
            parts.append(f"The call ended with the agent saying: {closing}")
    return " ".join(parts)[:max_chars]


def _text_blocks(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        out = []
        for block in content:
            if not isinstance(block, dict):
                raise ModelInputError("content blocks must be objects")
            if "text" in block and isinstance(block["text"], str):
                out.append(block["text"])
        return "\n".join(out)
    raise ModelInputError("message content must be a string or a list of content blocks")


def _check_messages(messages: Any) -> list[dict]:
    if not isinstance(messages, list) or not messages:
        raise ModelInputError("#: required key [messages] not found or empty")
    for i, msg in enumerate(messages):
        if not isinstance(msg, dict) or msg.get("role") not in ("user", "assistant"):
            raise ModelInputError(f"#/messages/{i}: role must be 'user' or 'assistant'")
    if messages[0]["role"] != "user":
        raise ModelInputError("#/messages/0: the first message must use the 'user' role")
    return messages


def invoke_claude(body: Any, record_key: str = "") -> dict:
    """Answer an Anthropic Messages body in the Claude Messages response shape."""
    from bedrock_assets.core.prompt import ANTHROPIC_VERSION, extract_transcript

    if not isinstance(body, dict):
        raise ModelInputError("Malformed input request: expected a JSON object")
    if body.get("anthropic_version") != ANTHROPIC_VERSION:
        raise ModelInputError(
            f"Malformed input request: #/anthropic_version: expected {ANTHROPIC_VERSION!r}"
        )
    max_tokens = body.get("max_tokens")
    if not isinstance(max_tokens, int) or isinstance(max_tokens, bool):
        raise ModelInputError("Malformed input request: #: required key [max_tokens] not found")
    if not 1 <= max_tokens <= MAX_OUTPUT_TOKENS:
        raise ModelInputError(
            f"Malformed input request: #/max_tokens: {max_tokens} is not in 1..{MAX_OUTPUT_TOKENS}"
        )
    messages = _check_messages(body.get("messages"))
    system = body.get("system", "")
    system_text = _text_blocks(system) if system else ""
    user_text = _text_blocks(messages[-1].get("content"))
    prompt_text = system_text + "".join(_text_blocks(m.get("content")) for m in messages)
    transcript = extract_transcript(user_text)
    full = summarize_transcript(transcript, max_chars=max_tokens * 4)
    full = with_flags(full, transcript, prompt_text)
    stop_reason = "max_tokens" if estimate_tokens(full) >= max_tokens else "end_turn"
    digest = hashlib.sha256((record_key + full).encode()).hexdigest()[:24]
    return {
        "id": f"msg_bdrk_{digest}",
        "type": "message",
        "role": "assistant",
        "model": MODEL_NAME,
        "content": [{"type": "text", "text": full}],
        "stop_reason": stop_reason,
        "stop_sequence": None,
        "usage": {
            "input_tokens": estimate_tokens(prompt_text),
            "output_tokens": estimate_tokens(full),
        },
    }


def invoke_converse(body: Any, nova: bool = False) -> dict:
    """Answer a Converse body (or an Amazon Nova InvokeModel body) in the Converse shape."""
    from bedrock_assets.core.prompt import extract_transcript

    if not isinstance(body, dict):
        raise ModelInputError("Malformed input request: expected a JSON object")
    messages = _check_messages(body.get("messages"))
    config = body.get("inferenceConfig") or {}
    max_tokens = config.get("maxTokens", 512)
    if not isinstance(max_tokens, int) or not 1 <= max_tokens <= MAX_OUTPUT_TOKENS:
        raise ModelInputError("Malformed input request: #/inferenceConfig/maxTokens out of range")
    system_text = _text_blocks(body.get("system") or [])
    user_text = _text_blocks(messages[-1].get("content"))
    prompt_text = system_text + "".join(_text_blocks(m.get("content")) for m in messages)
    transcript = extract_transcript(user_text)
    full = with_flags(
        summarize_transcript(transcript, max_chars=max_tokens * 4), transcript, prompt_text
    )
    in_tok, out_tok = estimate_tokens(prompt_text), estimate_tokens(full)
    return {
        "output": {"message": {"role": "assistant", "content": [{"text": full}]}},
        "stopReason": "max_tokens" if out_tok >= max_tokens else "end_turn",
        "usage": {"inputTokens": in_tok, "outputTokens": out_tok, "totalTokens": in_tok + out_tok},
    }


def invoke_llama(body: Any) -> dict:
    """Answer a Meta Llama body (``prompt``, ``max_gen_len``) in Llama's response shape."""
    from bedrock_assets.core.prompt import extract_transcript

    if not isinstance(body, dict) or not isinstance(body.get("prompt"), str):
        raise ModelInputError("Malformed input request: #: required key [prompt] not found")
    max_tokens = body.get("max_gen_len", 512)
    if not isinstance(max_tokens, int) or not 1 <= max_tokens <= 2048:
        raise ModelInputError("Malformed input request: #/max_gen_len out of range")
    transcript = extract_transcript(body["prompt"])
    text = with_flags(
        summarize_transcript(transcript, max_chars=max_tokens * 4), transcript, body["prompt"]
    )
    out_tok = estimate_tokens(text)
    return {
        "generation": text,
        "prompt_token_count": estimate_tokens(body["prompt"]),
        "generation_token_count": out_tok,
        "stop_reason": "length" if out_tok >= max_tokens else "stop",
    }


def invoke_titan(body: Any) -> dict:
    """Answer an Amazon Titan Text body (``inputText``) in Titan's response shape."""
    from bedrock_assets.core.prompt import extract_transcript

    if not isinstance(body, dict) or not isinstance(body.get("inputText"), str):
        raise ModelInputError("Malformed input request: #: required key [inputText] not found")
    config = body.get("textGenerationConfig") or {}
    max_tokens = config.get("maxTokenCount", 512)
    if not isinstance(max_tokens, int) or not 1 <= max_tokens <= 8192:
        raise ModelInputError("Malformed input request: #/textGenerationConfig/maxTokenCount")
    transcript = extract_transcript(body["inputText"])
    text = with_flags(
        summarize_transcript(transcript, max_chars=max_tokens * 4), transcript, body["inputText"]
    )
    out_tok = estimate_tokens(text)
    return {
        "inputTextTokenCount": estimate_tokens(body["inputText"]),
        "results": [
            {
                "tokenCount": out_tok,
                "outputText": text,
                "completionReason": "LENGTH" if out_tok >= max_tokens else "FINISH",
            }
        ],
    }


def invoke(
    body: Any, model_id: str, invocation_type: str = "InvokeModel", record_key: str = ""
) -> dict:
    """Answer ``body`` the way ``model_id`` would for the given invocation type."""
    from bedrock_assets.core.model_families import family_of

    try:
        family = family_of(model_id, invocation_type)
    except ValueError as exc:
        raise ModelInputError(str(exc)) from None
    if family == "claude":
        return invoke_claude(body, record_key)
    if family in ("converse", "nova"):
        return invoke_converse(body, nova=family == "nova")
    if family == "llama":
        return invoke_llama(body)
    return invoke_titan(body)
