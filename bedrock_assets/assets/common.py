"""Small helpers shared by the assets (table locations, markdown tables)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from bedrock_assets.core.tables import table_uri
from bedrock_assets.settings import Settings

GROUP = "call_summaries"


def table(settings: Settings, name: str, call_date: str) -> str:
    return table_uri(settings.s3_uri(settings.tables_prefix), name, call_date)


def md_table(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)
