"""Calling AWS: which errors are transient, a shared client-side rate limit, and retries.

Only throttling, quota races, timeouts and server-side (5xx) errors are transient: they are
retried with exponential backoff and full jitter, and after the last attempt the error
propagates (the run fails and can be re-run) rather than a record being dropped. Everything
else (validation, access denied, not found, conflicts) is permanent: retrying cannot help,
so callers record it with the service's message and move on.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Mapping
from typing import TypeVar

from botocore.exceptions import BotoCoreError, ClientError, ConnectionError, HTTPClientError

RETRYABLE = (
    "ThrottlingException",
    "Throttling",
    "ThrottledException",
    "TooManyRequestsException",
    "RequestLimitExceeded",
    "ServiceQuotaExceededException",
    "ServiceUnavailableException",
    "ServiceUnavailable",
    "InternalServerException",
    "InternalFailure",
    "RequestTimeout",
    "RequestTimeoutException",
    "ModelNotReadyException",
)
T = TypeVar("T")


def error_code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", "Unknown"))


def error_message(exc: BaseException) -> str:
    """The service's own message (what the user needs to fix a permanent error)."""
    if isinstance(exc, ClientError):
        return str(exc.response.get("Error", {}).get("Message") or exc)
    return str(exc)


def is_transient(exc: BaseException) -> bool:
    """Whether retrying later can succeed: throttling, quota, 5xx, timeouts, connections."""
    if isinstance(exc, ClientError):
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0
        return error_code(exc) in RETRYABLE or int(status) >= 500
    return isinstance(exc, ConnectionError | HTTPClientError)


def backoff_seconds(retries: int, base: float = 15.0, cap: float = 900.0) -> float:
    """The wait before the next try after ``retries`` transient failures in a row."""
    return min(cap, base * 2 ** max(0, retries))


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

    def acquire(self, cost: Mapping[str, float] | None = None) -> None:
        """Wait for the next request slot (``cost`` is ignored: requests only)."""
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
        except (ClientError, BotoCoreError) as exc:
            if not is_transient(exc) or attempt == attempts:
                raise
            sleep(random.uniform(0, min(cap, base * 2**attempt)))
    raise AssertionError("unreachable")
