"""Benchmark: per-type precision and recall of the local guardrail's PII detection.

python benchmarks/pii_eval.py [--per-type 200] [--seed 31]
"""

import argparse
import time

from bedrock_local.evaluation.pii import build_samples, evaluate
from bedrock_local.guardrail.pii import detect_pii


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--per-type", type=int, default=200)
    parser.add_argument("--seed", type=int, default=31)
    args = parser.parse_args()
    samples = build_samples(args.per_type, args.seed)
    started = time.perf_counter()
    result = evaluate(detect_pii, samples)
    seconds = time.perf_counter() - started
    print(
        f"{len(samples)} sentences, {seconds * 1000:.0f} ms "
        f"({len(samples) / seconds:.0f} sentences/s)"
    )
    print(f"{'type':28} {'planted':>7} {'found':>6} {'detected':>8} {'precision':>9} {'recall':>7}")
    for etype, m in result.items():
        print(
            f"{etype:28} {m['planted']:>7} {m['found']:>6} {m['detections']:>8} "
            f"{m['precision']:>9.4f} {m['recall']:>7.4f}"
        )


if __name__ == "__main__":
    main()
