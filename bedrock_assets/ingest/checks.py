"""Day-level checks on accepted calls: duplicates (by id or content) and length."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from bedrock_assets.ingest.records import (
    DUPLICATE_CONTENT,
    DUPLICATE_ID,
    TOO_LONG,
    Quarantined,
    Transcript,
)


@dataclass
class Deduplicator:
    """Remembers ids and content digests seen in one day (16-byte digests keep it small)."""

    ids: set[bytes] = field(default_factory=set)
    contents: set[bytes] = field(default_factory=set)

    def check(self, t: Transcript) -> Quarantined | None:
        id_key = hashlib.blake2b(t.transcript_id.encode(), digest_size=16).digest()
        content_key = bytes.fromhex(t.content_sha256)[:16]
        if id_key in self.ids:
            return Quarantined(
                t.source_file, DUPLICATE_ID, "transcript id seen earlier this day", t.transcript_id
            )
        if content_key in self.contents:
            return Quarantined(
                t.source_file,
                DUPLICATE_CONTENT,
                "identical transcript text seen earlier this day",
                t.transcript_id,
            )
        self.ids.add(id_key)
        self.contents.add(content_key)
        return None


def check_length(t: Transcript, max_chars: int) -> Quarantined | None:
    """Quarantine, rather than truncate, a call longer than the model should read at once:
    a summary of half a call would be unfaithful, and the whole call stays available."""
    length = len(t.text)
    if length <= max_chars:
        return None
    return Quarantined(
        t.source_file,
        TOO_LONG,
        f"{length} characters, above the {max_chars}-character limit "
        "(BEDROCK_ASSETS_MAX_TRANSCRIPT_CHARS)",
        t.transcript_id,
    )
