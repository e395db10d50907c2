"""One day's records across every attempt: a success in any attempt wins, errors retry
until the record's last attempt, and records of jobs that gave up are dead-lettered."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bedrock_assets.batch.contract import GAVE_UP_REASONS
from bedrock_assets.state.ledger import ShardRow


@dataclass
class DayMerge:
    """One day's records across all the shards that carried them (first tries and retries).

    A success in any attempt wins; otherwise the last error stands. Only errors are held in
    memory until the end, so memory follows the error count, not the day.
    """

    max_record_attempts: int
    attempts: dict[str, int] = field(default_factory=dict)
    errors: dict[str, dict[str, Any]] = field(default_factory=dict)
    gave_up: dict[str, str] = field(default_factory=dict)

    def add(self, row: dict[str, Any], shard: ShardRow) -> dict[str, Any] | None:
        """Returns the row to write now (a success), or None (an error held until the end)."""
        rid = row["record_id"]
        self.attempts[rid] = self.attempts.get(rid, 0) + 1
        if row["status"] == "success":
            self.errors.pop(rid, None)
            self.gave_up.pop(rid, None)
            return row
        self.errors[rid] = row
        # Missing from a job that exhausted its attempts, or that the user stopped: no retry.
        if row.get("error_code") == "missing_output" and shard.job_status in GAVE_UP_REASONS:
            self.gave_up[rid] = (
                "stopped_by_user" if shard.stop_requested else GAVE_UP_REASONS[shard.job_status]
            )
        else:
            self.gave_up.pop(rid, None)
        return None

    def finish(self) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """(rows to retry, rows dead-lettered), each marked with its final status."""
        retry, dead = [], []
        for rid, row in self.errors.items():
            attempts = self.attempts[rid]
            if rid in self.gave_up:
                row = {**row, "error_code": self.gave_up[rid]}
            if rid not in self.gave_up and attempts < self.max_record_attempts:
                retry.append({**row, "status": "retrying", "attempts": attempts})
            else:
                dead.append({**row, "status": "dead_letter", "attempts": attempts})
        return retry, dead
