"""The job ledger: one SQLite file recording every shard, its job and every transition.

It is the Dagster-side replacement for seed 004's DynamoDB table and survives restarts.
Shard states: ``held`` (below the job minimum), ``pending``, ``submitting`` (a create call
may be in flight: reconciled by job name on the next tick), ``active``, ``terminal``,
``superseded`` (replaced by a re-materialization before it was ever submitted), ``merged``
(a held shard whose records joined a later day's shards), ``on_demand`` (a held shard sent
to on-demand inference by the collect run). A shard may hold records of several call dates
(``shard_dates``): a day is finished when every shard holding its records is.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from bedrock_assets.core.sqlite_file import SqliteFile

TERMINAL_STATUSES = ("Completed", "PartiallyCompleted", "Failed", "Stopped", "Expired")
IN_FLIGHT_STATUSES = ("Submitted", "Validating", "Scheduled", "InProgress", "Stopping")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS shards (
    shard_id TEXT PRIMARY KEY,
    call_date TEXT NOT NULL,
    shard_index INTEGER NOT NULL,
    model_id TEXT NOT NULL,
    input_uri TEXT NOT NULL,
    output_uri TEXT NOT NULL,
    record_count INTEGER NOT NULL,
    byte_count INTEGER NOT NULL,
    file_count INTEGER NOT NULL,
    prompt_version TEXT NOT NULL,
    state TEXT NOT NULL,
    attempt INTEGER NOT NULL DEFAULT 1,
    job_name TEXT,
    client_token TEXT,
    job_arn TEXT,
    job_status TEXT,
    message TEXT,
    created_at REAL NOT NULL,
    submitted_at REAL,
    updated_at REAL NOT NULL,
    mode TEXT NOT NULL DEFAULT 'batch',
    merged_into TEXT,
    kind TEXT NOT NULL DEFAULT 'input',
    not_before REAL,
    stop_requested INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS shard_dates (
    shard_id TEXT NOT NULL,
    call_date TEXT NOT NULL,
    record_count INTEGER NOT NULL,
    PRIMARY KEY (shard_id, call_date)
);
CREATE INDEX IF NOT EXISTS shard_dates_date ON shard_dates(call_date);
CREATE INDEX IF NOT EXISTS shards_state ON shards(state, call_date, shard_index);
CREATE INDEX IF NOT EXISTS shards_date ON shards(call_date);
CREATE TABLE IF NOT EXISTS events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    ts REAL NOT NULL,
    shard_id TEXT NOT NULL,
    from_state TEXT,
    to_state TEXT NOT NULL,
    job_arn TEXT,
    job_status TEXT,
    message TEXT
);
CREATE TABLE IF NOT EXISTS partition_runs (
    call_date TEXT PRIMARY KEY,
    run_key TEXT NOT NULL,
    requested_at REAL NOT NULL
);
"""


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

    @property
    def job_id(self) -> str | None:
        return self.job_arn.rsplit("/", 1)[-1] if self.job_arn else None


