"""Small helpers shared by the assets (table locations, markdown tables)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from bedrock_assets.core.ledger import ShardRow
from bedrock_assets.core.storage import ObjectStore
from bedrock_assets.core.tables import iter_rows, table_uri
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
