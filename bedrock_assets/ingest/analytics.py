"""The ``Transcript[]`` family: Transcribe Call Analytics, Contact Lens voice and chat.

- Transcribe Call Analytics: each turn names its ``ParticipantRole`` (AGENT, CUSTOMER).
- Contact Lens (voice) output files: turns name a ``ParticipantId``; the roles live in
  ``Participants[]`` (``{ParticipantId, ParticipantRole}``), where ids may be UUIDs.
- Contact Lens (chat): ``Channel: CHAT``; the transcript mixes ``MESSAGE`` items (the
  conversation) with ``EVENT`` items (participant joined/left, typing), which are skipped;
  attachments and other non-text messages are skipped too.
"""

from __future__ import annotations

from bedrock_assets.ingest.landing import call_id_from_name, opaque_id
from bedrock_assets.ingest.records import (
    MALFORMED_RECORD,
    NO_TURNS,
    Quarantined,
    Transcript,
    merge_consecutive,
)
from bedrock_assets.ingest.roles import AGENT, CUSTOMER, assign_roles, label_for
from bedrock_assets.ingest.values import objects, text_of

CALL_ANALYTICS = "transcribe_call_analytics"
CONTACT_LENS_VOICE = "contact_lens_voice"
CONTACT_LENS_CHAT = "contact_lens_chat"
_TEXT_TYPES = ("text/plain", "text/markdown")


def analytics_format(doc: dict) -> str:
    """Which member of the family ``doc`` is (it holds a ``Transcript`` list)."""
    channel = text_of(doc.get("Channel")).upper()
    turns = objects(doc.get("Transcript"))
    if channel == "CHAT" or any("ContentType" in t or "Type" in t for t in turns):
        return CONTACT_LENS_CHAT
    has_ids = any("ParticipantId" in t for t in turns) or any(
        "ParticipantId" in p for p in objects(doc.get("Participants"))
    )
    return CONTACT_LENS_VOICE if has_ids else CALL_ANALYTICS


def _call_id(doc: dict, stem: str) -> str:
    """Connect's ContactId (a UUID), else the job name's digest, else the file's."""
    meta = doc.get("CustomerMetadata")
    contact = text_of(meta.get("ContactId")) if isinstance(meta, dict) else ""
    job = text_of(doc.get("JobName"))
    return contact or (opaque_id(job) if job else stem)


def _participant_roles(doc: dict) -> dict[str, str]:
    roles: dict[str, str] = {}
    for p in objects(doc.get("Participants")):
        pid, role = text_of(p.get("ParticipantId")), text_of(p.get("ParticipantRole"))
        if pid and role:
            roles[pid] = role
    return roles


def parse_analytics(doc: dict, source_file: str, call_date: str) -> Transcript | Quarantined:
    """One call of the ``Transcript[]`` family, turns labelled by the roles the file names."""
    fmt = analytics_format(doc)
    tid = _call_id(doc, call_id_from_name(source_file))
    roles = _participant_roles(doc)
    turns: list[tuple[str, str]] = []
    unnamed: dict[str, str] = {}  # participant id -> "Participant N" where no role is given
    for seg in doc["Transcript"]:
        if not isinstance(seg, dict):
            return Quarantined(source_file, MALFORMED_RECORD, f"{fmt} turn is not an object", tid)
        if fmt == CONTACT_LENS_CHAT:
            kind = text_of(seg.get("Type")).upper()
            ctype = text_of(seg.get("ContentType")).lower()
            if kind == "EVENT" or (ctype and ctype not in _TEXT_TYPES):
                continue
        content = seg.get("Content")
        if not isinstance(content, str):
            if fmt == CONTACT_LENS_CHAT:
                continue
            return Quarantined(source_file, MALFORMED_RECORD, f"{fmt} turn without Content", tid)
        pid = text_of(seg.get("ParticipantId"))
        role = text_of(seg.get("ParticipantRole")) or roles.get(pid, "")
        if not role and pid.upper() in ("AGENT", "CUSTOMER", "SYSTEM"):
            role = pid  # Contact Lens voice names the participant by its role
        if role:
            label = label_for(role)
        else:  # each unnamed participant keeps a label of its own: never merged with another
            label = unnamed.setdefault(pid, f"Participant {len(unnamed) + 1}")
        turns.append((label, " ".join(content.split())))
    turns = merge_consecutive([(s, u) for s, u in turns if u])
    if not turns:
        return Quarantined(source_file, NO_TURNS, f"{fmt} output has no messages", tid)
    role_source: str = "format"
    if unnamed and not any(s in (AGENT, CUSTOMER) for s, _ in turns):
        turns, role_source = assign_roles(turns)  # nobody named: the greeting rule, or none
    return Transcript(tid, call_date, source_file, fmt, tuple(turns), role_source)
