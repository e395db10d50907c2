"""A day's landing area -> the transcripts table and the quarantine table.

Every file is parsed on its own; every call is accepted (one row in ``transcripts``) or
quarantined (one row in ``quarantine``, with a reason code), so ``landed`` counts both.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass, field

from bedrock_assets.ingest.checks import Deduplicator, check_length
from bedrock_assets.ingest.landing import LandingEntry, file_suffix, list_landing
from bedrock_assets.ingest.options import DEFAULT_OPTIONS, ReadOptions
from bedrock_assets.ingest.parse import WHOLE_FILE_SUFFIXES, parse_file
from bedrock_assets.ingest.records import (
    FILE_TOO_LARGE,
    INVALID_UNICODE,
    NO_TURNS,
    UNREADABLE_FILE,
    Quarantined,
    Transcript,
)
from bedrock_assets.markdown import md_counts
from bedrock_assets.state.layout import StoreLayout
from bedrock_assets.state.objects import ObjectStore
from bedrock_assets.state.schemas import QUARANTINE, TRANSCRIPTS
from bedrock_assets.state.tables import TableWriter


@dataclass
class IngestResult:
    call_date: str
    landing: str
    files: int = 0
    accepted: int = 0
    quarantined: int = 0
    characters: int = 0
    reasons: Counter[str] = field(default_factory=Counter)
    formats: Counter[str] = field(default_factory=Counter)
    role_sources: Counter[str] = field(default_factory=Counter)
    transcripts_table: str = ""
    quarantine_table: str = ""
    warnings: list[str] = field(default_factory=list)

    @property
    def landed(self) -> int:
        return self.accepted + self.quarantined

    def summary(self) -> dict[str, object]:
        return {
            "landed": self.landed,
            "accepted": self.accepted,
            "quarantined": self.quarantined,
            "files": self.files,
            "characters": self.characters,
            "quarantine_reasons": md_counts(["reason", "count"], self.reasons),
            "formats": dict(self.formats),
            "role_sources": dict(self.role_sources),
            "transcripts_table": self.transcripts_table,
            "quarantine_table": self.quarantine_table,
        }


def ingest_day(
    store: ObjectStore,
    layout: StoreLayout,
    call_date: str,
    max_chars: int,
    max_file_bytes: int = 256 * 1024**2,
    options: ReadOptions = DEFAULT_OPTIONS,
) -> IngestResult:
    """Read every file of the day's landing area into the two tables (streaming, row groups)."""
    landing = layout.landing(call_date)
    result = IngestResult(
        call_date=call_date,
        landing=landing,
        transcripts_table=layout.table("transcripts", call_date),
        quarantine_table=layout.table("quarantine", call_date),
    )
    entries = list_landing(store, landing)
    result.files = len(entries)
    if not entries:
        result.warnings.append(
            f"landing area {landing} is empty or missing: nothing landed for {call_date}"
        )
    dedup = Deduplicator()
    with (
        TableWriter(store, result.transcripts_table, TRANSCRIPTS) as good,
        TableWriter(store, result.quarantine_table, QUARANTINE) as bad,
    ):
        for entry in entries:
            items = read_entry(store, entry, call_date, max_chars, max_file_bytes, options)
            for item in items:
                if not isinstance(item, Quarantined):
                    item = (
                        check_unicode(item)
                        or check_length(item, max_chars)
                        or dedup.check(item)
                        or item
                    )
                if isinstance(item, Quarantined):
                    result.reasons[item.reason] += 1
                    bad.write(
                        {
                            "call_date": call_date,
                            "source_file": entry.identity,
                            "line": item.line,
                            "transcript_id": _storable(item.transcript_id),
                            "reason": item.reason,
                            "detail": _storable(item.detail),
                        }
                    )
                    result.warnings.append(
                        f"quarantined {entry.identity}"
                        f"{f':{item.line}' if item.line else ''}: {item.reason}"
                    )
                    continue
                text = item.text
                result.characters += len(text)
                result.formats[item.source_format] += 1
                result.role_sources[item.role_source] += 1
                good.write(
                    {
                        "transcript_id": item.transcript_id,
                        "call_date": call_date,
                        "source_file": entry.identity,
                        "source_format": item.source_format,
                        "role_source": item.role_source,
                        "transcript": text,
                        "turn_count": len(item.turns),
                        "char_count": len(text),
                        "content_sha256": item.content_sha256,
                    }
                )
    result.accepted, result.quarantined = good.count, bad.count
    return result


def read_entry(
    store: ObjectStore,
    entry: LandingEntry,
    call_date: str,
    max_chars: int,
    max_file_bytes: int,
    options: ReadOptions = DEFAULT_OPTIONS,
) -> Iterator[Transcript | Quarantined]:
    """One landed object, in isolation: whatever goes wrong reading it becomes a quarantine
    record for that file and the day goes on. A file always yields at least one record."""
    name = entry.name
    if entry.problem:
        yield Quarantined(name, entry.problem, entry.detail)
        return
    yielded = 0
    try:
        suffix = file_suffix(name)
        if suffix in WHOLE_FILE_SUFFIXES and store.size(entry.uri) > max_file_bytes:
            yield Quarantined(
                name,
                FILE_TOO_LARGE,
                f"over {max_file_bytes} bytes (BEDROCK_ASSETS_MAX_LANDING_FILE_BYTES)",
            )
            return
        # Escaped JSON may spend up to 6 bytes per character (\uXXXX).
        max_record_bytes = 6 * max_chars + 65_536
        with closing(store.open_binary(entry.uri)) as raw:
            items = parse_file(name, raw, call_date, max_file_bytes, max_record_bytes, options)
            for item in items:
                yielded += 1
                yield item
    except Exception as exc:  # noqa: BLE001 - one file must never fail the day
        yielded += 1
        yield Quarantined(
            name,
            UNREADABLE_FILE,
            f"{type(exc).__name__} while reading the file (after {yielded - 1} records)",
        )
    if not yielded:
        yield Quarantined(name, NO_TURNS, "file holds no calls")


def check_unicode(t: Transcript) -> Quarantined | None:
    """Text that cannot be stored as UTF-8 (a lone surrogate such as ``\\ud800``)."""
    try:
        t.text.encode("utf-8")
        t.transcript_id.encode("utf-8")
    except UnicodeEncodeError as exc:
        return Quarantined(
            t.source_file,
            INVALID_UNICODE,
            f"text holds an unpaired surrogate at character {exc.start}",
            _storable(t.transcript_id),
        )
    return None


def _storable(value: str | None) -> str | None:
    """A string the tables can hold (lone surrogates escaped)."""
    if value is None:
        return None
    return value.encode("utf-8", "backslashreplace").decode("utf-8")
