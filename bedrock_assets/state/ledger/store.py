"""The job ledger: every shard, its job and every transition, in any SQLAlchemy database.

It is the Dagster-side replacement for seed 004's DynamoDB table and survives restarts.
Shard states: ``held`` (below the job minimum), ``pending``, ``submitting`` (a create call
may be in flight: reconciled by job name on the next tick), ``active``, ``terminal``,
``failed`` (Bedrock refused the job for good: waits for a fix and a requeue),
``superseded`` (replaced by a re-materialization before it was ever submitted), ``merged``
(a held shard whose records joined a later day's shards), ``on_demand`` (a held shard sent
to on-demand inference by the collect run). A shard may hold records of several call dates
(``shard_dates``): a day is finished when every shard holding its records is.

Every transition is a compare-and-set (``UPDATE ... WHERE state IN (expected)``), so when two
processes race for a shard exactly one of them moves it.
"""

from __future__ import annotations

import time
import weakref
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, fields, replace
from typing import Any

import sqlalchemy as sa

from bedrock_assets.state.ledger.engine import describe, engines
from bedrock_assets.state.ledger.migrations import current_version, migrate
from bedrock_assets.state.ledger.schema import (
    calls,
    events,
    leases,
    ledger_info,
    partition_runs,
    shard_dates,
    shards,
)

GONE = ("superseded", "merged")  # states of shards that no longer hold a day's records
FINISHED = ("terminal", "on_demand")
# Shards whose calls were sent, or handed on (merged into a later day's shard): their calls
# are not sent again by a re-run. Anything else (never submitted) can still be rebuilt.
SENT_STATES = ("submitting", "active", "terminal", "on_demand", "merged")


def _live() -> sa.ColumnElement[bool]:
    """Shards that hold their day's records (not replaced, merged away or re-summarized)."""
    return sa.and_(shards.c.state.not_in(GONE), shards.c.obsolete == 0)


def _sent() -> sa.ColumnElement[bool]:
    return sa.or_(shards.c.state.in_(SENT_STATES), shards.c.attempt > 1)


@dataclass(frozen=True)
class ShardRow:
    shard_id: str
    call_date: str
    shard_index: int
    model_id: str
    input_uri: str
    output_uri: str
    record_count: int
    byte_count: int
    file_count: int
    prompt_version: str
    state: str
    attempt: int = 1
    job_name: str | None = None
    client_token: str | None = None
    job_arn: str | None = None
    job_status: str | None = None
    message: str | None = None
    created_at: float = 0.0
    submitted_at: float | None = None
    updated_at: float = 0.0
    mode: str = "batch"
    merged_into: str | None = None
    kind: str = "input"  # or "retry": records re-sent after an error; never superseded
    not_before: float | None = None  # backoff before the next attempt is submitted
    stop_requested: int = 0
    deferrals: int = 0  # transient submit errors in a row
    error_code: str | None = None  # a permanent submit error (state "failed")
    request_version: str = ""  # prompt, model and generation settings of its records
    obsolete: int = 0  # replaced by a re-summarization under a newer request version
    records_processed: int | None = None  # the job's live counts (GetModelInvocationJob)
    records_succeeded: int | None = None
    records_failed: int | None = None

    @property
    def finished(self) -> bool:
        return self.state in FINISHED

    @property
    def job_id(self) -> str | None:
        return self.job_arn.rsplit("/", 1)[-1] if self.job_arn else None


_SHARD_FIELDS = [f.name for f in fields(ShardRow)]
_MIGRATED: weakref.WeakSet[sa.Engine] = weakref.WeakSet()  # engines whose schema is current


def _row(row: sa.Row) -> ShardRow:
    return ShardRow(**{k: row._mapping[k] for k in _SHARD_FIELDS})


