"""Where a day stands while Bedrock works: jobs done of jobs, records processed, the queue.

Computed from the ledger alone (the sensor stores each job's live record counts from
``GetModelInvocationJob``), so the UI can show progress on every tick without another call
to Bedrock, and a waiting collect step can report it too.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from bedrock_assets.markdown import Markdown, md_table
from bedrock_assets.state.ledger import Ledger, ShardRow

QUEUED = ("pending", "submitting", "failed")


def collect_key(call_date: str, shards: list[ShardRow]) -> str:
    """The collect run's key for a day as its shards stand: a new attempt or a new shard
    makes a new key (so the day is collected again), the same ones never do."""
    source = "|".join(f"{s.shard_id}:{s.attempt}:{s.job_arn}" for s in shards)
    return f"batch-outputs-{call_date}-{hashlib.sha256(source.encode()).hexdigest()[:12]}"


@dataclass(frozen=True)
class JobProgress:
    shard: ShardRow
    day_records: int  # records of this day in the shard

    @property
    def processed(self) -> int:
        """Records the job has answered (all of them once the shard is finished)."""
        if self.shard.finished:
            return self.shard.record_count
        return self.shard.records_processed or 0

    @property
    def percent(self) -> float:
        return (
            round(100.0 * self.processed / self.shard.record_count, 1)
            if self.shard.record_count
            else 100.0
        )

    def row(self) -> tuple[object, ...]:
        s = self.shard
        status = s.job_status or s.state
        return (
            s.shard_id,
            s.job_id or "-",
            status,
            s.record_count,
            self.processed,
            _count(s.records_succeeded),
            _count(s.records_failed),
            self.percent,
        )


@dataclass
class DayProgress:
    call_date: str
    jobs: list[JobProgress] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.jobs)

    @property
    def finished(self) -> int:
        return sum(j.shard.finished for j in self.jobs)

    @property
    def queued(self) -> int:
        return sum(j.shard.state in QUEUED for j in self.jobs)

    @property
    def held(self) -> int:
        return sum(j.shard.state == "held" for j in self.jobs)

    @property
    def running(self) -> int:
        return sum(j.shard.state == "active" for j in self.jobs)

    @property
    def records(self) -> int:
        return sum(j.shard.record_count for j in self.jobs)

    @property
    def processed(self) -> int:
        return sum(j.processed for j in self.jobs)

    @property
    def done(self) -> bool:
        """Nothing left to wait for: every shard finished, or held by the below-minimum
        policy (its records stay pending, and the day is collected again when they finish)."""
        return all(j.shard.finished or j.shard.state == "held" for j in self.jobs)

    @property
    def complete(self) -> bool:
        return bool(self.jobs) and all(j.shard.finished for j in self.jobs)

    def headline(self) -> str:
        pct = 100.0 * self.processed / self.records if self.records else 100.0
        parts = [f"{self.finished} of {self.total} jobs done", f"{pct:.0f}% of records"]
        if self.running:
            parts.append(f"{self.running} running")
        if self.queued:
            parts.append(f"{self.queued} queued")
        if self.held:
            parts.append(f"{self.held} held below the job minimum")
        return f"{self.call_date}: " + ", ".join(parts)

    def metadata(self) -> dict[str, object]:
        """Numbers the UI plots per partition, and the jobs as a table."""
        return {
            "jobs_done": f"{self.finished} of {self.total}",
            "jobs_finished": self.finished,
            "jobs_total": self.total,
            "jobs_running": self.running,
            "shards_queued": self.queued,
            "shards_held": self.held,
            "records_total": self.records,
            "records_processed": self.processed,
            "records_succeeded": sum(j.shard.records_succeeded or 0 for j in self.jobs),
            "records_in_error": sum(j.shard.records_failed or 0 for j in self.jobs),
            "percent_processed": round(100.0 * self.processed / self.records, 1)
            if self.records
            else 100.0,
            "jobs": self.table(),
        }

    def table(self) -> Markdown:
        return md_table(
            ["shard", "job", "status", "records", "processed", "succeeded", "errors", "%"],
            [j.row() for j in self.jobs[:50]],
        )


def _count(value: int | None) -> object:
    """A live count Bedrock has reported, or "-" before it has."""
    return "-" if value is None else value


def day_progress(ledger: Ledger, call_date: str) -> DayProgress:
    counts = ledger.date_counts(call_date)
    return DayProgress(
        call_date,
        [JobProgress(s, counts.get(s.shard_id, 0)) for s in ledger.shards_for_date(call_date)],
    )
