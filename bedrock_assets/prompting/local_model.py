"""The model the embedded backend runs: a deterministic *extractive* summarizer, not an LLM.

It is this application's text handler for :mod:`bedrock_local` (which parses the request
bodies and shapes the responses of every model family): it reads the transcript inside the
prompt's ``<transcript>`` tags, picks the sentences that state the reason for the call and
its resolution, and adds the ``FLAGS:`` line when the prompt asks for one, as an instructed
model would. Its model name says what it is, so nobody mistakes its output for an LLM's.
"""

from __future__ import annotations

import re

from bedrock_assets.ingest.plain_text import SPEAKER_LINE
from bedrock_assets.ingest.roles import role_of
from bedrock_assets.prompting.prompt import extract_transcript

MODEL_NAME = "local-extractive-summarizer-v1"

_STAGE = re.compile(r"\*[^*]{0,80}\*")
_SENTENCE = re.compile(r"(?<=[.!?])\s+")
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


def _sentences(text: str) -> list[str]:
    clean = " ".join(_STAGE.sub(" ", text).split())
    return [s.strip() for s in _SENTENCE.split(clean) if len(s.split()) >= 4]


def _score(sentence: str, words: set[str]) -> int:
    tokens = {w.strip(".,!?;:'\"").lower() for w in sentence.split()}
    return len(tokens & words)


def _sides(transcript: str) -> tuple[list[tuple[str, list[str]]], dict[str, str | None]]:
    """The transcript's turns (speaker, sentences) and each speaker's side: agent, customer,
    or None where nothing says (a name, ``Speaker 0``). System lines (IVR, bots) are left out.
    The one unlabelled speaker facing a known agent, with no customer named, is the
    customer; with more unlabelled voices (a transfer, a supervisor) none is guessed."""
    turns: list[tuple[str, list[str]]] = []
    for line in transcript.splitlines():
        match = SPEAKER_LINE.match(line)
        if match and match.group(2).strip():
            turns.append((match.group(1).strip(), _sentences(match.group(2))))
    sides: dict[str, str | None] = {s: role_of(s) for s, _ in turns}
    unnamed = [s for s, r in sides.items() if r is None]
    if "agent" in sides.values() and "customer" not in sides.values() and len(unnamed) == 1:
        sides[unnamed[0]] = "customer"
    return [(s, sent) for s, sent in turns if sides[s] != "system"], sides


def summarize_transcript(transcript: str, max_chars: int) -> str:
    """Reason for the call (customer) + what the agent did + how it ended; where no speaker's
    role is known, what each speaker said, saying that the roles are unknown."""
    turns, sides = _sides(transcript)
    customer = [x for s, sent in turns if sides[s] == "customer" for x in sent]
    agent = [x for s, sent in turns if sides[s] == "agent" for x in sent]
    if not customer and not agent:
        return _neutral_summary(turns, transcript)[:max_chars]
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


def _neutral_summary(turns: list[tuple[str, list[str]]], transcript: str) -> str:
    """No roles known: attribute to the speakers by their labels, never to agent or customer."""
    said = [(s, x) for s, sent in turns for x in sent]
    if not said:
        sentences = _sentences(transcript)
        return " ".join(sentences[:3]) or "The transcript contains no usable content."
    speakers = list(dict.fromkeys(s for s, _ in said))
    parts = [f"The speakers' roles are not identified in the transcript ({', '.join(speakers)})."]
    early = said[:8]
    first = max(early, key=lambda p: (_score(p[1], _REASON_WORDS), -early.index(p)))
    parts.append(f"{first[0]} raised: {first[1]}")
    late = said[len(said) // 3 :] or said
    outcome = max(late, key=lambda p: (_score(p[1], _RESOLUTION_WORDS), late.index(p)))
    if outcome != first:
        parts.append(f"{outcome[0]} said: {outcome[1]}")
    return " ".join(parts)


def summarize(*, system: str, prompt: str, max_tokens: int) -> str:
    """The text handler: the summary of the transcript in ``prompt``, plus ``FLAGS:``."""
    transcript = extract_transcript(prompt)
    summary = summarize_transcript(transcript, max_chars=max_tokens * 4)
    return with_flags(summary, transcript, system + prompt)


summarize.model_name = MODEL_NAME  # type: ignore[attr-defined]
HANDLER = f"{__name__}:summarize"
