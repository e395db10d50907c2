"""ApplyGuardrail at volume: a client-side rate limit, bounded concurrency, and retries.

Throttling never loses a record (see :mod:`bedrock_assets.aws_calls`): after the last
attempt the error propagates and the asset fails (and can be re-run), rather than a summary
being stored unguarded.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from bedrock_assets.aws_calls import RateLimiter, call_with_retry

T = TypeVar("T")


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
