"""Evaluation of a grounding scorer on labelled pairs: a faithful abstractive summary of a real
corpus call and a copy of it with one fact changed (an amount, a date, a product, an outcome,
a negation, a promise, a person or role).

A summary is flagged when its score is below the threshold (as the guardrail blocks it).
Reported: ROC AUC over every faithful/tampered score pair (threshold-free), the share of
faithful summaries passed and of tampered ones flagged at a threshold, the flag rate per
tamper kind, and the threshold curve from which the policy's threshold is calibrated.
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

Scorer = Callable[[str, str], float]  # (summary, transcript) -> score in [0, 1]
CURVE_THRESHOLDS = tuple(round(0.05 * i, 2) for i in range(1, 20))


class Pair(Protocol):
    """A labelled pair (``datasets.GroundingExample`` is one)."""

    @property
    def id(self) -> str: ...
    @property
    def transcript(self) -> str | None: ...
    @property
    def faithful(self) -> str: ...
    @property
    def tampered(self) -> str: ...
    @property
    def tamper_kind(self) -> str: ...


@dataclass(frozen=True)
class GroundingPair:
    id: str
    transcript: str
    faithful: str
    tampered: str
    tamper_kind: str  # what the tampered copy changed: amount, date, product, outcome, ...
    changed: str = ""


def corpus_member(call: str) -> str:
    """The zip member of a call id: "37", "37.txt" and "textual/37.txt" all name one call."""
    call = str(call).strip()
    if "/" in call:
        return call
    return f"textual/{call.removesuffix('.txt')}.txt"


def pairs_from_records(records: Iterable[dict[str, Any]], corpus: Path) -> list[GroundingPair]:
    """Pairs from ``{"id","call","faithful","tampered","tamper_kind","changed"}`` records, the
    transcripts read from the corpus zip (never copied out of it)."""
    with zipfile.ZipFile(corpus) as zf:
        return [
            GroundingPair(
                id=str(r["id"]),
                transcript=zf.read(corpus_member(r["call"])).decode("utf-8"),
                faithful=r["faithful"],
                tampered=r["tampered"],
                tamper_kind=r.get("tamper_kind") or "unspecified",
                changed=r.get("changed", ""),
            )
            for r in records
        ]


def load_pairs(path: Path, corpus: Path) -> list[GroundingPair]:
    """A JSONL file of pair records (one per line)."""
    with open(path, encoding="utf-8") as fh:
        records = [json.loads(line) for line in fh if line.strip()]
    return pairs_from_records(records, corpus)


@dataclass(frozen=True)
class Scored:
    pair: Pair
    faithful: float
    tampered: float


def score_pairs(score: Scorer, pairs: Sequence[Pair]) -> list[Scored]:
    """Both summaries of every pair scored against the pair's transcript."""
    out = []
    for p in pairs:
        if p.transcript is None:
            raise ValueError(f"pair {p.id} has no transcript (load it with the corpus)")
        out.append(Scored(p, score(p.faithful, p.transcript), score(p.tampered, p.transcript)))
    return out


def auc(positives: Sequence[float], negatives: Sequence[float]) -> float:
    """ROC AUC: the chance a faithful summary scores above a tampered one (ties count half)."""
    if not positives or not negatives:
        return float("nan")
    wins = sum((p > n) + 0.5 * (p == n) for p in positives for n in negatives)
    return wins / (len(positives) * len(negatives))


@dataclass(frozen=True)
class GroundingEvaluation:
    threshold: float
    pairs: int
    auc: float
    faithful_pass_rate: float
    tampered_flag_rate: float
    flag_rate_by_kind: dict[str, float]
    count_by_kind: dict[str, int]
    curve: list[tuple[float, float, float]] = field(default_factory=list)  # (t, pass, flag)

    def summary(self) -> dict[str, float]:
        """The headline figures (for the system card)."""
        return {
            "threshold": self.threshold,
            "pairs": self.pairs,
            "AUC": round(self.auc, 4),
            "faithful passed": round(self.faithful_pass_rate, 4),
            "tampered flagged": round(self.tampered_flag_rate, 4),
            **{f"flagged: {k}": round(v, 4) for k, v in sorted(self.flag_rate_by_kind.items())},
        }


