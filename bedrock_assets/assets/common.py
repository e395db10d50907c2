"""Small helpers shared by the assets (table locations, markdown tables)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from bedrock_assets.core.ledger import ShardRow
from bedrock_assets.core.sharding import Shard
from bedrock_assets.core.storage import ObjectStore, join_uri
from bedrock_assets.core.tables import RECORD_MAP, iter_rows, table_uri, write_rows
from bedrock_assets.settings import Settings

GROUP = "call_summaries"


def table(settings: Settings, name: str, call_date: str) -> str:
    return table_uri(settings.s3_uri(settings.tables_prefix), name, call_date)


def md_table(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def load_record_map(
    store: ObjectStore, settings: Settings, shard: ShardRow
) -> dict[str, tuple[str, str]]:
    """``recordId -> (call date, transcript id)`` for one shard (bounded by the job size)."""
    return {
        r["record_id"]: (r["call_date"], r["transcript_id"])
        for r in iter_rows(
            store,
            table(settings, f"record_map/{shard.call_date}", shard.shard_id),
            columns=["record_id", "call_date", "transcript_id"],
        )
    }


def publish_shard(
    store: ObjectStore,
    settings: Settings,
    call_date: str,
    shard: Shard,
    model_id: str,
    prompt_version: str,
    kind: str = "input",
) -> ShardRow:
    """Upload a built shard's files and record map; the ledger row that describes it.

    Held (``below_minimum``) shards are published too: their records wait or go on demand.
    """
    input_uri = settings.s3_uri(settings.input_prefix, call_date, shard.shard_id) + "/"
    for f in shard.files:
        store.upload_file(f.path, join_uri(input_uri, f.name))
        f.path.unlink()
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
    return ShardRow(
        shard_id=shard.shard_id,
        call_date=call_date,
        shard_index=shard.index,
        model_id=model_id,
        input_uri=input_uri,
        output_uri=settings.s3_uri(settings.output_prefix, call_date, shard.shard_id) + "/",
        record_count=shard.records,
        byte_count=shard.bytes,
        file_count=len(shard.files),
        prompt_version=prompt_version,
        state="held" if shard.below_minimum else "pending",
        kind=kind,
    )
