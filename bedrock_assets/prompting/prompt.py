"""The responsible-summarization prompt (seed 000) as a versioned template, and Bedrock bodies."""

from __future__ import annotations

import functools
import hashlib
import json
from dataclasses import dataclass
from importlib import resources

ANTHROPIC_VERSION = "bedrock-2023-05-31"
PROMPT_NAME = "responsible_summary"
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
    guidelines: tuple[str, ...] = ()

    @property
    def version(self) -> str:
        """Content hash: a change of wording is a new version (and a new shard data version)."""
        digest = hashlib.sha256(f"{self.system}\x00{self.user_template}".encode()).hexdigest()
        return f"{self.name}-{digest[:12]}"

    def user_text(self, transcript: str) -> str:
        return self.user_template.format(transcript=transcript)


@functools.lru_cache(maxsize=1)
def guideline_catalogue() -> dict:
    """The responsible guidelines of seed 000, as data (``prompts/guidelines.json``)."""
    text = (
        resources.files("bedrock_assets.prompting").joinpath("guidelines.json").read_text("utf-8")
    )
    return json.loads(text)


def select_guidelines(selection: str) -> tuple[str, ...]:
    """``"all"`` or a comma-separated list of guideline ids, validated against the catalogue."""
    known = [g["id"] for g in guideline_catalogue()["guidelines"]]
    if selection.strip() in ("", "all"):
        return tuple(known)
    chosen = tuple(x.strip() for x in selection.split(",") if x.strip())
    unknown = sorted(set(chosen) - set(known))
    if unknown:
        raise ValueError(f"unknown guidelines {unknown}; choose from {known}")
    return tuple(g for g in known if g in chosen)  # catalogue order, so the hash is stable


@functools.lru_cache(maxsize=16)
def load_prompt(selection: str = "all") -> PromptTemplate:
    """The rendered responsible prompt for the selected guidelines."""
    catalogue = guideline_catalogue()
    chosen = select_guidelines(selection)
    lines = [catalogue["preamble"]]
    picked = [g for g in catalogue["guidelines"] if g["id"] in chosen]
    lines += [f"{n}. {g['name']}: {g['instruction']}" for n, g in enumerate(picked, start=1)]
    lines += ["", catalogue["closing"]]
    return PromptTemplate(
        name=PROMPT_NAME, system="\n".join(lines), user_template=USER_TEMPLATE, guidelines=chosen
    )


def extract_transcript(user_text: str) -> str:
    """The transcript inside the ``<transcript>`` tags of a user message (or all of it)."""
    start, end = user_text.find("<transcript>"), user_text.rfind("</transcript>")
    if start == -1 or end == -1 or end < start:
        return user_text
    return user_text[start + len("<transcript>") : end].strip("\n")
