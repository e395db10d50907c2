"""Plain-text transcripts: ``Speaker: utterance`` lines."""

from __future__ import annotations

import re

# One home for what a speaker label looks like (ingest and the local model read it alike).
SPEAKER_LINE = re.compile(r"^\s*([A-Za-z][A-Za-z0-9 _.'()-]{0,39}?)\s*:\s*(.*)$")


def parse_plain_text(text: str) -> list[tuple[str, str]]:
    """``Speaker: utterance`` lines; a line without a speaker continues the previous turn."""
    turns: list[tuple[str, str]] = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        match = SPEAKER_LINE.match(line)
        if match and match.group(2).strip():
            turns.append((match.group(1).strip(), match.group(2).strip()))
        elif match and not match.group(2).strip():
            continue
        elif turns:
            speaker, utterance = turns[-1]
            turns[-1] = (speaker, f"{utterance} {line}")
    return turns
