"""One Dagster daemon per instance: find the one already running before starting another.

Dagster does not support two daemons on one instance ("multiple daemon processes"): both
would tick the batch_job_slots sensor, and the one `make dev` started would submit the
demo's jobs under its own settings. Every daemon writes a heartbeat into the instance every
30 s; a heartbeat younger than :data:`HEARTBEAT_TOLERANCE_SECONDS` means one is running.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from dagster import DagsterInstance

# Three heartbeat intervals: a live daemon is never missed, a stopped one is forgotten soon.
HEARTBEAT_TOLERANCE_SECONDS = 90.0


@dataclass(frozen=True)
class RunningDaemon:
    daemon_id: str
    age_seconds: float  # since its latest heartbeat


def running_daemon(
    instance: DagsterInstance,
    now: float | None = None,
    tolerance: float = HEARTBEAT_TOLERANCE_SECONDS,
) -> RunningDaemon | None:
    """The daemon heartbeating on ``instance`` right now, if any (the freshest one)."""
    now = time.time() if now is None else now
    beats = [b for b in instance.get_daemon_heartbeats().values() if now - b.timestamp <= tolerance]
    if not beats:
        return None
    latest = max(beats, key=lambda b: b.timestamp)
    return RunningDaemon(latest.daemon_id or "unknown", max(0.0, now - latest.timestamp))


def refusal(home: str, daemon: RunningDaemon) -> str:
    """What to do when another daemon (usually `make dev`'s) already runs on the instance."""
    return (
        f"a Dagster daemon is already running on the instance in {home} (daemon "
        f"{daemon.daemon_id[:8]}, last heartbeat {daemon.age_seconds:.0f}s ago), probably "
        "`make dev`. The demo would start a second one, which Dagster does not support. Either "
        "stop it (Ctrl-C in `make dev`) and run `make demo` again (its heartbeat is forgotten "
        f"{HEARTBEAT_TOLERANCE_SECONDS:.0f}s after it stopped), or let the demo use it: "
        "`make demo DEMO_ARGS=--reuse-daemon` (its own settings apply, so the demo's small "
        "jobs and two slots only if you started it with them), or give the demo an instance "
        "of its own: `make demo DAGSTER_HOME=/tmp/demo-home`."
    )


def forget_heartbeats(instance: DagsterInstance) -> None:
    """Once the demo's own daemon has exited: its last heartbeat must not make the next
    `make demo` think a daemon is still running."""
    instance.run_storage.wipe_daemon_heartbeats()
