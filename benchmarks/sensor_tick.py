"""Benchmark: one batch_job_slots tick with 5,000 pending shards and 20 active jobs.

Prints the time of a full tick (refresh 20 jobs, count slots, nothing free) and of a tick that
submits into freed slots, against the local engine and a SQLite ledger on disk. Dagster's
sensor timeout is 60 s; the tick's work is bounded by BEDROCK_ASSETS_SENSOR_MAX_SUBMITS_PER_TICK
whatever the backlog.

    python benchmarks/sensor_tick.py [--pending 5000] [--active 20]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from bedrock_assets.batch.requests import JobSettings
from bedrock_assets.batch.slots import run_tick
from bedrock_assets.state.ledger import Ledger, ShardRow, sqlite_url
from bedrock_local import EngineConfig
from bedrock_local.batch.control_plane import LocalBedrockClient

MODEL = "anthropic.claude-3-haiku-20240307-v1:0"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pending", type=int, default=5000)
    parser.add_argument("--active", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        ledger = Ledger(sqlite_url(root / "ledger.sqlite"))
        engine = LocalBedrockClient(
            EngineConfig(
                store_root=str(root / "os"),
                state_path=str(root / "engine.sqlite"),
                max_concurrent_jobs=args.active,
            ),
            spawn_workers=False,
        )  # jobs stay in flight: slots stay full
        per_day = 100
        started = time.perf_counter()
        for day in range((args.pending + args.active) // per_day + 1):
            date = f"2024-{1 + day // 28:02d}-{1 + day % 28:02d}"
            ledger.register_partition(
                date,
                [
                    ShardRow(
                        shard_id=f"{date}-{i:04d}-{i:08x}",
                        call_date=date,
                        shard_index=i,
                        model_id=MODEL,
                        input_uri=f"s3://bucket/in/{date}/{i}/",
                        output_uri=f"s3://bucket/out/{date}/{i}/",
                        record_count=1000,
                        byte_count=1,
                        file_count=1,
                        prompt_version="p",
                        state="pending",
                    )
                    for i in range(per_day)
                ],
            )
        print(
            f"registered {len(ledger.shards_in_state('pending'))} pending shards in "
            f"{time.perf_counter() - started:.1f}s"
        )
        settings = JobSettings(
            model_id=MODEL,
            role_arn="arn:aws:iam::123456789012:role/r",
            job_name_prefix="bench",
            max_concurrent_jobs=args.active,
            max_submits_per_tick=50,
        )
        first = run_tick(engine, ledger, settings)
        print(
            f"tick 1: submitted {len(first.submitted)} into free slots in "
            f"{first.seconds * 1000:.0f} ms"
        )
        full = run_tick(engine, ledger, settings)
        print(
            f"tick 2: {len(ledger.shards_in_state('active'))} active jobs refreshed, "
            f"{full.used_slots}/{args.active} slots used, "
            f"{len(ledger.shards_in_state('pending'))} pending: {full.seconds * 1000:.0f} ms"
        )
        for job in engine.list_model_invocation_jobs(maxResults=1000)["invocationJobSummaries"]:
            engine.state.set_status(job["jobArn"].rsplit("/", 1)[1], "Completed")
        freed = run_tick(engine, ledger, settings)
        print(
            f"tick 3: {len(freed.refreshed)} jobs completed, {len(freed.submitted)} submitted "
            f"into the freed slots: {freed.seconds * 1000:.0f} ms "
            f"(Dagster's sensor timeout: 60,000 ms)"
        )


if __name__ == "__main__":
    main()
