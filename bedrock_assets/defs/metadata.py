"""Domain results -> Dagster metadata (the only place that knows Dagster's metadata types)."""

from collections.abc import Iterable, Mapping
from typing import Any

from dagster import MetadataValue

from bedrock_assets.reporting.markdown import Markdown

GROUP = "call_summaries"


def to_metadata(values: Mapping[str, Any]) -> dict[str, Any]:
    """Plain values as they are; :class:`Markdown` rendered as Markdown."""
    return {k: MetadataValue.md(v) if isinstance(v, Markdown) else v for k, v in values.items()}


def log_all(log: Any, info: Iterable[str] = (), warnings: Iterable[str] = ()) -> None:
    for line in info:
        log.info(line)
    for line in warnings:
        log.warning(line)
