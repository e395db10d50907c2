"""A pipeline under test: definitions and resources built from explicit settings.

Tests pass settings (and so resources) instead of setting environment variables: each test
gets its own data root, ledger and local Bedrock, and nothing is cached between tests.
"""

from __future__ import annotations

import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dagster import (
    AssetCheckKey,
    AssetKey,
    DagsterInstance,
    Definitions,
    RunRequest,
    SensorResult,
    build_sensor_context,
)

from bedrock_assets.defs import build_defs
from bedrock_assets.ingest.samples import land_sample_day
from bedrock_assets.reporting.day_report import day_report
from bedrock_assets.settings import Settings, load_settings
from bedrock_assets.state.layout import StoreLayout
from bedrock_assets.state.ledger import Ledger, ShardRow
from bedrock_assets.state.objects import ObjectStore
from bedrock_assets.state.tables import read_table

DAY = "2024-08-23"
SHARED_CORPUS = (
    Path(__file__).resolve().parents[1].parent
    / "shared"
    / "data"
    / "synthetic_call_transcript_data.zip"
)
# What every test pipeline uses unless it says otherwise: a fast engine and small jobs.
TEST_DEFAULTS: dict[str, Any] = {
    "local_step_seconds": 0.02,
    "min_records_per_job": 10,
    "jobs_poll_seconds": 0.05,
    "partitions_start_date": "2024-01-01",  # the tests' days are in 2024
}


def settings_for(data_root: Path, **overrides: Any) -> Settings:
    return load_settings(**{"data_root": data_root, **TEST_DEFAULTS, **overrides})


@dataclass
class Pipeline:
    settings: Settings
    instance: DagsterInstance
    defs: Definitions = field(init=False)
    cursor: str | None = None  # the sensor's cursor, kept between ticks as the daemon keeps it

    def __post_init__(self) -> None:
        self.defs = build_defs(self.settings)

    # -- resources ---------------------------------------------------------------------------
    @property
    def resources(self) -> dict[str, Any]:
        return dict(self.defs.resources or {})

    @property
    def store(self) -> ObjectStore:
        return self.resources["object_store"].get_store()

    @property
    def layout(self) -> StoreLayout:
        return self.resources["object_store"].layout()

    @property
    def ledger(self) -> Ledger:
        return self.resources["ledger"].get_ledger()

    @property
    def bedrock(self) -> Any:
        """The ``bedrock`` control-plane client the pipeline uses."""
        return self.resources["bedrock"].control_plane()

    def with_settings(self, **overrides: Any) -> Pipeline:
        """The same data root and instance under changed settings (a redeploy)."""
        values = {**self.settings.model_dump(exclude_unset=True), **overrides}
        return Pipeline(load_settings(**values), self.instance, cursor=self.cursor)

    # -- driving it --------------------------------------------------------------------------
    def land(self, day: str = DAY, count: int = 40, **kw: Any) -> dict[str, int]:
        return land_sample_day(
            self.store, self.layout.uri(self.layout.landing_prefix), day, count, **kw
        )

    def prepare(self, day: str = DAY) -> None:
        result = self.defs.resolve_job_def("prepare_batch_inputs").execute_in_process(
            instance=self.instance, partition_key=day
        )
        assert result.success

    def collect(self, day: str = DAY, tags: dict[str, str] | None = None) -> Any:
        return self.defs.resolve_job_def("collect_batch_outputs").execute_in_process(
            instance=self.instance, partition_key=day, tags=tags or {}, raise_on_error=False
        )

    def tick(self) -> SensorResult | None:
        """One real evaluation of the batch_job_slots sensor; its asset events are recorded
        in the instance, as the daemon records them."""
        sensor = self.defs.resolve_sensor_def("batch_job_slots")
        with build_sensor_context(
            instance=self.instance,
            definitions=self.defs,
            resources=self.resources,
            cursor=self.cursor,
        ) as ctx:
            result = sensor(ctx)
            self.cursor = ctx.cursor
        if not isinstance(result, SensorResult):
            return None
        if result.skip_reason and not result.asset_events:
            return None  # an idle tick, as the daemon shows it
        for event in result.asset_events or []:
            self.instance.report_runless_asset_event(event)
        return result

    def drain(self, timeout: float = 120.0) -> list[RunRequest]:
        """Tick the sensor until it stops asking for runs; execute each run it asks for."""
        executed: list[RunRequest] = []
        deadline = time.time() + timeout
        policy = self.resources["batch"].below_minimum()
        while time.time() < deadline:
            result = self.tick()
            for request in (result.run_requests or []) if result else []:
                run = self.collect(request.partition_key, request.tags)
                assert run.success, "collect_batch_outputs failed"
                executed.append(request)
            ledger = self.ledger
            due_held = [
                h
                for h in ledger.shards_in_state("held")
                if time.time() >= policy.deadline(ledger.oldest_date(h.shard_id))
            ]
            busy = ledger.shards_in_state("pending", "submitting", "active", "on_demand")
            if not busy and not due_held and not ledger.ready_partitions():
                return executed
            time.sleep(0.1)
        raise TimeoutError("pipeline did not drain")

    def wait_idle(self, timeout: float = 30.0) -> None:
        wait = getattr(self.bedrock, "wait_idle", None)
        if wait is not None:
            wait(timeout=timeout)

    # -- reading it back ---------------------------------------------------------------------
    def report(self, day: str = DAY) -> dict[str, Any]:
        return day_report(self.store, self.layout, self.ledger, day)

    def table(self, name: str, day: str = DAY) -> Any:
        return read_table(self.store, self.layout.table(name, day))

    def check_status(self, asset: str, check: str, partition: str | None = DAY) -> bool | None:
        """The latest evaluation of a partitioned check (None if never evaluated)."""
        key = AssetCheckKey(AssetKey(asset), check)
        records = self.instance.event_log_storage.get_asset_check_execution_history(key, 50)
        for record in records:
            evaluation = record.event.dagster_event.event_specific_data if record.event else None
            if evaluation is not None and getattr(evaluation, "partition", None) == partition:
                return bool(evaluation.passed)
        return None

    def check_results(self, asset: str) -> dict[str, bool]:
        spec_names = [
            k.name
            for k in self.defs.resolve_asset_graph().asset_check_keys
            if k.asset_key == AssetKey(asset)
        ]
        out = {}
        for name in spec_names:
            key = AssetCheckKey(AssetKey(asset), name)
            record = self.instance.event_log_storage.get_latest_asset_check_execution_by_key([key])[
                key
            ]
            out[name] = record.evaluation.passed
        return out

    def observation(self, asset: str, partition: str = DAY) -> dict[str, Any]:
        """The latest observation's metadata of one partition of an asset."""
        from dagster import AssetRecordsFilter

        records = self.instance.fetch_observations(
            AssetRecordsFilter(asset_key=AssetKey(asset), asset_partitions=[partition]), limit=1
        ).records
        assert records, f"no observation of {asset} {partition}"
        observation = records[0].asset_observation
        assert observation is not None
        return {k: v.value for k, v in observation.metadata.items()}

    def metadata(self, asset: str) -> dict[str, Any]:
        event = self.instance.get_latest_materialization_event(AssetKey(asset))
        assert event is not None and event.asset_materialization is not None
        return {k: v.value for k, v in event.asset_materialization.metadata.items()}


