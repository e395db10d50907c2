"""Every kind of bad input in one landed day: a clear reason each, and the run succeeds."""

import gzip
import json
from collections.abc import Callable

import pytest

from bedrock_assets.ingest.checks import check_length
from bedrock_assets.ingest.landing import call_id_from_name, file_identity
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
        "dup-b.jsonl": json.dumps(  # a record reusing the id of a call named by its file
            {"transcript_id": call_id_from_name("dup-a.txt"), "text": GOOD.format(n=2)}
        ).encode(),
    }
    for name, data in files.items():
        store.put_bytes(f"{day}/{name}", data)
    files |= {
        # issue 9: each of these crashed the day or vanished without a trace
        "transcribe-null.json": b'{"jobName": "t1", "results": {"items": null}}',
        "transcribe-nonobj.json": b'{"jobName": "t2", "results": {"items": [1, null]}}',
        "nested.json": b"[" * 100_000 + b"]" * 100_000,
        "bigint.json": b'{"transcript_id": "b", "text": "Agent: x", "n": ' + b"9" * 5000 + b"}",
        "surrogate.jsonl": b'{"transcript_id": "s1", "text": "Agent: hi \\ud800 there"}\n',
        "upload.tmp-123.txt": GOOD.format(n=3).encode(),
        "call_415-555-0166.txt.gz": gzip.compress(GOOD.format(n=4).encode()),
        "records.jsonl.gz": gzip.compress(
            json.dumps({"transcript_id": "gz1", "text": GOOD.format(n=5)}).encode()
        ),
        "bad.txt.gz": b"\x1f\x8b not really gzip",
        "nullrole.json": json.dumps(
            {"JobName": "ca1", "Transcript": [{"ParticipantRole": None, "Content": "Hello"}]}
        ).encode(),
    }
    for name, data in files.items():
        store.put_bytes(f"{day}/{name}", data)
    root = store.path_for(day)  # type: ignore[attr-defined]
    outside = root.parent.parent / "outside.txt"
    outside.write_bytes(GOOD.format(n=6).encode())
    (root / "escape.txt").symlink_to(outside)
    (root / "dangling.txt").symlink_to(root / "missing.txt")
    (root / "sub").mkdir()
    (root / "sub" / "nested-call.txt").write_bytes(GOOD.format(n=7).encode())
    (root / "linked-sub").symlink_to(root / "sub")
    for i in range(12):  # enough good calls for a batch job
        store.put_bytes(f"{day}/good-{i}.txt", GOOD.format(n=100 + i).encode())
    pipeline.prepare(DAY)
    pipeline.drain()
    quarantine = pipeline.table("quarantine").to_pylist()
    names = {file_identity(n): n for n in [*files, "escape.txt", "dangling.txt", "linked-sub"]}
    reasons = {(names.get(q["source_file"], q["source_file"]), q["reason"]) for q in quarantine}
    nulls = [r for r in pipeline.table("transcripts").to_pylist() if "None" in r["transcript"]]
    assert not nulls
    assert reasons == {
        ("transcribe-null.json", "malformed_record"),
        ("transcribe-nonobj.json", "malformed_record"),
        ("nested.json", "malformed_json"),
        ("bigint.json", "malformed_json"),
        ("surrogate.jsonl", "invalid_unicode"),
        ("upload.tmp-123.txt", "temporary_file"),
        ("bad.txt.gz", "corrupt_gzip"),
        ("escape.txt", "symlink_outside_landing"),
        ("dangling.txt", "dangling_symlink"),
        ("linked-sub", "symlinked_folder"),
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
    assert not [q for q in quarantine if "555" in str(q)]  # no raw file name leaves the landing
    meta = pipeline.metadata("token_usage_metrics")
    # 19 quarantined; good: 12 + dup-a + records ok1 + 2 gzip + nested-call + nullrole
    assert meta["landed"] == 19 + 18 and meta["summarized"] == 18
    assert "555" not in str(pipeline.metadata("raw_transcripts"))


def test_length_limit_is_exact() -> None:
    t = Transcript("x", DAY, "x.txt", "text", (("Agent", "a" * 93),))
    assert len(t.text) == 100
    assert check_length(t, 100) is None
    assert check_length(t, 99).reason == "too_long"
