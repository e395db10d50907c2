"""Request bodies and output parsers per model family and invocation type.

Batch ``modelInput`` is the model's InvokeModel body (or a Converse body when the job's
``modelInvocationType`` is ``Converse``). Each family knows how to ask for a summary and how
to read the answer's text, stop reason and token usage.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Any

from bedrock_assets.prompting.prompt import ANTHROPIC_VERSION, PromptTemplate

_PROFILE_PREFIX = re.compile(r"^(?:us|eu|apac|us-gov|ca|jp|au|global)\.")


@dataclass(frozen=True)
class ParsedOutput:
    text: str
    stop_reason: str | None
    input_tokens: int
    output_tokens: int


def base_model_id(model_id: str) -> str:
    """``anthropic.claude-3-haiku...`` from a model id, a cross-Region profile id or an ARN."""
    return _PROFILE_PREFIX.sub("", model_id.rsplit("/", 1)[-1])


def family_of(model_id: str, invocation_type: str = "InvokeModel") -> str:
    if invocation_type == "Converse":
        return "converse"
    base = base_model_id(model_id)
    if base.startswith("anthropic."):
        return "claude"
    if base.startswith("amazon.nova"):
        return "nova"
    if base.startswith("meta.llama"):
        return "llama"
    if base.startswith("amazon.titan-text"):
        return "titan"
    raise ValueError(
        f"no request format for model {model_id!r} with {invocation_type}; use an Anthropic "
        "Claude, Amazon Nova, Meta Llama or Amazon Titan Text model, or modelInvocationType "
        "Converse"
    )


def build_body(
    family: str, prompt: PromptTemplate, transcript: str, max_tokens: int, temperature: float
) -> dict[str, Any]:
    """The modelInput asking ``family`` to summarize ``transcript`` under ``prompt``."""
    user = prompt.user_text(transcript)
    if family == "claude":
        return {
            "anthropic_version": ANTHROPIC_VERSION,
            "max_tokens": max_tokens,
            "temperature": temperature,
            "system": prompt.system,
            "messages": [{"role": "user", "content": [{"type": "text", "text": user}]}],
        }
    if family in ("nova", "converse"):
        body: dict[str, Any] = {
            "system": [{"text": prompt.system}],
            "messages": [{"role": "user", "content": [{"text": user}]}],
            "inferenceConfig": {"maxTokens": max_tokens, "temperature": temperature},
        }
        if family == "nova":
            body = {"schemaVersion": "messages-v1", **body}
        return body
    if family == "llama":
        return {
            "prompt": (
                "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\n"
                f"{prompt.system}<|eot_id|><|start_header_id|>user<|end_header_id|>\n\n"
                f"{user}<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n"
            ),
            "max_gen_len": max_tokens,
            "temperature": temperature,
        }
    if family == "titan":
        return {
            "inputText": f"{prompt.system}\n\nUser: {user}\nBot:",
            "textGenerationConfig": {
                "maxTokenCount": max_tokens,
                "temperature": temperature,
                "topP": 0.9,
            },
        }
    raise ValueError(f"unknown model family {family!r}")


@dataclass(frozen=True)
class RequestSpec:
    """Everything that shapes a record's ``modelInput``: the model, how it is invoked, the
    prompt and the generation settings. Its ``version`` names what a summary was made with."""

    model_id: str
    prompt: PromptTemplate
    invocation_type: str = "InvokeModel"
    max_tokens: int = 512
    temperature: float = 0.0

    @property
    def family(self) -> str:
        return family_of(self.model_id, self.invocation_type)

    @property
    def version(self) -> str:
        """What a summary was made with: prompt, model and generation settings. A call sent
        under one version is not sent again unless re-summarization is asked for."""
        key = "|".join(
            [
                self.prompt.version,
                self.model_id,
                self.invocation_type,
                str(self.max_tokens),
                repr(self.temperature),
            ]
        )
        return f"{self.prompt.version}-{hashlib.sha256(key.encode()).hexdigest()[:8]}"

    def body(self, transcript: str) -> dict[str, Any]:
        return build_body(self.family, self.prompt, transcript, self.max_tokens, self.temperature)


def parse_output(output: Any) -> ParsedOutput:
    """Text, stop reason and usage from any supported family's response (by its shape)."""
    if not isinstance(output, dict):
        raise ValueError("modelOutput is not an object")
    if "content" in output and output.get("type") == "message":  # Claude Messages
        text = "".join(b.get("text", "") for b in output["content"] if b.get("type") == "text")
        usage = output.get("usage", {})
        return ParsedOutput(
            text,
            output.get("stop_reason"),
            int(usage.get("input_tokens", 0)),
            int(usage.get("output_tokens", 0)),
        )
    if isinstance(output.get("output"), dict):  # Nova / Converse
        blocks = output["output"].get("message", {}).get("content", [])
        usage = output.get("usage", {})
        return ParsedOutput(
            "".join(b.get("text", "") for b in blocks),
            output.get("stopReason"),
            int(usage.get("inputTokens", 0)),
            int(usage.get("outputTokens", 0)),
        )
    if "generation" in output:  # Meta Llama
        return ParsedOutput(
            str(output["generation"]),
            output.get("stop_reason"),
            int(output.get("prompt_token_count", 0)),
            int(output.get("generation_token_count", 0)),
        )
    if isinstance(output.get("results"), list) and output["results"]:  # Titan Text
        first = output["results"][0]
        return ParsedOutput(
            str(first.get("outputText", "")),
            first.get("completionReason"),
            int(output.get("inputTextTokenCount", 0)),
            int(first.get("tokenCount", 0)),
        )
    raise ValueError("unrecognised modelOutput shape")


def prompt_text(model_input: Any) -> str:
    """The user text of a modelInput of any supported family (where the transcript is)."""
    if not isinstance(model_input, dict):
        return ""
    if isinstance(model_input.get("messages"), list) and model_input["messages"]:
        content = model_input["messages"][-1].get("content", "")
        if isinstance(content, list):
            return "\n".join(b.get("text", "") for b in content if isinstance(b, dict))
        return str(content)
    for key in ("prompt", "inputText"):
        if isinstance(model_input.get(key), str):
            return model_input[key]
    return ""