def shard_row(day: str = DAY, i: int = 0, **fields: Any) -> ShardRow:
    """A registered-as-pending shard of 100 records, for ledger and slot tests."""
    sid = f"{day}-{i:04d}-{i:08x}"
    values: dict[str, Any] = {
        "shard_id": sid,
        "call_date": day,
        "shard_index": i,
        "model_id": "anthropic.claude-3-haiku-20240307-v1:0",
        "input_uri": f"s3://bucket/in/{day}/{sid}/",
        "output_uri": f"s3://bucket/out/{sid}/",
        "record_count": 100,
        "byte_count": 1000,
        "file_count": 1,
        "prompt_version": "p",
        "state": "pending",
    }
    return ShardRow(**{**values, **fields})


def extract_corpus(target: Path) -> list[Path]:
    with zipfile.ZipFile(SHARED_CORPUS) as zf:
        names = [n for n in zf.namelist() if n.endswith(".txt")]
        zf.extractall(target, members=names)
    return [target / n for n in names]


def long_transcript(chars: int, seed: int = 23) -> str:
    """A call of about ``chars`` characters: one customer's issue, opened at the start and
    resolved at the end, with a long middle of further questions from other synthetic calls
    (a marathon support call, longer than ApplyGuardrail's grounding-source limit)."""
    import random

    from bedrock_assets.ingest.samples import render_text, synthetic_transcript

    rng = random.Random(seed)
    _, core = synthetic_transcript(rng)
    middle: list[tuple[str, str]] = []
    while len(render_text(core + middle)) < chars:
        _, other = synthetic_transcript(rng)
        middle.extend(other[1:-1])
    half = max(1, len(core) // 2)
    return render_text(core[:half] + middle + core[half:])
