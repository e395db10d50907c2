"""The ledger on a real PostgreSQL server: migrations on start, row claims, leases, a day.

Several processes start, claim and lease at once, as sensor evaluations and collect runs on
different machines do in a deployment; each claim and each migration happens exactly once.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa

from bedrock_assets.reporting.day_report import report_json
from bedrock_assets.state.ledger import Ledger
from bedrock_assets.state.ledger.migrations import LATEST
from bedrock_assets_tests.harness import DAY, Pipeline, shard_row
from bedrock_assets_tests.test_ledger import _claim

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg_url(postgres: Any, request: pytest.FixtureRequest) -> str:
    name = "ledger_" + request.node.name.lower().replace("[", "_").replace("]", "")[:40]
    return str(postgres.url(postgres.create_database(name)))


def _open(url: str) -> int:
    return Ledger(url).schema_version()


def _lease(args: tuple[str, int]) -> bool:
    url, worker = args
    return Ledger(url).take_lease("submit", f"worker-{worker}", 60)


def test_migrations_run_once_when_processes_start_together(pg_url: str) -> None:
    with multiprocessing.get_context("spawn").Pool(4) as pool:
        assert pool.map(_open, [pg_url] * 8) == [LATEST] * 8
    engine = sa.create_engine(pg_url)
    with engine.connect() as conn:
        applied = [r[0] for r in conn.execute(sa.text("SELECT version FROM schema_version"))]
    assert sorted(applied) == list(range(1, LATEST + 1))  # each migration exactly once


def test_racing_processes_claim_each_shard_once_on_postgres(pg_url: str) -> None:
    ledger = Ledger(pg_url)
    ledger.register_partition(DAY, [shard_row(DAY, i) for i in range(8)])
    jobs = [(pg_url, shard_row(DAY, i).shard_id, attempt) for i in range(8) for attempt in range(4)]
    with multiprocessing.get_context("spawn").Pool(4) as pool:
        won = pool.map(_claim, jobs)
    per_shard: dict[str, int] = {}
    for (_, shard_id, _), ok in zip(jobs, won, strict=True):
        per_shard[shard_id] = per_shard.get(shard_id, 0) + ok
    assert set(per_shard.values()) == {1}
    assert len([e for e in ledger.events() if e["to_state"] == "active"]) == 8


def test_one_process_holds_the_submit_lease(pg_url: str) -> None:
    Ledger(pg_url)
    with multiprocessing.get_context("spawn").Pool(4) as pool:
        holders = pool.map(_lease, [(pg_url, w) for w in range(8)])
    assert sum(holders) == 1
    ledger = Ledger(pg_url)
    assert not ledger.take_lease("submit", "latecomer", 60)
    winner = f"worker-{holders.index(True)}"
    ledger.release_lease("submit", winner)
    assert ledger.take_lease("submit", "latecomer", 60)


def test_a_day_with_its_ledger_on_postgres(
    make_pipeline: Callable[..., Pipeline], pg_url: str
) -> None:
    pipeline = make_pipeline(ledger_url=pg_url, max_records_per_job=15)
    pipeline.land(DAY, 40)
    pipeline.prepare(DAY)
    pipeline.drain()
    report = report_json(pipeline.report(DAY))
    assert report["summarized"] == 40 and report["conservation_ok"], report
    assert report["records_submitted"] == 40
    assert not (pipeline.settings.data_root / "state" / "ledger.sqlite").exists()
