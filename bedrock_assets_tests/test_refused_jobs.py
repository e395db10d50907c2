"""A job Bedrock refuses for good (here: a service role it may not pass) fails its shards
within one tick, with Bedrock's message, red on the asset's check; once fixed, a requeue
finishes the day."""

from collections.abc import Callable

import pytest

from bedrock_assets.defs.sensors import ACCEPTED_CHECK
from bedrock_assets_tests.harness import DAY, Pipeline

pytestmark = pytest.mark.e2e
NOT_OURS = "arn:aws:iam::999999999999:role/SomeoneElsesRole"


def test_a_refused_role_is_red_within_one_tick_and_a_requeue_recovers(
    make_pipeline: Callable[..., Pipeline],
) -> None:
    pipeline = make_pipeline(role_arn=NOT_OURS, max_records_per_job=20)
    pipeline.land(DAY, 30, mixed_formats=False, include_bad=False)
    pipeline.prepare(DAY)
    result = pipeline.tick()
    assert result is not None
    shards = pipeline.ledger.shards_for_date(DAY)
    assert len(shards) == 2 and {s.state for s in shards} == {"failed"}  # both, in one tick
    assert all("iam:PassRole" in (s.message or "") for s in shards)  # Bedrock's own words
    assert pipeline.check_status("batch_input_shards", ACCEPTED_CHECK, None) is False  # red
    assert pipeline.report(DAY)["pending"] == 30  # waiting, counted, not lost

    fixed = pipeline.with_settings(role_arn="arn:aws:iam::123456789012:role/BatchRole")
    requeue = fixed.defs.resolve_job_def("requeue_failed_shards")
    assert requeue.execute_in_process(instance=fixed.instance, partition_key=DAY).success
    fixed.drain()
    report = fixed.report(DAY)
    assert report["summarized"] == 30 and report["conservation_ok"]
    assert fixed.check_status("batch_input_shards", ACCEPTED_CHECK, None) is True  # green again
