"""Benchmark: the local guardrail's PII detection beside the old regex engine, same run.

On the hand-written labelled sets (bedrock_local/evaluation/data, written without reading
the detectors): per type precision, recall and raw-survives rate (the labelled value still
in the masked text), overall raw-survives and the false-positive rate on hard negatives.
Then throughput on corpus-like summaries (the local model's summaries of corpus calls) and
peak RSS. Each engine runs in its own fresh process, so load time and memory are its own.

python benchmarks/pii_eval.py [--split dev|test|holdout|holdout2|all] [--summaries 300]
"""

from __future__ import annotations

import argparse
import multiprocessing
import resource
import sys
import time
import zipfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))


def _engine(name: str) -> Any:
    if name == "presidio":
        from bedrock_local.guardrail.pii import detect_pii

        return detect_pii
    import baseline_pii  # the old regex engine, kept here only as the baseline

    return baseline_pii.detect_pii


def _summaries(count: int) -> list[str]:
    from bedrock_assets.prompting.local_model import summarize_transcript
    from bedrock_local.evaluation.datasets import default_corpus_zip

    with zipfile.ZipFile(default_corpus_zip()) as zf:
        names = sorted(n for n in zf.namelist() if n.endswith(".txt"))[:count]
        return [summarize_transcript(zf.read(n).decode("utf-8"), 2000) for n in names]


def _measure(name: str, splits: list[str], summaries: list[str]) -> dict[str, Any]:
    from bedrock_local.evaluation.datasets import load_pii
    from bedrock_local.evaluation.pii import evaluate

    started = time.perf_counter()
    detect = _engine(name)
    detect("warm-up: this is Dana speaking")
    load_s = time.perf_counter() - started
    scores = {split: evaluate(detect, load_pii(split)) for split in splits}  # type: ignore[arg-type]
    started = time.perf_counter()
    for text in summaries:
        detect(text)
    seconds = time.perf_counter() - started
    return {
        "scores": scores,
        "load_s": load_s,
        "per_s": len(summaries) / seconds if seconds else 0.0,
        "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def main() -> None:
    from bedrock_local.evaluation.datasets import PII_SPLITS

    parser = argparse.ArgumentParser(description=__doc__)
    # Each holdout is a single final measurement (see the data README): scored once when the
    # engine was frozen; holdout2 is the published held-out figure.
    parser.add_argument("--split", choices=[*PII_SPLITS, "all"], default="all")
    parser.add_argument("--summaries", type=int, default=300)
    args = parser.parse_args()
    from bedrock_local.evaluation.datasets import _data_text

    splits = list(PII_SPLITS) if args.split == "all" else [args.split]
    available = []
    for split in splits:
        try:
            _data_text(f"pii_{split}.jsonl")
            available.append(split)
        except FileNotFoundError:
            print(f"(no pii_{split}.jsonl yet)")
    summaries = _summaries(args.summaries)
    ctx = multiprocessing.get_context("spawn")
    results = {}
    for name in ("baseline", "presidio"):
        with ctx.Pool(1) as pool:
            results[name] = pool.apply(_measure, (name, available, summaries))
    old, new = results["baseline"], results["presidio"]
    for split in available:
        o, n = old["scores"][split], new["scores"][split]
        print(f"\n== PII, {split} split: old regex engine -> Presidio engine ==")
        print(
            f"{'type':26} {'n':>4}  {'precision':>13}  {'recall':>13}  {'fully masked':>13}"
            f"  {'partial':>9}  {'raw survives':>13}"
        )
        for etype, m in n["types"].items():
            p = o["types"].get(
                etype,
                {
                    "precision": 1.0,
                    "recall": 0.0,
                    "fully_masked": 0.0,
                    "partial": 0,
                    "raw_survives": 1.0,
                },
            )
            print(
                f"{etype:26} {m['labelled']:>4}  {p['precision']:>5.3f} -> {m['precision']:.3f}"
                f"  {p['recall']:>5.3f} -> {m['recall']:.3f}"
                f"  {p['fully_masked']:>5.3f} -> {m['fully_masked']:.3f}"
                f"  {p['partial']:>3} -> {m['partial']:<3}"
                f"  {p['raw_survives']:>5.3f} -> {m['raw_survives']:.3f}"
            )
        for key in ("recall", "precision", "fully_masked", "raw_survives", "false_positive_rate"):
            print(f"overall {key:20} {o['overall'][key]:.4f} -> {n['overall'][key]:.4f}")
        print(f"overall {'partial':20} {o['overall']['partial']} -> {n['overall']['partial']}")
        print(
            f"hard negatives {n['overall']['negatives']}, "
            f"plain sentences flagged {o['overall']['plain_false_positive_rate']:.4f} -> "
            f"{n['overall']['plain_false_positive_rate']:.4f}"
        )
    print(f"\n== throughput on {len(summaries)} corpus summaries ==")
    for name, r in results.items():
        print(
            f"{name:9} {r['per_s']:8.1f} summaries/s  load {r['load_s']:.2f} s  "
            f"peak RSS {r['rss_mb']:.0f} MB"
        )


if __name__ == "__main__":
    main()
