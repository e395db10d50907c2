"""Every kind of bad input in one landed day: a clear reason each, and the run succeeds."""

import json

from dagster import AssetKey, DagsterInstance

from bedrock_assets.core.storage import LocalObjectStore
from bedrock_assets.core.tables import read_table
from bedrock_assets.core.transcripts import Transcript, check_length
from bedrock_assets.settings import Settings
from bedrock_assets_tests.conftest import drain, prepare_day

DAY = "2024-08-23"
GOOD = "Agent: Hello, how can I help?\nCustomer: My order {n} arrived broken.\n"


def test_each_bad_input_kind_is_quarantined_with_its_reason(
    env: Settings, instance: DagsterInstance, monkeypatch
) -> None:
    monkeypatch.setenv("BEDROCK_ASSETS_MAX_TRANSCRIPT_CHARS", "5000")
    from bedrock_assets_tests.conftest import reset_caches

    reset_caches()
    store = LocalObjectStore(env.object_store_root)
    day = env.s3_uri(env.landing_prefix, DAY)
    files = {
        "empty.txt": b"",
        "latin1.txt": "Agent: se\xf1or".encode("latin-1"),
        "broken.json": b'{"transcript_id": "x", "text": ',
        "records.jsonl": b'{"transcript_id": "ok1", "text": "Agent: hi there friend"}\n{nope\n',
        "rows.csv": b"wrong,header\n1,2\n",
        "slides.pptx": b"PK\x03\x04",
        "silence.txt": b"*silence*\n",
        "huge.txt": ("Agent: " + "very long call " * 500 + "\n").encode(),
        "dup-a.txt": GOOD.format(n=1).encode(),
        "dup-b.jsonl": json.dumps({"transcript_id": "dup-a", "text": GOOD.format(n=2)}).encode(),
    }
    for name, data in files.items():
        store.put_bytes(f"{day}/{name}", data)
    for i in range(12):  # enough good calls for a batch job
        store.put_bytes(f"{day}/good-{i}.txt", GOOD.format(n=100 + i).encode())
    prepare_day(instance, DAY)
    drain(instance)
    quarantine = read_table(
        store, env.s3_uri(env.tables_prefix, "quarantine", f"{DAY}.parquet")
    ).to_pylist()
    reasons = {(q["source_file"], q["reason"]) for q in quarantine}
    assert reasons == {
        ("empty.txt", "empty_file"),
        ("latin1.txt", "not_utf8"),
        ("broken.json", "malformed_json"),
        ("records.jsonl", "malformed_json"),
        ("rows.csv", "malformed_csv"),
        ("slides.pptx", "unrecognized_format"),
        ("silence.txt", "no_turns"),
        ("huge.txt", "too_long"),
        ("dup-b.jsonl", "duplicate_transcript_id"),
    }
    assert all(q["detail"] for q in quarantine)
    meta = instance.get_latest_materialization_event(
        AssetKey("token_usage_metrics")
    ).asset_materialization.metadata
    assert meta["landed"].value == 9 + 14 and meta["summarized"].value == 14


def test_length_limit_is_exact() -> None:
    t = Transcript("x", DAY, "x.txt", "text", (("Agent", "a" * 93),))
    assert len(t.text) == 100
    assert check_length(t, 100) is None
    assert check_length(t, 99).reason == "too_long"
