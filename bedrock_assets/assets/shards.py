"""batch_input_shards: responsible-prompt JSONL shards within every batch quota."""

import hashlib
import json
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from dagster import (
    AssetExecutionContext,
    DataVersion,
    MaterializeResult,
    MetadataValue,
    asset,
)

from bedrock_assets.assets.common import (
    GROUP,
    load_record_map,
    md_table,
    publish_shard,
    table,
)
from bedrock_assets.assets.ingest import raw_transcripts
from bedrock_assets.core.ledger import ShardRow
from bedrock_assets.core.model_families import build_body, family_of
from bedrock_assets.core.prompt import load_prompt
from bedrock_assets.core.sharding import encode_model_input, plan_and_build
from bedrock_assets.core.storage import ObjectStore
from bedrock_assets.core.tables import iter_rows
from bedrock_assets.local.guardrail_engine import mask_pii
from bedrock_assets.partitions import daily_partitions
from bedrock_assets.resources import (
    LedgerResource,
    ObjectStoreResource,
    quotas_from,
    quotas_in_force,
)
from bedrock_assets.settings import Settings, get_settings


@asset(
    partitions_def=daily_partitions,
    group_name=GROUP,
    deps=[raw_transcripts],
    # The rendered prompt's hash: a change of guidelines marks the shards (and everything
    # downstream) as changed in the UI.
    code_version=load_prompt(get_settings().guidelines).version,
    kinds={"s3", "bedrock"},
    description=(
        "Bedrock batch input: one JSONL line {recordId, modelInput} per transcript, with the "
        "versioned responsible-summarization prompt, split into shards (one batch job each) "
        "that respect the minimum/maximum records per job, records and bytes per file, and "
        "bytes per job. Each shard is registered as a pending job in the ledger; the "
        "batch_job_slots sensor submits it."
    ),
)
def batch_input_shards(
    context: AssetExecutionContext, object_store: ObjectStoreResource, ledger: LedgerResource
) -> MaterializeResult:
    settings = get_settings()
    store = object_store.get_store()
    call_date = context.partition_key
    prompt = load_prompt(settings.guidelines)
    quotas = quotas_from(settings)
    transcripts = table(settings, "transcripts", call_date)

    family = family_of(settings.model_id, settings.model_invocation_type)
    led = ledger.get_ledger()
    carried = [
        h
        for h in led.carry_candidates(call_date, settings.model_id)
        if settings.below_minimum_policy == "wait"
        and h.prompt_version == prompt.version
        and time.time() < settings.below_minimum_deadline(led.oldest_date(h.shard_id))
    ]

    def source() -> Iterator[tuple[str, str, bytes]]:
        for held in carried:  # earlier days' held records ride along, oldest first
            yield from held_records(store, settings, held)
        for row in iter_rows(store, transcripts, columns=["transcript_id", "transcript"]):
            text = mask_pii(row["transcript"]) if settings.redact_input else row["transcript"]
            body = build_body(family, prompt, text, settings.max_tokens, settings.temperature)
            yield call_date, row["transcript_id"], encode_model_input(body)

    rows: list[ShardRow] = []
    dates: dict[str, dict[str, int]] = {}
    with tempfile.TemporaryDirectory(prefix="shards-") as workdir:
        for shard in plan_and_build(source, call_date, quotas, Path(workdir)):
            dates[shard.shard_id] = dict(shard.dates)
            rows.append(
                publish_shard(store, settings, call_date, shard, settings.model_id, prompt.version)
            )
            shard.record_map.clear()
    changes = led.register_partition(call_date, rows, dates, absorbed=[h.shard_id for h in carried])
    for held in carried:
        context.log.info(
            f"carried {held.record_count} held records of {held.call_date} "
            f"({held.shard_id}) into {call_date}'s jobs"
        )
    for old in led.shards_for_date(call_date, include_superseded=True):
        if old.state == "superseded":
            store.delete_prefix(old.input_uri)
    held = [r for r in rows if r.state == "held"]
    for r in held:
        context.log.warning(
            f"shard {r.shard_id} holds {r.record_count} records, below the "
            f"{quotas.min_records_per_job}-record job minimum: held, not submitted"
        )
    records = sum(r.record_count for r in rows)
    version = hashlib.sha256(
        (prompt.version + "|" + "|".join(r.shard_id for r in rows)).encode()
    ).hexdigest()[:16]
    context.log.info(
        f"{call_date}: {records} records in {len(rows)} shards ({len(held)} held); ledger {changes}"
    )
    return MaterializeResult(
        data_version=DataVersion(version),
        metadata={
            "records": records,
            "shards": len(rows),
            "held_shards": len(held),
            "held_records": sum(r.record_count for r in held),
            "bytes": sum(r.byte_count for r in rows),
            "prompt_version": prompt.version,
            "guidelines": ", ".join(prompt.guidelines),
            "model_id": settings.model_id,
            "request_format": family,
            "quotas": quotas.as_metadata(),
            "quota_sources": quotas_in_force(settings).sources,
            "ledger_changes": changes,
            "carried_records": sum(h.record_count for h in carried),
            "below_minimum_policy": settings.below_minimum_policy,
            "input_redacted": settings.redact_input,
            "shard_table": MetadataValue.md(
                md_table(
                    ["shard", "records", "files", "bytes", "state"],
                    [
                        (r.shard_id, r.record_count, r.file_count, r.byte_count, r.state)
                        for r in rows[:50]
                    ],
                )
            ),
        },
    )


def held_records(
    store: ObjectStore, settings: Settings, held: ShardRow
) -> Iterator[tuple[str, str, bytes]]:
    """A held shard's records as ``(call date, transcript id, modelInput)``, as prepared."""
    owners = load_record_map(store, settings, held)
    for uri in store.list_uris(held.input_uri):
        for raw in store.iter_lines(uri):
            if raw.strip():
                line = json.loads(raw)
                day, tid = owners[line["recordId"]]
                yield day, tid, encode_model_input(line["modelInput"])
