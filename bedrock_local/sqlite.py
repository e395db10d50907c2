"""A SQLite file shared by several processes: WAL, busy timeout, short immediate transactions."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bedrock_local.files import private_dir


class SqliteFile:
    """Opens a connection per call (safe across processes); recreates the schema if the
    file is missing, whether on first use or because the data root was wiped."""

    def __init__(self, path: Path | str, schema: str) -> None:
        self.path = Path(path)
        self.schema = schema
        with self.connect() as conn:
            conn.executescript(schema)

    @contextmanager
    def connect(self) -> Iterator[sqlite3.Connection]:
        fresh = not self.path.exists()
        if fresh:
            private_dir(self.path.parent)
        conn = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        if fresh:
            os.chmod(self.path, 0o600)  # state files are owner-only, like the data
        conn.row_factory = sqlite3.Row
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA busy_timeout=30000")
            if fresh:
                conn.executescript(self.schema)
            yield conn
        finally:
            conn.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        with self.connect() as conn:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