def rates(scored: Sequence[Scored], threshold: float) -> tuple[float, float]:
    """(share of faithful passed, share of tampered flagged) at ``threshold``."""
    n = len(scored) or 1
    return (
        sum(s.faithful >= threshold for s in scored) / n,
        sum(s.tampered < threshold for s in scored) / n,
    )


def evaluate_scored(
    scored: Sequence[Scored],
    threshold: float,
    curve_thresholds: Iterable[float] = CURVE_THRESHOLDS,
) -> GroundingEvaluation:
    passed, flagged = rates(scored, threshold)
    kinds: dict[str, list[Scored]] = {}
    for s in scored:
        kinds.setdefault(s.pair.tamper_kind, []).append(s)
    return GroundingEvaluation(
        threshold=threshold,
        pairs=len(scored),
        auc=auc([s.faithful for s in scored], [s.tampered for s in scored]),
        faithful_pass_rate=passed,
        tampered_flag_rate=flagged,
        flag_rate_by_kind={
            k: sum(s.tampered < threshold for s in v) / len(v) for k, v in kinds.items()
        },
        count_by_kind={k: len(v) for k, v in kinds.items()},
        curve=[(t, *rates(scored, t)) for t in curve_thresholds],
    )


def evaluate(score: Scorer, threshold: float, pairs: Sequence[Pair]) -> GroundingEvaluation:
    """Score every pair with ``score`` and measure it at ``threshold``."""
    return evaluate_scored(score_pairs(score, pairs), threshold)


def calibrate(scored: Sequence[Scored], candidates: Iterable[float] | None = None) -> float:
    """The threshold that maximises the worse of the two rates (faithful passed, tampered
    flagged), then their sum; among equals, the middle one (the furthest from both edges of
    the plateau, so a small shift of scores moves neither rate)."""
    values = sorted(
        set(candidates) if candidates is not None else {round(i / 100, 2) for i in range(1, 100)}
    )
    keys = {t: (min(rates(scored, t)), sum(rates(scored, t))) for t in values}
    top = max(keys.values())
    best = [t for t in values if keys[t] == top]
    return best[len(best) // 2]


# The published held-out figure: a split written after the engine was frozen and scored once
# then. ``holdout`` and ``holdout2`` were that split for earlier engines; both are spent and now
# fitted on. A copy whose loader does not know ``holdout3`` yet shows it as not measured.
HELD_OUT = "holdout3"
FITTED = ("dev", "test", "holdout", "holdout2")  # the weights and threshold were fitted on these


def published(score: Scorer, threshold: float, split: str = HELD_OUT) -> dict[str, Any]:
    """The figures the system card shows: the split's pairs scored at ``threshold``, or why
    they could not be measured (the corpus zip is read at run time and may be absent)."""
    from bedrock_local.evaluation.datasets import load_grounding

    try:
        pairs = load_grounding(split)  # type: ignore[arg-type]
    except (OSError, KeyError) as exc:
        return {"split": split, "threshold": threshold, "measured": f"no ({type(exc).__name__})"}
    return {"split": split, **evaluate(score, threshold, pairs).summary()}


def published_splits(score: Scorer, threshold: float) -> dict[str, dict[str, Any]]:
    """The held-out split first, then the splits the engine was fitted on, each labelled so
    (the system card shows them side by side: only the first is a held-out figure)."""
    labels = {HELD_OUT: f"{HELD_OUT} (held out)", **{s: f"{s} (fitted on)" for s in FITTED}}
    return {label: published(score, threshold, split) for split, label in labels.items()}
