"""Fixtures: a pipeline per test, built from settings of its own in a throwaway data root."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from dagster import DagsterInstance

from bedrock_assets_tests.harness import Pipeline, settings_for


@pytest.fixture(autouse=True)
def _no_outside_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    """A developer's BEDROCK_ASSETS_* variables never leak into a test."""
    for name in list(os.environ):
        if name.startswith("BEDROCK_ASSETS_"):
            monkeypatch.delenv(name)


@pytest.fixture
def instance() -> Iterator[DagsterInstance]:
    with DagsterInstance.ephemeral() as inst:
        yield inst


@pytest.fixture
def make_pipeline(tmp_path: Path, instance: DagsterInstance) -> Iterator[Callable[..., Pipeline]]:
    """``make_pipeline(**settings)``: a pipeline in this test's data root."""
    made: list[Pipeline] = []

    def make(**overrides: Any) -> Pipeline:
        pipeline = Pipeline(settings_for(tmp_path / "data", **overrides), instance)
        made.append(pipeline)
        return pipeline

    yield make
    for pipeline in made:
        pipeline.wait_idle()


@pytest.fixture
def pipeline(make_pipeline: Callable[..., Pipeline]) -> Pipeline:
    return make_pipeline()


@pytest.fixture(scope="session")
def postgres() -> Iterator[Any]:
    """A throwaway PostgreSQL server for the session (skips without binaries, outside CI)."""
    from bedrock_assets_tests.postgres import postgres_server

    with postgres_server() as server:
        yield server
