"""raw_transcripts: the day's landing area, normalised to one row per call, or quarantined."""

from collections import Counter

from dagster import AssetExecutionContext, MaterializeResult, MetadataValue, asset

from bedrock_assets.assets.common import GROUP, md_table, table
from bedrock_assets.core.tables import QUARANTINE, TRANSCRIPTS, TableWriter
from bedrock_assets.core.transcripts import (
    Deduplicator,
    Quarantined,
    check_length,
    parse_file,
)
from bedrock_assets.partitions import daily_partitions
from bedrock_assets.resources import ObjectStoreResource
from bedrock_assets.settings import get_settings


@asset(
    partitions_def=daily_partitions,
    group_name=GROUP,
    kinds={"s3", "parquet"},
    description=(
        "The day's call transcripts from the landing area (plain text, JSONL, CSV, Amazon "
        "Transcribe JSON), normalised to one row per call. Empty, non-UTF-8, malformed, "
        "unrecognised, turn-less, too long and duplicate inputs go to the quarantine table "
        "with a reason."
    ),
)
def raw_transcripts(
    context: AssetExecutionContext, object_store: ObjectStoreResource
) -> MaterializeResult:
    settings = get_settings()
    store = object_store.get_store()
    call_date = context.partition_key
    landing = settings.s3_uri(settings.landing_prefix, call_date) + "/"
    files = store.list_uris(landing)
    if not files:
        context.log.warning(
            f"landing area {landing} is empty or missing: nothing landed for {call_date}"
        )
    dedup = Deduplicator()
    reasons: Counter[str] = Counter()
    formats: Counter[str] = Counter()
    chars = 0
    with (
        TableWriter(store, table(settings, "transcripts", call_date), TRANSCRIPTS) as good,
        TableWriter(store, table(settings, "quarantine", call_date), QUARANTINE) as bad,
    ):
        for uri in files:
            name = uri[len(landing) :]
            data = store.iter_lines(uri) if uri.endswith(".jsonl") else store.read_bytes(uri)
            for item in parse_file(name, data, call_date):
                if not isinstance(item, Quarantined):
                    item = (
                        check_length(item, settings.max_transcript_chars)
                        or dedup.check(item)
                        or item
                    )
                if isinstance(item, Quarantined):
                    reasons[item.reason] += 1
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
                    context.log.warning(
                        f"quarantined {item.source_file}"
                        f"{f':{item.line}' if item.line else ''}: {item.reason}"
                    )
                    continue
                text = item.text
                chars += len(text)
                formats[item.source_format] += 1
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
    landed = good.count + bad.count
    context.log.info(
        f"{call_date}: {landed} landed, {good.count} accepted, "
        f"{bad.count} quarantined from {len(files)} files"
    )
    return MaterializeResult(
        metadata={
            "landed": landed,
            "accepted": good.count,
            "quarantined": bad.count,
            "files": len(files),
            "characters": chars,
            "quarantine_reasons": MetadataValue.md(
                md_table(["reason", "count"], sorted(reasons.items())) if reasons else "none"
            ),
            "formats": dict(formats),
            "transcripts_table": table(settings, "transcripts", call_date),
            "quarantine_table": table(settings, "quarantine", call_date),
        }
    )
