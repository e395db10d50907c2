"""The responsible-summarization prompt (seed 000) as a versioned template, and Bedrock bodies."""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass
from importlib import resources

ANTHROPIC_VERSION = "bedrock-2023-05-31"
PROMPT_NAME = "responsible_summary_v1"
USER_TEMPLATE = (
    "Summarize the following call-center transcript.\n\n<transcript>\n{transcript}\n</transcript>"
)
SUMMARY_QUERY = (
    "Summarize the call-center transcript: reason for the call, steps taken, resolution."
)


@dataclass(frozen=True)
class PromptTemplate:
    name: str
    system: str
    user_template: str

    @property
    def version(self) -> str:
        """Content hash: a change of wording is a new version (and a new shard data version)."""
        digest = hashlib.sha256(f"{self.system}\x00{self.user_template}".encode()).hexdigest()
        return f"{self.name}-{digest[:12]}"

    def user_text(self, transcript: str) -> str:
        return self.user_template.format(transcript=transcript)


@functools.lru_cache(maxsize=4)
def load_prompt(name: str = PROMPT_NAME) -> PromptTemplate:
    system = resources.files("bedrock_assets.prompts").joinpath(f"{name}.txt").read_text("utf-8")
    return PromptTemplate(name=name, system=system.strip(), user_template=USER_TEMPLATE)


def extract_transcript(user_text: str) -> str:
    """The transcript inside the ``<transcript>`` tags of a user message (or all of it)."""
    start, end = user_text.find("<transcript>"), user_text.rfind("</transcript>")
    if start == -1 or end == -1 or end < start:
        return user_text
    return user_text[start + len("<transcript>") : end].strip("\n")
