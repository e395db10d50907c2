"""Every accepted input format, and every quarantine reason, through the pure parser."""

import io
import json

import pytest

from bedrock_assets.ingest import records as t
from bedrock_assets.ingest.checks import Deduplicator
from bedrock_assets.ingest.landing import call_id_from_name
from bedrock_assets.ingest.parse import parse_file
from bedrock_assets.ingest.records import Quarantined, Transcript
from bedrock_assets.ingest.samples import transcribe_standard

DAY = "2024-08-23"


def one(name: str, data: bytes) -> Transcript | Quarantined:
    items = list(parse_file(name, data, DAY))
    assert len(items) == 1
    return items[0]


def test_plain_text_turns_and_continuations() -> None:
    item = one(
        "830.txt",
        b"Customer: *dials*\n\nAgent: Hello, how can I help?\nI am here.\n"
        b"Customer: My order is late.\n",
    )
    assert isinstance(item, Transcript)
    assert item.transcript_id == call_id_from_name("830.txt")
    assert item.transcript_id.startswith("file-") and "830" not in item.transcript_id
    assert item.turns == (
        ("Customer", "*dials*"),
        ("Agent", "Hello, how can I help? I am here."),
        ("Customer", "My order is late."),
    )
    assert item.source_format == "text"


def test_utf8_bom_is_accepted() -> None:
    item = one("a.txt", "\ufeffAgent: Hi\nCustomer: Hello".encode())
    assert isinstance(item, Transcript) and item.turns[0] == ("Agent", "Hi")


def test_jsonl_records_with_text_and_turns() -> None:
    lines = [
        json.dumps({"transcript_id": "a1", "call_date": DAY, "text": "Agent: Hi\nCustomer: Yo"}),
        json.dumps(
            {"id": 7, "turns": [{"speaker": "AGENT", "text": "Hello"}, ["Customer", "Need help"]]}
        ),
    ]
    items = list(parse_file("x.jsonl", ("\n".join(lines) + "\n").encode(), DAY))
    assert [i.transcript_id for i in items] == ["a1", "7"]
    assert items[1].turns == (("Agent", "Hello"), ("Customer", "Need help"))
    assert all(i.source_format == "jsonl" for i in items)


def test_jsonl_streamed_as_lines() -> None:
    lines = [
        json.dumps({"transcript_id": f"r{i}", "text": "Agent: hi"}).encode() + b"\n"
        for i in range(3)
    ]
    stream = io.BytesIO(b"".join(lines))
    assert [i.transcript_id for i in parse_file("x.jsonl", stream, DAY)] == ["r0", "r1", "r2"]


def test_csv_text_column_and_turn_rows() -> None:
    text_csv = b'transcript_id,call_date,text\nc1,2024-08-23,"Agent: Hi\nCustomer: Hello"\n'
    item = one("a.csv", text_csv)
    assert isinstance(item, Transcript) and item.turns == (("Agent", "Hi"), ("Customer", "Hello"))
    turn_csv = b"transcript_id,speaker,text\nc2,Agent,Hi\nc2,Customer,Hello\nc3,Agent,Bye\n"
    items = list(parse_file("b.csv", turn_csv, DAY))
    assert [(i.transcript_id, len(i.turns)) for i in items] == [("c2", 2), ("c3", 1)]


def test_transcribe_call_analytics() -> None:
    doc = {
        "JobName": "job-1",
        "Transcript": [
            {"ParticipantRole": "AGENT", "Content": "Hello."},
            {"ParticipantRole": "CUSTOMER", "Content": "Hi,"},
            {"ParticipantRole": "CUSTOMER", "Content": "my bill is wrong."},
        ],
    }
    item = one("job-1.json", json.dumps(doc).encode())
    assert isinstance(item, Transcript)
    assert item.source_format == "transcribe_call_analytics"
    assert item.turns == (("Agent", "Hello."), ("Customer", "Hi, my bill is wrong."))


