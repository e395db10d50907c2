"""A snapshot of the code location: asset keys, deps, partitions, checks, jobs, schedules,
sensors and resources. An accidental change to the graph fails here; a deliberate one is
recorded by running ``UPDATE_SNAPSHOTS=1 pytest bedrock_assets_tests/test_definitions_snapshot.py``
and committing the new snapshot with the change."""

import json
import os
from pathlib import Path
from typing import Any

from dagster import Definitions

from bedrock_assets.defs import build_defs
from bedrock_assets.settings import load_settings

SNAPSHOT = Path(__file__).parent / "snapshots" / "definitions.json"


def describe(defs: Definitions) -> dict[str, Any]:
    graph = defs.resolve_asset_graph()
    assets = {}
    for key in sorted(graph.get_all_asset_keys(), key=lambda k: k.to_user_string()):
        node = graph.get(key)
        partitions = node.partitions_def
        assets[key.to_user_string()] = {
            "deps": sorted(k.to_user_string() for k in node.parent_keys),
            "group": node.group_name,
            "kinds": sorted(node.kinds),
            "partitions": {
                "type": type(partitions).__name__,
                "start": partitions.start.date().isoformat()
                if hasattr(partitions, "start")
                else None,
            },
            "code_version": node.code_version,
            "owners": sorted(node.owners),
            "freshness": type(node.freshness_policy).__name__ if node.freshness_policy else None,
            "checks": sorted(
                k.name + (" (blocking)" if graph.get_check_spec(k).blocking else "")
                for k in graph.asset_check_keys
                if k.asset_key == key
            ),
        }
    repo = defs.get_repository_def()
    jobs = {
        job.name: sorted(k.to_user_string() for k in job.asset_layer.selected_asset_keys)
        if job.asset_layer and job.asset_layer.selected_asset_keys
        else [node.name for node in job.graph.node_defs]
        for job in repo.get_all_jobs()
        if not job.name.startswith("__")
    }
    return {
        "assets": assets,
        "jobs": dict(sorted(jobs.items())),
        "schedules": {
            s.name: {"job": s.job_name, "cron": s.cron_schedule, "timezone": s.execution_timezone}
            for s in repo.schedule_defs
        },
        "sensors": {
            s.name: {
                "jobs": sorted(j.name for j in s.jobs),
                "minimum_interval_seconds": s.minimum_interval_seconds,
                "default_status": s.default_status.value,
            }
            for s in repo.sensor_defs
        },
        "resources": {
            name: {"class": type(r).__name__, "fields": sorted(type(r).model_fields)}
            for name, r in sorted((defs.resources or {}).items())
        },
    }


def test_definitions_match_the_snapshot(tmp_path: Path) -> None:
    settings = load_settings(data_root=tmp_path, partitions_start_date="2024-01-01")
    current = describe(build_defs(settings))
    text = json.dumps(current, indent=2, sort_keys=False) + "\n"
    if os.environ.get("UPDATE_SNAPSHOTS") == "1":
        SNAPSHOT.parent.mkdir(exist_ok=True)
        SNAPSHOT.write_text(text)
    assert SNAPSHOT.exists(), "no snapshot: run with UPDATE_SNAPSHOTS=1 once and commit it"
    assert json.loads(SNAPSHOT.read_text()) == current, (
        "the definitions changed: if on purpose, rerun with UPDATE_SNAPSHOTS=1 and commit "
        f"{SNAPSHOT.relative_to(Path(__file__).parents[1])}"
    )


def test_every_run_executes_in_one_process(tmp_path: Path) -> None:
    """A step subprocess costs Dagster's imports (about 11 s) for seconds of work: the collect
    run the sensor requests, the named jobs and the asset backfills' implicit jobs all run
    their steps in the run's own process."""
    repo = build_defs(load_settings(data_root=tmp_path)).get_repository_def()
    jobs = repo.get_all_jobs()
    assert {j.name for j in jobs} >= {"collect_batch_outputs", "prepare_batch_inputs"}
    assert any(j.name.startswith("__ASSET_JOB") for j in jobs)  # backfills, "Materialize all"
    assert {j.name: j.executor_def.name for j in jobs} == {j.name: "in_process" for j in jobs}
