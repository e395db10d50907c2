"""Model invocation for the local engine: Bedrock's request bodies and response shapes per
model family, with the words themselves produced by a pluggable *text handler*.

The engine knows what Bedrock knows: how an Anthropic Messages, Converse, Amazon Nova, Meta
Llama or Amazon Titan Text body looks, which of them a model id accepts, what a malformed body
is refused with, and how each family answers (text, stop reason, token usage). It knows
nothing of any application's prompt. An application registers a handler, a plain function
named as ``module:function`` in the engine configuration::

    def handler(*, system: str, prompt: str, max_tokens: int) -> str: ...

``system`` is the system prompt (empty for families without one), ``prompt`` the text of the
last user message (or the whole prompt string for Llama and Titan). A handler may name itself
with a ``model_name`` attribute, which Claude responses report in their ``model`` field
(default ``bedrock-local``). A ``ValueError`` from the handler is a per-record model error,
as a malformed request is in a batch job. Token counts are estimated at about four
characters per token.
"""

from __future__ import annotations

import functools
import hashlib
import importlib
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

MODEL_NAME = "bedrock-local"
ANTHROPIC_VERSION = "bedrock-2023-05-31"
MAX_OUTPUT_TOKENS = 4096
_PROFILE_PREFIX = re.compile(r"^(?:us|eu|apac|us-gov|ca|jp|au|global)\.")
_SENTENCE = re.compile(r"(?<=[.!?])\s+")

TextHandler = Callable[..., str]


class ModelInputError(ValueError):
    """The body is not a valid request for the model (a per-record 400 in batch output)."""


@dataclass(frozen=True)
class Invocation:
    """One model answer in the family's response shape, with its token usage."""

    output: dict[str, Any]
    input_tokens: int
    output_tokens: int


def lead_handler(*, system: str, prompt: str, max_tokens: int) -> str:
    """The default handler: the prompt's first three sentences (a model that knows no app)."""
    sentences = [s for s in _SENTENCE.split(" ".join(prompt.split())) if s]
    return " ".join(sentences[:3])[: max_tokens * 4]


@functools.lru_cache(maxsize=16)
def load_handler(path: str) -> TextHandler:
    """The handler named ``module:function``."""
    module, _, name = path.partition(":")
    if not module or not name:
        raise ValueError(f"model handler {path!r} is not 'module:function'")
    handler = getattr(importlib.import_module(module), name, None)
    if not callable(handler):
        raise ValueError(f"model handler {path!r} is not a function")
    return handler


def estimate_tokens(text: str) -> int:
    """A stable stand-in for a tokenizer: about four characters per token."""
    return max(1, math.ceil(len(text) / 4)) if text else 0


def base_model_id(model_id: str) -> str:
    """The base model of an id, a foundation-model ARN or an inference profile (id or ARN):
    what Bedrock's per-model quotas count."""
    return _PROFILE_PREFIX.sub("", model_id.rsplit("/", 1)[-1])


def family_of(model_id: str, invocation_type: str = "InvokeModel") -> str:
    """Which request format a model id (id, inference profile or ARN) accepts."""
    if invocation_type == "Converse":
        return "converse"
    base = base_model_id(model_id)
    for prefix, family in (
        ("anthropic.", "claude"),
        ("amazon.nova", "nova"),
        ("meta.llama", "llama"),
        ("amazon.titan-text", "titan"),
    ):
        if base.startswith(prefix):
            return family
    raise ModelInputError(
        f"The provided model identifier {model_id} does not support {invocation_type} here."
    )


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


