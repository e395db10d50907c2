"""The baseline for benchmarks/grounding_eval.py: the local guardrail's grounding scorer as it
was before issue 13 (per-sentence word overlap with the call), kept only to be measured
beside the current one in the same run.

Per sentence, the share of content words found in the source (numbers weigh triple); a
sentence stating a number, amount, date, id or proper name absent from the source is capped.
"""

from __future__ import annotations

import re

PLACEHOLDER = re.compile(r"\{[A-Z_]+\}")
_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9'$.%-]*[A-Za-z0-9%]|[A-Za-z0-9]")
_STOP = frozenset(
    """
a an the and or but if of to in on at by for with about as is are was were be been being it its
this that these those i you he she they we me him her them my your his their our there here
from into out up down over under again then than so very can could would should will shall may
might must do does did done have has had having not no yes please thank thanks just also
call called calling caller customer agent summary summarized following responded ended saying
said says asked explained mentioned discussed regarding which who whom what when where why how
""".split()
)


def content_tokens(text: str) -> list[str]:
    text = PLACEHOLDER.sub(" ", text)
    return [w.lower().strip(".") for w in _WORD.findall(text) if w.lower() not in _STOP]


_SENTENCE_SPLIT = re.compile(r"(?<=[.!?])\s+|\n+")
_PROPER = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][a-z]{2,}\b")
UNSUPPORTED_FACT_CAP = 0.4


def _sentence_score(sentence: str, source_tokens: set[str], source_lower: str) -> float | None:
    tokens = content_tokens(sentence)
    if not tokens:
        return None
    weight = found = 0.0
    unsupported_fact = False
    for tok in tokens:
        numeric = any(c.isdigit() for c in tok)
        w = 3.0 if numeric else 1.0
        weight += w
        if tok in source_tokens:
            found += w
        elif numeric:
            unsupported_fact = True
    for proper in _PROPER.findall(PLACEHOLDER.sub(" ", sentence)):
        if proper.lower() not in source_lower and proper.lower() not in _STOP:
            unsupported_fact = True
    score = found / weight
    return min(score, UNSUPPORTED_FACT_CAP) if unsupported_fact else score


def grounding_score(response: str, source: str) -> float:
    """How well the least-supported sentence of ``response`` is supported by ``source``.

    Per sentence: the share of content words found in the source (numbers weigh triple);
    a sentence stating a number, amount, date, id or proper name absent from the source is
    capped at 0.4. The response scores as its weakest sentence, so one invented fact is
    enough to fall below a grounding threshold.
    """
    source_tokens = set(content_tokens(source))
    source_lower = source.lower()
    scores = [
        score
        for sentence in _SENTENCE_SPLIT.split(response)
        if (score := _sentence_score(sentence, source_tokens, source_lower)) is not None
    ]
    return round(min(scores), 4) if scores else 1.0
