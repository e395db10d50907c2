"""Scores a PII detector on the hand-written labelled sets (``datasets.load_pii``).

Per Bedrock type: precision and recall (a detection counts when it overlaps a labelled span
of its type), the stricter fully-masked rate (every character of the labelled span lies
inside some mask, whatever its type: recall alone counts "Flat 4B" masked with the city
left behind as a hit), the partial rate (some but not all of the span masked) and the
raw-survives rate (the labelled raw value still present in the text after every detected
span is masked). Overall: the same, and the false-positive rate on hard negatives (share of
negative sentences with anything masked).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from typing import Any, Protocol

from bedrock_local.evaluation.datasets import PiiExample, Split, load_pii


class _Span(Protocol):
    @property
    def start(self) -> int: ...
    @property
    def end(self) -> int: ...
    @property
    def type(self) -> str: ...


Detector = Callable[[str], Sequence[_Span]]


def _masked(text: str, spans: Sequence[_Span]) -> str:
    for s in sorted(spans, key=lambda s: s.start, reverse=True):
        text = text[: s.start] + "{" + s.type + "}" + text[s.end :]
    return text


def _covered(start: int, end: int, spans: Sequence[_Span]) -> int:
    """How many characters of ``[start, end)`` lie inside at least one detected span."""
    return sum(any(s.start <= i < s.end for s in spans) for i in range(start, end))


def _ratio(num: int, den: int, empty: float = 1.0) -> float:
    return round(num / den, 4) if den else empty


def evaluate(detect: Detector, examples: Sequence[PiiExample]) -> dict[str, Any]:
    """``{"types": {type: {...}}, "overall": {...}}`` for ``detect`` on ``examples``."""
    labelled: Counter[str] = Counter()
    found: Counter[str] = Counter()
    survived: Counter[str] = Counter()
    full: Counter[str] = Counter()
    partial: Counter[str] = Counter()
    detections: Counter[str] = Counter()
    correct: Counter[str] = Counter()
    negatives = flagged_negatives = plain = flagged_plain = 0
    for ex in examples:
        spans = list(detect(ex.text))
        masked = _masked(ex.text, spans)
        for label in ex.spans:
            labelled[label.type] += 1
            if any(
                s.type == label.type and s.start < label.end and label.start < s.end for s in spans
            ):
                found[label.type] += 1
            if ex.text[label.start : label.end] in masked:
                survived[label.type] += 1
            covered = _covered(label.start, label.end, spans)
            if covered == label.end - label.start:
                full[label.type] += 1
            elif covered:
                partial[label.type] += 1
        for s in spans:
            detections[s.type] += 1
            if any(s.type == lb.type and s.start < lb.end and lb.start < s.end for lb in ex.spans):
                correct[s.type] += 1
        if ex.kind == "negative":
            negatives += 1
            flagged_negatives += bool(spans)
        elif ex.kind == "plain":
            plain += 1
            flagged_plain += bool(spans)
    types = {
        t: {
            "labelled": labelled[t],
            "found": found[t],
            "detections": detections[t],
            "precision": _ratio(correct[t], detections[t]),
            "recall": _ratio(found[t], labelled[t]),
            "fully_masked": _ratio(full[t], labelled[t]),
            "partial": partial[t],
            "raw_survives": _ratio(survived[t], labelled[t], 0.0),
        }
        for t in sorted(set(labelled) | set(detections))
    }
    total = sum(labelled.values())
    return {
        "types": types,
        "overall": {
            "labelled": total,
            "recall": _ratio(sum(found.values()), total),
            "precision": _ratio(sum(correct.values()), sum(detections.values())),
            "fully_masked": _ratio(sum(full.values()), total),
            "partial": sum(partial.values()),
            "raw_survives": _ratio(sum(survived.values()), total, 0.0),
            "negatives": negatives,
            "false_positive_rate": _ratio(flagged_negatives, negatives, 0.0),
            "plain": plain,
            "plain_false_positive_rate": _ratio(flagged_plain, plain, 0.0),
        },
    }


def evaluate_local_engine(split: Split = "dev") -> dict[str, Any]:
    """The local guardrail's detector on one split of the labelled set."""
    examples = load_pii(split)
    return evaluate(batched(ex.text for ex in examples), examples)


def batched(texts: Iterable[str]) -> Detector:
    """The local engine run once over ``texts`` as a spaCy batch, answering per text."""
    from bedrock_local.guardrail.pii import detect_pii_batch

    unique = list(dict.fromkeys(texts))
    spans = dict(zip(unique, detect_pii_batch(unique), strict=True))
    return lambda text: spans[text]


#: The split a system card shows: the latest author's, the one the engine saw last (it was
#: scored once held out before its misses were read; the held-out figures are in the README).
PUBLISHED_SPLIT: Split = "holdout2"


def evaluate_published() -> dict[str, Any]:
    """The figures a system card shows, with the split's name under ``"split"``."""
    return {"split": PUBLISHED_SPLIT, **evaluate_local_engine(PUBLISHED_SPLIT)}
