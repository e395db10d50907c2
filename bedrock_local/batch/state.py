"""The local batch engine's job table (SQLite), shared by the client and its job workers.

Kept free of botocore and Dagster imports so a job worker starts quickly.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

from bedrock_local.sqlite import SqliteFile

IN_FLIGHT = ("Submitted", "Validating", "Scheduled", "InProgress", "Stopping")
TERMINAL = ("Completed", "PartiallyCompleted", "Failed", "Stopped", "Expired")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    job_id TEXT PRIMARY KEY,
    job_arn TEXT NOT NULL UNIQUE,
    job_name TEXT NOT NULL,
    model_id TEXT NOT NULL,
    client_request_token TEXT NOT NULL,
    request_digest TEXT NOT NULL,
    request_json TEXT NOT NULL,
    engine_config TEXT NOT NULL,
    status TEXT NOT NULL,
    message TEXT,
    submit_time REAL NOT NULL,
    last_modified_time REAL NOT NULL,
    end_time REAL,
    job_expiration_time REAL,
    total_records INTEGER,
    processed_records INTEGER,
    success_records INTEGER,
    error_records INTEGER,
    worker_pid INTEGER,
    heartbeat REAL
);
CREATE INDEX IF NOT EXISTS jobs_model_status ON jobs(model_id, status);
CREATE UNIQUE INDEX IF NOT EXISTS jobs_token ON jobs(client_request_token);
"""


class EngineState:
    """The jobs table; every call opens a short transaction (workers run in other processes)."""

    def __init__(self, path: Path | str) -> None:
        self.db = SqliteFile(path, _SCHEMA)
        self.path = self.db.path
        self.connect = self.db.connect
        self.transaction = self.db.transaction

    def job(self, job_id: str) -> dict[str, Any] | None:
        with self.connect() as conn:
            row = conn.execute("SELECT * FROM jobs WHERE job_id = ?", (job_id,)).fetchone()
        return dict(row) if row else None

    def update(self, job_id: str, **fields: Any) -> None:
        fields.setdefault("last_modified_time", time.time())
        cols = ", ".join(f"{k} = ?" for k in fields)
        with self.transaction() as conn:
            conn.execute(f"UPDATE jobs SET {cols} WHERE job_id = ?", (*fields.values(), job_id))

    def set_status(
        self, job_id: str, status: str, message: str | None = None, **extra: Any
    ) -> None:
        if status in TERMINAL:
            extra.setdefault("end_time", time.time())
        self.update(job_id, status=status, message=message, heartbeat=time.time(), **extra)

    def heartbeat(self, job_id: str, **extra: Any) -> None:
        self.update(job_id, heartbeat=time.time(), worker_pid=os.getpid(), **extra)

    def engine_config(self, job_id: str) -> dict[str, Any]:
        job = self.job(job_id)
        assert job is not None
        return json.loads(job["engine_config"])
