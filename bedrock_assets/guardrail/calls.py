"""ApplyGuardrail at volume: client-side quota limits, bounded concurrency, and retries.

Throttling never loses a record (see :mod:`bedrock_assets.aws_calls`): after the last
attempt the error propagates and the asset fails (and can be re-run), rather than a summary
being stored unguarded.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Protocol, TypeVar

from bedrock_assets.aws_calls import call_with_retry

T = TypeVar("T")


class Limiter(Protocol):
    """Waits until a call of this cost (text units per policy) may go: ``QuotaLimiter``, or
    ``aws_calls.RateLimiter`` (requests only)."""

    def acquire(self, cost: Mapping[str, float] | None = None) -> None: ...


def apply_all(
    client: Any,
    requests: Iterable[tuple[T, dict[str, Any]]],
    limiter: Limiter,
    concurrency: int = 1,
    attempts: int = 8,
    sleep: Callable[[float], None] = time.sleep,
    chunk: int = 256,
    cost: Callable[[dict[str, Any]], Mapping[str, float]] = lambda _: {},
) -> Iterator[tuple[T, dict[str, Any]]]:
    """``(key, response)`` for every ``(key, ApplyGuardrail request)``, in input order.

    Works through the input in chunks, so memory is one chunk however large the day. Every
    attempt (a retry too) first takes ``cost(request)`` from the limiter.
    """

    def one(request: dict[str, Any]) -> dict[str, Any]:
        units = cost(request)

        def call() -> dict[str, Any]:
            limiter.acquire(units)
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
