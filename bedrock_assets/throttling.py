"""Calling AWS at volume: a shared client-side rate limit and retries of transient errors.

Throttling never loses a record: a throttled call is retried with exponential backoff and
full jitter; after the last attempt the error propagates (the run fails and can be re-run)
rather than a record being dropped.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from typing import TypeVar

from botocore.exceptions import ClientError

RETRYABLE = (
    "ThrottlingException",
    "ServiceUnavailableException",
    "InternalServerException",
    "TooManyRequestsException",
)
T = TypeVar("T")


class RateLimiter:
    """A token bucket shared by the worker threads (``rate`` calls per second, ``None`` = off)."""

    def __init__(
        self,
        rate: float | None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.rate, self.clock, self.sleep = rate, clock, sleep
        self._next = clock()
        self._lock = threading.Lock()

    def acquire(self) -> None:
        if not self.rate:
            return
        with self._lock:
            now = self.clock()
            wait = self._next - now
            self._next = max(now, self._next) + 1.0 / self.rate
        if wait > 0:
            self.sleep(wait)


def call_with_retry(
    fn: Callable[[], T],
    attempts: int = 8,
    base: float = 0.2,
    cap: float = 20.0,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """Run ``fn``; retry AWS throttling and transient errors with full-jitter backoff."""
    for attempt in range(1, attempts + 1):
        try:
            return fn()
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code")
            if code not in RETRYABLE or attempt == attempts:
                raise
            sleep(random.uniform(0, min(cap, base * 2**attempt)))
    raise AssertionError("unreachable")