def _bounded(value: Any, upper: int, where: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= upper:
        raise ModelInputError(f"Malformed input request: {where}: {value!r} is not in 1..{upper}")
    return value


def _claude(body: Any, handler: TextHandler, record_key: str) -> Invocation:
    if not isinstance(body, dict):
        raise ModelInputError("Malformed input request: expected a JSON object")
    if body.get("anthropic_version") != ANTHROPIC_VERSION:
        raise ModelInputError(
            f"Malformed input request: #/anthropic_version: expected {ANTHROPIC_VERSION!r}"
        )
    if "max_tokens" not in body:
        raise ModelInputError("Malformed input request: #: required key [max_tokens] not found")
    max_tokens = _bounded(body["max_tokens"], MAX_OUTPUT_TOKENS, "#/max_tokens")
    messages = _check_messages(body.get("messages"))
    system = _text_blocks(body["system"]) if body.get("system") else ""
    user = _text_blocks(messages[-1].get("content"))
    prompt_text = system + "".join(_text_blocks(m.get("content")) for m in messages)
    text = handler(system=system, prompt=user, max_tokens=max_tokens)
    in_tok, out_tok = estimate_tokens(prompt_text), estimate_tokens(text)
    digest = hashlib.sha256((record_key + text).encode()).hexdigest()[:24]
    output = {
        "id": f"msg_bdrk_{digest}",
        "type": "message",
        "role": "assistant",
        "model": getattr(handler, "model_name", MODEL_NAME),
        "content": [{"type": "text", "text": text}],
        "stop_reason": "max_tokens" if out_tok >= max_tokens else "end_turn",
        "stop_sequence": None,
        "usage": {"input_tokens": in_tok, "output_tokens": out_tok},
    }
    return Invocation(output, in_tok, out_tok)


def _converse(body: Any, handler: TextHandler) -> Invocation:
    """A Converse body, or an Amazon Nova InvokeModel body, answered in the Converse shape."""
    if not isinstance(body, dict):
        raise ModelInputError("Malformed input request: expected a JSON object")
    messages = _check_messages(body.get("messages"))
    config = body.get("inferenceConfig") or {}
    max_tokens = _bounded(
        config.get("maxTokens", 512), MAX_OUTPUT_TOKENS, "#/inferenceConfig/maxTokens"
    )
    system = _text_blocks(body.get("system") or [])
    user = _text_blocks(messages[-1].get("content"))
    prompt_text = system + "".join(_text_blocks(m.get("content")) for m in messages)
    text = handler(system=system, prompt=user, max_tokens=max_tokens)
    in_tok, out_tok = estimate_tokens(prompt_text), estimate_tokens(text)
    output = {
        "output": {"message": {"role": "assistant", "content": [{"text": text}]}},
        "stopReason": "max_tokens" if out_tok >= max_tokens else "end_turn",
        "usage": {"inputTokens": in_tok, "outputTokens": out_tok, "totalTokens": in_tok + out_tok},
    }
    return Invocation(output, in_tok, out_tok)


def _llama(body: Any, handler: TextHandler) -> Invocation:
    if not isinstance(body, dict) or not isinstance(body.get("prompt"), str):
        raise ModelInputError("Malformed input request: #: required key [prompt] not found")
    max_tokens = _bounded(body.get("max_gen_len", 512), 2048, "#/max_gen_len")
    text = handler(system="", prompt=body["prompt"], max_tokens=max_tokens)
    in_tok, out_tok = estimate_tokens(body["prompt"]), estimate_tokens(text)
    output = {
        "generation": text,
        "prompt_token_count": in_tok,
        "generation_token_count": out_tok,
        "stop_reason": "length" if out_tok >= max_tokens else "stop",
    }
    return Invocation(output, in_tok, out_tok)


def _titan(body: Any, handler: TextHandler) -> Invocation:
    if not isinstance(body, dict) or not isinstance(body.get("inputText"), str):
        raise ModelInputError("Malformed input request: #: required key [inputText] not found")
    config = body.get("textGenerationConfig") or {}
    max_tokens = _bounded(
        config.get("maxTokenCount", 512), 8192, "#/textGenerationConfig/maxTokenCount"
    )
    text = handler(system="", prompt=body["inputText"], max_tokens=max_tokens)
    in_tok, out_tok = estimate_tokens(body["inputText"]), estimate_tokens(text)
    output = {
        "inputTextTokenCount": in_tok,
        "results": [
            {
                "tokenCount": out_tok,
                "outputText": text,
                "completionReason": "LENGTH" if out_tok >= max_tokens else "FINISH",
            }
        ],
    }
    return Invocation(output, in_tok, out_tok)


def invoke(
    body: Any,
    model_id: str,
    handler: TextHandler,
    invocation_type: str = "InvokeModel",
    record_key: str = "",
) -> Invocation:
    """Answer ``body`` the way ``model_id`` would for the invocation type.

    Raises :class:`ModelInputError` for a body the model refuses (handler errors included).
    """
    family = family_of(model_id, invocation_type)
    try:
        if family == "claude":
            return _claude(body, handler, record_key)
        if family in ("converse", "nova"):
            return _converse(body, handler)
        if family == "llama":
            return _llama(body, handler)
        return _titan(body, handler)
    except ModelInputError:
        raise
    except ValueError as exc:  # the handler refused the request
        raise ModelInputError(str(exc)) from None
