"""One landed file -> its calls, each a normalised :class:`Transcript` or a quarantine record.

Accepted: plain-text ``Speaker: utterance`` transcripts, JSONL / CSV records (a transcript
id, an optional call date, and the text or a list of turns; keys found as :mod:`fields`
says), and the JSON documents of contact-center services (:mod:`detect` names them: Amazon
Transcribe standard and Call Analytics, Contact Lens voice and chat, Post Call Analytics,
Bedrock Data Automation audio), each also gzip-compressed (``.txt.gz`` ...). Nothing is
dropped: what cannot be read becomes a :class:`Quarantined` with a reason code. Memory stays
bounded: JSONL streams line by line (each line at most ``max_record_bytes``), other files are
read up to ``max_file_bytes``.
"""

from __future__ import annotations

import gzip
import io
import zlib
from collections.abc import Iterator
from typing import BinaryIO

from bedrock_assets.ingest.detect import read_json_document, read_object
from bedrock_assets.ingest.landing import call_id_from_name, file_suffix
from bedrock_assets.ingest.options import DEFAULT_OPTIONS, ReadOptions
from bedrock_assets.ingest.plain_text import parse_plain_text
from bedrock_assets.ingest.records import (
    CORRUPT_GZIP,
    EMPTY_FILE,
    FILE_TOO_LARGE,
    MALFORMED_JSON,
    NO_TURNS,
    NOT_UTF8,
    UNRECOGNIZED_FORMAT,
    Quarantined,
    Transcript,
)
from bedrock_assets.ingest.roles import label_roles
from bedrock_assets.ingest.structured import load_json, parse_csv, parse_jsonl

WHOLE_FILE_SUFFIXES = (".txt", ".json", ".csv")
_GZIP_ERRORS = (gzip.BadGzipFile, EOFError, zlib.error)


def _decode(data: bytes, source_file: str) -> str | Quarantined:
    if not data.strip():
        return Quarantined(source_file, EMPTY_FILE, "file is empty")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return Quarantined(source_file, NOT_UTF8, f"invalid UTF-8 at byte {exc.start}")


def _bounded_lines(stream: BinaryIO, limit: int) -> Iterator[bytes | None]:
    """The stream's lines, ``None`` for a line over ``limit`` bytes (skipped, never held)."""
    while True:
        line = stream.readline(limit + 1)
        if not line:
            return
        if len(line) > limit and not line.endswith(b"\n"):
            while (rest := stream.readline(1 << 20)) and not rest.endswith(b"\n"):
                pass
            yield None
        else:
            yield line


class _RawReader(io.RawIOBase):
    """A ``read(n)`` body (boto's StreamingBody) as a raw stream, so it can be buffered."""

    def __init__(self, body: BinaryIO) -> None:
        self.body = body

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        chunk = self.body.read(len(buffer))
        buffer[: len(chunk)] = chunk
        return len(chunk)


def _buffered(raw: BinaryIO) -> BinaryIO:
    if isinstance(raw, io.BufferedIOBase):
        return raw
    return io.BufferedReader(_RawReader(raw))


def parse_file(
    source_file: str,
    raw: BinaryIO | bytes,
    call_date: str,
    max_file_bytes: int = 256 * 1024**2,
    max_record_bytes: int = 6 * 200_000 + 65_536,
    options: ReadOptions = DEFAULT_OPTIONS,
) -> Iterator[Transcript | Quarantined]:
    """Everything one landed file holds, read from ``raw`` in bounded pieces."""
    suffix = file_suffix(source_file)
    stream = _buffered(io.BytesIO(raw) if isinstance(raw, bytes) else raw)
    if suffix.endswith(".gz"):
        stream = gzip.GzipFile(fileobj=stream, mode="rb")  # type: ignore[assignment]
        suffix = suffix.removesuffix(".gz")
    try:
        yield from _parse(
            source_file, suffix, stream, call_date, max_file_bytes, max_record_bytes, options
        )
    except _GZIP_ERRORS as exc:
        yield Quarantined(
            source_file, CORRUPT_GZIP, f"gzip stream unreadable ({type(exc).__name__})"
        )


def _parse(
    source_file: str,
    suffix: str,
    stream: BinaryIO,
    call_date: str,
    max_file_bytes: int,
    max_record_bytes: int,
    options: ReadOptions,
) -> Iterator[Transcript | Quarantined]:
    if suffix == ".jsonl":
        lines = _bounded_lines(stream, max_record_bytes)

        def read(rec: object, line: int) -> Transcript | Quarantined:
            return read_object(rec, source_file, call_date, options, "jsonl", line)

        yield from parse_jsonl(source_file, lines, call_date, options.fields, read)
        return
    if suffix not in WHOLE_FILE_SUFFIXES:
        yield Quarantined(
            source_file,
            UNRECOGNIZED_FORMAT,
            f"unsupported file type {suffix or '(none)'}; expected .txt .jsonl .csv .json"
            " (each optionally .gz)",
        )
        return
    raw = stream.read(max_file_bytes + 1)
    if len(raw) > max_file_bytes:
        yield Quarantined(
            source_file,
            FILE_TOO_LARGE,
            f"over {max_file_bytes} bytes (BEDROCK_ASSETS_MAX_LANDING_FILE_BYTES); "
            "split it or land it as JSONL, which streams",
        )
        return
    text = _decode(raw, source_file)
    del raw
    if isinstance(text, Quarantined):
        yield text
        return
    if suffix == ".txt":
        turns = parse_plain_text(text)
        tid = call_id_from_name(source_file)
        if not turns:
            yield Quarantined(source_file, NO_TURNS, "no 'Speaker: utterance' turns found", tid)
        else:
            labelled, role_source = label_roles(turns, options.agent_channel)
            yield Transcript(tid, call_date, source_file, "text", tuple(labelled), role_source)
    elif suffix == ".csv":
        yield from parse_csv(source_file, text, call_date, max_record_bytes, options.fields)
    else:
        try:
            doc = load_json(text)
        except ValueError as exc:
            yield Quarantined(source_file, MALFORMED_JSON, str(exc))
            return
        yield from read_json_document(doc, source_file, call_date, options)
