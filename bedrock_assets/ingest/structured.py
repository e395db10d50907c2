"""JSON, JSONL and CSV records: a transcript id, an optional call date, the text or turns."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from datetime import date

from bedrock_assets.ingest.plain_text import parse_plain_text
from bedrock_assets.ingest.records import (
    CALL_DATE_MISMATCH,
    EMPTY_FILE,
    INVALID_CALL_DATE,
    MALFORMED_CSV,
    MALFORMED_JSON,
    MALFORMED_RECORD,
    MAX_ID_LENGTH,
    MISSING_ID,
    NO_TURNS,
    NOT_UTF8,
    TOO_LONG,
    Quarantined,
    Transcript,
    speaker_name,
)


def load_json(text: str) -> object:
    """``json.loads`` whose failures (bad syntax, nesting past the recursion limit, integers
    over Python's 4,300-digit limit) all raise :class:`ValueError` with a content-free message."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"{exc.msg} at line {exc.lineno} column {exc.colno}") from None
    except RecursionError:
        raise ValueError("JSON nested too deeply") from None
    except ValueError as exc:  # sys.get_int_max_str_digits()
        raise ValueError(str(exc).split(":")[0]) from None


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
                turns.append((speaker_name(speaker), " ".join(utterance.split())))
        return turns
    return None


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


def parse_jsonl(
    source_file: str, lines: Iterable[bytes | None], call_date: str
) -> Iterator[Transcript | Quarantined]:
    """Records one per line; ``None`` stands for a line too long to read."""
    seen_any = False
    for lineno, raw in enumerate(lines, start=1):
        if raw is None:
            seen_any = True
            yield Quarantined(source_file, TOO_LONG, "line over the record size limit", line=lineno)
            continue
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
            rec = load_json(text)
        except ValueError as exc:
            yield Quarantined(source_file, MALFORMED_JSON, str(exc), line=lineno)
            continue
        yield record_to_transcript(rec, source_file, "jsonl", call_date, lineno)
    if not seen_any:
        yield Quarantined(source_file, EMPTY_FILE, "file is empty")


def parse_csv(
    source_file: str, text: str, call_date: str, max_field_chars: int = 131_072
) -> Iterator[Transcript | Quarantined]:
    # The csv module refuses fields over 131,072 characters by default; a call may be longer
    # (up to MAX_TRANSCRIPT_CHARS, then quarantined as too_long on its own, not the file).
    if csv.field_size_limit() < max_field_chars:
        csv.field_size_limit(max_field_chars)
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
    norm: list[dict[str, str]] = []
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
            rec: dict[str, str | None] = {
                k: v for k, v in row.items() if v not in (None, "") or k == "text"
            }
            rec.setdefault("transcript_id", rec.pop(id_col, None))
            yield record_to_transcript(rec, source_file, "csv", call_date, lineno)
