"""How the code is arranged, checked: the rule of dependencies, thin asset shells, typed
resources, and nothing read from the environment at import time."""

import inspect
import subprocess
import sys
from pathlib import Path

import pytest
from dagster import ConfigurableResource

from bedrock_assets.defs import build_defs
from bedrock_assets.settings import load_settings

ROOT = Path(__file__).resolve().parents[1]
MAX_ASSET_BODY_LINES = 40  # the issue asks for at most 60, most far less


def test_the_rule_of_dependencies_holds() -> None:
    """bedrock_local imports nothing of bedrock_assets; domain packages import neither
    Dagster nor bedrock_local; the layers read top-down with no cycles (pyproject.toml)."""
    from importlinter.cli import lint_imports

    assert lint_imports(config_filename=str(ROOT / "pyproject.toml"), no_cache=True) == 0


def test_every_asset_is_a_thin_shell(tmp_path: Path) -> None:
    defs = build_defs(load_settings(data_root=tmp_path))
    sizes = {}
    for assets_def in defs.resolve_asset_graph().assets_defs:
        if not assets_def.keys:  # an asset check
            continue
        lines = inspect.getsourcelines(assets_def.op.compute_fn.decorated_fn)[0]
        body = next(i for i, line in enumerate(lines) if line.lstrip().startswith("def "))
        sizes[assets_def.key.to_user_string()] = len(lines) - body
    assert sizes and max(sizes.values()) <= MAX_ASSET_BODY_LINES, sizes


def test_every_resource_carries_typed_configuration(tmp_path: Path) -> None:
    defs = build_defs(load_settings(data_root=tmp_path))
    resources = defs.resources or {}
    assert set(resources) == {"object_store", "bedrock", "batch", "guardrail", "ingest", "ledger"}
    for name, resource in resources.items():
        assert isinstance(resource, ConfigurableResource), name
        fields = type(resource).model_fields
        assert fields, f"{name} carries no configuration"
        untyped = [f for f, info in fields.items() if info.annotation in (None, object)]
        assert not untyped, (name, untyped)


@pytest.mark.slow
@pytest.mark.parametrize("module", ["bedrock_assets.definitions", "bedrock_assets.defs"])
def test_importing_reads_no_settings(module: str) -> None:
    """An invalid setting fails when the definitions are built, not when code is imported."""
    env = {"BEDROCK_ASSETS_MAX_CONCURRENT_JOBS": "not-a-number", "PATH": ""}
    done = subprocess.run(
        [sys.executable, "-c", f"import {module}"], env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    failed = subprocess.run(
        [sys.executable, "-c", "from bedrock_assets.definitions import defs; defs()"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert failed.returncode != 0 and "BEDROCK_ASSETS_MAX_CONCURRENT_JOBS" in failed.stderr
