"""Re-materializing a day never sends a call twice, and never guards a summary twice.

Everyday actions on a day that already ran: late files, a prompt change (without and with
asking for re-summarization), a quota change, a plain re-run, a re-run while jobs are in
flight. Each leaves every call summarized exactly once and ``records_submitted`` equal to
the calls sent.
"""

from collections.abc import Callable
from typing import Any

import pytest
from dagster import RunConfig

from bedrock_assets.prompting.prompt import guideline_catalogue
from bedrock_assets.reporting.day_report import report_json
from bedrock_assets_tests.harness import DAY, Pipeline

pytestmark = pytest.mark.e2e


def run_day(pipeline: Pipeline, count: int, **land: Any) -> dict:
    pipeline.land(DAY, count, mixed_formats=False, include_bad=False, **land)
    pipeline.prepare(DAY)
    pipeline.drain()
    return report_json(pipeline.report(DAY))


def assert_once(report: dict, calls: int) -> None:
    assert report["summarized"] == calls, report
    assert report["records_submitted"] == calls, report  # no call sent twice
    assert report["conservation_ok"] and report["pending"] == 0, report


def test_late_files_get_shards_of_their_own(make_pipeline: Callable[..., Pipeline]) -> None:
    pipeline = make_pipeline(max_records_per_job=20)
    assert_once(run_day(pipeline, 25), 25)
    first_jobs = run_day(pipeline, 0)["batch_jobs"]  # a plain re-run: nothing new
    assert first_jobs == 2
    report = run_day(pipeline, 12, name_prefix="late", seed=99)  # 12 more calls, later
    assert_once(report, 37)
    assert report["batch_jobs"] == 3  # one job for the late calls, none resent
    late = [s for s in pipeline.ledger.shards_for_date(DAY) if s.shard_index >= 2]
    assert len(late) == 1 and late[0].record_count == 12


def test_a_prompt_change_keeps_what_was_paid_for(make_pipeline: Callable[..., Pipeline]) -> None:
    pipeline = make_pipeline()
    before = run_day(pipeline, 20)
    ids = [g["id"] for g in guideline_catalogue()["guidelines"]]
    changed = pipeline.with_settings(guidelines=",".join(ids[:-1]))
    changed.prepare(DAY)
    assert changed.drain() == []  # nothing to send: every call was sent under the old prompt
    after = report_json(changed.report(DAY))
    assert after == before
    assert changed.metadata("batch_input_shards")["calls_already_sent"] == 20


@pytest.mark.parametrize("new_max", [10, 40])
def test_a_quota_change_after_submission_resends_nothing(
    make_pipeline: Callable[..., Pipeline], new_max: int
) -> None:
    pipeline = make_pipeline(max_records_per_job=20)
    assert_once(run_day(pipeline, 40), 40)
    changed = pipeline.with_settings(max_records_per_job=new_max)
    changed.prepare(DAY)
    assert changed.drain() == []
    report = report_json(changed.report(DAY))
    assert_once(report, 40)
    assert report["batch_jobs"] == 2


def test_a_quota_change_before_submission_rebuilds_the_unsent_shards(
    make_pipeline: Callable[..., Pipeline],
) -> None:
    pipeline = make_pipeline(max_records_per_job=20)
    pipeline.land(DAY, 40, mixed_formats=False, include_bad=False)
    pipeline.prepare(DAY)
    assert len(pipeline.ledger.shards_for_date(DAY)) == 2  # registered, not sent yet
    changed = pipeline.with_settings(max_records_per_job=40)
    changed.prepare(DAY)
    assert len(changed.ledger.shards_for_date(DAY)) == 1  # nothing was paid for: rebuilt
    changed.drain()
    report = report_json(changed.report(DAY))
    assert_once(report, 40)
    assert report["batch_jobs"] == 1


def test_a_rerun_while_jobs_are_in_flight_duplicates_nothing(
    make_pipeline: Callable[..., Pipeline],
) -> None:
    pipeline = make_pipeline(max_records_per_job=20, local_step_seconds=0.3)
    pipeline.land(DAY, 40, mixed_formats=False, include_bad=False)
    pipeline.prepare(DAY)
    pipeline.tick()
    assert {s.state for s in pipeline.ledger.shards_for_date(DAY)} == {"active"}
    pipeline.prepare(DAY)  # the same day again, mid-flight
    pipeline.prepare(DAY)
    assert len(pipeline.ledger.shards_for_date(DAY)) == 2
    pipeline.drain()
    report = report_json(pipeline.report(DAY))
    assert_once(report, 40)
    assert report["batch_jobs"] == 2


def test_asking_for_resummarization_replaces_every_summary_once(
    make_pipeline: Callable[..., Pipeline],
) -> None:
    pipeline = make_pipeline(max_records_per_job=20, local_step_seconds=0.3)
    pipeline.land(DAY, 40, mixed_formats=False, include_bad=False)
    pipeline.prepare(DAY)
    pipeline.tick()  # the old version's jobs are in flight when the user asks
    ids = [g["id"] for g in guideline_catalogue()["guidelines"]]
    changed = pipeline.with_settings(guidelines=",".join(ids[1:]))
    prepare = changed.defs.resolve_job_def("prepare_batch_inputs")
    config = RunConfig(ops={"batch_input_shards": {"config": {"resummarize": True}}})
    assert prepare.execute_in_process(
        instance=changed.instance, partition_key=DAY, run_config=config
    ).success
    changed.drain()
    report = report_json(changed.report(DAY))
    assert report["summarized"] == 40 and report["conservation_ok"] and report["pending"] == 0
    new_prompt = changed.resources["batch"].request().prompt.version
    guarded = changed.table("guarded_summaries").to_pylist()
    assert len({g["record_id"] for g in guarded}) == 40  # each call once
    assert {g["prompt_version"] for g in guarded} == {new_prompt}  # the newest version wins
    old = [s for s in changed.ledger.shards_in_state("terminal") if s.obsolete]
    assert len(old) == 2 and all(s.stop_requested for s in old)  # stopped, kept as history


def test_collect_reruns_never_guard_a_summary_twice(
    make_pipeline: Callable[..., Pipeline], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Record errors send records to retry shards; each retry shard's collect run guards only
    the new successes. ApplyGuardrail calls equal the summaries guarded."""
    from bedrock_local.runtime import LocalRuntimeClient

    calls: list[str] = []
    real = LocalRuntimeClient.apply_guardrail

    def counted(self: LocalRuntimeClient, **params: Any) -> dict:
        calls.append(params["content"][-1]["text"]["text"])
        return real(self, **params)

    monkeypatch.setattr(LocalRuntimeClient, "apply_guardrail", counted)
    pipeline = make_pipeline(
        local_faults="record_error=0.3", max_records_per_job=25, retry_backoff_seconds=0
    )
    report = run_day(pipeline, 60, seed=12)
    retries = [s for s in pipeline.ledger.shards_for_date(DAY) if s.kind == "retry"]
    assert retries  # the day was collected more than once
    assert len(calls) == report["summarized"]
    assert report["conservation_ok"]
    assert pipeline.metadata("guarded_summaries")["reused_from_earlier_runs"] > 0
