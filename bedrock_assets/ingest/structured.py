"""JSON, JSONL and CSV records: a transcript id, an optional call date, the text or turns."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable, Iterator
from datetime import date

from bedrock_assets.ingest.fields import SETTING, FieldMap
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
    UNRECOGNIZED_FORMAT,
    Quarantined,
    Transcript,
    speaker_name,
)
from bedrock_assets.ingest.roles import label_roles

DEFAULT_FIELDS = FieldMap()


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


def _turns_from_value(value: object, fields: FieldMap) -> list[tuple[str, str]] | None:
    """Turns from a record's text (``Speaker: text`` lines) or turns list: objects with a
    speaker and an utterance, ``[speaker, text]`` pairs, or ``"Speaker: text"`` strings."""
    if isinstance(value, str):
        return parse_plain_text(value)
    if not isinstance(value, list):
        return None
    turns = []
    for item in value:
        if isinstance(item, dict):
            found_speaker = fields.find(item, "speaker")
            found_text = fields.find(item, "utterance")
            speaker = found_speaker[1] if found_speaker else None
            utterance = found_text[1] if found_text else None
        elif isinstance(item, list | tuple) and len(item) == 2:
            speaker, utterance = item
        elif isinstance(item, str):
            parsed = parse_plain_text(item)
            if len(parsed) != 1:
                return None
            speaker, utterance = parsed[0]
        else:
            return None
        if not isinstance(speaker, str) or not isinstance(utterance, str):
            return None
        if utterance.strip():
            turns.append((speaker_name(speaker), " ".join(utterance.split())))
    return turns


def _call_date_of(record: dict, default: str, fields: FieldMap) -> tuple[str | None, str | None]:
    """The record's call date (validated) or the partition's; returns (date, error_reason)."""
    found = fields.find(record, "call_date")
    value = found[1] if found else None
    if value in (None, ""):
        return default, None
    if not isinstance(value, str):
        return None, INVALID_CALL_DATE
    try:
        parsed = date.fromisoformat(value[:10]).isoformat()
    except ValueError:
        return None, INVALID_CALL_DATE
    return parsed, None


def _date_key(record: dict, fields: FieldMap) -> str:
    found = fields.find(record, "call_date")
    return found[0] if found else "call_date"


def record_to_transcript(
    record: object,
    source_file: str,
    source_format: str,
    call_date: str,
    line: int | None = None,
    fields: FieldMap = DEFAULT_FIELDS,
    default_id: str | None = None,
) -> Transcript | Quarantined:
    """Validate one JSONL/CSV/JSON record into a :class:`Transcript`.

    Keys are found case-insensitively among the synonyms of :mod:`fields` (and a team's own
    mapping). A record with neither an id nor a text is of no known shape; the message names
    the accepted keys. ``default_id`` names a lone record by its file.
    """
    if not isinstance(record, dict):
        return Quarantined(source_file, MALFORMED_RECORD, "record is not an object", line=line)
    found_id = fields.find(record, "transcript_id")
    found_text = fields.find(record, "text")
    if found_id is None and found_text is None:
        return Quarantined(
            source_file,
            UNRECOGNIZED_FORMAT,
            "JSON of no known shape: no transcript id or text; "
            f"ids: {fields.accepted('transcript_id')}; text or turns: {fields.accepted('text')}"
            f" (any case; map others with {SETTING})",
            line=line,
        )
    tid = found_id[1] if found_id else default_id
    if isinstance(tid, int) and not isinstance(tid, bool):
        tid = str(tid)
    if not isinstance(tid, str) or not tid.strip() or len(tid) > MAX_ID_LENGTH:
        return Quarantined(
            source_file,
            MISSING_ID,
            f"record has no usable transcript id; {fields.hint('transcript_id')}",
            line=line,
        )
    tid = tid.strip()
    found_date, problem = _call_date_of(record, call_date, fields)
    if problem:
        key = _date_key(record, fields)  # a key name, never the value
        return Quarantined(source_file, problem, f"{key} is not an ISO date", tid, line)
    if found_date != call_date:
        return Quarantined(
            source_file,
            CALL_DATE_MISMATCH,
            f"record call date {found_date} is not the partition {call_date}",
            tid,
            line,
        )
    if found_text is None:
        return Quarantined(
            source_file,
            MALFORMED_RECORD,
            f"record has no text, transcript or turns; {fields.hint('text')}",
            tid,
            line,
        )
    turns = _turns_from_value(found_text[1], fields)
    if turns is None:
        return Quarantined(
            source_file,
            MALFORMED_RECORD,
            "turns must be [{speaker, text}] objects, [speaker, text] pairs or "
            f"'Speaker: text' strings; speaker keys: {fields.accepted('speaker')}; "
            f"text keys: {fields.accepted('utterance')}",
            tid,
            line,
        )
    if not turns:
        return Quarantined(source_file, NO_TURNS, "no 'Speaker: utterance' turns found", tid, line)
    turns, role_source = label_roles(turns)
    return Transcript(tid, call_date, source_file, source_format, tuple(turns), role_source)


def parse_jsonl(
    source_file: str,
    lines: Iterable[bytes | None],
    call_date: str,
    fields: FieldMap = DEFAULT_FIELDS,
    read: Callable[[object, int], Transcript | Quarantined] | None = None,
) -> Iterator[Transcript | Quarantined]:
    """Records one per line; ``None`` stands for a line too long to read. ``read`` reads one
    parsed line (``detect`` passes its reader, so a line may hold any known document)."""
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
        if read is not None:
            yield read(rec, lineno)
        else:
            yield record_to_transcript(rec, source_file, "jsonl", call_date, lineno, fields)
    if not seen_any:
        yield Quarantined(source_file, EMPTY_FILE, "file is empty")


def parse_csv(
    source_file: str,
    text: str,
    call_date: str,
    max_field_chars: int = 131_072,
    fields: FieldMap = DEFAULT_FIELDS,
) -> Iterator[Transcript | Quarantined]:
    """A call per row (id + text), or a turn per row (id + speaker + utterance) grouped by id;
    columns found like record keys (any case, synonyms, a team's mapping)."""
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
    columns = {c: c for c in header if c}

    def column(name: str) -> str | None:
        found = fields.find(columns, name)
        return found[0] if found else None

    id_col, date_col = column("transcript_id"), column("call_date")
    speaker_col = fields.csv_speaker(columns)
    text_col = column("utterance") if speaker_col else column("text")
    if id_col is None or text_col is None:
        yield Quarantined(
            source_file,
            MALFORMED_CSV,
            "CSV needs an id column and a text column (or speaker + utterance columns); "
            f"ids: {fields.accepted('transcript_id')}; text: {fields.accepted('text')}; "
            f"speaker: {fields.accepted('speaker')} (any case; map others with {SETTING})",
        )
        return
    good: list[tuple[int, dict[str, str]]] = []
    for lineno, row in rows:
        if None in row or any(v is None for v in row.values()):
            yield Quarantined(
                source_file, MALFORMED_CSV, "row has the wrong number of fields", line=lineno
            )
        else:
            good.append((lineno, row))
    if speaker_col:
        grouped: dict[str, dict] = {}
        for lineno, row in good:
            tid = (row[id_col] or "").strip()
            entry = grouped.setdefault(tid, {"transcript_id": tid, "turns": [], "line": lineno})
            if date_col and row[date_col]:
                entry["call_date"] = row[date_col]
            entry["turns"].append({"speaker": row[speaker_col], "text": row[text_col]})
        for entry in grouped.values():
            line = entry.pop("line")
            yield record_to_transcript(entry, source_file, "csv", call_date, line)
    else:
        for lineno, row in good:
            rec = {"transcript_id": row[id_col] or None, "text": row[text_col] or ""}
            if date_col and row[date_col]:
                rec["call_date"] = row[date_col]
            yield record_to_transcript(rec, source_file, "csv", call_date, lineno)
