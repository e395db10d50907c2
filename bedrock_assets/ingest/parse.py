"""One landed file -> its calls, each a normalised :class:`Transcript` or a quarantine record.

Accepted: plain-text ``Speaker: utterance`` transcripts, JSONL / CSV records (a transcript
id, an optional call date, and the text or a list of turns), and Amazon Transcribe output
JSON (Call Analytics ``Transcript[]`` and standard ``results`` with speaker labels).
Nothing is dropped: what cannot be read becomes a :class:`Quarantined` with a reason code.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import PurePosixPath

from bedrock_assets.ingest.plain_text import parse_plain_text
from bedrock_assets.ingest.records import (
    EMPTY_FILE,
    MALFORMED_JSON,
    NO_TURNS,
    NOT_UTF8,
    UNRECOGNIZED_FORMAT,
    Quarantined,
    Transcript,
)
from bedrock_assets.ingest.structured import parse_csv, parse_jsonl, record_to_transcript
from bedrock_assets.ingest.transcribe import parse_transcribe


def _decode(data: bytes, source_file: str) -> str | Quarantined:
    if not data.strip():
        return Quarantined(source_file, EMPTY_FILE, "file is empty")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return Quarantined(source_file, NOT_UTF8, f"invalid UTF-8 at byte {exc.start}")


def parse_file(
    source_file: str, data: bytes | Iterable[bytes], call_date: str
) -> Iterator[Transcript | Quarantined]:
    """Everything one landed file holds. JSONL may be given as an iterable of lines (streamed)."""
    suffix = PurePosixPath(source_file).suffix.lower()
    if suffix == ".jsonl":
        yield from parse_jsonl(source_file, data, call_date)
        return
    raw = data if isinstance(data, bytes) else b"".join(data)
    text = _decode(raw, source_file)
    if isinstance(text, Quarantined):
        yield text
        return
    if suffix == ".txt":
        turns = parse_plain_text(text)
        tid = PurePosixPath(source_file).stem
        if not turns:
            yield Quarantined(source_file, NO_TURNS, "no 'Speaker: utterance' turns found", tid)
        else:
            yield Transcript(tid, call_date, source_file, "text", tuple(turns))
    elif suffix == ".csv":
        yield from parse_csv(source_file, text, call_date)
    elif suffix == ".json":
        try:
            doc = json.loads(text)
        except json.JSONDecodeError as exc:
            yield Quarantined(source_file, MALFORMED_JSON, f"{exc.msg} at line {exc.lineno}")
            return
        if isinstance(doc, dict) and ("Transcript" in doc or "results" in doc):
            yield parse_transcribe(doc, source_file, call_date)
        elif isinstance(doc, list):
            for i, rec in enumerate(doc, start=1):
                yield record_to_transcript(rec, source_file, "json", call_date, i)
        else:
            yield record_to_transcript(doc, source_file, "json", call_date)
    else:
        yield Quarantined(
            source_file,
            UNRECOGNIZED_FORMAT,
            f"unsupported file type {suffix or '(none)'}; expected .txt .jsonl .csv .json",
        )
