"""Parse a day's landing area into one normalised record per call, or a quarantine record.

Accepted: plain-text ``Speaker: utterance`` transcripts, JSONL / CSV records (a transcript
id, an optional call date, and the text or a list of turns), and Amazon Transcribe output
JSON (Call Analytics ``Transcript[]`` and standard ``results`` with speaker labels).
Nothing is dropped: what cannot be read becomes a :class:`Quarantined` with a reason code.
Reasons and details never quote transcript content, so they are safe to log.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import PurePosixPath

SPEAKER_LINE = re.compile(r"^\s*([A-Za-z][A-Za-z0-9 _.'()-]{0,39}?)\s*:\s*(.*)$")
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


@dataclass(frozen=True)
class Transcript:
    transcript_id: str
    call_date: str
    source_file: str
    source_format: str
    turns: tuple[tuple[str, str], ...]

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


def parse_plain_text(text: str) -> list[tuple[str, str]]:
    """``Speaker: utterance`` lines; a line without a speaker continues the previous turn."""
    turns: list[tuple[str, str]] = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        match = SPEAKER_LINE.match(line)
        if match and match.group(2).strip():
            turns.append((match.group(1).strip(), match.group(2).strip()))
        elif match and not match.group(2).strip():
            continue
        elif turns:
            speaker, utterance = turns[-1]
            turns[-1] = (speaker, f"{utterance} {line}")
    return turns


def _turns_from_value(value: object) -> list[tuple[str, str]] | None:
    """Turns from a record's ``text``/``transcript`` string or ``turns`` list."""
    if isinstance(value, str):
        return parse_plain_text(value)
    if isinstance(value, list):
        turns = []
        for item in value:
            if isinstance(item, dict):
                speaker = item.get("speaker") or item.get("role") or item.get("ParticipantRole")
                utterance = item.get("text") or item.get("utterance") or item.get("content")
            elif isinstance(item, list | tuple) and len(item) == 2:
                speaker, utterance = item
            else:
                return None
            if not isinstance(speaker, str) or not isinstance(utterance, str):
                return None
            if utterance.strip():
                turns.append((_speaker_name(speaker), " ".join(utterance.split())))
        return turns
    return None


def _speaker_name(raw: str) -> str:
    raw = raw.strip()
    return raw.capitalize() if raw.isupper() else raw


def _call_date_of(record: dict, default: str) -> tuple[str | None, str | None]:
    """The record's call date (validated) or the partition's; returns (date, error_reason)."""
    value = record.get("call_date", record.get("callDate"))
    if value in (None, ""):
        return default, None
    if not isinstance(value, str):
        return None, INVALID_CALL_DATE
    try:
        parsed = date.fromisoformat(value[:10]).isoformat()
    except ValueError:
        return None, INVALID_CALL_DATE
    return parsed, None


def record_to_transcript(
    record: object, source_file: str, source_format: str, call_date: str, line: int | None = None
) -> Transcript | Quarantined:
    """Validate one JSONL/CSV/JSON record into a :class:`Transcript`."""
    if not isinstance(record, dict):
        return Quarantined(source_file, MALFORMED_RECORD, "record is not an object", line=line)
    tid = record.get("transcript_id", record.get("id", record.get("call_id")))
    if isinstance(tid, int) and not isinstance(tid, bool):
        tid = str(tid)
    if not isinstance(tid, str) or not tid.strip() or len(tid) > MAX_ID_LENGTH:
        return Quarantined(source_file, MISSING_ID, "record has no usable transcript id", line=line)
    tid = tid.strip()
    found_date, problem = _call_date_of(record, call_date)
    if problem:
        return Quarantined(source_file, problem, "call_date is not an ISO date", tid, line)
    if found_date != call_date:
        return Quarantined(
            source_file,
            CALL_DATE_MISMATCH,
            f"record call date {found_date} is not the partition {call_date}",
            tid,
            line,
        )
    value = next((record[k] for k in ("turns", "text", "transcript") if k in record), None)
    if value is None:
        return Quarantined(
            source_file, MALFORMED_RECORD, "record has no text, transcript or turns", tid, line
        )
    turns = _turns_from_value(value)
    if turns is None:
        return Quarantined(
            source_file, MALFORMED_RECORD, "turns must be [{speaker, text}] pairs", tid, line
        )
    if not turns:
        return Quarantined(source_file, NO_TURNS, "no 'Speaker: utterance' turns found", tid, line)
    return Transcript(tid, call_date, source_file, source_format, tuple(turns))


def parse_transcribe(doc: dict, source_file: str, call_date: str) -> Transcript | Quarantined:
    """Amazon Transcribe output: Call Analytics ``Transcript[]`` or standard ``results``."""
    stem = PurePosixPath(source_file).stem
    if isinstance(doc.get("Transcript"), list):
        tid = str(doc.get("JobName") or stem)
        turns = []
        for seg in doc["Transcript"]:
            if not isinstance(seg, dict) or not isinstance(seg.get("Content"), str):
                return Quarantined(
                    source_file, MALFORMED_RECORD, "Call Analytics segment without Content", tid
                )
            role = str(seg.get("ParticipantRole", "UNKNOWN"))
            turns.append((_speaker_name(role), seg["Content"].strip()))
        turns = _merge_consecutive(turns)
        fmt = "transcribe_call_analytics"
    else:
        results = doc.get("results")
        tid = str(doc.get("jobName") or stem)
        if not isinstance(results, dict) or not isinstance(results.get("items"), list):
            return Quarantined(
                source_file, MALFORMED_RECORD, "Transcribe JSON without results.items", tid
            )
        turns = _turns_from_items(results)
        fmt = "transcribe_standard"
    turns = [(s, u) for s, u in turns if u]
    if not turns:
        return Quarantined(source_file, NO_TURNS, "Transcribe output has no speech", tid)
    return Transcript(tid, call_date, source_file, fmt, tuple(turns))