class Ledger:
    """The ledger at one database URL (``sqlite:///...`` or ``postgresql+psycopg://...``)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._read, self._write = engines(url)
        if self._read not in _MIGRATED:
            migrate(self._write)
            _MIGRATED.add(self._read)

    def where(self) -> str:
        """The ledger's location for messages (a path, or the URL without its password)."""
        return describe(self.url)

    def ledger_id(self) -> str:
        """This ledger's identity (a new ledger, even at the same path, has a new one)."""
        with self._read.connect() as conn:
            return conn.execute(
                sa.select(ledger_info.c.value).where(ledger_info.c.key == "ledger_id")
            ).scalar_one()

    def adopt_id(self, ledger_id: str) -> None:
        """Take over a lost ledger's identity (after rebuilding its contents)."""
        with self._tx() as conn:
            conn.execute(
                sa.update(ledger_info)
                .where(ledger_info.c.key == "ledger_id")
                .values(value=ledger_id)
            )

    def is_empty(self) -> bool:
        """No shard was ever registered here."""
        with self._read.connect() as conn:
            return conn.execute(sa.select(shards.c.shard_id).limit(1)).first() is None

    def schema_version(self) -> int:
        with self._read.connect() as conn:
            return current_version(conn)

    # -- plumbing ----------------------------------------------------------------------------
    def _tx(self) -> Any:
        """A write transaction (takes the write lock up front on SQLite)."""
        return self._write.begin()

    def _rows(self, query: sa.Select) -> list[ShardRow]:
        with self._read.connect() as conn:
            return [_row(r) for r in conn.execute(query)]

    @staticmethod
    def _event(
        conn: sa.Connection,
        shard_id: str,
        from_state: str | None,
        to_state: str,
        job_arn: str | None = None,
        job_status: str | None = None,
        message: str | None = None,
    ) -> None:
        conn.execute(
            sa.insert(events).values(
                ts=time.time(),
                shard_id=shard_id,
                from_state=from_state,
                to_state=to_state,
                job_arn=job_arn,
                job_status=job_status,
                message=message,
            )
        )

    @staticmethod
    def _put_shard(conn: sa.Connection, s: ShardRow, now: float) -> None:
        """Insert a new shard row, or reset a known one to ``s`` (its first attempt)."""
        values = {
            **asdict(s),
            "attempt": 1,
            "created_at": now,
            "updated_at": now,
            "job_name": None,
            "client_token": None,
            "job_arn": None,
            "job_status": None,
            "message": None,
            "submitted_at": None,
            "mode": "batch",
            "merged_into": None,
            "not_before": None,
            "stop_requested": 0,
            "deferrals": 0,
            "error_code": None,
            "obsolete": 0,
            "records_processed": None,
            "records_succeeded": None,
            "records_failed": None,
        }
        updated = conn.execute(
            sa.update(shards).where(shards.c.shard_id == s.shard_id).values(values)
        )
        if updated.rowcount == 0:
            conn.execute(sa.insert(shards).values(values))

    @staticmethod
    def _put_dates(conn: sa.Connection, shard_id: str, dates: Mapping[str, int]) -> None:
        conn.execute(sa.delete(shard_dates).where(shard_dates.c.shard_id == shard_id))
        if dates:
            conn.execute(
                sa.insert(shard_dates),
                [
                    {"shard_id": shard_id, "call_date": d, "record_count": n}
                    for d, n in dates.items()
                ],
            )

    @staticmethod
    def _forget_runs(conn: sa.Connection, days: set[str]) -> None:
        conn.execute(sa.delete(partition_runs).where(partition_runs.c.call_date.in_(days)))

    # -- registration ------------------------------------------------------------------------
    def register_partition(
        self,
        call_date: str,
        new_shards: Sequence[ShardRow],
        dates: Mapping[str, Mapping[str, int]] | None = None,
        absorbed: Sequence[str] = (),
    ) -> dict[str, int]:
        """Make ``new_shards`` the partition's shard set, idempotently.

        A shard already known (same id, i.e. same content) keeps its state and job. Shards of
        the date that were never submitted and are not in the new set are superseded.
        ``dates`` gives each shard's records per call date (default: all of ``call_date``);
        ``absorbed`` are earlier days' held shards whose records the new shards now carry.
        """
        now = time.time()
        kept = added = superseded = 0
        new_ids = {s.shard_id for s in new_shards}
        dates = dates or {s.shard_id: {call_date: s.record_count} for s in new_shards}
        with self._tx() as conn:
            existing = dict(
                conn.execute(
                    sa.select(shards.c.shard_id, shards.c.state).where(
                        shards.c.call_date == call_date, shards.c.kind == "input"
                    )
                ).all()
            )
            unsent = {
                r.shard_id
                for r in conn.execute(
                    sa.select(shards.c.shard_id).where(
                        shards.c.call_date == call_date,
                        shards.c.kind == "input",
                        shards.c.state.in_(("held", "pending", "failed")),
                        shards.c.attempt == 1,
                    )
                )
            }
            for shard_id, state in existing.items():
                if shard_id not in new_ids and shard_id in unsent:
                    conn.execute(
                        sa.update(shards)
                        .where(shards.c.shard_id == shard_id)
                        .values(state="superseded", updated_at=now)
                    )
                    self._event(conn, shard_id, state, "superseded")
                    superseded += 1
            for s in new_shards:
                self._put_dates(conn, s.shard_id, dates[s.shard_id])
                if s.shard_id in existing and existing[s.shard_id] != "superseded":
                    kept += 1
                    continue
                self._put_shard(conn, s, now)
                self._event(conn, s.shard_id, None, s.state)
                added += 1
            touched = {call_date}
            for shard_id in absorbed:
                row = conn.execute(
                    sa.select(shards.c.state, shards.c.call_date).where(
                        shards.c.shard_id == shard_id
                    )
                ).one()
                touched.add(row.call_date)
                if row.state == "held":
                    conn.execute(
                        sa.update(shards)
                        .where(shards.c.shard_id == shard_id)
                        .values(state="merged", merged_into=call_date, updated_at=now)
                    )
                    self._event(
                        conn,
                        shard_id,
                        "held",
                        "merged",
                        message=f"records carried into {call_date}",
                    )
            self._forget_runs(conn, touched)
        return {"added": added, "kept": kept, "superseded": superseded, "absorbed": len(absorbed)}

    def add_retry_shards(
        self,
        call_date: str,
        new_shards: Sequence[ShardRow],
        dates: Mapping[str, Mapping[str, int]],
    ) -> None:
        """Register retry shards (records re-sent after an error) without touching the rest."""
        now = time.time()
        with self._tx() as conn:
            for s in new_shards:
                known = conn.execute(
                    sa.select(shards.c.shard_id).where(shards.c.shard_id == s.shard_id)
                ).first()
                if known:
                    continue
                self._put_shard(conn, replace(s, kind="retry"), now)
                self._put_dates(conn, s.shard_id, dates[s.shard_id])
                self._event(conn, s.shard_id, None, s.state, message="retry of failed records")
            self._forget_runs(conn, {d for m in dates.values() for d in m})

    def put_calls(
        self, shard_id: str, request_version: str, rows: Iterable[tuple[str, str, str]]
    ) -> int:
        """The calls a shard carries, as ``(call date, transcript id, record id)``; replaces
        what a crashed earlier attempt may have written for the same shard."""
        values = [
            {
                "shard_id": shard_id,
                "transcript_id": tid,
                "call_date": day,
                "record_id": rid,
                "request_version": request_version,
            }
            for day, tid, rid in rows
        ]
        with self._tx() as conn:
            conn.execute(sa.delete(calls).where(calls.c.shard_id == shard_id))
            for start in range(0, len(values), 5000):
                conn.execute(sa.insert(calls), values[start : start + 5000])
        return len(values)

    def covered(
        self, call_date: str, transcript_ids: Sequence[str], request_version: str | None = None
    ) -> set[str]:
        """Which of the calls were already sent (under ``request_version``, or any)."""
        if not transcript_ids:
            return set()
        query = (
            sa.select(calls.c.transcript_id)
            .join(shards, shards.c.shard_id == calls.c.shard_id)
            .where(
                calls.c.call_date == call_date,
                calls.c.transcript_id.in_(list(transcript_ids)),
                shards.c.state != "superseded",
                _sent(),
            )
        )
        if request_version is not None:
            query = query.where(calls.c.request_version == request_version)
        with self._read.connect() as conn:
            return {r.transcript_id for r in conn.execute(query)}

    def next_shard_index(self, call_date: str) -> int:
        """The index new input shards of the day start at: after every sent one, so late
        calls get shards (and job names) of their own."""
        with self._read.connect() as conn:
            top = conn.execute(
                sa.select(sa.func.max(shards.c.shard_index)).where(
                    shards.c.call_date == call_date, shards.c.kind == "input", _sent()
                )
            ).scalar()
        return 0 if top is None else int(top) + 1

    def mark_obsolete(self, call_date: str, keep_version: str) -> list[ShardRow]:
        """After a re-summarization: the day's sent shards of older request versions that
        hold only this day's records stop counting (their output is history); returns them."""
        only_this_day = sa.select(shard_dates.c.shard_id).where(
            shard_dates.c.call_date != call_date
        )
        query = sa.select(shards).where(
            shards.c.call_date == call_date,
            shards.c.request_version != keep_version,
            shards.c.obsolete == 0,
            shards.c.shard_id.not_in(only_this_day),
            _sent(),
        )
        found = self._rows(query)
        if found:
            with self._tx() as conn:
                conn.execute(
                    sa.update(shards)
                    .where(shards.c.shard_id.in_([s.shard_id for s in found]))
                    .values(obsolete=1, updated_at=time.time())
                )
                for s in found:
                    self._event(
                        conn, s.shard_id, s.state, s.state, message="superseded by re-summarization"
                    )
                self._forget_runs(conn, {call_date})
        return found

    def restore(
        self,
        rows: Sequence[ShardRow],
        dates: Mapping[str, Mapping[str, int]],
        calls_by_shard: Mapping[str, Sequence[tuple[str, str, str]]],
    ) -> None:
        """Write rebuilt shards as they are (states, attempts, jobs), in one transaction."""
        now = time.time()
        versions = {s.shard_id: s.request_version for s in rows}
        with self._tx() as conn:
            for s in rows:
                conn.execute(sa.insert(shards).values({**asdict(s), "updated_at": now}))
                self._put_dates(conn, s.shard_id, dates[s.shard_id])
                self._event(
                    conn, s.shard_id, None, s.state, s.job_arn, s.job_status, "restored by rebuild"
                )
            for shard_id, members in calls_by_shard.items():
                version = versions[shard_id]
                values = [
                    {
                        "shard_id": shard_id,
                        "call_date": day,
                        "transcript_id": tid,
                        "record_id": rid,
                        "request_version": version,
                    }
                    for day, tid, rid in members
                ]
                for start in range(0, len(values), 5000):
                    conn.execute(sa.insert(calls), values[start : start + 5000])

    # -- queries -----------------------------------------------------------------------------
    def carry_candidates(self, before: str, model_id: str) -> list[ShardRow]:
        """Held shards of earlier days for the model (or already merged into ``before``, so
        a re-materialization of ``before`` carries them again)."""
        return self._rows(
            sa.select(shards)
            .where(
                shards.c.model_id == model_id,
                shards.c.call_date < before,
                sa.or_(
                    shards.c.state == "held",
                    sa.and_(shards.c.state == "merged", shards.c.merged_into == before),
                ),
            )
            .order_by(shards.c.call_date, shards.c.shard_index)
        )

    def oldest_date(self, shard_id: str) -> str:
        """The earliest call date a shard holds records of (its records' waiting time)."""
        with self._read.connect() as conn:
            return conn.execute(
                sa.select(sa.func.min(shard_dates.c.call_date)).where(
                    shard_dates.c.shard_id == shard_id
                )
            ).scalar_one()

    def date_counts(self, call_date: str) -> dict[str, int]:
        """Records of ``call_date`` per live shard."""
        query = (
            sa.select(shard_dates.c.shard_id, shard_dates.c.record_count)
            .join(shards, shards.c.shard_id == shard_dates.c.shard_id)
            .where(shard_dates.c.call_date == call_date, _live())
        )
        with self._read.connect() as conn:
            return {r.shard_id: r.record_count for r in conn.execute(query)}

    def shard(self, shard_id: str) -> ShardRow | None:
        found = self._rows(sa.select(shards).where(shards.c.shard_id == shard_id))
        return found[0] if found else None

    def submittable(self, limit: int, now: float) -> list[ShardRow]:
        """Pending shards whose backoff has passed, oldest day first."""
        return self._rows(
            sa.select(shards)
            .where(
                shards.c.state == "pending",
                sa.or_(shards.c.not_before.is_(None), shards.c.not_before <= now),
            )
            .order_by(shards.c.call_date, shards.c.shard_index)
            .limit(int(limit))
        )

    def submissions(self, call_date: str) -> tuple[int, int]:
        """``(batch jobs, records sent)`` for a day's records: every job any shard holding
        them got (retries and re-summarizations included), each sending the day's records
        it holds; records sent on demand count once."""
        sent = (
            sa.select(
                shard_dates.c.shard_id,
                shard_dates.c.record_count,
                shards.c.mode,
                shards.c.state,
            )
            .join(shards, shards.c.shard_id == shard_dates.c.shard_id)
            .where(shard_dates.c.call_date == call_date)
        )
        jobs = (
            sa.select(events.c.shard_id, sa.func.count(sa.distinct(events.c.job_arn)).label("n"))
            .where(events.c.to_state == "active", events.c.job_arn.is_not(None))
            .group_by(events.c.shard_id)
        )
        with self._read.connect() as conn:
            per_shard = {r.shard_id: r.n for r in conn.execute(jobs)}
            batch_jobs = records = 0
            for row in conn.execute(sent):
                n = per_shard.get(row.shard_id, 0)
                batch_jobs += n
                records += n * row.record_count
                if row.mode == "on_demand" and row.state == "terminal":
                    records += row.record_count
        return batch_jobs, records

    def obsolete_unfinished(self) -> list[ShardRow]:
        """Shards a re-summarization replaced that still run or wait to run."""
        return self._rows(
            sa.select(shards).where(
                shards.c.obsolete == 1,
                shards.c.stop_requested == 0,
                shards.c.state.in_(("pending", "held", "failed", "active")),
            )
        )

    def shards_in_state(self, *states: str, limit: int | None = None) -> list[ShardRow]:
        query = (
            sa.select(shards)
            .where(shards.c.state.in_(states))
            .order_by(shards.c.call_date, shards.c.shard_index)
        )
        return self._rows(query if limit is None else query.limit(int(limit)))

    def shards_for_date(self, call_date: str, include_superseded: bool = False) -> list[ShardRow]:
        """Live shards holding records of ``call_date`` (all of its own, with the flag)."""
        if include_superseded:
            return self._rows(
                sa.select(shards)
                .where(shards.c.call_date == call_date)
                .order_by(shards.c.shard_index)
            )
        return self._rows(
            sa.select(shards)
            .join(shard_dates, shards.c.shard_id == shard_dates.c.shard_id)
            .where(shard_dates.c.call_date == call_date, _live())
            .order_by(shards.c.call_date, shards.c.shard_index)
        )

    def pending_records(self, call_date: str) -> int:
        """Records of ``call_date`` in shards that are not finished (held, queued, running)."""
        counts = self.date_counts(call_date)
        return sum(
            counts[s.shard_id] for s in self.shards_for_date(call_date) if s.state != "terminal"
        )

    def events(self, shard_id: str | None = None) -> list[dict[str, Any]]:
        query = sa.select(events).order_by(events.c.id)
        if shard_id:
            query = query.where(events.c.shard_id == shard_id)
        with self._read.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(query)]

    def ready_partitions(self) -> list[tuple[str, list[ShardRow]]]:
        """Dates whose every shard is finished (terminal, or waiting for the collect run's
        on-demand pass) and whose downstream run was not yet requested."""
        unfinished = sa.func.sum(sa.case((shards.c.state.not_in(FINISHED), 1), else_=0))
        query = (
            sa.select(shard_dates.c.call_date)
            .join(shards, shards.c.shard_id == shard_dates.c.shard_id)
            .where(
                _live(),
                shard_dates.c.call_date.not_in(sa.select(partition_runs.c.call_date)),
            )
            .group_by(shard_dates.c.call_date)
            .having(unfinished == 0)
            .order_by(shard_dates.c.call_date)
        )
        with self._read.connect() as conn:
            dates = [r.call_date for r in conn.execute(query)]
        return [(d, self.shards_for_date(d)) for d in dates]

    # -- transitions -------------------------------------------------------------------------
    def _transition(
        self, shard_id: str, to_state: str, expect: Sequence[str] | None = None, **values: Any
    ) -> bool:
        """Move a shard to ``to_state`` if it is in one of ``expect``; False if it was not
        (another process moved it first, or it does not exist)."""
        values.update(state=to_state, updated_at=time.time())
        with self._tx() as conn:
            where = [shards.c.shard_id == shard_id]
            if expect is not None:
                where.append(shards.c.state.in_(expect))
            before = conn.execute(sa.select(shards.c.state).where(*where).with_for_update()).first()
            if before is None:
                return False
            moved = conn.execute(sa.update(shards).where(*where).values(values))
            if moved.rowcount != 1:
                return False
            self._event(
                conn,
                shard_id,
                before.state,
                to_state,
                values.get("job_arn"),
                values.get("job_status"),
                values.get("message"),
            )
        return True

    def mark_submitting(self, shard_id: str, job_name: str, client_token: str) -> bool:
        return self._transition(
            shard_id,
            "submitting",
            ("pending", "submitting"),
            job_name=job_name,
            client_token=client_token,
        )

    def mark_active(self, shard_id: str, job_arn: str, job_status: str) -> bool:
        return self._transition(
            shard_id,
            "active",
            ("submitting",),
            job_arn=job_arn,
            job_status=job_status,
            submitted_at=time.time(),
            deferrals=0,
        )

    def mark_pending(self, shard_id: str, message: str) -> bool:
        """Back to the queue: no job was created (an interrupted submission)."""
        return self._transition(shard_id, "pending", ("submitting",), message=message)

    def defer(self, shard_id: str, message: str, not_before: float) -> bool:
        """A transient submit error: back to the queue, not before ``not_before``."""
        current = self.shard(shard_id)
        if current is None:
            return False
        return self._transition(
            shard_id,
            "pending",
            ("submitting",),
            message=message,
            not_before=not_before,
            deferrals=current.deferrals + 1,
        )

    def mark_failed(self, shard_id: str, error_code: str, message: str) -> bool:
        """A permanent submit error: the shard waits, visibly, for a fix and a requeue."""
        return self._transition(
            shard_id,
            "failed",
            ("submitting",),
            error_code=error_code,
            message=f"{error_code}: {message}",
        )

    def requeue_failed(self, call_date: str | None = None) -> list[str]:
        """Failed shards (of ``call_date``, or all) back to the queue, e.g. after a fix."""
        failed = [
            s.shard_id
            for s in self.shards_in_state("failed")
            if call_date is None or call_date in self.shard_dates(s.shard_id)
        ]
        return [
            shard_id
            for shard_id in failed
            if self._transition(
                shard_id,
                "pending",
                ("failed",),
                error_code=None,
                deferrals=0,
                not_before=None,
                message="requeued after a permanent error",
            )
        ]

    def shard_dates(self, shard_id: str) -> dict[str, int]:
        with self._read.connect() as conn:
            rows = conn.execute(
                sa.select(shard_dates.c.call_date, shard_dates.c.record_count).where(
                    shard_dates.c.shard_id == shard_id
                )
            )
            return {r.call_date: r.record_count for r in rows}

    def record_status(
        self, shard_id: str, job_status: str, message: str | None, terminal: bool
    ) -> bool:
        """An active job's new status; a terminal one finishes the shard."""
        state = "terminal" if terminal else "active"
        current = self.shard(shard_id)
        if current is None or (current.job_status == job_status and current.state == state):
            return False
        return self._transition(
            shard_id, state, ("active",), job_status=job_status, message=message
        )

    def record_progress(self, shard_id: str, processed: int, succeeded: int, failed: int) -> bool:
        """A running job's record counts; True if they changed (no event row: counts are not
        state transitions)."""
        counts = {
            "records_processed": processed,
            "records_succeeded": succeeded,
            "records_failed": failed,
        }
        changed = sa.or_(*(sa.func.coalesce(shards.c[k], -1) != v for k, v in counts.items()))
        with self._tx() as conn:
            moved = conn.execute(
                sa.update(shards).where(shards.c.shard_id == shard_id, changed).values(counts)
            )
        return moved.rowcount == 1

    def resubmit(
        self, shard_id: str, job_status: str, message: str | None, not_before: float
    ) -> bool:
        """A failed, expired or stopped job: the same records again as the next attempt."""
        current = self.shard(shard_id)
        if current is None:
            return False
        return self._transition(
            shard_id,
            "pending",
            ("active",),
            job_status=job_status,
            message=f"attempt {current.attempt} ended {job_status}: {message or ''}".strip(),
            attempt=current.attempt + 1,
            not_before=not_before,
            job_arn=None,
            job_name=None,
            client_token=None,
            records_processed=None,
            records_succeeded=None,
            records_failed=None,
        )

    def cancel(self, shard_id: str) -> bool:
        """A shard stopped before it ever ran: terminal, ``Stopped``, no job."""
        return self._transition(
            shard_id,
            "terminal",
            ("pending", "held", "on_demand", "submitting", "failed"),
            job_status="Stopped",
            message="stopped before submission",
        )

    def request_stop(self, shard_id: str) -> None:
        with self._tx() as conn:
            conn.execute(
                sa.update(shards).where(shards.c.shard_id == shard_id).values(stop_requested=1)
            )

    def mark_on_demand(self, shard_id: str, reason: str) -> bool:
        return self._transition(shard_id, "on_demand", ("held",), message=reason)

    def mark_on_demand_done(self, shard_id: str, job_status: str, message: str | None) -> bool:
        return self._transition(
            shard_id,
            "terminal",
            ("on_demand",),
            job_status=job_status,
            message=message,
            mode="on_demand",
        )

    def take_lease(self, name: str, owner: str, seconds: float) -> bool:
        """Hold ``name`` for ``seconds`` unless another owner holds it unexpired; True if
        ``owner`` holds it now. A crashed holder's lease simply runs out."""
        now = time.time()
        try:
            with self._tx() as conn:
                moved = conn.execute(
                    sa.update(leases)
                    .where(
                        leases.c.name == name,
                        sa.or_(leases.c.owner == owner, leases.c.expires_at < now),
                    )
                    .values(owner=owner, expires_at=now + seconds)
                )
                if moved.rowcount == 1:
                    return True
                if conn.execute(sa.select(leases.c.name).where(leases.c.name == name)).first():
                    return False
                conn.execute(
                    sa.insert(leases).values(name=name, owner=owner, expires_at=now + seconds)
                )
                return True
        except sa.exc.IntegrityError:  # another process inserted it first
            return False

    def release_lease(self, name: str, owner: str) -> None:
        with self._tx() as conn:
            conn.execute(sa.delete(leases).where(leases.c.name == name, leases.c.owner == owner))

    def mark_requested(self, call_date: str, run_key: str) -> None:
        with self._tx() as conn:
            self._forget_runs(conn, {call_date})
            conn.execute(
                sa.insert(partition_runs).values(
                    call_date=call_date, run_key=run_key, requested_at=time.time()
                )
            )
