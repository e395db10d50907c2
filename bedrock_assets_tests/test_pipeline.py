"""The daily pipeline through Dagster: materializations, real sensor ticks, asset checks."""

import json
from pathlib import Path

import pytest
from dagster import AssetKey, DagsterInstance, materialize

from bedrock_assets.assets.outputs import batch_job_outputs
from bedrock_assets.core.ledger import Ledger
from bedrock_assets.core.sample_data import land_sample_day
from bedrock_assets.core.storage import LocalObjectStore
from bedrock_assets.core.tables import read_table
from bedrock_assets.report import day_report
from bedrock_assets.resources import build_resources
from bedrock_assets.settings import Settings
from bedrock_assets_tests.conftest import drain, prepare_day, tick

DAY = "2024-08-23"


def land(settings: Settings, day: str = DAY, count: int = 40, **kw) -> LocalObjectStore:
    store = LocalObjectStore(settings.object_store_root)
    land_sample_day(store, settings.s3_uri(settings.landing_prefix), day, count, **kw)
    return store


def tbl(settings: Settings, store: LocalObjectStore, name: str, day: str = DAY):
    return read_table(store, settings.s3_uri(settings.tables_prefix, name, f"{day}.parquet"))


def check_results(instance: DagsterInstance, asset: str) -> dict[str, bool]:
    from dagster import AssetCheckKey

    from bedrock_assets.definitions import defs

    spec_names = [
        k.name
        for k in defs.resolve_asset_graph().asset_check_keys
        if k.asset_key == AssetKey(asset)
    ]
    out = {}
    for name in spec_names:
        record = instance.event_log_storage.get_latest_asset_check_execution_by_key(
            [AssetCheckKey(AssetKey(asset), name)]
        )[AssetCheckKey(AssetKey(asset), name)]
        out[name] = record.evaluation.passed
    return out


def test_definitions_load_with_descriptions() -> None:
    from bedrock_assets.definitions import defs

    graph = defs.resolve_asset_graph()
    keys = {k.to_user_string() for k in graph.get_all_asset_keys()}
    assert keys == {
        "raw_transcripts",
        "batch_input_shards",
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
    checks = graph.asset_check_keys
    assert len(checks) == 6
    sensor = defs.resolve_sensor_def("batch_job_slots")
    assert sensor.description
    assert defs.resolve_schedule_def("daily_prepare_batch_inputs").cron_schedule == "0 6 * * *"


def test_day_end_to_end(env: Settings, instance: DagsterInstance) -> None:
    store = land(env, count=40)
    prepare_day(instance, DAY)
    requests = drain(instance)
    assert [r.partition_key for r in requests] == [DAY]
    report = day_report(env, store, DAY)
    assert report["landed"] == 45 and report["quarantined"] == 5
    assert report["summarized"] == 40 and report["dead_lettered"] == 0 and report["pending"] == 0
    assert report["guardrail_interventions"] > 0
    assert all(check_results(instance, "batch_job_outputs").values())
    assert check_results(instance, "token_usage_metrics") == {"conservation": True}
    guarded = tbl(env, store, "guarded_summaries").to_pylist()
    assert {g["record_id"] for g in guarded} == {
        o["record_id"] for o in tbl(env, store, "batch_outputs").to_pylist()
    }
    materialized = instance.get_latest_materialization_event(AssetKey("token_usage_metrics"))
    meta = materialized.asset_materialization.metadata
    assert (
        meta["landed"].value == 45 and meta["on_demand_cost_usd"].value > meta["cost_usd"].value > 0
    )
    # The run key dedupes: once the run exists, later ticks request nothing more.
    assert tick(instance) is None or not tick(instance).run_requests


def test_no_raw_pii_in_summaries_or_metadata(env: Settings, instance: DagsterInstance) -> None:
    store = land(env, count=30, mixed_formats=False, include_bad=False)
    prepare_day(instance, DAY)
    drain(instance)
    transcripts = tbl(env, store, "transcripts").to_pylist()
    emails = {w.strip(".,") for t in transcripts for w in t["transcript"].split() if "@" in w}
    assert emails
    guarded = " ".join(
        g["guarded_summary"] for g in tbl(env, store, "guarded_summaries").to_pylist()
    )
    assert not any(e in guarded for e in emails)
    events = []
    for key in (
        "raw_transcripts",
        "batch_input_shards",
        "batch_job_outputs",
        "guarded_summaries",
        "token_usage_metrics",
    ):
        ev = instance.get_latest_materialization_event(AssetKey(key))
        events.append(
            json.dumps({k: str(v.value) for k, v in ev.asset_materialization.metadata.items()})
        )
    blob = " ".join(events)
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
    env: Settings, instance: DagsterInstance, tamper: str, failing: str
) -> None:
    store = land(env, count=20, mixed_formats=False, include_bad=False)
    prepare_day(instance, DAY)
    drain(instance)
    assert all(check_results(instance, "batch_job_outputs").values())
    shard = Ledger(env.ledger_path).shards_for_date(DAY)[0]
    job_dir = store.path_for(f"{shard.output_uri}{shard.job_id}")
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
    result = materialize(
        [batch_job_outputs],
        partition_key=DAY,
        instance=instance,
        resources=build_resources(),
        raise_on_error=False,
    )
    evaluations = {e.check_name: e.passed for e in result.get_asset_check_evaluations()}
    assert evaluations[failing] is False
    assert sum(not passed for passed in evaluations.values()) == 1, evaluations


