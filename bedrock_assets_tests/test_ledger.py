"""The ledger store: versioned migrations, adoption of a ledger written before versioning,
and row claims that hold when several processes race for the same shard."""

import multiprocessing
import sqlite3
from pathlib import Path

import pytest
import sqlalchemy as sa

from bedrock_assets.state.ledger import Ledger, ShardRow, sqlite_url
from bedrock_assets.state.ledger.migrations import LATEST
from bedrock_assets_tests.harness import shard_row

DAY = "2024-08-01"


def shard(i: int, day: str = DAY) -> ShardRow:
    return shard_row(day, i)


def versions(url: str) -> list[int]:
    with sa.create_engine(url).connect() as conn:
        return [r[0] for r in conn.execute(sa.text("SELECT version FROM schema_version"))]


def test_a_new_ledger_records_its_schema_version(tmp_path: Path) -> None:
    url = sqlite_url(tmp_path / "ledger.sqlite")
    Ledger(url).register_partition(DAY, [shard(0)])
    assert versions(url) == list(range(1, LATEST + 1))
    assert (tmp_path / "ledger.sqlite").stat().st_mode & 0o077 == 0  # owner-only


LEGACY = """
CREATE TABLE shards (shard_id TEXT PRIMARY KEY, call_date TEXT NOT NULL,
    shard_index INTEGER NOT NULL, model_id TEXT NOT NULL, input_uri TEXT NOT NULL,
    output_uri TEXT NOT NULL, record_count INTEGER NOT NULL, byte_count INTEGER NOT NULL,
    file_count INTEGER NOT NULL, prompt_version TEXT NOT NULL, state TEXT NOT NULL,
    attempt INTEGER NOT NULL DEFAULT 1, job_name TEXT, client_token TEXT, job_arn TEXT,
    job_status TEXT, message TEXT, created_at REAL NOT NULL, submitted_at REAL,
    updated_at REAL NOT NULL);
CREATE TABLE shard_dates (shard_id TEXT NOT NULL, call_date TEXT NOT NULL,
    record_count INTEGER NOT NULL, PRIMARY KEY (shard_id, call_date));
CREATE TABLE events (id INTEGER PRIMARY KEY AUTOINCREMENT, ts REAL NOT NULL,
    shard_id TEXT NOT NULL, from_state TEXT, to_state TEXT NOT NULL, job_arn TEXT,
    job_status TEXT, message TEXT);
CREATE TABLE partition_runs (call_date TEXT PRIMARY KEY, run_key TEXT NOT NULL,
    requested_at REAL NOT NULL);
INSERT INTO shards (shard_id, call_date, shard_index, model_id, input_uri, output_uri,
    record_count, byte_count, file_count, prompt_version, state, created_at, updated_at)
    VALUES ('old-0', '2024-07-01', 0, 'm', 's3://b/i/', 's3://b/o/', 120, 1, 1, 'p',
    'pending', 1.0, 1.0);
"""


def test_a_ledger_written_before_versioning_is_adopted(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite"
    with sqlite3.connect(path) as conn:
        conn.executescript(LEGACY)
    ledger = Ledger(sqlite_url(path))
    assert versions(sqlite_url(path)) == list(range(1, LATEST + 1))
    old = ledger.shard("old-0")
    assert old is not None and (old.state, old.kind, old.mode, old.stop_requested) == (
        "pending",
        "input",
        "batch",
        0,
    )
    assert ledger.date_counts("2024-07-01") == {"old-0": 120}  # per-date rows backfilled
    assert [s.shard_id for s in ledger.submittable(10, now=2.0)] == ["old-0"]


def _claim(args: tuple[str, str, int]) -> bool:
    url, shard_id, attempt = args
    return Ledger(url).mark_submitting(shard_id, f"job-{attempt}", f"token-{attempt}") and Ledger(
        url
    ).mark_active(shard_id, f"arn:aws:bedrock:us-east-1:1:model-invocation-job/{attempt}", "S")


@pytest.mark.slow
def test_racing_processes_claim_each_shard_once(tmp_path: Path) -> None:
    """Several sensor processes at once: every shard becomes active with exactly one job."""
    url = sqlite_url(tmp_path / "ledger.sqlite")
    ledger = Ledger(url)
    ledger.register_partition(DAY, [shard(i) for i in range(8)])
    jobs = [(url, shard(i).shard_id, attempt) for i in range(8) for attempt in range(4)]
    with multiprocessing.get_context("spawn").Pool(4) as pool:
        won = pool.map(_claim, jobs)
    by_shard: dict[str, int] = {}
    for (_, shard_id, _), ok in zip(jobs, won, strict=True):
        by_shard[shard_id] = by_shard.get(shard_id, 0) + ok
    assert by_shard == {shard(i).shard_id: 1 for i in range(8)}
    assert {s.state for s in ledger.shards_for_date(DAY)} == {"active"}
    activations = [e for e in ledger.events() if e["to_state"] == "active"]
    assert len(activations) == 8
