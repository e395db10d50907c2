"""Benchmark: prepare batch shards for a synthetic day; print records/s and peak memory.

Runs the batch_input_shards code path (parquet rows -> responsible prompt -> quota-aware
JSONL shards -> object store) in a fresh process per size, so each peak RSS is its own.
A flat peak between the small and the large day is the streaming claim.

    python benchmarks/shard_throughput.py                 # 20,000 and 200,000 transcripts
    python benchmarks/shard_throughput.py --sizes 1000000
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

DAY = "2024-08-23"


def generate(root: Path, n: int) -> None:
    from bedrock_assets.ingest.samples import render_text, synthetic_transcript
    from bedrock_assets.state.objects import LocalObjectStore
    from bedrock_assets.state.schemas import TRANSCRIPTS
    from bedrock_assets.state.tables import TableWriter

    rng = random.Random(n)
    store = LocalObjectStore(root)
    with TableWriter(store, "s3://bench/tables/transcripts.parquet", TRANSCRIPTS) as out:
        for i in range(n):
            _, turns = synthetic_transcript(rng)
            text = render_text(turns)
            out.write(
                {
                    "transcript_id": f"t{i}",
                    "call_date": DAY,
                    "source_file": f"t{i}.txt",
                    "source_format": "text",
                    "transcript": text,
                    "turn_count": len(turns),
                    "char_count": len(text),
                    "content_sha256": "",
                }
            )


def shard(root: Path) -> dict:
    from bedrock_assets.batch.sharding import Quotas, encode_model_input, plan_and_build
    from bedrock_assets.prompting.model_families import build_body
    from bedrock_assets.prompting.prompt import load_prompt
    from bedrock_assets.state.objects import LocalObjectStore, join_uri
    from bedrock_assets.state.tables import iter_rows

    store = LocalObjectStore(root)
    prompt = load_prompt()
    uri = "s3://bench/tables/transcripts.parquet"

    def source():
        for row in iter_rows(store, uri, columns=["transcript_id", "transcript"]):
            body = build_body("claude", prompt, row["transcript"], 512, 0.0)
            yield DAY, row["transcript_id"], encode_model_input(body)

    start = time.perf_counter()
    shards = records = files = total_bytes = 0
    with tempfile.TemporaryDirectory(dir=root) as work:
        for s in plan_and_build(source, DAY, Quotas(), Path(work)):
            for f in s.files:
                store.upload_file(f.path, join_uri(f"s3://bench/in/{s.shard_id}", f.name))
                f.path.unlink()
            shards += 1
            files += len(s.files)
            records += s.records
            total_bytes += s.bytes
    seconds = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "records": records,
        "shards": shards,
        "files": files,
        "gigabytes": round(total_bytes / 1e9, 3),
        "seconds": round(seconds, 1),
        "records_per_second": round(records / seconds),
        "peak_rss_mb": round(peak_mb, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[20_000, 200_000])
    parser.add_argument("--child", choices=["generate", "shard"])
    parser.add_argument("--root")
    parser.add_argument("--n", type=int)
    args = parser.parse_args()
    if args.child == "generate":
        generate(Path(args.root), args.n)
        return
    if args.child == "shard":
        print(json.dumps(shard(Path(args.root))))
        return
    print(
        f"{'transcripts':>12} {'shards':>6} {'files':>5} {'GB':>6} {'seconds':>8} "
        f"{'records/s':>10} {'peak RSS MB':>12}"
    )
    for n in args.sizes:
        with tempfile.TemporaryDirectory() as root:
            subprocess.run(
                [sys.executable, __file__, "--child", "generate", "--root", root, "--n", str(n)],
                check=True,
            )
            out = subprocess.run(
                [sys.executable, __file__, "--child", "shard", "--root", root],
                check=True,
                capture_output=True,
                text=True,
            ).stdout
            r = json.loads(out.strip().splitlines()[-1])
            print(
                f"{r['records']:>12} {r['shards']:>6} {r['files']:>5} {r['gigabytes']:>6} "
                f"{r['seconds']:>8} {r['records_per_second']:>10} {r['peak_rss_mb']:>12}",
                flush=True,
            )


if __name__ == "__main__":
    main()
