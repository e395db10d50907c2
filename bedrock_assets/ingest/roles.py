"""Who speaks for the company and who called: one home for speaker roles.

Formats that say who is who (Contact Lens, Call Analytics, a ``CSR:`` label) keep their
word. Where a format only numbers its speakers or channels (``spk_0``, ``ch_1``), a
documented rule decides, in this order:

1. the agent's channel, when the team has set it (``BEDROCK_ASSETS_AGENT_CHANNEL``);
2. the greeting: exactly one speaker opens with a company greeting ("thank you for calling",
   "you've reached", "this is Ana from ...", "how can I help") -> that speaker is the agent
   and, in a two-party call, the other is the customer;
3. otherwise the neutral labels stay (``Speaker 0``, ``Channel 1``) and the summarizer says
   that the roles are unknown instead of guessing.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Literal

from bedrock_assets.ingest.records import merge_consecutive, speaker_name

Role = Literal["agent", "customer", "system"]

AGENT = "Agent"
CUSTOMER = "Customer"
SYSTEM = "System"

# Titles people give the company's side in exports (lower case, matched word by word).
AGENT_TITLES = frozenset(
    """
    agent agents rep reps representative csr csa cse associate operator advisor adviser
    supervisor specialist consultant technician tech engineer support helpdesk concierge
    attendant banker teller coordinator counselor counsellor officer clerk staff employee
    manager expert analyst dispatcher receptionist moderator assistant
    """.split()
)
# Multi-word titles whose words alone say nothing ("service", "care").
AGENT_PHRASES = (
    "customer service",
    "customer care",
    "customer support",
    "service desk",
    "help desk",
    "care team",
    "support team",
    "team member",
    "live agent",
    "human agent",
)
CUSTOMER_TITLES = frozenset(
    """
    customer caller client member patient guest user subscriber policyholder cardholder
    consumer visitor buyer shopper passenger tenant applicant accountholder claimant
    student parent resident borrower
    """.split()
)
SYSTEM_TITLES = frozenset("system ivr bot chatbot automated recording".split())
SYSTEM_PHRASES = ("virtual agent", "virtual assistant", "custom bot", "custom_bot")
# "<customer word> services" names the company's team: "Member Services", "Guest Relations".
_TEAM_WORDS = frozenset("service services support care success relations experience".split())

_WORD = re.compile(r"[a-z]+")


def role_of(label: str) -> Role | None:
    """The role a speaker label names, or None when it names none (``Speaker 0``, ``Ana``)
    or names both sides at once ("Caller (Office Manager)")."""
    lowered = label.lower()
    words = _WORD.findall(lowered)
    if not words:
        return None
    if any(p in lowered for p in SYSTEM_PHRASES) or any(w in SYSTEM_TITLES for w in words):
        return "system"
    if any(phrase in lowered for phrase in AGENT_PHRASES) or _TEAM_WORDS & set(words):
        return "agent"
    agent = any(w in AGENT_TITLES for w in words)
    customer = any(w in CUSTOMER_TITLES for w in words)
    if agent and customer:
        return None
    return "agent" if agent else "customer" if customer else None


def label_for(role: str) -> str:
    """A format's role word as people write it: ``AGENT`` -> ``Agent``, ``CUSTOM_BOT`` ->
    ``System``; other labels as :func:`records.speaker_name` writes them."""
    lowered = role.strip().lower()
    named = {"agent": AGENT, "customer": CUSTOMER, "system": SYSTEM}.get(lowered)
    if named:
        return named
    return SYSTEM if role_of(role) == "system" else speaker_name(role)


# Company greetings: phrases a customer does not open with. "X speaking", "welcome to" and
# "I'm X with" are left out (customers say "who am I speaking with?", "I'm Jo with a question").
_GREETING = re.compile(
    r"\b(?:thanks?(?: you)? for (?:calling|contacting|choosing|holding)"
    r"|you(?:'ve| have) reached"
    r"|(?:this is|my name is) [a-z][\w'-]*,? (?:calling )?(?:from|at|on behalf of)\b"
    r"|how (?:can|may|might) i (?:help|assist) you)",
    re.IGNORECASE,
)


def greets_like_agent(utterance: str) -> bool:
    """A company greeting in the first words of a turn."""
    return bool(_GREETING.search(" ".join(utterance.split()[:30])))


RoleSource = Literal["format", "vocabulary", "channel_setting", "greeting", "unknown"]


def assign_roles(
    turns: Sequence[tuple[str, str]],
    *,
    agent_channel: str | None = None,
) -> tuple[list[tuple[str, str]], RoleSource]:
    """Name the agent and customer of numbered speakers or channels by the rules above.

    ``turns`` carry neutral labels (``Speaker 0``, ``Channel 1``). Returns the turns with
    ``Agent``/``Customer`` where a rule decided, and which rule it was. The greeting rule
    names only a two-party call: with a third voice (a transfer, a supervisor) nobody is
    guessed.
    """
    speakers = list(dict.fromkeys(s for s, _ in turns))
    mapping: dict[str, str] = {}
    source: RoleSource = "unknown"
    channels = [s for s in speakers if s.startswith("Channel ")]
    if agent_channel is not None and channels:
        agent_label = "Channel " + agent_channel.removeprefix("ch_")
        mapping = {s: AGENT if s == agent_label else CUSTOMER for s in channels}
        source = "channel_setting"
    elif len(speakers) == 2:
        first_turns: dict[str, str] = {}
        for speaker, utterance in turns[:3]:
            first_turns.setdefault(speaker, utterance)
        greeters = [s for s, u in first_turns.items() if greets_like_agent(u)]
        if len(greeters) == 1:
            other = next(s for s in speakers if s != greeters[0])
            mapping = {greeters[0]: AGENT, other: CUSTOMER}
            source = "greeting"
    if not mapping:
        return list(turns), "unknown"
    return merge_consecutive([(mapping.get(s, s), u) for s, u in turns]), source


def vocabulary_source(turns: Sequence[tuple[str, str]]) -> RoleSource:
    """How the roles of labelled turns are known: by their titles, or not at all."""
    roles = {role_of(s) for s, _ in turns}
    return "vocabulary" if roles & {"agent", "customer"} else "unknown"


_NUMBERED = re.compile(
    r"^(speaker|spk|channel|ch|participant|party|person)[ _-]?(\d{1,2}|[a-z])$", re.IGNORECASE
)
_NEUTRAL_WORD = {"spk": "Speaker", "ch": "Channel"}


def neutral_label(label: str) -> str | None:
    """``spk_0`` -> ``Speaker 0``, ``ch_1`` -> ``Channel 1``; None for a label that is not a
    numbered speaker or channel."""
    match = _NUMBERED.match(label.strip())
    if not match:
        return None
    word = match.group(1).lower()
    return f"{_NEUTRAL_WORD.get(word, word.capitalize())} {match.group(2).upper()}"


def label_roles(
    turns: Sequence[tuple[str, str]], agent_channel: str | None = None
) -> tuple[list[tuple[str, str]], RoleSource]:
    """Roles for turns that carry labels: titles (``CSR``, ``Caller``) keep their word;
    numbered speakers or channels go through :func:`assign_roles`; names stay as given."""
    if vocabulary_source(turns) == "vocabulary":
        return list(turns), "vocabulary"
    neutral = {s: neutral_label(s) for s, _ in turns}
    if all(neutral.values()):
        renamed = [(neutral[s] or s, u) for s, u in turns]
        return assign_roles(renamed, agent_channel=agent_channel)
    return list(turns), "unknown"
