"""ApplyGuardrail at volume: a client-side rate limit, bounded concurrency, and retries.

Throttling never loses a record: a throttled call is retried with exponential backoff and
jitter; after the last attempt the error propagates and the asset fails (and can be re-run),
rather than a summary being stored unguarded.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

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


def apply_all(
    client: Any,
    requests: Iterable[tuple[T, dict[str, Any]]],
    limiter: RateLimiter,
    concurrency: int = 1,
    attempts: int = 8,
    sleep: Callable[[float], None] = time.sleep,
    chunk: int = 256,
) -> Iterator[tuple[T, dict[str, Any]]]:
    """``(key, response)`` for every ``(key, ApplyGuardrail request)``, in input order.

    Works through the input in chunks, so memory is one chunk however large the day.
    """

    def one(request: dict[str, Any]) -> dict[str, Any]:
        def call() -> dict[str, Any]:
            limiter.acquire()
            return client.apply_guardrail(**request)

        return call_with_retry(call, attempts=attempts, sleep=sleep)

    with ThreadPoolExecutor(max_workers=max(1, concurrency)) as pool:
        batch: list[tuple[T, dict[str, Any]]] = []
        for item in requests:
            batch.append(item)
            if len(batch) >= chunk:
                yield from zip(
                    [k for k, _ in batch], pool.map(one, [r for _, r in batch]), strict=True
                )
                batch = []
        if batch:
            yield from zip([k for k, _ in batch], pool.map(one, [r for _, r in batch]), strict=True)
