"""How one day's records resolve across attempts: retry, dead-letter, or success."""

from dataclasses import replace

from bedrock_assets.batch.merge import DayMerge
from bedrock_assets.state.ledger import ShardRow

BASE = ShardRow(
    shard_id="s1",
    call_date="2024-08-01",
    shard_index=0,
    model_id="m",
    input_uri="s3://bkt/in/",
    output_uri="s3://bkt/out/",
    record_count=1,
    byte_count=1,
    file_count=1,
    prompt_version="p",
    state="terminal",
    job_arn="arn:aws:bedrock:us-east-1:123456789012:model-invocation-job/abc",
    job_status="Completed",
)


def row(rid: str, status: str, code: str | None = None) -> dict:
    return {
        "record_id": rid,
        "transcript_id": rid,
        "status": status,
        "error_code": code,
        "error_message": "x",
    }


def test_errors_retry_until_the_last_attempt_then_dead_letter() -> None:
    merge = DayMerge(max_record_attempts=2)
    merge.add(row("a", "error", "500"), BASE)
    retry, dead = merge.finish()
    assert [(r["record_id"], r["status"], r["attempts"]) for r in retry] == [("a", "retrying", 1)]
    merge.add(row("a", "error", "500"), replace(BASE, shard_id="retry1"))
    retry, dead = merge.finish()
    assert retry == [] and [(d["status"], d["attempts"]) for d in dead] == [("dead_letter", 2)]


def test_a_success_in_a_later_attempt_wins() -> None:
    merge = DayMerge(max_record_attempts=3)
    assert merge.add(row("a", "error", "500"), BASE) is None
    assert merge.add(row("a", "success"), replace(BASE, shard_id="retry1"))["status"] == "success"
    assert merge.finish() == ([], [])


def test_missing_from_partially_completed_is_retried() -> None:
    merge = DayMerge(max_record_attempts=3)
    merge.add(row("a", "error", "missing_output"), replace(BASE, job_status="PartiallyCompleted"))
    retry, dead = merge.finish()
    assert [r["record_id"] for r in retry] == ["a"] and dead == []


def test_missing_from_an_exhausted_or_stopped_job_is_dead_lettered_with_its_reason() -> None:
    merge = DayMerge(max_record_attempts=3)
    merge.add(row("a", "error", "missing_output"), replace(BASE, job_status="Failed"))
    merge.add(row("b", "error", "missing_output"), replace(BASE, job_status="Expired"))
    merge.add(
        row("c", "error", "missing_output"), replace(BASE, job_status="Stopped", stop_requested=1)
    )
    retry, dead = merge.finish()
    assert retry == []
    assert {d["record_id"]: d["error_code"] for d in dead} == {
        "a": "job_failed",
        "b": "job_expired",
        "c": "stopped_by_user",
    }
