"""Forward-only migrations of the ledger, recorded in ``schema_version``.

Every process runs :func:`migrate` when it first opens a ledger URL: pending migrations run
in one write transaction (serialised by the write lock on SQLite and by an advisory lock on
PostgreSQL), so concurrent starts apply each migration exactly once. A new migration is a new
entry at the end of :data:`MIGRATIONS`; entries are never edited once released.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable

import sqlalchemy as sa
from alembic.migration import MigrationContext
from alembic.operations import Operations

from bedrock_assets.state.ledger.schema import (
    calls,
    leases,
    ledger_info,
    metadata,
    schema_version,
    shard_dates,
    shards,
)

_PG_LOCK_KEY = 0x6264726B  # "bdrk": one advisory lock id for this project's migrations


def _v1_initial(conn: sa.Connection) -> None:
    """Create the schema; a ledger written before versioning gets its missing columns and
    the per-date rows of its shards."""
    metadata.create_all(conn, checkfirst=True)
    _add_missing_columns(conn)
    known = sa.select(shard_dates.c.shard_id)
    conn.execute(
        sa.insert(shard_dates).from_select(
            ["shard_id", "call_date", "record_count"],
            sa.select(shards.c.shard_id, shards.c.call_date, shards.c.record_count).where(
                shards.c.shard_id.not_in(known)
            ),
        )
    )


def _add_missing_columns(conn: sa.Connection) -> None:
    have = {c["name"] for c in sa.inspect(conn).get_columns("shards")}
    ops = Operations(MigrationContext.configure(conn))
    for column in shards.columns:
        if column.name not in have:
            ops.add_column("shards", column._copy())


def _v2_failures(conn: sa.Connection) -> None:
    """Shards can fail permanently on submit (``error_code``); transient errors back off."""
    _add_missing_columns(conn)


def _v3_calls(conn: sa.Connection) -> None:
    """Calls per shard and request versions: re-runs reconcile instead of resending."""
    _add_missing_columns(conn)
    calls.create(conn, checkfirst=True)


def _v4_identity(conn: sa.Connection) -> None:
    """A ledger id, bound to the object store on first use (see batch/recovery.py)."""
    ledger_info.create(conn, checkfirst=True)
    conn.execute(sa.insert(ledger_info).values(key="ledger_id", value=uuid.uuid4().hex))


def _v5_progress(conn: sa.Connection) -> None:
    """Live record counts per job (processed, succeeded, failed); the submit lease."""
    _add_missing_columns(conn)
    leases.create(conn, checkfirst=True)


MIGRATIONS: list[tuple[int, str, Callable[[sa.Connection], None]]] = [
    (1, "initial schema", _v1_initial),
    (2, "failed shards and submit backoff", _v2_failures),
    (3, "calls and request versions", _v3_calls),
    (4, "ledger identity", _v4_identity),
    (5, "job progress and leases", _v5_progress),
]
LATEST = MIGRATIONS[-1][0]


def current_version(conn: sa.Connection) -> int:
    if not sa.inspect(conn).has_table("schema_version"):
        return 0
    return conn.execute(sa.select(sa.func.max(schema_version.c.version))).scalar() or 0


def migrate(writer: sa.Engine) -> list[int]:
    """Apply pending migrations; returns the versions applied by this call."""
    applied = []
    with writer.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK_KEY})
        schema_version.create(conn, checkfirst=True)
        current = current_version(conn)
        for version, description, step in MIGRATIONS:
            if version <= current:
                continue
            step(conn)
            conn.execute(
                sa.insert(schema_version).values(
                    version=version, applied_at=time.time(), description=description
                )
            )
            applied.append(version)
    return applied
