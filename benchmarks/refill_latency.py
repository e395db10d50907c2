"""Benchmark: how long a freed Bedrock job slot stays empty (job end -> next submit).

Two slots, a queue of shards. Each trial ends a running job at a random moment of the
sensor's cycle and measures, on the real code path (moto's SQS, the local engine, a SQLite
ledger), when the next shard is submitted:

- events: the EventBridge event lands in SQS; the sensor's next event tick (every
  EVENT_TICK_SECONDS) reads it, reconciles and submits;
- polling: the next full tick at the default BEDROCK_ASSETS_SENSOR_INTERVAL_SECONDS.

The wait for the next tick is the phase drawn at random (the daemon ticks on its own
clock); the tick itself is timed. Beside them, the anchors: a 15-minute EventBridge schedule
(the queue manager this project replaces) and Airflow's 120-second waiter, with the same
phase model.

    python benchmarks/refill_latency.py [--trials 20]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import boto3
from moto import mock_aws

from bedrock_assets.batch.events import JobEventQueue, run_event_tick
from bedrock_assets.batch.requests import JobSettings
from bedrock_assets.batch.slots import run_tick
from bedrock_assets.defs.sensors import EVENT_TICK_SECONDS
from bedrock_assets.settings import Settings
from bedrock_assets.state.ledger import Ledger, ShardRow, sqlite_url
from bedrock_local import EngineConfig
from bedrock_local.batch.control_plane import LocalBedrockClient

MODEL = "anthropic.claude-3-haiku-20240307-v1:0"
SETTINGS = JobSettings(
    model_id=MODEL,
    role_arn="arn:aws:iam::123456789012:role/BatchRole",
    job_name_prefix="ba",
    max_concurrent_jobs=2,
)
POLL_SECONDS = int(Settings.model_fields["sensor_interval_seconds"].default)
TICKS: dict[bool, list[float]] = {}  # the measured part: the tick that refills
ANCHORS = {"EventBridge schedule, 15 min": 900.0, "Airflow waiter, 120 s": 120.0}


def shard(day: str, i: int) -> ShardRow:
    return ShardRow(
        shard_id=f"{day}-{i:04d}-{i:08x}",
        call_date=day,
        shard_index=i,
        model_id=MODEL,
        input_uri=f"s3://bucket/in/{day}/{i}/",
        output_uri=f"s3://bucket/out/{day}/{i}/",
        record_count=1000,
        byte_count=1,
        file_count=1,
        prompt_version="p",
        state="pending",
    )


def event(arn: str) -> str:
    detail = {"batchJobArn": arn, "batchJobName": "ba", "batchModelId": MODEL}
    return json.dumps(
        {
            "source": "aws.bedrock",
            "detail-type": "Batch Inference Job State Change",
            "detail": {**detail, "status": "Completed"},
        }
    )


def trial(root: Path, sqs: Any, use_events: bool, phase: float) -> float:
    """Seconds from a job's end to the next submit, in one fresh setup."""
    ledger = Ledger(sqlite_url(root / "ledger.sqlite"))
    client = LocalBedrockClient(
        EngineConfig(
            store_root=str(root / "os"),
            state_path=str(root / "engine.sqlite"),
            max_concurrent_jobs=2,
        ),
        spawn_workers=False,
    )
    ledger.register_partition("2024-08-01", [shard("2024-08-01", i) for i in range(3)])
    run_tick(client, ledger, SETTINGS)
    first = ledger.shards_in_state("active")[0]
    url = sqs.create_queue(QueueName=f"jobs-{root.name}")["QueueUrl"]
    queue = JobEventQueue(sqs, url, wait_seconds=0)
    client.state.set_status((first.job_arn or "").rsplit("/", 1)[1], "Completed")
    if use_events:
        sqs.send_message(QueueUrl=url, MessageBody=event(first.job_arn or ""))
    started = time.perf_counter()
    if use_events:
        run_event_tick(queue, ledger, MODEL, lambda: run_tick(client, ledger, SETTINGS), False)
    else:
        run_tick(client, ledger, SETTINGS)
    tick = time.perf_counter() - started
    assert len(ledger.shards_in_state("active")) == 2, "the freed slot was not refilled"
    TICKS.setdefault(use_events, []).append(tick)
    return phase + tick


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--trials", type=int, default=20)
    args = parser.parse_args()
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        os.environ.setdefault(key, "testing")
    rng = random.Random(11)
    results: dict[str, list[float]] = {}
    with mock_aws(), tempfile.TemporaryDirectory() as tmp:
        sqs = boto3.client("sqs", region_name="us-east-1")
        for label, use_events, period in (
            (f"job events (tick every {EVENT_TICK_SECONDS} s)", True, EVENT_TICK_SECONDS),
            (f"polling (every {POLL_SECONDS} s, the default)", False, POLL_SECONDS),
        ):
            results[label] = [
                trial(Path(tmp) / f"{use_events}-{n}", sqs, use_events, rng.uniform(0, period))
                for n in range(args.trials)
            ]
    for label, period in ANCHORS.items():
        results[label] = [rng.uniform(0, period) for _ in range(args.trials)]
    print(f"refill latency, job end -> next submit, {args.trials} trials each")
    for use_events, ticks in TICKS.items():
        kind = "event tick (receive, reconcile, submit, delete)" if use_events else "polling tick"
        print(f"  measured {kind}: {statistics.mean(ticks) * 1000:.0f} ms mean")
    print(f"{'':44s} {'mean s':>8s} {'p95 s':>8s} {'max s':>8s}")
    for label, values in results.items():
        ordered = sorted(values)
        p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
        print(f"{label:44s} {statistics.mean(values):8.2f} {p95:8.2f} {max(values):8.2f}")


if __name__ == "__main__":
    main()
