"""Benchmark: the local grounding check on faithful vs one-fact-tampered abstractive summaries of
real corpus calls, beside the old word-overlap scorer (benchmarks/grounding_baseline.py)
measured in the same run.

Prints AUC, the faithful pass rate and tampered flag rate at the policy's threshold, the flag
rate per tamper kind, the threshold curve (threshold -> faithful passed, tampered flagged)
for both scorers, the threshold that calibrates best on this split, and throughput
(summaries scored per second).

python benchmarks/grounding_eval.py [--split dev|test] [--pairs FILE.jsonl] [--curve OUT.md]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from bedrock_assets.guardrail.policy import grounding_threshold
from bedrock_local.evaluation.grounding import (
    GroundingEvaluation,
    Pair,
    Scored,
    calibrate,
    evaluate_scored,
    load_pairs,
    score_pairs,
)
from bedrock_local.guardrail.grounding import grounding_score

sys.path.insert(0, str(Path(__file__).resolve().parent))
from grounding_baseline import grounding_score as baseline_score  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "data" / "synthetic_call_transcript_data.zip"
BASELINE_THRESHOLD = 0.7  # the policy's threshold for the word-overlap scorer


def load(split: str, pairs_file: Path | None, corpus: Path) -> list[Pair]:
    if pairs_file is not None:
        return load_pairs(pairs_file, corpus)
    from bedrock_local.evaluation.datasets import load_grounding

    return list(load_grounding(split, corpus))  # type: ignore[arg-type]


def timed(score: object, pairs: Sequence[Pair]) -> tuple[list[Scored], float]:
    started = time.perf_counter()
    scored = score_pairs(score, pairs)  # type: ignore[arg-type]
    return scored, time.perf_counter() - started


def curve_table(new: GroundingEvaluation, old: GroundingEvaluation) -> str:
    rows = [
        "| threshold | faithful passed | tampered flagged | word overlap: passed | flagged |",
        "| ---: | ---: | ---: | ---: | ---: |",
    ]
    for (t, p, f), (_, op, of) in zip(new.curve, old.curve, strict=True):
        rows.append(f"| {t:.2f} | {p:.1%} | {f:.1%} | {op:.1%} | {of:.1%} |")
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--split", default="dev", choices=["dev", "test"])
    parser.add_argument("--pairs", type=Path, help="a JSONL file of pairs instead of the split")
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--curve", type=Path, help="also write the curve table to this file")
    args = parser.parse_args()
    pairs = load(args.split, args.pairs, args.corpus)
    threshold = grounding_threshold() or 0.0
    new_scored, new_s = timed(grounding_score, pairs)
    old_scored, old_s = timed(baseline_score, pairs)
    new = evaluate_scored(new_scored, threshold)
    old = evaluate_scored(old_scored, BASELINE_THRESHOLD)
    source = args.pairs or f"split {args.split}"
    print(f"grounding: {len(pairs)} faithful/tampered pairs ({source})")
    print(f"{'':34}{'new scorer':>14}{'word overlap':>14}")
    print(f"{'threshold':34}{threshold:>14.2f}{BASELINE_THRESHOLD:>14.2f}")
    print(f"{'AUC':34}{new.auc:>14.4f}{old.auc:>14.4f}")
    print(f"{'faithful passed':34}{new.faithful_pass_rate:>14.1%}{old.faithful_pass_rate:>14.1%}")
    print(f"{'tampered flagged':34}{new.tampered_flag_rate:>14.1%}{old.tampered_flag_rate:>14.1%}")
    for kind in sorted(new.count_by_kind):
        label = f"  flagged: {kind} (n={new.count_by_kind[kind]})"
        print(f"{label:34}{new.flag_rate_by_kind[kind]:>14.1%}{old.flag_rate_by_kind[kind]:>14.1%}")
    n = 2 * len(pairs)
    print(f"{'summaries scored per second':34}{n / new_s:>14.1f}{n / old_s:>14.1f}")
    best_new, best_old = calibrate(new_scored), calibrate(old_scored)
    print(f"{'best threshold on this split':34}{best_new:>14.2f}{best_old:>14.2f}")
    table = curve_table(new, old)
    print()
    print(table)
    if args.curve:
        args.curve.write_text(table + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
