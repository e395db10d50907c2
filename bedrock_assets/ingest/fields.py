"""Which key of an exported record holds what: case-insensitive, with the usual synonyms.

Exports name the same thing many ways (``call_ID``, ``conversation``, ``dialogue``,
``messages``). Keys are compared without case, spaces, dashes or underscores, against the
synonyms below. A team whose export uses other names maps them in one line::

    BEDROCK_ASSETS_RECORD_FIELDS="transcript_id=ticket_ref,text=body,speaker=who"

Mapped names are tried first; the built-in synonyms still apply.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

# The record fields a reader understands, each with its built-in synonyms.
SYNONYMS: dict[str, tuple[str, ...]] = {
    "transcript_id": (
        "transcript_id",
        "id",
        "call_id",
        "contact_id",
        "conversation_id",
        "interaction_id",
        "session_id",
        "call_sid",
        "call_uuid",
        "record_id",
    ),
    # Not start_time or timestamp: exports use them for offsets and epoch seconds.
    "call_date": ("call_date", "date", "call_datetime", "call_start"),
    # A string of "Speaker: text" lines, or a list of turns.
    "text": (
        "turns",
        "text",
        "transcript",
        "call_transcript",
        "transcript_text",
        "conversation",
        "dialogue",
        "dialog",
        "messages",
        "utterances",
        "chat_transcript",
        "content",
    ),
    # Inside one turn (an object of a turns list, or a CSV row of one turn).
    "speaker": (
        "speaker",
        "role",
        "participant_role",
        "participant",
        "speaker_label",
        "speaker_role",
        "from",
        "sender",
        "author",
        "party",
    ),
    "utterance": ("text", "utterance", "content", "message", "body", "transcript", "value"),
}
FIELD_NAMES = tuple(SYNONYMS)
# A CSV column names the speaker of a turn per row only by these (a "from" column of a call
# log holds a phone number, not a speaker); a team's own mapping is trusted as given.
CSV_SPEAKER_COLUMNS = ("speaker", "role", "speaker_role", "participant_role", "speaker_label")
SETTING = "BEDROCK_ASSETS_RECORD_FIELDS"


def normalise_key(key: str) -> str:
    """``call_ID`` -> ``callid``: keys compared without case or separators."""
    return re.sub(r"[\s_\-.]", "", key).lower()


@dataclass(frozen=True)
class FieldMap:
    """The keys to try, per field, in order: a team's own names first, then the synonyms."""

    extra: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def candidates(self, name: str) -> tuple[str, ...]:
        return tuple(normalise_key(k) for k in (*self.extra.get(name, ()), *SYNONYMS[name]))

    def find(self, record: Mapping[str, object], name: str) -> tuple[str, object] | None:
        """The first key of ``record`` that holds field ``name``, with its value."""
        by_norm: dict[str, str] = {}
        for key in record:
            if isinstance(key, str):
                by_norm.setdefault(normalise_key(key), key)
        found = [by_norm[c] for c in self.candidates(name) if c in by_norm]
        # A null under one synonym does not hide a value under another.
        chosen = next((k for k in found if record[k] is not None), found[0] if found else None)
        return None if chosen is None else (chosen, record[chosen])

    def csv_speaker(self, columns: Mapping[str, object]) -> str | None:
        """The column of a CSV that names each row's speaker, if any."""
        strong = {normalise_key(c) for c in (*self.extra.get("speaker", ()), *CSV_SPEAKER_COLUMNS)}
        found = self.find(columns, "speaker")
        return found[0] if found and normalise_key(found[0]) in strong else None

    def accepted(self, name: str) -> str:
        """The accepted keys of a field, for a quarantine message."""
        names = list(dict.fromkeys((*self.extra.get(name, ()), *SYNONYMS[name])))
        return ", ".join(names)

    def hint(self, name: str) -> str:
        return f"accepted keys (any case): {self.accepted(name)}; map others with {SETTING}"


def parse_field_map(spec: str) -> FieldMap:
    """``"transcript_id=ticket_ref,text=body"`` -> a :class:`FieldMap`; raises ValueError."""
    extra: dict[str, list[str]] = {}
    for part in filter(None, (p.strip() for p in spec.split(","))):
        name, sep, key = (x.strip() for x in part.partition("="))
        if not sep or not key:
            raise ValueError(f"{part!r}: use field=key, e.g. transcript_id=ticket_ref")
        if name not in SYNONYMS:
            raise ValueError(f"{part!r}: unknown field {name!r}; fields are {list(FIELD_NAMES)}")
        extra.setdefault(name, []).append(key)
    return FieldMap({k: tuple(v) for k, v in extra.items()})
