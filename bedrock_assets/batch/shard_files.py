"""A shard's files in the object store: its JSONL input, and its record map.

The record map (``tables/record_map/<date>/<shard>.parquet``) says which call each recordId
stands for; the input lines are read back by one reader wherever they are needed again
(held records carried into a later day, retries, the on-demand path).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pyarrow as pa

from bedrock_assets.batch.sharding import Shard
from bedrock_assets.state.layout import StoreLayout
from bedrock_assets.state.ledger import ShardRow
from bedrock_assets.state.objects import ObjectStore, join_uri
from bedrock_assets.state.schemas import RECORD_MAP
from bedrock_assets.state.tables import iter_rows, write_arrow

INPUT_SUFFIX = ".jsonl"


def record_map_uri(layout: StoreLayout, shard: ShardRow | Shard, call_date: str) -> str:
    return layout.table(f"record_map/{call_date}", shard.shard_id)


def record_map_table(shard: Shard) -> pa.Table:
    """The shard's record map as columns (built straight from its tuples: one job's worth)."""
    rids, dates, tids, files, lines = (list(c) for c in zip(*shard.record_map, strict=True))
    columns = [rids, dates, tids, [shard.shard_id] * len(rids), files, lines]
    return pa.Table.from_arrays(
        [pa.array(c, type=f.type) for c, f in zip(columns, RECORD_MAP, strict=True)],
        schema=RECORD_MAP,
    )


def publish_shard(
    store: ObjectStore,
    layout: StoreLayout,
    call_date: str,
    shard: Shard,
    model_id: str,
    prompt_version: str,
    kind: str = "input",
    request_version: str = "",
) -> ShardRow:
    """Upload a built shard's files and record map; the ledger row that describes it.

    Held (``below_minimum``) shards are published too: their records wait or go on demand.
    """
    input_uri = layout.shard_input(call_date, shard.shard_id)
    for f in shard.files:
        store.move_file(f.path, join_uri(input_uri, f.name))
    write_arrow(store, record_map_uri(layout, shard, call_date), record_map_table(shard))
    row = ShardRow(
        shard_id=shard.shard_id,
        call_date=call_date,
        shard_index=shard.index,
        model_id=model_id,
        input_uri=input_uri,
        output_uri=layout.shard_output(call_date, shard.shard_id),
        record_count=shard.records,
        byte_count=shard.bytes,
        file_count=len(shard.files),
        prompt_version=prompt_version,
        state="held" if shard.below_minimum else "pending",
        kind=kind,
        request_version=request_version,
        created_at=time.time(),
    )
    store.put_bytes(layout.shard_manifest(call_date, shard.shard_id), manifest_bytes(row))
    return row


# What a shard manifest keeps: the registration, not the job's later life (Bedrock has that).
MANIFEST_FIELDS = (
    "shard_id",
    "call_date",
    "shard_index",
    "model_id",
    "input_uri",
    "output_uri",
    "record_count",
    "byte_count",
    "file_count",
    "prompt_version",
    "state",
    "kind",
    "request_version",
    "created_at",
)


def manifest_bytes(row: ShardRow) -> bytes:
    return json.dumps({k: getattr(row, k) for k in MANIFEST_FIELDS}, sort_keys=True).encode()


def read_manifest(store: ObjectStore, uri: str) -> ShardRow:
    values = json.loads(store.read_bytes(uri))
    return ShardRow(**{k: values[k] for k in MANIFEST_FIELDS if k in values})


def load_record_map(
    store: ObjectStore, layout: StoreLayout, shard: ShardRow
) -> dict[str, tuple[str, str]]:
    """``recordId -> (call date, transcript id)`` for one shard (bounded by the job size)."""
    return {
        r["record_id"]: (r["call_date"], r["transcript_id"])
        for r in iter_rows(
            store,
            record_map_uri(layout, shard, shard.call_date),
            columns=["record_id", "call_date", "transcript_id"],
        )
    }


def iter_shard_lines(store: ObjectStore, shard: ShardRow) -> Iterator[tuple[str, dict[str, Any]]]:
    """``(input file name, {"recordId", "modelInput"})`` for every line of a shard, in order."""
    for uri in store.list_uris(shard.input_uri):
        if not uri.endswith(INPUT_SUFFIX):
            continue
        name = uri.rsplit("/", 1)[-1]
        for raw in store.iter_lines(uri):
            if raw.strip():
                yield name, json.loads(raw)
