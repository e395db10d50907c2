"""No raw PII in logs, Dagster metadata, exceptions or the ledger; local files owner-only."""

import re
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from bedrock_assets_tests.harness import DAY, Pipeline

pytestmark = pytest.mark.e2e
EMAIL = re.compile(r"[\w.+-]+@example\.com")
PHONE = re.compile(r"\(\d{3}\) 555-\d{4}")


def test_no_raw_pii_leaves_the_guardrail(make_pipeline: Callable[..., Pipeline]) -> None:
    # errors dead-letter at once
    pipeline = make_pipeline(local_faults="record_error=0.3", max_record_attempts=1)
    settings, instance = pipeline.settings, pipeline.instance
    pipeline.land(DAY, 40, seed=9)
    # A file named after the caller's phone number: the name never leaves the landing area.
    landing = pipeline.layout.landing(DAY).rstrip("/")
    pipeline.store.put_bytes(
        f"{landing}/call_415-555-0166.txt",
        b"Agent: Thanks for calling, how can I help?\nCustomer: My order arrived broken.\n",
    )
    pipeline.prepare(DAY)
    pipeline.drain()

    transcripts = pipeline.table("transcripts").to_pylist()
    secrets = set()
    for t in transcripts:
        secrets |= set(EMAIL.findall(t["transcript"])) | set(PHONE.findall(t["transcript"]))
    assert len(secrets) > 20
    secrets.add("555-0166")  # the file name's phone number

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
            for table in ("shards", "events", "shard_dates", "calls")
            for row in conn.execute(f"SELECT * FROM {table}")
            for v in row
        )
    assert not [s for s in secrets if s in ledger_text]

    guarded = pipeline.table("guarded_summaries").to_pylist()
    assert not [s for s in secrets if any(s in g["guarded_summary"] for g in guarded)]
    for name in ("transcripts", "batch_outputs", "guarded_summaries"):
        ids = " ".join(str(r["transcript_id"]) for r in pipeline.table(name).to_pylist())
        assert "555-0166" not in ids, f"a file name's PII is an id in {name}"
    stored = [p for p in settings.data_root.rglob("*") if p.is_file()]
    assert not [p for p in stored if "555-0166" in str(p) and "landing" not in str(p)]
    assert not [p for p in stored if "landing" not in str(p) and b"555-0166" in p.read_bytes()]

    for path in [settings.data_root, *settings.data_root.rglob("*")]:
        if path.is_dir() or not path.name.endswith(("-wal", "-shm")):
            assert path.stat().st_mode & 0o077 == 0, f"{path} is open to others"


def test_the_instance_folder_is_owner_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """DAGSTER_HOME holds run event logs and compute logs (which carry step output): the
    folder make demo and make dev use is created owner-only, and tightened if it exists."""
    from bedrock_assets.demo import ensure_dagster_home

    home = tmp_path / "nested" / "dagster_home"
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    ensure_dagster_home()
    for folder in (home, home.parent):
        assert folder.stat().st_mode & 0o077 == 0, f"{folder} is open to others"
    home.chmod(0o755)
    ensure_dagster_home()
    assert home.stat().st_mode & 0o077 == 0
