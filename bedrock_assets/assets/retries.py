"""Retry shards: records that came back with an error (or not at all) are sent again."""

import json
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from bedrock_assets.assets.common import table
from bedrock_assets.core.ledger import Ledger, ShardRow
from bedrock_assets.core.sharding import build_shards, encode_model_input
from bedrock_assets.core.storage import ObjectStore, join_uri
from bedrock_assets.core.tables import RECORD_MAP, write_rows
from bedrock_assets.resources import quotas_from
from bedrock_assets.settings import Settings

RETRY_INDEX_BASE = 9000


def _lines_for(
    store: ObjectStore, shards: Sequence[ShardRow], wanted: dict[str, tuple[str, str]]
) -> Iterator[tuple[str, str, bytes]]:
    """The prepared lines of the wanted records, from the shards that last carried them."""
    remaining = dict(wanted)
    for shard in reversed(shards):
        if not remaining:
            return
        for uri in store.list_uris(shard.input_uri):
            if not uri.endswith(".jsonl"):
                continue
            for raw in store.iter_lines(uri):
                if not raw.strip():
                    continue
                line = json.loads(raw)
                owner = remaining.pop(line.get("recordId"), None)
                if owner is not None:
                    yield owner[0], owner[1], encode_model_input(line["modelInput"])


def register_retries(
    store: ObjectStore,
    settings: Settings,
    ledger: Ledger,
    call_date: str,
    retry: list[dict[str, Any]],
    shards: Sequence[ShardRow],
) -> list[ShardRow]:
    """Write retry shards for ``retry`` rows and register them (idempotently) as pending, or
    held when below the job minimum (then they wait for later days or go on demand)."""
    if not retry:
        return []
    quotas = quotas_from(settings)
    round_no = max(r["attempts"] for r in retry)
    wanted = {r["record_id"]: (call_date, r["transcript_id"]) for r in retry}
    rows: list[ShardRow] = []
    dates: dict[str, dict[str, int]] = {}
    prompt_version = shards[-1].prompt_version if shards else ""
    with tempfile.TemporaryDirectory(prefix="retry-") as workdir:
        built = build_shards(
            _lines_for(store, shards, wanted),
            call_date,
            quotas,
            quotas.max_records_per_job,
            Path(workdir),
        )
        for k, shard in enumerate(built):
            shard.index = RETRY_INDEX_BASE + round_no * 100 + k
            input_uri = settings.s3_uri(settings.input_prefix, call_date, shard.shard_id) + "/"
            for f in shard.files:
                store.upload_file(f.path, join_uri(input_uri, f.name))
            write_rows(
                store,
                table(settings, f"record_map/{call_date}", shard.shard_id),
                RECORD_MAP,
                (
                    {
                        "record_id": r,
                        "call_date": d,
                        "transcript_id": t,
                        "shard_id": shard.shard_id,
                        "file_name": fn,
                        "line": ln,
                    }
                    for r, d, t, fn, ln in shard.record_map
                ),
            )
            dates[shard.shard_id] = dict(shard.dates)
            rows.append(
                ShardRow(
                    shard_id=shard.shard_id,
                    call_date=call_date,
                    shard_index=shard.index,
                    model_id=shards[-1].model_id if shards else settings.model_id,
                    input_uri=input_uri,
                    output_uri=settings.s3_uri(settings.output_prefix, call_date, shard.shard_id)
                    + "/",
                    record_count=shard.records,
                    byte_count=shard.bytes,
                    file_count=len(shard.files),
                    prompt_version=prompt_version,
                    state="held" if shard.below_minimum else "pending",
                    kind="retry",
                )
            )
    ledger.add_retry_shards(call_date, rows, dates)
    return rows
