"""Crash points: where a test may SIGKILL the process to prove nothing is lost or doubled.

Inert unless ``BEDROCK_ASSETS_CRASHPOINT`` names the point (the settings validate the name at
load); it exists for the crash tests, which set it in the environment of a child process.
"""

from __future__ import annotations

import os
import signal

POINTS = (
    "submit_before_create",  # the ledger says "submitting", Bedrock has not been called
    "submit_after_create",  # Bedrock created the job, the ledger has not recorded it
    "collect_after_outputs",  # the day's batch_outputs table is written, nothing else
    "collect_after_retries",  # dead letters written and retry shards registered
    "guard_before_write",  # summaries guarded, the table not yet written
)
VARIABLE = "BEDROCK_ASSETS_CRASHPOINT"


def crashpoint(name: str) -> None:
    if os.environ.get(VARIABLE) == name:
        os.kill(os.getpid(), signal.SIGKILL)
