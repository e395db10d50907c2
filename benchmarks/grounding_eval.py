"""Benchmark: precision and recall of the local grounding check on the generated set.

python benchmarks/grounding_eval.py [--calls 300]
"""

import argparse
import time

from bedrock_assets.core.grounding_eval import build_cases, evaluate
from bedrock_assets.local.guardrail_engine import grounding_score, grounding_threshold


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, default=300)
    args = parser.parse_args()
    threshold = grounding_threshold()
    started = time.perf_counter()
    cases = build_cases(args.calls, seed=23)
    result = evaluate(grounding_score, threshold, cases)
    print(
        f"grounding threshold {threshold}, {result['cases']} cases "
        f"({time.perf_counter() - started:.2f}s)"
    )
    for key, value in result.items():
        if key != "cases":
            print(f"  {key:28} {value:.4f}")


if __name__ == "__main__":
    main()
