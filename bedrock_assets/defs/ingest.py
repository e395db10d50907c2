"""raw_transcripts: the day's landing area, normalised to one row per call, or quarantined."""

from dagster import (
    AssetExecutionContext,
    AssetsDefinition,
    MaterializeResult,
    asset,
)

from bedrock_assets.defs.conventions import INGEST, Conventions, table_metadata
from bedrock_assets.defs.metadata import log_all, to_metadata
from bedrock_assets.defs.resources import IngestResource, ObjectStoreResource
from bedrock_assets.ingest.day import ingest_day
from bedrock_assets.state.schemas import TRANSCRIPTS


def build_ingest_assets(conv: Conventions) -> list[AssetsDefinition]:
    @asset(
        **conv.asset(INGEST),
        kinds={"s3", "parquet"},
        description=(
            "The day's call transcripts from the landing area (plain text, JSONL, CSV, Amazon "
            "Transcribe standard/stereo/Call Analytics, Contact Lens voice and chat, Post Call "
            "Analytics and Bedrock Data Automation audio JSON, each optionally gzip-compressed), "
            "normalised to one row per call with Agent/Customer roles where they can be known; "
            "the reader of each call is its source_format. "
            "Every landed file is accounted for: empty, non-UTF-8, malformed, unrecognised, "
            "turn-less, too long, duplicate and unreadable inputs, temporary files and stray "
            "symlinks go to the quarantine table with a reason, files named by a digest."
        ),
    )
    def raw_transcripts(
        context: AssetExecutionContext, object_store: ObjectStoreResource, ingest: IngestResource
    ) -> MaterializeResult:
        day = ingest_day(
            object_store.get_store(),
            object_store.layout(),
            context.partition_key,
            ingest.max_transcript_chars,
            ingest.max_landing_file_bytes,
            ingest.read_options(),
        )
        log_all(context.log, warnings=day.warnings)
        context.log.info(
            f"{day.call_date}: {day.landed} landed, {day.accepted} accepted, "
            f"{day.quarantined} quarantined from {day.files} files"
        )
        where = object_store.locate(day.transcripts_table)
        return MaterializeResult(
            metadata=to_metadata(
                {**day.summary(), **table_metadata(where, day.accepted, TRANSCRIPTS)}
            )
        )

    return [raw_transcripts]
