"""One SQLAlchemy engine per ledger URL and process, set up for safe concurrent writers.

SQLite (the default, a file under the data root): WAL, a busy timeout, owner-only files, and
``BEGIN IMMEDIATE`` for write transactions, so two processes that tick at once queue for the
write lock instead of failing an upgrade from a read lock. A file deleted or replaced under a
long-running process (the daemon) is noticed: the engine is rebuilt on the new file instead of
writing to the unlinked one. PostgreSQL: a pre-pinged pool; row claims are compare-and-set
updates that hold on any isolation level.

Database errors a person must act on (a corrupt or unreadable file, a full disk, a server that
cannot be reached) are raised as :class:`LedgerUnavailable` naming the ledger and the way out.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from bedrock_assets.state.files import private_dir
from bedrock_assets.state.ledger.errors import REBUILD, LedgerUnavailable

_Identity = tuple[int, int, bool] | None  # (device, inode, has content) of a SQLite file
_ENGINES: dict[tuple[int, str], tuple[sa.Engine, sa.Engine, _Identity]] = {}
_LOCK = threading.Lock()
# SQLite messages that mean the file itself is unusable, not a passing lock.
_SQLITE_DAMAGE = ("malformed", "not a database", "disk i/o error", "disk is full", "readonly")


def sqlite_url(path: Path | str) -> str:
    return f"sqlite:///{Path(path).expanduser().resolve()}"


def database_file(url: str) -> Path | None:
    """The file behind a SQLite URL (None for an in-memory or server database)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


def describe(url: str) -> str:
    """Where the ledger is, fit for a message (a path, or the URL without its password)."""
    path = database_file(url)
    return str(path) if path is not None else make_url(url).render_as_string(hide_password=True)


def _file_identity(path: Path | None) -> _Identity:
    if path is None:
        return None
    try:
        st = path.stat()
    except FileNotFoundError:
        return None
    return (st.st_dev, st.st_ino, st.st_size > 0)


def _replaced(before: _Identity, now: _Identity) -> bool:
    """The file was deleted, replaced or truncated to nothing since the engine was built (a
    new file gaining its first pages is not a change)."""
    if before is None or now is None:
        return before != now
    return before[:2] != now[:2] or (before[2] and not now[2])


def _prepare_sqlite_file(path: Path) -> None:
    private_dir(path.parent)
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
        os.close(fd)


def _name_the_ledger(engine: sa.Engine, url: str) -> None:
    """Turn errors about the database itself into a LedgerUnavailable with the way out."""

    @sa.event.listens_for(engine, "handle_error")
    def _on_error(ctx: Any) -> None:
        original = ctx.original_exception
        text = str(original).lower()
        if isinstance(original, sqlite3.OperationalError) and "no such table" in text:
            raise LedgerUnavailable(
                f"the ledger {describe(url)} was deleted or replaced while in use ({original}); "
                "the next sensor tick or run checks it against the object store and says how "
                f"to restore it (`{REBUILD}`)"
            ) from original
        if isinstance(original, sqlite3.DatabaseError) and any(m in text for m in _SQLITE_DAMAGE):
            if "full" in text or "i/o" in text:
                fix = "free space on that file system (or move the data root) and retry"
            else:
                fix = f"move the file aside and run `{REBUILD}` to restore it from the object store"
            raise LedgerUnavailable(
                f"the ledger {describe(url)} cannot be used: {original}; {fix}"
            ) from original
        if ctx.is_disconnect or isinstance(original, ConnectionError):
            raise LedgerUnavailable(
                f"the ledger database {describe(url)} cannot be reached: {original}"
            ) from original


def _sqlite_engines(url: str) -> tuple[sa.Engine, sa.Engine]:
    path = database_file(url)
    if path is not None:
        _prepare_sqlite_file(path)
    # No pooled connection stays open between ledger calls: a file deleted or truncated while
    # the process lives is seen by the next call (an open WAL connection would write its old
    # pages back into the file when it closes).
    engine = sa.create_engine(url, connect_args={"timeout": 30}, poolclass=sa.pool.NullPool)

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA busy_timeout=30000")
        except sqlite3.DatabaseError as exc:
            raise LedgerUnavailable(
                f"the ledger {describe(url)} cannot be used: {exc}; move the file aside and "
                f"run `{REBUILD}` to restore it from the object store"
            ) from exc
        finally:
            cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _on_begin(conn: sa.Connection) -> None:
        immediate = conn.get_execution_options().get("ledger_write", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    _name_the_ledger(engine, url)
    return engine, engine.execution_options(ledger_write=True)


def engines(url: str) -> tuple[sa.Engine, sa.Engine]:
    """``(reader, writer)`` engines for ``url``, shared within a process (new after a fork,
    and new when the SQLite file was deleted or replaced since)."""
    key = (os.getpid(), url)
    path = database_file(url)
    with _LOCK:
        known = _ENGINES.get(key)
        if known is not None and path is not None:
            now = _file_identity(path)
            if _replaced(known[2], now):
                known[0].dispose()
                known = None
            elif now != known[2]:
                known = _ENGINES[key] = (known[0], known[1], now)
        if known is None:
            if make_url(url).get_backend_name() == "sqlite":
                reader, writer = _sqlite_engines(url)
            else:
                reader = sa.create_engine(url, pool_pre_ping=True)
                _name_the_ledger(reader, url)
                writer = reader
            known = (reader, writer, _file_identity(path))
            _ENGINES[key] = known
        return known[0], known[1]
