"""Retry shards: records that came back with an error (or not at all) are sent again."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from bedrock_assets.batch.shard_files import iter_shard_lines, publish_shard
from bedrock_assets.batch.sharding import Quotas, Record, build_shards, encode_model_input
from bedrock_assets.state.layout import StoreLayout
from bedrock_assets.state.ledger import Ledger, ShardRow
from bedrock_assets.state.objects import ObjectStore

RETRY_INDEX_BASE = 9000


def _lines_for(
    store: ObjectStore, shards: Sequence[ShardRow], wanted: dict[str, tuple[str, str]]
) -> Iterator[Record]:
    """The prepared lines of the wanted records, from the shards that last carried them."""
    remaining = dict(wanted)
    for shard in reversed(shards):
        if not remaining:
            return
        for _, line in iter_shard_lines(store, shard):
            owner = remaining.pop(str(line.get("recordId")), None)
            if owner is not None:
                yield owner[0], owner[1], encode_model_input(line["modelInput"])


def register_retries(
    store: ObjectStore,
    layout: StoreLayout,
    ledger: Ledger,
    quotas: Quotas,
    call_date: str,
    retry: list[dict[str, Any]],
    shards: Sequence[ShardRow],
    default_model_id: str,
) -> list[ShardRow]:
    """Write retry shards for ``retry`` rows and register them (idempotently) as pending, or
    held when below the job minimum (then they wait for later days or go on demand)."""
    if not retry:
        return []
    round_no = max(r["attempts"] for r in retry)
    wanted = {r["record_id"]: (call_date, r["transcript_id"]) for r in retry}
    rows: list[ShardRow] = []
    dates: dict[str, dict[str, int]] = {}
    prompt_version = shards[-1].prompt_version if shards else ""
    request_version = shards[-1].request_version if shards else ""
    model_id = shards[-1].model_id if shards else default_model_id
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
            dates[shard.shard_id] = dict(shard.dates)
            rows.append(
                publish_shard(
                    store,
                    layout,
                    call_date,
                    shard,
                    model_id,
                    prompt_version,
                    kind="retry",
                    request_version=request_version,
                )
            )
    ledger.add_retry_shards(call_date, rows, dates)
    return rows
