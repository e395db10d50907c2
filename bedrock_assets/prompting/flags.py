"""The model's responsible-behaviour flags: a fixed last line ``FLAGS: a, b`` or ``FLAGS: none``.

Parsed into a column and removed from the summary text, so the guardrail and the readers see
the summary alone and the review queue sees the flags.
"""

from __future__ import annotations

import re

FLAG_NAMES = ("threat", "self_harm", "discrimination", "fraud_attempt")
NOT_REPORTED = "not_reported"
_LINE = re.compile(r"^\s*FLAGS\s*:\s*(.*?)\s*$", re.IGNORECASE | re.MULTILINE)


def split_flags(text: str) -> tuple[str, str]:
    """``(summary without the FLAGS line, "none" | "threat,fraud_attempt" | not_reported)``.

    Unknown words on the line are kept as ``other`` rather than dropped.
    """
    matches = list(_LINE.finditer(text))
    if not matches:
        return text.strip(), NOT_REPORTED
    last = matches[-1]
    summary = (text[: last.start()] + text[last.end() :]).strip()
    words = [
        w.strip().lower().replace("-", "_").replace(" ", "_")
        for w in last.group(1).split(",")
        if w.strip()
    ]
    if not words or words == ["none"]:
        return summary, "none"
    found = sorted({w if w in FLAG_NAMES else "other" for w in words if w != "none"})
    return summary, ",".join(found) or "none"


def flag_names(value: str | None) -> list[str]:
    """The concerns a stored ``behavior_flags`` value names (none for ``none`` or
    ``not_reported``)."""
    return [f for f in (value or "").split(",") if f and f not in ("none", NOT_REPORTED)]


def is_flagged(value: str | None) -> bool:
    """The one definition of a model-flagged summary: it names at least one concern."""
    return bool(flag_names(value))
