"""One SQLAlchemy engine per ledger URL and process, set up for safe concurrent writers.

SQLite (the default, a file under the data root): WAL, a busy timeout, owner-only files, and
``BEGIN IMMEDIATE`` for write transactions, so two processes that tick at once queue for the
write lock instead of failing an upgrade from a read lock. PostgreSQL: a pre-pinged pool;
row claims are compare-and-set updates that hold on any isolation level.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import make_url

_ENGINES: dict[tuple[int, str], tuple[sa.Engine, sa.Engine]] = {}
_LOCK = threading.Lock()


def sqlite_url(path: Path | str) -> str:
    return f"sqlite:///{Path(path).expanduser().resolve()}"


def database_file(url: str) -> Path | None:
    """The file behind a SQLite URL (None for an in-memory or server database)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


def _prepare_sqlite_file(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
        os.close(fd)


def _sqlite_engines(url: str) -> tuple[sa.Engine, sa.Engine]:
    path = database_file(url)
    if path is not None:
        _prepare_sqlite_file(path)
    engine = sa.create_engine(url, connect_args={"timeout": 30})

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _on_begin(conn: sa.Connection) -> None:
        immediate = conn.get_execution_options().get("ledger_write", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine, engine.execution_options(ledger_write=True)


def engines(url: str) -> tuple[sa.Engine, sa.Engine]:
    """``(reader, writer)`` engines for ``url``, shared within a process (new after a fork)."""
    key = (os.getpid(), url)
    with _LOCK:
        if key not in _ENGINES:
            if make_url(url).get_backend_name() == "sqlite":
                _ENGINES[key] = _sqlite_engines(url)
            else:
                engine = sa.create_engine(url, pool_pre_ping=True)
                _ENGINES[key] = (engine, engine)
        return _ENGINES[key]