class Ledger:
    def __init__(self, path: Path | str) -> None:
        self.db = SqliteFile(path, _SCHEMA)
        self.path = self.db.path
        self._connect = self.db.connect
        self._tx = self.db.transaction
        self._migrate()

    def _migrate(self) -> None:
        """Ledgers written before multi-day shards: add the columns and date rows."""
        with self._tx() as conn:
            cols = {r["name"] for r in conn.execute("PRAGMA table_info(shards)")}
            if "mode" not in cols:
                conn.execute("ALTER TABLE shards ADD COLUMN mode TEXT NOT NULL DEFAULT 'batch'")
            for name, ddl in (
                ("merged_into", "TEXT"),
                ("kind", "TEXT NOT NULL DEFAULT 'input'"),
                ("not_before", "REAL"),
                ("stop_requested", "INTEGER NOT NULL DEFAULT 0"),
            ):
                if name not in cols:
                    conn.execute(f"ALTER TABLE shards ADD COLUMN {name} {ddl}")
            conn.execute(
                "INSERT OR IGNORE INTO shard_dates SELECT shard_id, call_date, record_count "
                "FROM shards WHERE shard_id NOT IN (SELECT shard_id FROM shard_dates)"
            )

    @staticmethod
    def _row(row: sqlite3.Row) -> ShardRow:
        return ShardRow(**dict(row))

    @staticmethod
    def _insert(conn: sqlite3.Connection, s: ShardRow, now: float) -> None:
        conn.execute(
            "INSERT OR REPLACE INTO shards (shard_id, call_date, shard_index, model_id, "
            "input_uri, output_uri, record_count, byte_count, file_count, prompt_version, "
            "state, attempt, created_at, updated_at, kind) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (
                s.shard_id,
                s.call_date,
                s.shard_index,
                s.model_id,
                s.input_uri,
                s.output_uri,
                s.record_count,
                s.byte_count,
                s.file_count,
                s.prompt_version,
                s.state,
                1,
                now,
                now,
                s.kind,
            ),
        )

    def _event(
        self,
        conn: sqlite3.Connection,
        shard_id: str,
        from_state: str | None,
        to_state: str,
        job_arn: str | None = None,
        job_status: str | None = None,
        message: str | None = None,
    ) -> None:
        conn.execute(
            "INSERT INTO events (ts, shard_id, from_state, to_state, job_arn, job_status, message)"
            " VALUES (?,?,?,?,?,?,?)",
            (time.time(), shard_id, from_state, to_state, job_arn, job_status, message),
        )

    # -- registration ------------------------------------------------------------------------
    def register_partition(
        self,
        call_date: str,
        shards: Sequence[ShardRow],
        dates: Mapping[str, Mapping[str, int]] | None = None,
        absorbed: Sequence[str] = (),
    ) -> dict[str, int]:
        """Make ``shards`` the partition's shard set, idempotently.

        A shard already known (same id, i.e. same content) keeps its state and job. Shards of
        the date that were never submitted and are not in the new set are superseded.
        ``dates`` gives each shard's records per call date (default: all of ``call_date``);
        ``absorbed`` are earlier days' held shards whose records the new shards now carry.
        """
        now = time.time()
        kept = added = superseded = 0
        new_ids = {s.shard_id for s in shards}
        dates = dates or {s.shard_id: {call_date: s.record_count} for s in shards}
        with self._tx() as conn:
            existing = {
                r["shard_id"]: r["state"]
                for r in conn.execute(
                    "SELECT shard_id, state FROM shards WHERE call_date = ? AND kind = 'input'",
                    (call_date,),
                )
            }
            for shard_id, state in existing.items():
                if shard_id not in new_ids and state in ("held", "pending"):
                    conn.execute(
                        "UPDATE shards SET state='superseded', updated_at=? WHERE shard_id=?",
                        (now, shard_id),
                    )
                    self._event(conn, shard_id, state, "superseded")
                    superseded += 1
            for s in shards:
                for day, count in dates[s.shard_id].items():
                    conn.execute(
                        "INSERT OR REPLACE INTO shard_dates VALUES (?,?,?)",
                        (s.shard_id, day, count),
                    )
                if s.shard_id in existing and existing[s.shard_id] != "superseded":
                    kept += 1
                    continue
                self._insert(conn, s, now)
                self._event(conn, s.shard_id, None, s.state)
                added += 1
            touched = {call_date}
            for shard_id in absorbed:
                row = conn.execute(
                    "SELECT state, call_date FROM shards WHERE shard_id=?", (shard_id,)
                ).fetchone()
                touched.add(row["call_date"])
                if row["state"] == "held":
                    conn.execute(
                        "UPDATE shards SET state='merged', merged_into=?, updated_at=? "
                        "WHERE shard_id=?",
                        (call_date, now, shard_id),
                    )
                    self._event(
                        conn,
                        shard_id,
                        "held",
                        "merged",
                        message=f"records carried into {call_date}",
                    )
            for day in touched:
                conn.execute("DELETE FROM partition_runs WHERE call_date = ?", (day,))
        return {"added": added, "kept": kept, "superseded": superseded, "absorbed": len(absorbed)}

    def carry_candidates(self, before: str, model_id: str) -> list[ShardRow]:
        """Held shards of earlier days for the model (or already merged into ``before``, so
        a re-materialization of ``before`` carries them again)."""
        with self._connect() as conn:
            rows = conn.execute(
                "SELECT * FROM shards WHERE model_id=? AND call_date < ? AND "
                "(state='held' OR (state='merged' AND merged_into=?)) "
                "ORDER BY call_date, shard_index",
                (model_id, before, before),
            ).fetchall()
        return [self._row(r) for r in rows]

    def oldest_date(self, shard_id: str) -> str:
        """The earliest call date a shard holds records of (its records' waiting time)."""
        with self._connect() as conn:
            row = conn.execute(
                "SELECT MIN(call_date) FROM shard_dates WHERE shard_id=?", (shard_id,)
            ).fetchone()
        return row[0]

    def date_counts(self, call_date: str) -> dict[str, int]:
        """Records of ``call_date`` per live shard."""
        with self._connect() as conn:
            rows = conn.execute(
                "SELECT d.shard_id, d.record_count FROM shard_dates d JOIN shards s "
                "USING (shard_id) WHERE d.call_date=? AND s.state NOT IN ('superseded','merged')",
                (call_date,),
            ).fetchall()
        return {r["shard_id"]: r["record_count"] for r in rows}

    # -- queries -----------------------------------------------------------------------------
    def shard(self, shard_id: str) -> ShardRow | None:
        with self._connect() as conn:
            row = conn.execute("SELECT * FROM shards WHERE shard_id=?", (shard_id,)).fetchone()
        return self._row(row) if row else None

    def submittable(self, limit: int, now: float) -> list[ShardRow]:
        """Pending shards whose backoff has passed, oldest day first."""
        with self._connect() as conn:
            rows = conn.execute(
                "SELECT * FROM shards WHERE state='pending' AND (not_before IS NULL OR "
                "not_before <= ?) ORDER BY call_date, shard_index LIMIT ?",
                (now, int(limit)),
            ).fetchall()
        return [self._row(r) for r in rows]

    def shards_in_state(self, *states: str, limit: int | None = None) -> list[ShardRow]:
        sql = (
            f"SELECT * FROM shards WHERE state IN ({','.join('?' * len(states))}) "
            "ORDER BY call_date, shard_index"
        )
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        with self._connect() as conn:
            return [self._row(r) for r in conn.execute(sql, states)]

    def shards_for_date(self, call_date: str, include_superseded: bool = False) -> list[ShardRow]:
        """Live shards holding records of ``call_date`` (all of its own, with the flag)."""
        if include_superseded:
            sql, args = "SELECT * FROM shards WHERE call_date=? ORDER BY shard_index", (call_date,)
        else:
            sql = (
                "SELECT s.* FROM shards s JOIN shard_dates d USING (shard_id) "
                "WHERE d.call_date=? AND s.state NOT IN ('superseded','merged') "
                "ORDER BY s.call_date, s.shard_index"
            )
            args = (call_date,)
        with self._connect() as conn:
            return [self._row(r) for r in conn.execute(sql, args)]

    def events(self, shard_id: str | None = None) -> list[dict[str, Any]]:
        with self._connect() as conn:
            if shard_id:
                rows = conn.execute(
                    "SELECT * FROM events WHERE shard_id=? ORDER BY id", (shard_id,)
                )
            else:
                rows = conn.execute("SELECT * FROM events ORDER BY id")
            return [dict(r) for r in rows]

    def ready_partitions(self) -> list[tuple[str, list[ShardRow]]]:
        """Dates whose every shard is finished (terminal, or waiting for the collect run's
        on-demand pass) and whose downstream run was not yet requested."""
        with self._connect() as conn:
            dates = [
                r[0]
                for r in conn.execute(
                    "SELECT d.call_date FROM shard_dates d JOIN shards s USING (shard_id) "
                    "WHERE s.state NOT IN ('superseded','merged') "
                    "AND d.call_date NOT IN (SELECT call_date FROM partition_runs) "
                    "GROUP BY d.call_date "
                    "HAVING SUM(s.state NOT IN ('terminal','on_demand')) = 0 ORDER BY d.call_date"
                )
            ]
        return [(d, self.shards_for_date(d)) for d in dates]

    # -- transitions -------------------------------------------------------------------------
    def _transition(
        self, shard_id: str, to_state: str, expect: Sequence[str] | None = None, **fields: Any
    ) -> bool:
        now = time.time()
        with self._tx() as conn:
            row = conn.execute("SELECT state FROM shards WHERE shard_id=?", (shard_id,)).fetchone()
            if row is None or (expect is not None and row["state"] not in expect):
                return False
            fields["state"] = to_state
            fields["updated_at"] = now
            cols = ", ".join(f"{k}=?" for k in fields)
            conn.execute(f"UPDATE shards SET {cols} WHERE shard_id=?", (*fields.values(), shard_id))
            self._event(
                conn,
                shard_id,
                row["state"],
                to_state,
                fields.get("job_arn"),
                fields.get("job_status"),
                fields.get("message"),
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
        )

    def mark_pending(self, shard_id: str, message: str) -> bool:
        return self._transition(shard_id, "pending", ("submitting",), message=message)

    def record_status(self, shard_id: str, job_status: str, message: str | None) -> bool:
        state = "terminal" if job_status in TERMINAL_STATUSES else "active"
        current = self.shard(shard_id)
        if current is None or (current.job_status == job_status and current.state == state):
            return False
        return self._transition(
            shard_id, state, ("active",), job_status=job_status, message=message
        )

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
        )

    def cancel(self, shard_id: str) -> bool:
        """A shard stopped before it ever ran: terminal, ``Stopped``, no job."""
        return self._transition(
            shard_id,
            "terminal",
            ("pending", "held", "on_demand", "submitting"),
            job_status="Stopped",
            message="stopped before submission",
        )

    def request_stop(self, shard_id: str) -> None:
        with self._tx() as conn:
            conn.execute("UPDATE shards SET stop_requested=1 WHERE shard_id=?", (shard_id,))

    def add_retry_shards(
        self, call_date: str, shards: Sequence[ShardRow], dates: Mapping[str, Mapping[str, int]]
    ) -> None:
        """Register retry shards (records re-sent after an error) without touching the rest."""
        now = time.time()
        with self._tx() as conn:
            for s in shards:
                if conn.execute("SELECT 1 FROM shards WHERE shard_id=?", (s.shard_id,)).fetchone():
                    continue
                self._insert(conn, replace(s, kind="retry"), now)
                for day, count in dates[s.shard_id].items():
                    conn.execute(
                        "INSERT OR REPLACE INTO shard_dates VALUES (?,?,?)",
                        (s.shard_id, day, count),
                    )
                self._event(conn, s.shard_id, None, s.state, message="retry of failed records")
            for day in {d for m in dates.values() for d in m}:
                conn.execute("DELETE FROM partition_runs WHERE call_date = ?", (day,))

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

    def mark_requested(self, call_date: str, run_key: str) -> None:
        with self._tx() as conn:
            conn.execute(
                "INSERT OR REPLACE INTO partition_runs VALUES (?,?,?)",
                (call_date, run_key, time.time()),
            )
