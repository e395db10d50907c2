"""A day with a 150,000-character call completes in ``aws`` mode against an ApplyGuardrail
endpoint that enforces the grounding-source limit (``bedrock-local serve``, 100 text units in
us-east-1): the long call is grounded on its relevant passages, recorded as such, and
nothing else about the day changes."""

from pathlib import Path

import pytest
from dagster import DagsterInstance

from bedrock_assets.ingest.landing import call_id_from_name
from bedrock_assets_tests.harness import Pipeline, long_transcript, settings_for
from bedrock_assets_tests.test_aws_e2e import AWS, Emulators, emulators  # noqa: F401

pytestmark = pytest.mark.aws
DAY = "2024-08-19"  # moto keeps S3 state per process: a day of its own


def test_a_day_with_a_150k_character_call_completes_on_aws(
    emulators: Emulators,  # noqa: F811
    tmp_path: Path,
) -> None:
    with DagsterInstance.ephemeral() as instance:
        pipeline = Pipeline(settings_for(tmp_path / "aws-long", **AWS), instance)
        pipeline.land(DAY, 24, mixed_formats=False, include_bad=False)
        landing = pipeline.layout.uri(pipeline.layout.landing_prefix)
        pipeline.store.put_bytes(
            f"{landing}/{DAY}/marathon-call.txt", long_transcript(150_000).encode()
        )
        pipeline.prepare(DAY)
        pipeline.drain(timeout=180)
        report = pipeline.report(DAY)
        rows = pipeline.table("guarded_summaries", DAY).to_pylist()
    assert report["summarized"] == 25 and report["conservation_ok"]
    marathon = call_id_from_name("marathon-call.txt")
    (long_row,) = [r for r in rows if r["transcript_id"] == marathon]
    assert long_row["grounding_source_strategy"] == "relevant_windows"
    assert 0 < long_row["grounding_source_chars"] <= 100_000
    assert long_row["grounding_source_windows"] >= 1
    assert long_row["contextual_grounding_policy_units"] <= 100 + 1 + 2
    others = [r for r in rows if r["transcript_id"] != marathon]
    assert len(others) == 24 and {r["grounding_source_strategy"] for r in others} == {"full"}
