"""The sample-data command: deterministic per seed, every file readable or deliberately bad."""

from pathlib import Path

import pytest

from bedrock_assets.cli import main
from bedrock_assets.ingest.parse import parse_file
from bedrock_assets.ingest.records import Quarantined, Transcript
from bedrock_assets.ingest.samples import land_sample_day
from bedrock_assets.state.objects import LocalObjectStore
from bedrock_local.guardrail.pii import detect_pii

DAY = "2024-08-23"


def snapshot(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_deterministic_per_seed(tmp_path: Path) -> None:
    for name, seed in (("a", 1), ("b", 1), ("c", 2)):
        land_sample_day(LocalObjectStore(tmp_path / name), "s3://bkt/landing", DAY, 30, seed=seed)
    a, b, c = (snapshot(tmp_path / n) for n in "abc")
    assert a == b and a != c


def test_formats_bad_inputs_and_planted_pii(tmp_path: Path) -> None:
    store = LocalObjectStore(tmp_path)
    stats = land_sample_day(store, "s3://bkt/landing", DAY, 40, seed=3)
    assert stats == {"transcripts": 40, "bad_inputs": 5}
    parsed = []
    for uri in store.list_uris("s3://bkt/landing/"):
        parsed += list(parse_file(uri.rsplit("/", 1)[1], store.read_bytes(uri), DAY))
    good = [p for p in parsed if isinstance(p, Transcript)]
    assert len(good) == 41  # the re-upload parses; deduplication quarantines it later
    assert {p.source_format for p in good} == {
        "text",
        "jsonl",
        "csv",
        "transcribe_call_analytics",
        "transcribe_standard",
    }
    assert sorted(p.reason for p in parsed if isinstance(p, Quarantined)) == [
        "empty_file",
        "no_turns",
        "not_utf8",
        "unrecognized_format",
    ]
    types = {s.type for p in good for s in detect_pii(p.text)}
    assert {"NAME", "PHONE", "EMAIL", "CREDIT_DEBIT_CARD_NUMBER", "ADDRESS"} <= types


def test_cli_lands_into_the_configured_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("BEDROCK_ASSETS_DATA_ROOT", str(tmp_path / "data"))
    monkeypatch.setenv("BEDROCK_ASSETS_BUCKET", "my-bucket")
    main(["land-sample", "--date", DAY, "--count", "12", "--plain-only", "--no-bad"])
    assert "landed" in capsys.readouterr().out
    store = LocalObjectStore(tmp_path / "data" / "object_store")
    assert len(store.list_uris(f"s3://my-bucket/landing/{DAY}/")) == 12
