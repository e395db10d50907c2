"""Benchmark: precision and recall of the local grounding check on the generated set.

python benchmarks/grounding_eval.py [--calls 300]
"""

import argparse
import time

from bedrock_assets.guardrail.policy import grounding_threshold
from bedrock_assets.ingest.samples import evaluation_transcripts
from bedrock_assets.prompting.local_model import summarize_transcript
from bedrock_local.evaluation.grounding import build_cases, evaluate
from bedrock_local.guardrail.grounding import grounding_score


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, default=300)
    args = parser.parse_args()
    threshold = grounding_threshold()
    started = time.perf_counter()
    cases = build_cases(
        evaluation_transcripts(args.calls, seed=23),
        lambda t: summarize_transcript(t, max_chars=2000),
        seed=23,
    )
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
