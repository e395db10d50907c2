"""The normalised call record, the quarantine record, and the quarantine reason codes.

Reasons and details never quote transcript content, so they are safe to log.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

MAX_ID_LENGTH = 128

# Quarantine reason codes (stable: they are stored and counted).
EMPTY_FILE = "empty_file"
NOT_UTF8 = "not_utf8"
UNRECOGNIZED_FORMAT = "unrecognized_format"
MALFORMED_JSON = "malformed_json"
MALFORMED_CSV = "malformed_csv"
MALFORMED_RECORD = "malformed_record"
NO_TURNS = "no_turns"
MISSING_ID = "missing_transcript_id"
INVALID_CALL_DATE = "invalid_call_date"
CALL_DATE_MISMATCH = "call_date_mismatch"
DUPLICATE_ID = "duplicate_transcript_id"
DUPLICATE_CONTENT = "duplicate_content"
TOO_LONG = "too_long"
FILE_TOO_LARGE = "file_too_large"
CORRUPT_GZIP = "corrupt_gzip"
INVALID_UNICODE = "invalid_unicode"
UNREADABLE_FILE = "unreadable_file"  # any other failure while reading one file


@dataclass(frozen=True)
class Transcript:
    transcript_id: str
    call_date: str
    source_file: str
    source_format: str
    turns: tuple[tuple[str, str], ...]
    # How the speakers' roles are known (``roles.RoleSource``): stored per call.
    role_source: str = "unknown"

    @property
    def text(self) -> str:
        return "\n".join(f"{speaker}: {utterance}" for speaker, utterance in self.turns)

    @property
    def content_sha256(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Quarantined:
    source_file: str
    reason: str
    detail: str
    transcript_id: str | None = None
    line: int | None = None


def speaker_name(raw: str) -> str:
    """A speaker label as people write it: ``AGENT`` -> ``Agent``; acronyms (``CSR``, ``IVR``)
    and other labels kept as given."""
    raw = raw.strip()
    return raw.capitalize() if raw.isupper() and len(raw) > 3 else raw


def merge_consecutive(turns: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """One turn per change of speaker."""
    merged: list[tuple[str, str]] = []
    for speaker, utterance in turns:
        if merged and merged[-1][0] == speaker:
            merged[-1] = (speaker, f"{merged[-1][1]} {utterance}")
        else:
            merged.append((speaker, utterance))
    return merged
