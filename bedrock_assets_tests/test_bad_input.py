"""Every kind of bad input in one landed day: a clear reason each, and the run succeeds."""

import json
from collections.abc import Callable

import pytest

from bedrock_assets.ingest.checks import check_length
from bedrock_assets.ingest.records import Transcript
from bedrock_assets_tests.harness import DAY, Pipeline

GOOD = "Agent: Hello, how can I help?\nCustomer: My order {n} arrived broken.\n"


@pytest.mark.e2e
def test_each_bad_input_kind_is_quarantined_with_its_reason(
    make_pipeline: Callable[..., Pipeline],
) -> None:
    pipeline = make_pipeline(max_transcript_chars=5000)
    store = pipeline.store
    day = pipeline.layout.landing(DAY).rstrip("/")
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
    pipeline.prepare(DAY)
    pipeline.drain()
    quarantine = pipeline.table("quarantine").to_pylist()
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
    meta = pipeline.metadata("token_usage_metrics")
    assert meta["landed"] == 9 + 14 and meta["summarized"] == 14


def test_length_limit_is_exact() -> None:
    t = Transcript("x", DAY, "x.txt", "text", (("Agent", "a" * 93),))
    assert len(t.text) == 100
    assert check_length(t, 100) is None
    assert check_length(t, 99).reason == "too_long"
