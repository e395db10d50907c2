"""Wait for a day's batch jobs inside a run, driving the job slots meanwhile.

"Materialize all", a UI backfill or ``dagster asset materialize --select '*'`` put the
collect steps in the same run as the shards: instead of failing because the jobs have only
just been registered, the run waits for them (within a bound), ticking the slot manager
itself so it makes progress even where no sensor runs, and reports where the day stands.
Ticking beside the sensor is safe: shard claims are compare-and-set, and one process at a
time fills the slots (the submit lease).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from bedrock_assets.batch.collect import DayNotFinished
from bedrock_assets.batch.progress import DayProgress


def wait_for_day(
    progress: Callable[[], DayProgress],
    tick: Callable[[], object],
    report: Callable[[DayProgress], None],
    *,
    timeout: float,
    poll: float,
    heartbeat: float = 300.0,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> DayProgress:
    """Tick until nothing of the day is left to wait for; ``report`` is called when the day
    moves and at least every ``heartbeat`` seconds (a silent run looks dead). Raises
    :class:`DayNotFinished` after ``timeout`` seconds."""
    started = clock()
    seen: tuple[int, ...] | None = None
    reported = float("-inf")
    while True:
        tick()
        day = progress()
        state = (day.finished, day.processed, day.running, day.queued, day.held)
        if state != seen or clock() - reported >= heartbeat:
            report(day)
            seen, reported = state, clock()
        if day.done:
            return day
        if clock() - started >= timeout:
            raise DayNotFinished(
                f"{day.headline()} after waiting {timeout / 3600:.1f} h "
                "(BEDROCK_ASSETS_JOBS_WAIT_HOURS); the batch_job_slots sensor collects the "
                "day when its jobs finish"
            )
        sleep(poll)
