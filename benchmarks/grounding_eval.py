"""Benchmark: the local grounding check on faithful vs one-fact-tampered abstractive summaries of
real corpus calls, beside the old word-overlap scorer (benchmarks/grounding_baseline.py)
measured in the same run.

Prints AUC, the faithful pass rate and tampered flag rate at the policy's threshold, the flag
rate per tamper kind, the threshold curve (threshold -> faithful passed, tampered flagged)
for both scorers, the threshold that calibrates best on this split, and throughput
(summaries scored per second).

Splits: dev, test, holdout and holdout2 (the scorer's weights and the policy threshold were
fitted on all four, benchmarks/fit_grounding.py); any later split the loader knows (holdout3)
is held out: it is scored once, after the scorer was frozen. ``all`` runs every split the
loader knows.

python benchmarks/grounding_eval.py [--split NAME|all] [--pairs FILE.jsonl] [--curve OUT.md]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from bedrock_assets.guardrail.policy import grounding_threshold
from bedrock_local.evaluation.datasets import GROUNDING_SPLITS
from bedrock_local.evaluation.grounding import (
    FITTED,
    GroundingEvaluation,
    Pair,
    calibrate,
    evaluate_scored,
    load_pairs,
    score_pairs,
)
from bedrock_local.guardrail.grounding import clear_cache, grounding_score

sys.path.insert(0, str(Path(__file__).resolve().parent))
from grounding_baseline import grounding_score as baseline_score  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "data" / "synthetic_call_transcript_data.zip"
BASELINE_THRESHOLD = 0.7  # the policy's threshold for the word-overlap scorer


def label(split: str) -> str:
    """What a split's figures are: fitted on, or held out."""
    if split in FITTED:
        return f"{split}: weights and threshold fitted on it (with {', '.join(FITTED)})"
    return f"{split}: HELD OUT, scored once after the scorer was frozen"


def load(split: str, pairs_file: Path | None, corpus: Path) -> Sequence[Pair]:
    if pairs_file is not None:
        return load_pairs(pairs_file, corpus)
    from bedrock_local.evaluation.datasets import load_grounding

    return list(load_grounding(split, corpus))  # type: ignore[arg-type]


def throughput(score: Callable[[str, str], float], pairs: Sequence[Pair], rounds: int) -> float:
    """Summaries scored per second, each against a call read from scratch (as the guardrail
    sees one summary per call): the faithful summaries, caches cleared, best of ``rounds``."""
    best = float("inf")
    for _ in range(rounds):
        clear_cache()
        started = time.perf_counter()
        for p in pairs:
            score(p.faithful, p.transcript or "")
        best = min(best, time.perf_counter() - started)
    return len(pairs) / best


def curve_table(new: GroundingEvaluation, old: GroundingEvaluation) -> str:
    rows = [
        "| threshold | faithful passed | tampered flagged | word overlap: passed | flagged |",
        "| ---: | ---: | ---: | ---: | ---: |",
    ]
    for (t, p, f), (_, op, of) in zip(new.curve, old.curve, strict=True):
        rows.append(f"| {t:.2f} | {p:.1%} | {f:.1%} | {op:.1%} | {of:.1%} |")
    return "\n".join(rows)


def report(label: str, pairs: Sequence[Pair], rounds: int, curve: Path | None) -> None:
    threshold = grounding_threshold() or 0.0
    new_scored = score_pairs(grounding_score, pairs)
    old_scored = score_pairs(baseline_score, pairs)
    new = evaluate_scored(new_scored, threshold)
    old = evaluate_scored(old_scored, BASELINE_THRESHOLD)
    print(f"grounding: {len(pairs)} faithful/tampered pairs ({label})")
    print(f"{'':34}{'new scorer':>14}{'word overlap':>14}")
    print(f"{'threshold':34}{threshold:>14.2f}{BASELINE_THRESHOLD:>14.2f}")
    print(f"{'AUC':34}{new.auc:>14.4f}{old.auc:>14.4f}")
    print(f"{'faithful passed':34}{new.faithful_pass_rate:>14.1%}{old.faithful_pass_rate:>14.1%}")
    print(f"{'tampered flagged':34}{new.tampered_flag_rate:>14.1%}{old.tampered_flag_rate:>14.1%}")
    for kind in sorted(new.count_by_kind):
        name = f"  flagged: {kind} (n={new.count_by_kind[kind]})"
        print(f"{name:34}{new.flag_rate_by_kind[kind]:>14.1%}{old.flag_rate_by_kind[kind]:>14.1%}")
    new_rate, old_rate = (throughput(s, pairs, rounds) for s in (grounding_score, baseline_score))
    print(f"{'summaries per second (1 per call)':34}{new_rate:>14.1f}{old_rate:>14.1f}")
    best_new, best_old = calibrate(new_scored), calibrate(old_scored)
    print(f"{'best threshold on this split':34}{best_new:>14.2f}{best_old:>14.2f}")
    table = curve_table(new, old)
    print()
    print(table)
    print()
    if curve:
        curve.write_text(table + "\n", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--split", default="all", choices=[*GROUNDING_SPLITS, "all"])
    parser.add_argument("--pairs", type=Path, help="a JSONL file of pairs instead of the split")
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--curve", type=Path, help="also write the (last) curve to this file")
    parser.add_argument("--rounds", type=int, default=3, help="throughput: best of this many")
    args = parser.parse_args()
    if args.pairs:
        report(str(args.pairs), load("", args.pairs, args.corpus), args.rounds, args.curve)
        return
    for split in GROUNDING_SPLITS if args.split == "all" else (args.split,):
        report(label(split), load(split, None, args.corpus), args.rounds, args.curve)


if __name__ == "__main__":
    main()