def test_transcribe_standard_with_speaker_labels() -> None:
    doc = transcribe_standard(
        "std-9", [("Agent", "Hello there."), ("Customer", "My card, please.")]
    )
    item = one("std-9.json", json.dumps(doc).encode())
    assert isinstance(item, Transcript)
    assert item.source_format == "transcribe_standard"
    assert item.turns == (("Speaker 0", "Hello there."), ("Speaker 1", "My card, please."))


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("empty.txt", b"", t.EMPTY_FILE),
        ("blank.txt", b"  \n\n", t.EMPTY_FILE),
        ("latin.txt", "Agent: se\xf1or".encode("latin-1"), t.NOT_UTF8),
        ("notes.docx", b"PK..", t.UNRECOGNIZED_FORMAT),
        ("noext", b"Agent: hi", t.UNRECOGNIZED_FORMAT),
        ("bad.json", b"{not json", t.MALFORMED_JSON),
        ("nospeaker.txt", b"*hold music*\njust words", t.NO_TURNS),
        ("bad.csv", b"foo,bar\n1,2\n", t.MALFORMED_CSV),
        ("noid.json", b'[{"text": "Agent: hi"}]', t.MISSING_ID),
        (
            "baddate.json",
            b'{"id": "x", "call_date": "yesterday", "text": "Agent: hi"}',
            t.INVALID_CALL_DATE,
        ),
        (
            "otherday.json",
            b'{"id": "x", "call_date": "2024-08-24", "text": "Agent: hi"}',
            t.CALL_DATE_MISMATCH,
        ),
        ("notext.json", b'{"id": "x"}', t.MALFORMED_RECORD),
        ("badturns.json", b'{"id": "x", "turns": [1, 2]}', t.MALFORMED_RECORD),
        ("transcribe.json", b'{"results": {"items": []}}', t.NO_TURNS),
        ("empty.jsonl", b"\n\n", t.EMPTY_FILE),
    ],
)
def test_quarantine_reasons(name: str, data: bytes, reason: str) -> None:
    item = one(name, data)
    assert isinstance(item, Quarantined), item
    assert item.reason == reason
    assert item.detail


def test_malformed_jsonl_line_quarantined_rest_kept() -> None:
    data = b'{"transcript_id": "ok", "text": "Agent: hi"}\n{broken\n\xff\xfe\n'
    items = list(parse_file("mix.jsonl", data, DAY))
    assert isinstance(items[0], Transcript)
    assert [(i.reason, i.line) for i in items[1:]] == [(t.MALFORMED_JSON, 2), (t.NOT_UTF8, 3)]


def test_csv_row_with_wrong_field_count() -> None:
    data = b'transcript_id,text\nc1,"Agent: hi"\nc2,"Agent: yo",extra\n'
    items = list(parse_file("rows.csv", data, DAY))
    kinds = sorted((type(i).__name__, getattr(i, "reason", "")) for i in items)
    assert kinds == [("Quarantined", t.MALFORMED_CSV), ("Transcript", "")]


def test_duplicate_id_and_duplicate_content() -> None:
    dedup = Deduplicator()
    a = Transcript("1", DAY, "a.txt", "text", (("Agent", "hi"),))
    same_id = Transcript("1", DAY, "b.txt", "text", (("Agent", "other"),))
    same_text = Transcript("2", DAY, "c.txt", "text", (("Agent", "hi"),))
    assert dedup.check(a) is None
    assert dedup.check(same_id).reason == t.DUPLICATE_ID
    assert dedup.check(same_text).reason == t.DUPLICATE_CONTENT


def test_quarantine_detail_never_quotes_content() -> None:
    secret = "4111111111111111"
    items = [
        one("x.json", f'{{"id": "x", "call_date": "{secret}", "text": "a"}}'.encode()),
        one("y.json", f'{{"text": "{secret}"'.encode()),
    ]
    for item in items:
        assert isinstance(item, Quarantined)
        assert secret not in item.detail


def test_csv_field_over_the_csv_default_limit_is_read() -> None:
    long_text = "Agent: " + "word " * 40_000  # 200,007 chars, over csv's 131,072 default
    data = f'transcript_id,text\nc1,"{long_text}"\nc2,"Agent: short"\n'.encode()
    items = list(parse_file("x.csv", data, DAY, max_record_bytes=6 * 300_000))
    assert [i.transcript_id for i in items if isinstance(i, Transcript)] == ["c1", "c2"]


def test_null_transcribe_content_never_becomes_the_word_none() -> None:
    doc = {
        "jobName": "j",
        "results": {
            "items": [
                {"type": "pronunciation", "alternatives": [{"content": None}]},
                {"type": "pronunciation", "alternatives": [{"content": "hello"}]},
            ]
        },
    }
    item = one("j.json", json.dumps(doc).encode())
    assert isinstance(item, Transcript) and "None" not in item.text and "hello" in item.text


def test_whole_file_over_the_byte_limit_is_quarantined_without_reading_it_whole() -> None:
    import gzip

    bomb = gzip.compress(b"Agent: hi\n" * 100_000)  # ~1 MB inflated, a few KB landed
    items = list(parse_file("b.txt.gz", bomb, DAY, max_file_bytes=10_000))
    assert [i.reason for i in items] == ["file_too_large"]  # type: ignore[union-attr]


def test_jsonl_line_over_the_record_limit_is_quarantined_alone() -> None:
    data = b'{"transcript_id": "a", "text": "' + b"x" * 5000 + b'"}\n'
    data += b'{"transcript_id": "b", "text": "Agent: hi"}\n'
    items = list(parse_file("x.jsonl", data, DAY, max_record_bytes=1000))
    assert isinstance(items[0], Quarantined) and items[0].reason == "too_long"
    assert isinstance(items[1], Transcript) and items[1].transcript_id == "b"
