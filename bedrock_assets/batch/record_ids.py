"""Bedrock batch ``recordId`` values: 11 alphanumerics, deterministic per transcript."""

from __future__ import annotations

import hashlib
import re

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
RECORD_ID_LENGTH = 11
RECORD_ID_PATTERN = re.compile(r"^[0-9A-Za-z]{11}$")


def record_id(call_date: str, transcript_id: str, salt: int = 0) -> str:
    """Base-62 of a digest of (call date, transcript id, salt): stable across re-runs."""
    digest = hashlib.blake2b(f"{call_date}\x00{transcript_id}\x00{salt}".encode(), digest_size=12)
    number = int.from_bytes(digest.digest(), "big")
    chars = []
    for _ in range(RECORD_ID_LENGTH):
        number, rem = divmod(number, 62)
        chars.append(ALPHABET[rem])
    return "".join(chars)


class RecordIdAllocator:
    """Hands out record ids unique within one job; a (astronomically rare) clash gets a salt."""

    def __init__(self) -> None:
        self._seen: set[str] = set()

    def allocate(self, call_date: str, transcript_id: str) -> str:
        salt = 0
        rid = record_id(call_date, transcript_id)
        while rid in self._seen:
            salt += 1
            rid = record_id(call_date, transcript_id, salt)
        self._seen.add(rid)
        return rid

    def reset(self) -> None:
        self._seen.clear()
