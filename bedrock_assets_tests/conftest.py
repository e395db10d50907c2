"""Fixtures: an isolated data root per test and helpers that drive the pipeline through Dagster."""

from __future__ import annotations

import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from dagster import DagsterInstance, RunRequest, SensorResult, build_sensor_context

from bedrock_assets import resources
from bedrock_assets.settings import Settings, get_settings

SHARED_CORPUS = (
    Path(__file__).resolve().parents[1].parent
    / "shared"
    / "data"
    / "synthetic_call_transcript_data.zip"
)


def reset_caches() -> None:
    get_settings.cache_clear()
    resources.local_batch_client.cache_clear()
    resources.aws_client.cache_clear()


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    """Settings for a throwaway data root with a fast local engine and small quotas."""
    monkeypatch.setenv("BEDROCK_ASSETS_DATA_ROOT", str(tmp_path / "data"))
    monkeypatch.setenv("BEDROCK_ASSETS_LOCAL_STEP_SECONDS", "0.02")
    monkeypatch.setenv("BEDROCK_ASSETS_MIN_RECORDS_PER_JOB", "10")
    reset_caches()
    yield get_settings()
    try:
        resources.local_batch_client(get_settings()).wait_idle(timeout=30)
    finally:
        reset_caches()


@pytest.fixture
def instance() -> Iterator[DagsterInstance]:
    with DagsterInstance.ephemeral() as inst:
        yield inst


def tick(instance: DagsterInstance) -> SensorResult | None:
    """One real evaluation of the batch_job_slots sensor."""
    from bedrock_assets.definitions import defs
    from bedrock_assets.sensors import batch_job_slots

    with build_sensor_context(
        instance=instance, definitions=defs, resources=resources.build_resources()
    ) as ctx:
        result = batch_job_slots(ctx)
    return result if isinstance(result, SensorResult) else None


def prepare_day(instance: DagsterInstance, call_date: str) -> None:
    from bedrock_assets.definitions import defs

    result = defs.resolve_job_def("prepare_batch_inputs").execute_in_process(
        instance=instance, partition_key=call_date
    )
    assert result.success


def drain(instance: DagsterInstance, timeout: float = 120.0) -> list[RunRequest]:
    """Tick the sensor until it stops asking for runs; execute each run it asks for."""
    from bedrock_assets.definitions import defs

    executed: list[RunRequest] = []
    deadline = time.time() + timeout
    while time.time() < deadline:
        result = tick(instance)
        for request in (result.run_requests or []) if result else []:
            run = defs.resolve_job_def("collect_batch_outputs").execute_in_process(
                instance=instance,
                partition_key=request.partition_key,
                tags=request.tags,
                raise_on_error=False,
            )
            assert run.success, "collect_batch_outputs failed"
            executed.append(request)
        ledger = resources.LedgerResource().get_ledger()
        settings = get_settings()
        due_held = [
            h
            for h in ledger.shards_in_state("held")
            if time.time() >= settings.below_minimum_deadline(ledger.oldest_date(h.shard_id))
        ]
        busy = ledger.shards_in_state("pending", "submitting", "active", "on_demand")
        if not busy and not due_held and not ledger.ready_partitions():
            return executed
        time.sleep(0.1)
    raise TimeoutError("pipeline did not drain")


def extract_corpus(target: Path) -> list[Path]:
    with zipfile.ZipFile(SHARED_CORPUS) as zf:
        names = [n for n in zf.namelist() if n.endswith(".txt")]
        zf.extractall(target, members=names)
    return [target / n for n in names]
