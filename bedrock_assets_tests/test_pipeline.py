"""The daily pipeline through Dagster: materializations, real sensor ticks, asset checks."""

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from dagster import AssetKey, materialize

from bedrock_assets.batch import collect as collect_module
from bedrock_assets_tests.harness import DAY, SHARED_CORPUS, Pipeline, extract_corpus

pytestmark = pytest.mark.e2e


def test_definitions_load_with_descriptions(pipeline: Pipeline) -> None:
    defs = pipeline.defs
    graph = defs.resolve_asset_graph()
    keys = {k.to_user_string() for k in graph.get_all_asset_keys()}
    assert keys == {
        "raw_transcripts",
        "batch_input_shards",
        "bedrock_batch_jobs",
        "batch_job_outputs",
        "guarded_summaries",
        "token_usage_metrics",
        "summary_review_queue",
        "system_card",
    }
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        assert node.description and node.partitions_def is not None
    assert graph.get(AssetKey("guarded_summaries")).parent_keys == {AssetKey("batch_job_outputs")}
    assert graph.get(AssetKey("batch_job_outputs")).parent_keys == {AssetKey("bedrock_batch_jobs")}
    checks = graph.asset_check_keys
    assert len(checks) == 8
    sensor = defs.resolve_sensor_def("batch_job_slots")
    assert sensor.description
    schedule = defs.resolve_schedule_def("daily_prepare_batch_inputs")
    assert schedule.cron_schedule == "0 6 * * *"
    assert schedule.execution_timezone == "America/New_York"  # after a US day has ended


def test_day_end_to_end(pipeline: Pipeline) -> None:
    pipeline.land(count=40)
    pipeline.prepare(DAY)
    requests = pipeline.drain()
    assert [r.partition_key for r in requests] == [DAY]
    report = pipeline.report(DAY)
    assert report["landed"] == 45 and report["quarantined"] == 5
    assert report["summarized"] == 40 and report["dead_lettered"] == 0 and report["pending"] == 0
    assert report["guardrail_interventions"] > 0
    assert all(pipeline.check_results("batch_job_outputs").values())
    assert pipeline.check_results("token_usage_metrics") == {"conservation": True}
    guarded = pipeline.table("guarded_summaries").to_pylist()
    assert {g["record_id"] for g in guarded} == {
        o["record_id"] for o in pipeline.table("batch_outputs").to_pylist()
    }
    meta = pipeline.metadata("token_usage_metrics")
    assert (
        meta["landed"] == 45 and meta["cost_inference_usd"] > 0 and meta["cost_guardrail_usd"] > 0
    )
    assert meta["cost_total_usd"] == pytest.approx(
        meta["cost_inference_usd"] + meta["cost_guardrail_usd"], abs=1e-6
    )
    assert meta["cost_all_on_demand_usd"] - meta["cost_total_usd"] == pytest.approx(
        meta["savings_vs_all_on_demand_usd"], abs=1e-6
    )
    # The run key dedupes: once the run exists, later ticks request nothing more.
    assert pipeline.tick() is None or not pipeline.tick().run_requests
    # Every asset that writes a table says how many rows, which columns and where.
    for asset, rows in (
        ("raw_transcripts", 40),
        ("batch_input_shards", 40),
        ("batch_job_outputs", 40),
        ("guarded_summaries", 40),
        ("summary_review_queue", None),
        ("token_usage_metrics", None),
    ):
        table = pipeline.metadata(asset)
        assert rows is None or table["dagster/row_count"] == rows, asset
        assert table["dagster/column_schema"].columns, asset
        assert table["dagster/uri"], asset
    columns = {
        c.name for c in pipeline.metadata("token_usage_metrics")["dagster/column_schema"].columns
    }
    assert {"cost_usd", "guardrail_cost_usd", "inference_mode"} <= columns


def test_no_raw_pii_in_summaries_or_metadata(pipeline: Pipeline) -> None:
    pipeline.land(count=30, mixed_formats=False, include_bad=False)
    pipeline.prepare(DAY)
    pipeline.drain()
    transcripts = pipeline.table("transcripts").to_pylist()
    emails = {w.strip(".,") for t in transcripts for w in t["transcript"].split() if "@" in w}
    assert emails
    guarded = " ".join(
        g["guarded_summary"] for g in pipeline.table("guarded_summaries").to_pylist()
    )
    assert not any(e in guarded for e in emails)
    blob = " ".join(
        json.dumps({k: str(v) for k, v in pipeline.metadata(key).items()})
        for key in (
            "raw_transcripts",
            "batch_input_shards",
            "batch_job_outputs",
            "guarded_summaries",
            "token_usage_metrics",
        )
    )
    assert not any(e in blob for e in emails)


