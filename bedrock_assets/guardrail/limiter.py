"""A client-side limiter on every ApplyGuardrail quota at once: requests per second and text
units per second per policy, each a token bucket, shared by the worker threads.

A call reserves its cost in every bucket it draws on and waits until the most indebted of them
has refilled; later callers queue behind that debt. Sustained throughput is so the tightest
quota exactly, whichever it is for the day's mix (long transcripts make contextual grounding
the bottleneck, many short summaries the request rate), and bursts never exceed one
``burst_seconds`` of quota, which is what the service's own buckets absorb.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping

from bedrock_assets.guardrail.quotas import REQUESTS


class QuotaLimiter:
    """Token buckets named like ApplyGuardrail's usage keys (plus ``requests``)."""

    def __init__(
        self,
        rates: Mapping[str, float | None],
        burst_seconds: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.rates = {name: float(rate) for name, rate in rates.items() if rate}
        self.clock, self.sleep = clock, sleep
        self.capacity = {name: rate * burst_seconds for name, rate in self.rates.items()}
        now = clock()
        self._level = dict(self.capacity)
        self._stamp = dict.fromkeys(self.rates, now)
        self._lock = threading.Lock()
        self.waited = 0.0  # seconds spent waiting, all threads together

    def reserve(self, cost: Mapping[str, float]) -> float:
        """Take one request and ``cost`` text units per policy; the seconds to wait first."""
        wait = 0.0
        with self._lock:
            now = self.clock()
            for name, amount in {REQUESTS: 1.0, **cost}.items():
                rate = self.rates.get(name)
                if rate is None or amount <= 0:
                    continue
                level = min(
                    self.capacity[name], self._level[name] + (now - self._stamp[name]) * rate
                )
                self._level[name], self._stamp[name] = level - amount, now
                if level - amount < 0:
                    wait = max(wait, (amount - level) / rate)
            self.waited += wait
        return wait

    def acquire(self, cost: Mapping[str, float] | None = None) -> None:
        wait = self.reserve(cost or {})
        if wait > 0:
            self.sleep(wait)
