"""Grounding sources inside ApplyGuardrail's limit (100 text units in us-east-1/us-west-2, 50
elsewhere): a longer transcript is answered with a ValidationException, not a verdict.

A transcript within the limit is sent whole. A longer one is grounded on the passages the
summary draws on: every summary sentence gets its best-matching transcript lines in turn
(round robin, so no sentence loses its evidence to another), each with a few lines of context,
until the budget is spent; the passages keep the call's order. Matching weighs shared words by
their rarity in the call (BM25's idf), so an amount, a date or an order number counts for
much more than "customer". What was done is returned with the text and stored per record
(``grounding_source_strategy``, ``_chars``, ``_windows``): never a silent truncation.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass

FULL = "full"
RELEVANT_WINDOWS = "relevant_windows"
_WORD = re.compile(r"[a-z0-9]+(?:[.,:/-][0-9]+)*")
_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")
_STOP = frozenset(
    "the and for that this with you your was were are have has had not but they them their "
    "from will would could can our out about into just also then than there what when which "
    "who how all any been being did does its it's i'm i've yes okay thank thanks please "
    "customer agent call called".split()
)
MAX_LINE_CHARS = 2000  # longer lines (one-paragraph transcripts) are cut at spaces into pieces


@dataclass(frozen=True)
class GroundingSource:
    text: str
    strategy: str  # FULL or RELEVANT_WINDOWS
    windows: int  # contiguous passages sent (1 for FULL)

    @property
    def chars(self) -> int:
        return len(self.text)


def _terms(text: str) -> list[str]:
    return [
        t for t in _WORD.findall(text.lower()) if t not in _STOP and (len(t) > 2 or t[0].isdigit())
    ]


def _lines(transcript: str) -> list[str]:
    out: list[str] = []
    for line in transcript.splitlines():
        while len(line) > MAX_LINE_CHARS:
            cut = line.rfind(" ", 0, MAX_LINE_CHARS)
            cut = cut if cut > 0 else MAX_LINE_CHARS
            out.append(line[:cut])
            line = line[cut:].lstrip()
        out.append(line)
    return out


def select_grounding_source(
    transcript: str, summary: str, max_chars: int, context_lines: int = 2
) -> GroundingSource:
    """The transcript itself, or the passages of it the summary's sentences are drawn from."""
    if len(transcript) <= max_chars:
        return GroundingSource(transcript, FULL, 1)
    lines = _lines(transcript)
    line_terms = [set(_terms(line)) for line in lines]
    df = Counter(t for terms in line_terms for t in terms)
    n = len(lines)

    def idf(term: str) -> float:
        return math.log(1 + (n - df[term] + 0.5) / (df[term] + 0.5))

    sentences = [set(_terms(s)) for s in _SENTENCE.split(summary)]
    rankings = []
    for sentence in (s for s in sentences if s):
        scored = [
            (sum(idf(t) for t in sentence & terms), -i)
            for i, terms in enumerate(line_terms)
            if sentence & terms
        ]
        rankings.append([-i for _, i in sorted(scored, reverse=True)])
    chosen: set[int] = set()
    used = 0
    for rank in range(max((len(r) for r in rankings), default=0)):
        for ranking in rankings:
            if rank >= len(ranking):
                continue
            window = range(
                max(0, ranking[rank] - context_lines), min(n, ranking[rank] + context_lines + 1)
            )
            new = [i for i in window if i not in chosen]
            cost = sum(len(lines[i]) + 1 for i in new)
            if used + cost > max_chars:
                continue
            chosen.update(new)
            used += cost
    if not chosen:  # nothing in common with the summary: the call's opening, as much as fits
        for i, line in enumerate(lines):
            if used + len(line) + 1 > max_chars:
                break
            chosen.add(i)
            used += len(line) + 1
    order = sorted(chosen)
    windows = 1 + sum(1 for a, b in zip(order, order[1:], strict=False) if b != a + 1)
    return GroundingSource("\n".join(lines[i] for i in order), RELEVANT_WINDOWS, windows)