@pytest.mark.parametrize(
    ("tamper", "failing"),
    [
        ("total", "manifest_total_matches_submitted"),
        ("processed", "manifest_processed_equals_success_plus_error"),
        ("duplicate_line", "record_ids_exactly_once"),
        ("tokens", "token_totals_match_manifest"),
    ],
)
def test_each_check_fails_on_a_tampered_manifest(
    pipeline: Pipeline, tamper: str, failing: str
) -> None:
    pipeline.land(count=20, mixed_formats=False, include_bad=False)
    pipeline.prepare(DAY)
    pipeline.drain()
    assert all(pipeline.check_results("batch_job_outputs").values())
    shard = pipeline.ledger.shards_for_date(DAY)[0]
    job_dir = pipeline.store.path_for(f"{shard.output_uri}{shard.job_id}")
    manifest_path = job_dir / "manifest.json.out"
    manifest = json.loads(manifest_path.read_text())
    if tamper == "total":
        manifest["totalRecordCount"] += 1
    elif tamper == "processed":
        manifest["processedRecordCount"] -= 1
    elif tamper == "tokens":
        manifest["outputTokenCount"] += 7
    else:
        out = next(job_dir.glob("*.jsonl.out"))
        lines = out.read_text().splitlines()
        out.write_text("\n".join(lines + lines[:1]) + "\n")
    manifest_path.write_text(json.dumps(manifest))
    outputs_asset = pipeline.defs.resolve_assets_def("batch_job_outputs")
    result = materialize(
        [outputs_asset], partition_key=DAY, instance=pipeline.instance, raise_on_error=False
    )
    evaluations = {e.check_name: e.passed for e in result.get_asset_check_evaluations()}
    assert evaluations[failing] is False
    assert sum(not passed for passed in evaluations.values()) == 1, evaluations


def test_backfill_of_several_days_drains_oldest_first(
    make_pipeline: Callable[..., Pipeline],
) -> None:
    pipeline = make_pipeline(max_concurrent_jobs=1)
    days = ["2024-08-03", "2024-08-01", "2024-08-02"]
    for day in days:
        pipeline.land(day=day, count=15, mixed_formats=False, include_bad=False)
        pipeline.prepare(day)
    requests = pipeline.drain()
    assert [r.partition_key for r in requests] == sorted(days)
    ledger = pipeline.ledger
    submitted = sorted(
        (s.submitted_at, s.call_date) for d in days for s in ledger.shards_for_date(d)
    )
    assert [d for _, d in submitted] == sorted(days)


def test_rematerializing_shards_creates_no_duplicate_jobs(pipeline: Pipeline) -> None:
    pipeline.land(count=20, mixed_formats=False, include_bad=False)
    pipeline.prepare(DAY)
    pipeline.drain()
    ledger = pipeline.ledger
    before = [(s.shard_id, s.job_arn) for s in ledger.shards_for_date(DAY)]
    pipeline.prepare(DAY)
    assert pipeline.drain() == []  # the same shards, already collected: nothing new to run
    assert [(s.shard_id, s.job_arn) for s in ledger.shards_for_date(DAY)] == before


def test_changed_input_supersedes_unsubmitted_shards(pipeline: Pipeline) -> None:
    pipeline.land(count=20, mixed_formats=False, include_bad=False)
    pipeline.prepare(DAY)
    ledger = pipeline.ledger
    old = ledger.shards_for_date(DAY)
    pipeline.land(count=25, mixed_formats=False, include_bad=False)
    pipeline.prepare(DAY)
    new = ledger.shards_for_date(DAY)
    assert {s.shard_id for s in new}.isdisjoint({s.shard_id for s in old})
    assert all(ledger.shard(s.shard_id).state == "superseded" for s in old)
    assert not pipeline.store.list_uris(old[0].input_uri)
    pipeline.drain()
    assert pipeline.report(DAY)["summarized"] == 25


def test_missing_landing_area_is_not_a_crash(pipeline: Pipeline) -> None:
    pipeline.prepare("2024-08-30")
    assert pipeline.metadata("raw_transcripts")["landed"] == 0


def test_sensor_observes_the_days_jobs_on_bedrock_batch_jobs(pipeline: Pipeline) -> None:
    pipeline.land(count=12, mixed_formats=False, include_bad=False)
    pipeline.prepare(DAY)
    queued = pipeline.observation("bedrock_batch_jobs")  # visible before the first submit
    assert queued["jobs_done"] == "0 of 1" and queued["shards_queued"] == 1
    result = pipeline.tick()
    assert result is not None
    (event,) = result.asset_events
    assert event.asset_key == AssetKey("bedrock_batch_jobs") and event.partition == DAY
    assert event.metadata["jobs_total"].value == 1
    job_id = pipeline.ledger.shards_for_date(DAY)[0].job_id
    assert job_id and job_id in str(event.metadata["jobs"].value)
    assert "submitted" in str(event.metadata["changes"].value)
    pipeline.drain()


