"""Benchmark: guarding a day against an ApplyGuardrail endpoint that enforces text-unit quotas.

The endpoint is a fake client that meters every request as Bedrock does (text units per policy,
``request_units``) against token buckets at us-east-1's default quotas (50 requests/s, 200 TU/s
content, PII and word filters, 50 TU/s denied topics, 106 TU/s contextual grounding, one second
of burst) and answers ThrottlingException above any of them. The day's summaries are grounded
in calls of 5,000 to 40,000 characters (6 to 41 grounding units a call), so contextual
grounding, not the request rate, is the bottleneck.

Two runs in the same process, same records: the requests-only limiter of before (20/s, the old
AWS default) with the usual retries, and the text-unit limiter at the configured quotas. Prints
records, records lost (retries exhausted), throttled attempts, duration and the sustained
grounding text units per second as a share of the quota (target: >= 90%, 0 lost; the one second
of burst the endpoint allows puts a short run a few percent above 100%).

    python benchmarks/guardrail_quota.py [--records 120] [--workers 8]
"""

from __future__ import annotations

import argparse
import random
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from botocore.exceptions import ClientError

from bedrock_assets.aws_calls import RateLimiter, call_with_retry
from bedrock_assets.guardrail.calls import Limiter
from bedrock_assets.guardrail.limiter import QuotaLimiter
from bedrock_assets.guardrail.policy import configured_policies, load_policy
from bedrock_assets.guardrail.quotas import RATE_FIELDS, default_quotas
from bedrock_assets.guardrail.requests import guardrail_request, request_units

POLICIES = configured_policies(load_policy())
GROUNDING = "contextualGroundingPolicyUnits"
QUOTAS = {RATE_FIELDS[f]: v for f, v in default_quotas("us-east-1").items() if f in RATE_FIELDS}


class ThrottlingEndpoint:
    """ApplyGuardrail with the service's quotas: token buckets, ThrottlingException above."""

    def __init__(self, rates: dict[str, float], latency: float = 0.03) -> None:
        self.rates, self.latency = rates, latency
        self.level = dict(rates)
        self.stamp = time.monotonic()
        self.lock = threading.Lock()
        self.accepted: Counter[str] = Counter()
        self.throttled = 0

    def apply_guardrail(self, **request: Any) -> dict[str, Any]:
        cost = {"requests": 1, **request_units(request, POLICIES)}
        with self.lock:
            now = time.monotonic()
            for name, rate in self.rates.items():
                self.level[name] = min(rate, self.level[name] + (now - self.stamp) * rate)
            self.stamp = now
            if any(self.level[n] < c for n, c in cost.items() if n in self.rates):
                self.throttled += 1
                raise ClientError(
                    {
                        "Error": {"Code": "ThrottlingException", "Message": "Too many requests"},
                        "ResponseMetadata": {"HTTPStatusCode": 429},
                    },
                    "ApplyGuardrail",
                )
            for name, units in cost.items():
                if name in self.rates:
                    self.level[name] -= units
            self.accepted.update(cost)
        time.sleep(self.latency)
        return {"action": "NONE", "usage": cost, "outputs": [], "assessments": []}


def day(records: int, seed: int = 5) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    turn = "Customer: my bill is wrong again this month.\nAgent: let me check that for you.\n"
    return [
        guardrail_request(
            "The customer asked about a charge; the agent refunded it. " * rng.randint(2, 6),
            turn * (rng.randint(5_000, 40_000) // len(turn)),
            "bench",
            "1",
        )
        for _ in range(records)
    ]


def run(name: str, limiter: Limiter, requests: list[dict[str, Any]], workers: int) -> list[str]:
    endpoint = ThrottlingEndpoint(QUOTAS)
    lost = 0

    def one(request: dict[str, Any]) -> bool:
        units = request_units(request, POLICIES)

        def call() -> dict[str, Any]:
            limiter.acquire(units)
            return endpoint.apply_guardrail(**request)

        try:
            call_with_retry(call, attempts=8)
            return True
        except ClientError:
            return False

    start = time.monotonic()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        lost = sum(1 for ok in pool.map(one, requests) if not ok)
    elapsed = time.monotonic() - start
    rate = endpoint.accepted[GROUNDING] / elapsed
    return [
        name,
        str(len(requests)),
        str(lost),
        str(endpoint.throttled),
        f"{elapsed:.1f}",
        f"{rate:.1f}",
        f"{100 * rate / QUOTAS[GROUNDING]:.0f}%",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=120)
    parser.add_argument("--workers", type=int, default=8)
    args = parser.parse_args()
    requests = day(args.records)
    units = sum(request_units(r, POLICIES)[GROUNDING] for r in requests)
    print(
        f"guardrail quota: {args.records} summaries, {units} grounding text units, quotas "
        f"{QUOTAS[GROUNDING]:.0f} TU/s grounding, {QUOTAS['requests']:.0f} requests/s"
    )
    rows = [
        ["limiter", "records", "lost", "throttled", "seconds", "grounding TU/s", "of quota"],
        run("requests only, 20/s (before)", RateLimiter(20.0), requests, args.workers),
        run("text-unit buckets at quota", QuotaLimiter(QUOTAS), requests, args.workers),
    ]
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  " + "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)))


if __name__ == "__main__":
    main()
