"""Markdown for humans: tables in metadata and the system card."""

from __future__ import annotations

from collections.abc import Iterable, Sequence


class Markdown(str):
    """Text meant to be rendered as Markdown (the Dagster layer shows it as such)."""


def md_table(header: Sequence[str], rows: Iterable[Sequence[object]]) -> Markdown:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return Markdown("\n".join(lines))


def md_counts(header: Sequence[str], counts: dict[str, int]) -> Markdown:
    """A two-column table of counts, or ``none``."""
    return md_table(header, sorted(counts.items())) if counts else Markdown("none")