def test_corpus_1100_transcripts(make_pipeline: Callable[..., Pipeline], tmp_path: Path) -> None:
    if not SHARED_CORPUS.exists():
        pytest.skip("../shared/data is not beside the repository")
    pipeline = make_pipeline(
        min_records_per_job=100, max_records_per_job=500, max_concurrent_jobs=2
    )
    store, layout = pipeline.store, pipeline.layout
    for path in extract_corpus(tmp_path / "corpus"):
        store.put_bytes(layout.uri(layout.landing_prefix, DAY, path.name), path.read_bytes())
    pipeline.prepare(DAY)
    pipeline.drain(timeout=240)
    report = pipeline.report(DAY)
    assert report["landed"] == 1100 and report["quarantined"] == 0
    assert report["shards"] == 3 and len(report["jobs"]) == 3
    assert report["summarized"] == 1100 and report["dead_lettered"] == 0
    assert all(pipeline.check_results("batch_job_outputs").values())
    assert pipeline.check_results("token_usage_metrics") == {"conservation": True}


def _first_collect_request(pipeline: Pipeline) -> object:
    import time

    for _ in range(200):
        result = pipeline.tick()
        if result and result.run_requests:
            return result.run_requests[0]
        time.sleep(0.05)
    raise AssertionError("the sensor never asked for the collect run")


def test_a_failed_collect_run_is_requested_again(
    pipeline: Pipeline, monkeypatch: pytest.MonkeyPatch
) -> None:
    pipeline.land(count=12, mixed_formats=False, include_bad=False)
    pipeline.prepare(DAY)
    request = _first_collect_request(pipeline)

    def boom(*_a, **_k):
        raise RuntimeError("object store unavailable")

    with monkeypatch.context() as mp:
        mp.setattr(collect_module, "collect_shard", boom)
        failed = pipeline.collect(DAY, request.tags)
    assert not failed.success
    again = pipeline.tick()
    assert again is not None and [r.run_key for r in again.run_requests] == [
        f"{request.run_key}-retry1"
    ]
    assert pipeline.collect(DAY, again.run_requests[0].tags).success
    assert pipeline.tick() is None or not pipeline.tick().run_requests


def test_a_collect_run_retried_after_a_failure_can_succeed(
    pipeline: Pipeline, monkeypatch: pytest.MonkeyPatch
) -> None:
    pipeline.land(count=12, mixed_formats=False, include_bad=False)
    pipeline.prepare(DAY)
    request = _first_collect_request(pipeline)
    with monkeypatch.context() as mp:
        mp.setattr(collect_module, "collect_shard", lambda *a, **k: 1 / 0)
        assert not pipeline.collect(DAY, request.tags).success
    again = pipeline.tick().run_requests[0]
    assert again.run_key.endswith("-retry1")
    assert pipeline.collect(DAY, again.tags).success
    assert pipeline.report(DAY)["summarized"] == 12
    assert pipeline.tick() is None or not pipeline.tick().run_requests


def test_changing_one_guideline_changes_the_shards_data_version(pipeline: Pipeline) -> None:
    from bedrock_assets.prompting.prompt import guideline_catalogue

    pipeline.land(count=12, mixed_formats=False, include_bad=False)

    def shard_version(p: Pipeline) -> tuple[str, str]:
        p.prepare(DAY)
        ev = p.instance.get_latest_materialization_event(AssetKey("batch_input_shards"))
        meta = ev.asset_materialization.metadata
        return ev.asset_materialization.tags["dagster/data_version"], meta["prompt_version"].value

    before = shard_version(pipeline)
    ids = [g["id"] for g in guideline_catalogue()["guidelines"]]
    changed = pipeline.with_settings(guidelines=",".join(ids[:-1]))  # drop one guideline
    after = shard_version(changed)
    assert after[0] != before[0] and after[1] != before[1]
    assert {s.prompt_version for s in changed.ledger.shards_for_date(DAY)} == {after[1]}


def test_input_side_redaction_keeps_raw_pii_from_the_model(
    make_pipeline: Callable[..., Pipeline],
) -> None:
    import re

    pipeline = make_pipeline(redact_input=True)
    pipeline.land(count=12, mixed_formats=False, include_bad=False)
    pipeline.prepare(DAY)
    store = pipeline.store
    lines = b"".join(
        store.read_bytes(u)
        for u in store.list_uris(pipeline.layout.uri(pipeline.layout.input_prefix, DAY) + "/")
    )
    assert b"{EMAIL}" in lines and b"{PHONE}" in lines
    assert not re.search(rb"[\w.]+@example\.com", lines)
    assert not re.search(rb"\(\d{3}\) 555-\d{4}", lines)
    pipeline.drain()
    assert pipeline.report(DAY)["summarized"] == 12