def _turns_from_items(results: dict) -> list[tuple[str, str]]:
    by_start: dict[str, str] = {}
    for seg in (results.get("speaker_labels") or {}).get("segments", []) or []:
        for item in seg.get("items", []) or []:
            by_start[str(item.get("start_time"))] = str(
                item.get("speaker_label", seg.get("speaker_label"))
            )
    words: list[tuple[str, str]] = []
    speaker = "spk_0"
    for item in results["items"]:
        alts = item.get("alternatives") or [{}]
        content = str(alts[0].get("content", ""))
        if item.get("type") == "punctuation":
            if words:
                words[-1] = (words[-1][0], words[-1][1] + content)
            continue
        speaker = str(
            item.get("speaker_label") or by_start.get(str(item.get("start_time")), speaker)
        )
        words.append((speaker, content))
    turns: list[tuple[str, str]] = []
    for spk, word in words:
        name = "Speaker " + spk.removeprefix("spk_") if spk.startswith("spk_") else spk
        if turns and turns[-1][0] == name:
            turns[-1] = (name, f"{turns[-1][1]} {word}")
        else:
            turns.append((name, word))
    return turns


def _merge_consecutive(turns: list[tuple[str, str]]) -> list[tuple[str, str]]:
    merged: list[tuple[str, str]] = []
    for speaker, utterance in turns:
        if merged and merged[-1][0] == speaker:
            merged[-1] = (speaker, f"{merged[-1][1]} {utterance}")
        else:
            merged.append((speaker, utterance))
    return merged


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
        yield from _parse_jsonl(source_file, data, call_date)
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
        yield from _parse_csv(source_file, text, call_date)
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


def _parse_jsonl(
    source_file: str, data: bytes | Iterable[bytes], call_date: str
) -> Iterator[Transcript | Quarantined]:
    lines = data.splitlines() if isinstance(data, bytes) else data
    seen_any = False
    for lineno, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        seen_any = True
        try:
            text = raw.decode("utf-8-sig") if lineno == 1 else raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            yield Quarantined(
                source_file, NOT_UTF8, f"invalid UTF-8 at byte {exc.start}", line=lineno
            )
            continue
        try:
            rec = json.loads(text)
        except json.JSONDecodeError as exc:
            yield Quarantined(
                source_file, MALFORMED_JSON, f"{exc.msg} at column {exc.colno}", line=lineno
            )
            continue
        yield record_to_transcript(rec, source_file, "jsonl", call_date, lineno)
    if not seen_any:
        yield Quarantined(source_file, EMPTY_FILE, "file is empty")


def _parse_csv(source_file: str, text: str, call_date: str) -> Iterator[Transcript | Quarantined]:
    try:
        reader = csv.DictReader(io.StringIO(text, newline=""), strict=True)
        header = reader.fieldnames or []
        rows = list(enumerate(reader, start=2))
    except csv.Error as exc:
        yield Quarantined(source_file, MALFORMED_CSV, f"CSV parse error: {exc}")
        return
    cols = {c.strip().lower() for c in header if c}
    id_col = next((c for c in ("transcript_id", "id", "call_id") if c in cols), None)
    if id_col is None or not cols & {"text", "transcript", "speaker"}:
        yield Quarantined(
            source_file,
            MALFORMED_CSV,
            "CSV needs a transcript_id column and a text/transcript or speaker+text column",
        )
        return
    norm = []
    for lineno, row in rows:
        if None in row or any(v is None for v in row.values()):
            yield Quarantined(
                source_file, MALFORMED_CSV, "row has the wrong number of fields", line=lineno
            )
            norm.append({})
        else:
            norm.append({(k or "").strip().lower(): v for k, v in row.items()})
    if "speaker" in cols:
        grouped: dict[str, dict] = {}
        for (lineno, _), row in zip(rows, norm, strict=True):
            if not row:
                continue
            tid = (row.get(id_col) or "").strip()
            entry = grouped.setdefault(tid, {"transcript_id": tid, "turns": [], "line": lineno})
            if row.get("call_date"):
                entry["call_date"] = row["call_date"]
            entry["turns"].append(
                {"speaker": row.get("speaker") or "", "text": row.get("text") or ""}
            )
        for entry in grouped.values():
            line = entry.pop("line")
            yield record_to_transcript(entry, source_file, "csv", call_date, line)
    else:
        for (lineno, _), row in zip(rows, norm, strict=True):
            if not row:
                continue
            rec = {k: v for k, v in row.items() if v not in (None, "") or k == "text"}
            rec.setdefault("transcript_id", rec.pop(id_col, None))
            yield record_to_transcript(rec, source_file, "csv", call_date, lineno)