def test_backfill_of_several_days_drains_oldest_first(
    env: Settings, instance: DagsterInstance, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bedrock_assets_tests.conftest import reset_caches

    monkeypatch.setenv("BEDROCK_ASSETS_MAX_CONCURRENT_JOBS", "1")
    reset_caches()
    days = ["2024-08-03", "2024-08-01", "2024-08-02"]
    for day in days:
        land(env, day=day, count=15, mixed_formats=False, include_bad=False)
        prepare_day(instance, day)
    requests = drain(instance)
    assert [r.partition_key for r in requests] == sorted(days)
    ledger = Ledger(env.ledger_path)
    submitted = sorted(
        (s.submitted_at, s.call_date) for d in days for s in ledger.shards_for_date(d)
    )
    assert [d for _, d in submitted] == sorted(days)


def test_rematerializing_shards_creates_no_duplicate_jobs(
    env: Settings, instance: DagsterInstance
) -> None:
    land(env, count=20, mixed_formats=False, include_bad=False)
    prepare_day(instance, DAY)
    drain(instance)
    ledger = Ledger(env.ledger_path)
    before = [(s.shard_id, s.job_arn) for s in ledger.shards_for_date(DAY)]
    prepare_day(instance, DAY)
    assert drain(instance) == []  # the same shards, already collected: nothing new to run
    assert [(s.shard_id, s.job_arn) for s in ledger.shards_for_date(DAY)] == before


def test_changed_input_supersedes_unsubmitted_shards(
    env: Settings, instance: DagsterInstance
) -> None:
    store = land(env, count=20, mixed_formats=False, include_bad=False)
    prepare_day(instance, DAY)
    ledger = Ledger(env.ledger_path)
    old = ledger.shards_for_date(DAY)
    land(env, count=25, mixed_formats=False, include_bad=False)
    prepare_day(instance, DAY)
    new = ledger.shards_for_date(DAY)
    assert {s.shard_id for s in new}.isdisjoint({s.shard_id for s in old})
    assert all(ledger.shard(s.shard_id).state == "superseded" for s in old)
    assert not store.list_uris(old[0].input_uri)
    drain(instance)
    assert day_report(env, store, DAY)["summarized"] == 25


def test_missing_landing_area_is_not_a_crash(env: Settings, instance: DagsterInstance) -> None:
    prepare_day(instance, "2024-08-30")
    ev = instance.get_latest_materialization_event(AssetKey("raw_transcripts"))
    assert ev.asset_materialization.metadata["landed"].value == 0


def test_sensor_logs_and_observations_name_job_arns(
    env: Settings, instance: DagsterInstance
) -> None:
    land(env, count=12, mixed_formats=False, include_bad=False)
    prepare_day(instance, DAY)
    result = tick(instance)
    assert result is not None
    arns = [str(e.metadata["job_arn"].value) for e in result.asset_events]
    assert arns and all(":model-invocation-job/" in a for a in arns)
    assert {e.metadata["job_status"].value for e in result.asset_events} == {"Submitted"}
    drain(instance)


def test_corpus_1100_transcripts(
    env: Settings, instance: DagsterInstance, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bedrock_assets_tests.conftest import SHARED_CORPUS, extract_corpus, reset_caches

    if not SHARED_CORPUS.exists():
        pytest.skip("../shared/data is not beside the repository")
    monkeypatch.setenv("BEDROCK_ASSETS_MIN_RECORDS_PER_JOB", "100")
    monkeypatch.setenv("BEDROCK_ASSETS_MAX_RECORDS_PER_JOB", "500")
    monkeypatch.setenv("BEDROCK_ASSETS_MAX_CONCURRENT_JOBS", "2")
    reset_caches()
    store = LocalObjectStore(env.object_store_root)
    for path in extract_corpus(tmp_path / "corpus"):
        store.put_bytes(env.s3_uri(env.landing_prefix, DAY, path.name), path.read_bytes())
    prepare_day(instance, DAY)
    drain(instance, timeout=240)
    report = day_report(env, store, DAY)
    assert report["landed"] == 1100 and report["quarantined"] == 0
    assert report["shards"] == 3 and len(report["jobs"]) == 3
    assert report["summarized"] == 1100 and report["dead_lettered"] == 0
    assert all(check_results(instance, "batch_job_outputs").values())
    assert check_results(instance, "token_usage_metrics") == {"conservation": True}


def test_a_failed_collect_run_is_requested_again(
    env: Settings, instance: DagsterInstance, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bedrock_assets.assets import outputs as outputs_asset
    from bedrock_assets.definitions import defs

    land(env, count=12, mixed_formats=False, include_bad=False)
    prepare_day(instance, DAY)
    job = defs.resolve_job_def("collect_batch_outputs")
    request = None
    for _ in range(200):
        result = tick(instance)
        if result and result.run_requests:
            request = result.run_requests[0]
            break
        import time

        time.sleep(0.05)
    assert request is not None

    def boom(*_a, **_k):
        raise RuntimeError("object store unavailable")

    with monkeypatch.context() as mp:
        mp.setattr(outputs_asset, "collect_shard", boom)
        failed = job.execute_in_process(
            instance=instance, partition_key=DAY, tags=request.tags, raise_on_error=False
        )
    assert not failed.success
    again = tick(instance)
    assert again is not None and [r.run_key for r in again.run_requests] == [
        f"{request.run_key}-retry1"
    ]
    ok = job.execute_in_process(
        instance=instance, partition_key=DAY, tags=again.run_requests[0].tags
    )
    assert ok.success
    assert tick(instance) is None or not tick(instance).run_requests


def test_a_collect_run_retried_after_a_failure_can_succeed(
    env: Settings, instance: DagsterInstance, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bedrock_assets.assets import outputs as outputs_asset
    from bedrock_assets.definitions import defs

    land(env, count=12, mixed_formats=False, include_bad=False)
    prepare_day(instance, DAY)
    job = defs.resolve_job_def("collect_batch_outputs")
    request = None
    while request is None:
        result = tick(instance)
        request = result.run_requests[0] if result and result.run_requests else None
    with monkeypatch.context() as mp:
        mp.setattr(outputs_asset, "collect_shard", lambda *a, **k: 1 / 0)
        assert not job.execute_in_process(
            instance=instance, partition_key=DAY, tags=request.tags, raise_on_error=False
        ).success
    again = tick(instance).run_requests[0]
    assert again.run_key.endswith("-retry1")
    assert job.execute_in_process(instance=instance, partition_key=DAY, tags=again.tags).success
    assert day_report(env, LocalObjectStore(env.object_store_root), DAY)["summarized"] == 12
    assert tick(instance) is None or not tick(instance).run_requests


def test_changing_one_guideline_changes_the_shards_data_version(
    env: Settings, instance: DagsterInstance, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bedrock_assets.core.prompt import guideline_catalogue
    from bedrock_assets_tests.conftest import reset_caches

    land(env, count=12, mixed_formats=False, include_bad=False)

    def shard_version() -> tuple[str, str]:
        prepare_day(instance, DAY)
        ev = instance.get_latest_materialization_event(AssetKey("batch_input_shards"))
        meta = ev.asset_materialization.metadata
        return ev.asset_materialization.tags["dagster/data_version"], meta["prompt_version"].value

    before = shard_version()
    ids = [g["id"] for g in guideline_catalogue()["guidelines"]]
    monkeypatch.setenv("BEDROCK_ASSETS_GUIDELINES", ",".join(ids[:-1]))  # drop one guideline
    reset_caches()
    after = shard_version()
    assert after[0] != before[0] and after[1] != before[1]
    ledger = Ledger(env.ledger_path)
    assert {s.prompt_version for s in ledger.shards_for_date(DAY)} == {after[1]}


def test_input_side_redaction_keeps_raw_pii_from_the_model(
    env: Settings, instance: DagsterInstance, monkeypatch: pytest.MonkeyPatch
) -> None:
    import re

    from bedrock_assets_tests.conftest import reset_caches

    monkeypatch.setenv("BEDROCK_ASSETS_REDACT_INPUT", "true")
    reset_caches()
    store = land(env, count=12, mixed_formats=False, include_bad=False)
    prepare_day(instance, DAY)
    lines = b"".join(
        store.read_bytes(u) for u in store.list_uris(env.s3_uri(env.input_prefix, DAY) + "/")
    )
    assert b"{EMAIL}" in lines and b"{PHONE}" in lines
    assert not re.search(rb"[\w.]+@example\.com", lines)
    assert not re.search(rb"\(\d{3}\) 555-\d{4}", lines)
    drain(instance)
    assert day_report(env, store, DAY)["summarized"] == 12
