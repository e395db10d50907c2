"""A day's landing area -> the transcripts table and the quarantine table.

Every file is parsed on its own; every call is accepted (one row in ``transcripts``) or
quarantined (one row in ``quarantine``, with a reason code), so ``landed`` counts both.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from bedrock_assets.ingest.checks import Deduplicator, check_length
from bedrock_assets.ingest.parse import parse_file
from bedrock_assets.ingest.records import Quarantined
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
            "transcripts_table": self.transcripts_table,
            "quarantine_table": self.quarantine_table,
        }


def ingest_day(
    store: ObjectStore, layout: StoreLayout, call_date: str, max_chars: int
) -> IngestResult:
    """Read every file of the day's landing area into the two tables (streaming, row groups)."""
    landing = layout.landing(call_date)
    result = IngestResult(
        call_date=call_date,
        landing=landing,
        transcripts_table=layout.table("transcripts", call_date),
        quarantine_table=layout.table("quarantine", call_date),
    )
    files = store.list_uris(landing)
    result.files = len(files)
    if not files:
        result.warnings.append(
            f"landing area {landing} is empty or missing: nothing landed for {call_date}"
        )
    dedup = Deduplicator()
    with (
        TableWriter(store, result.transcripts_table, TRANSCRIPTS) as good,
        TableWriter(store, result.quarantine_table, QUARANTINE) as bad,
    ):
        for uri in files:
            name = uri[len(landing) :]
            data = store.iter_lines(uri) if uri.endswith(".jsonl") else store.read_bytes(uri)
            for item in parse_file(name, data, call_date):
                if not isinstance(item, Quarantined):
                    item = check_length(item, max_chars) or dedup.check(item) or item
                if isinstance(item, Quarantined):
                    result.reasons[item.reason] += 1
                    bad.write(
                        {
                            "call_date": call_date,
                            "source_file": item.source_file,
                            "line": item.line,
                            "transcript_id": item.transcript_id,
                            "reason": item.reason,
                            "detail": item.detail,
                        }
                    )
                    result.warnings.append(
                        f"quarantined {item.source_file}"
                        f"{f':{item.line}' if item.line else ''}: {item.reason}"
                    )
                    continue
                text = item.text
                result.characters += len(text)
                result.formats[item.source_format] += 1
                good.write(
                    {
                        "transcript_id": item.transcript_id,
                        "call_date": call_date,
                        "source_file": item.source_file,
                        "source_format": item.source_format,
                        "transcript": text,
                        "turn_count": len(item.turns),
                        "char_count": len(text),
                        "content_sha256": item.content_sha256,
                    }
                )
    result.accepted, result.quarantined = good.count, bad.count
    return result
