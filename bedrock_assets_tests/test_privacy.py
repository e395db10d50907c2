"""No raw PII in logs, Dagster metadata, exceptions or the ledger; local files owner-only."""

import re
import sqlite3

import pytest
from dagster import DagsterInstance

from bedrock_assets.core.sample_data import land_sample_day
from bedrock_assets.core.storage import LocalObjectStore
from bedrock_assets.core.tables import read_table
from bedrock_assets.settings import Settings, get_settings
from bedrock_assets_tests.conftest import drain, prepare_day, reset_caches

DAY = "2024-08-23"
EMAIL = re.compile(r"[\w.+-]+@example\.com")
PHONE = re.compile(r"\(\d{3}\) 555-\d{4}")


def test_no_raw_pii_leaves_the_guardrail(
    env: Settings, instance: DagsterInstance, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BEDROCK_ASSETS_LOCAL_FAULTS", "record_error=0.3")
    monkeypatch.setenv("BEDROCK_ASSETS_MAX_RECORD_ATTEMPTS", "1")  # errors dead-letter at once
    reset_caches()
    settings = get_settings()
    store = LocalObjectStore(settings.object_store_root)
    land_sample_day(store, settings.s3_uri(settings.landing_prefix), DAY, 40, seed=9)
    prepare_day(instance, DAY)
    drain(instance)

    transcripts = read_table(
        store, settings.s3_uri(settings.tables_prefix, "transcripts", f"{DAY}.parquet")
    ).to_pylist()
    secrets = set()
    for t in transcripts:
        secrets |= set(EMAIL.findall(t["transcript"])) | set(PHONE.findall(t["transcript"]))
    assert len(secrets) > 20

    logs = []
    for run in instance.get_runs():
        for record in instance.all_logs(run.run_id):
            logs.append(record.user_message or "")
            if record.dagster_event and record.dagster_event.event_specific_data:
                logs.append(repr(record.dagster_event.event_specific_data))
    blob = "\n".join(logs)
    assert "dead-lettered" in blob and "quarantined" in blob  # the error paths did log
    leaked = [s for s in secrets if s in blob]
    assert not leaked, f"{len(leaked)} raw PII values in Dagster logs or metadata"

    with sqlite3.connect(settings.ledger_path) as conn:
        ledger_text = "\n".join(
            str(v)
            for table in ("shards", "events", "shard_dates")
            for row in conn.execute(f"SELECT * FROM {table}")
            for v in row
        )
    assert not [s for s in secrets if s in ledger_text]

    guarded = read_table(
        store, settings.s3_uri(settings.tables_prefix, "guarded_summaries", f"{DAY}.parquet")
    ).to_pylist()
    assert not [s for s in secrets if any(s in g["guarded_summary"] for g in guarded)]

    for path in settings.data_root.rglob("*"):
        if path.is_file() and not path.name.endswith(("-wal", "-shm")):
            assert path.stat().st_mode & 0o077 == 0, f"{path} is readable by others"
