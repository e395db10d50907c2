"""Job state-change events from SQS (moto): a wake-up, a reconciliation, deletes after commit."""

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from bedrock_assets.batch.events import (
    JobEventQueue,
    MalformedEvent,
    Message,
    parse_event,
    run_event_tick,
)
from bedrock_assets.batch.slots import run_tick
from bedrock_assets.settings import SettingsError, load_settings
from bedrock_assets.state.ledger import Ledger, sqlite_url
from bedrock_assets_tests.test_slots import MODEL, engine, foreign_job, register, settings

DAY = "2024-08-01"


def envelope(arn: str, status: str, name: str = "job", model: str = MODEL) -> str:
    """An EventBridge envelope as the rule delivers it to SQS."""
    return json.dumps(
        {
            "version": "0",
            "id": "5d3b1c2a-1111-2222-3333-444455556666",
            "detail-type": "Batch Inference Job State Change",
            "source": "aws.bedrock",
            "account": "123456789012",
            "time": "2024-08-01T12:00:00Z",
            "region": "us-east-1",
            "resources": [arn],
            "detail": {
                "batchJobName": name,
                "batchJobArn": arn,
                "batchModelId": model,
                "status": status,
                "failureMessage": "",
            },
        }
    )


@pytest.fixture
def sqs(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    for key, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(key, value)
    with mock_aws():
        yield boto3.client("sqs", region_name="us-east-1")


def make_queue(sqs: Any, visibility: int = 0) -> JobEventQueue:
    # Visibility 0 (default): a message not deleted is visible again at once (a redelivery).
    attributes = {"VisibilityTimeout": str(visibility)}
    url = sqs.create_queue(QueueName="jobs", Attributes=attributes)["QueueUrl"]
    return JobEventQueue(sqs, url, wait_seconds=0)


def waiting(queue: JobEventQueue) -> int:
    attrs = queue.sqs.get_queue_attributes(
        QueueUrl=queue.queue_url,
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return int(attrs["ApproximateNumberOfMessages"]) + int(
        attrs["ApproximateNumberOfMessagesNotVisible"]
    )


def send(queue: JobEventQueue, body: str) -> None:
    queue.sqs.send_message(QueueUrl=queue.queue_url, MessageBody=body)


class Day:
    """Two slots, three shards: after the first tick two jobs run and one shard waits."""

    def __init__(self, tmp_path: Path) -> None:
        self.url = sqlite_url(tmp_path / "ledger.sqlite")
        self.client, self.ledger = engine(tmp_path, slots=2), Ledger(self.url)
        self.rows = register(self.ledger, DAY, 3)
        run_tick(self.client, self.ledger, settings(2))

    def arn(self, i: int) -> str:
        return self.ledger.shard(self.rows[i].shard_id).job_arn or ""

    def end(self, i: int, status: str = "Completed") -> str:
        arn = self.arn(i)
        self.client.state.set_status(arn.rsplit("/", 1)[1], status)
        return arn

    def reconcile(self) -> Any:
        return run_tick(self.client, self.ledger, settings(2))

    def jobs(self) -> int:
        listed = self.client.list_model_invocation_jobs(nameContains="ba-")
        return len(listed["invocationJobSummaries"])


# -- parsing -----------------------------------------------------------------------------------
def test_parse_reads_the_detail_fields() -> None:
    arn = "arn:aws:bedrock:us-east-1:123456789012:model-invocation-job/abcdefghijkl"
    event = parse_event(envelope(arn, "Completed", name="ba-x"))
    assert (event.job_arn, event.job_name, event.status, event.model_id) == (
        arn,
        "ba-x",
        "Completed",
        MODEL,
    )


@pytest.mark.parametrize(
    "body, reason",
    [
        ("{not json", "not JSON"),
        ("[1, 2]", "not an EventBridge envelope"),
        (json.dumps({"source": "aws.s3", "detail-type": "Object Created"}), "source/detail-type"),
        (
            json.dumps(
                {"source": "aws.bedrock", "detail-type": "Batch Inference Job State Change"}
            ),
            "no detail",
        ),
        (envelope("arn:aws:s3:::bucket", "Completed"), "batchJobArn"),
        (
            envelope("arn:aws:bedrock:us-east-1:1:model-invocation-job/x", "").replace(
                '"status": ""', '"status": null'
            ),
            "status",
        ),
    ],
)
def test_malformed_messages_are_named(body: str, reason: str) -> None:
    with pytest.raises(MalformedEvent, match=reason):
        parse_event(body)


# -- the tick ----------------------------------------------------------------------------------
def test_an_event_refills_the_freed_slot_in_the_same_tick(tmp_path: Path, sqs: Any) -> None:
    day, queue = Day(tmp_path), make_queue(sqs)
    arn = day.end(0)
    # Without an event and before the polling interval nothing is asked of Bedrock.
    quiet, none = run_event_tick(queue, day.ledger, MODEL, day.reconcile, due=False)
    assert not quiet.reconciled and none is None
    assert day.ledger.shard(day.rows[2].shard_id).state == "pending"

    send(queue, envelope(arn, "Completed"))
    outcome, report = run_event_tick(queue, day.ledger, MODEL, day.reconcile, due=False)
    assert outcome.reconciled and [e.job_arn for e in outcome.triage.ours] == [arn]
    assert [s.shard_id for s, status in report.refreshed] == [day.rows[0].shard_id]
    assert [s.shard_id for s in report.submitted] == [day.rows[2].shard_id]
    assert day.ledger.shard(day.rows[2].shard_id).state == "active"
    assert outcome.deleted == 1 and waiting(queue) == 0


class Spy(JobEventQueue):
    """Records what a second connection to the ledger sees when the messages are deleted."""

    def __init__(self, queue: JobEventQueue, url: str, shard_id: str) -> None:
        super().__init__(queue.sqs, queue.queue_url, wait_seconds=0)
        self.url, self.shard_id = url, shard_id
        self.seen: list[str] = []

    def delete(self, messages: list[Message]) -> list[str]:
        self.seen.append(Ledger(self.url).shard(self.shard_id).state)  # type: ignore[union-attr]
        return super().delete(messages)


def test_messages_are_deleted_only_after_the_ledger_writes_commit(tmp_path: Path, sqs: Any) -> None:
    day, queue = Day(tmp_path), make_queue(sqs)
    send(queue, envelope(day.end(0), "Completed"))
    spy = Spy(queue, day.url, day.rows[2].shard_id)
    run_event_tick(spy, day.ledger, MODEL, day.reconcile, due=False)
    assert spy.seen == ["active"]  # the refill was committed, visible to another connection


def test_a_crash_before_commit_leaves_the_messages_for_redelivery(tmp_path: Path, sqs: Any) -> None:
    day, queue = Day(tmp_path), make_queue(sqs)
    send(queue, envelope(day.end(0), "Completed"))

    def crash() -> None:
        raise ConnectionError("the ledger went away mid-tick")

    with pytest.raises(ConnectionError):
        run_event_tick(queue, day.ledger, MODEL, crash, due=False)
    assert waiting(queue) == 1  # not deleted: delivered again
    outcome, report = run_event_tick(queue, day.ledger, MODEL, day.reconcile, due=False)
    assert outcome.reconciled and len(report.submitted) == 1
    assert waiting(queue) == 0 and day.jobs() == 3


def test_unknown_and_foreign_jobs_change_nothing(tmp_path: Path, sqs: Any) -> None:
    day, queue = Day(tmp_path), make_queue(sqs)
    before = day.ledger.events()
    other_model = foreign_job(day.client, "other-team", model="amazon.nova-lite-v1:0")
    send(queue, envelope(other_model, "Completed", model="amazon.nova-lite-v1:0"))
    send(queue, envelope(other_model.replace("us-east-1", "eu-west-1"), "InProgress"))
    outcome, report = run_event_tick(queue, day.ledger, MODEL, day.reconcile, due=False)
    # Neither frees one of our model's slots: no reconciliation, messages gone, ledger as it was.
    assert not outcome.reconciled and report is None and len(outcome.triage.ignored) == 2
    assert waiting(queue) == 0 and day.ledger.events() == before

    # A foreign job of our model that ended freed a slot: a wake-up, but no ledger row of its own.
    ours_model = "arn:aws:bedrock:us-east-1:123456789012:model-invocation-job/zzzzzzzzzzzz"
    send(queue, envelope(ours_model, "Completed", model=f"us.{MODEL}"))
    outcome, report = run_event_tick(queue, day.ledger, MODEL, day.reconcile, due=False)
    assert outcome.reconciled and len(outcome.triage.freed) == 1
    assert all(s.job_arn != ours_model for s in day.ledger.shards_in_state("active", "terminal"))
    assert report.submitted == []  # both slots still busy: the event was only a hint


def test_duplicate_events_are_idempotent(tmp_path: Path, sqs: Any) -> None:
    day, queue = Day(tmp_path), make_queue(sqs)
    arn = day.end(0)
    for _ in range(3):
        send(queue, envelope(arn, "Completed"))
    outcome, report = run_event_tick(queue, day.ledger, MODEL, day.reconcile, due=False)
    assert len(outcome.triage.ours) == 3 and len(report.submitted) == 1 and outcome.deleted == 3
    events = day.ledger.events()
    send(queue, envelope(arn, "Completed"))  # delivered once more, later
    outcome, report = run_event_tick(queue, day.ledger, MODEL, day.reconcile, due=False)
    assert outcome.reconciled and report.submitted == [] and report.refreshed == []
    assert day.ledger.events() == events and day.jobs() == 3


def test_polling_refills_when_no_event_arrives(tmp_path: Path, sqs: Any) -> None:
    day, queue = Day(tmp_path), make_queue(sqs)
    day.end(1, "Failed")  # EventBridge dropped this one
    outcome, report = run_event_tick(queue, day.ledger, MODEL, day.reconcile, due=True)
    assert outcome.reconciled and outcome.triage.ours == []
    assert [s.shard_id for s in report.submitted] == [day.rows[2].shard_id]


def test_malformed_messages_are_left_for_the_dead_letter_queue(tmp_path: Path, sqs: Any) -> None:
    day, queue = Day(tmp_path), make_queue(sqs)
    send(queue, "{truncated")
    send(queue, envelope(day.end(0), "Completed"))
    outcome, report = run_event_tick(queue, day.ledger, MODEL, day.reconcile, due=False)
    assert outcome.reconciled and len(report.submitted) == 1  # the good event still counts
    assert len(outcome.warnings) == 1 and "not JSON" in outcome.warnings[0]
    assert outcome.deleted == 1 and waiting(queue) == 1  # the bad one stays for the redrive


def test_a_full_queue_is_drained_in_batches(tmp_path: Path, sqs: Any) -> None:
    day, queue = Day(tmp_path), make_queue(sqs, visibility=30)
    arn = day.end(0)
    for _ in range(25):
        send(queue, envelope(arn, "Completed"))
    outcome, _ = run_event_tick(queue, day.ledger, MODEL, day.reconcile, due=False)
    assert outcome.deleted == 25 and waiting(queue) == 0


# -- settings and resources ----------------------------------------------------------------------
def test_queue_url_is_validated_and_carried(monkeypatch: pytest.MonkeyPatch) -> None:
    from bedrock_assets.defs.resources import build_resources
    from bedrock_assets.defs.sensors import sensor_interval

    url = "https://sqs.us-east-1.amazonaws.com/111122223333/bedrock-assets-JobEventsQueue-AbC1"
    monkeypatch.setenv("BEDROCK_ASSETS_JOB_EVENTS_QUEUE_URL", url)
    loaded = load_settings()
    batch = build_resources(loaded)["batch"]
    assert batch.job_events_queue_url == url and batch.job_events() is not None
    assert sensor_interval(loaded.sensor_interval_seconds, True) == 5
    assert sensor_interval(loaded.sensor_interval_seconds, False) == 30
    monkeypatch.setenv("BEDROCK_ASSETS_JOB_EVENTS_QUEUE_URL", "arn:aws:sqs:us-east-1:1:q")
    with pytest.raises(SettingsError, match="BEDROCK_ASSETS_JOB_EVENTS_QUEUE_URL"):
        load_settings()
    monkeypatch.delenv("BEDROCK_ASSETS_JOB_EVENTS_QUEUE_URL")
    monkeypatch.setenv("BEDROCK_ASSETS_JOB_EVENTS_WAIT_SECONDS", "21")
    with pytest.raises(SettingsError, match="BEDROCK_ASSETS_JOB_EVENTS_WAIT_SECONDS"):
        load_settings()


# -- through the Dagster sensor ----------------------------------------------------------------
@pytest.mark.e2e
def test_the_sensor_refills_a_freed_slot_on_the_event_not_the_poll(
    sqs: Any, make_pipeline: Any
) -> None:
    """One slot, two shards, polling every hour: the job's end alone changes nothing until its
    event arrives; then the same tick submits the next shard and empties the queue."""
    url = sqs.create_queue(QueueName="bedrock-jobs")["QueueUrl"]
    pipeline = make_pipeline(
        job_events_queue_url=url,
        job_events_wait_seconds=0,
        sensor_interval_seconds=3600,
        max_concurrent_jobs=1,
        max_records_per_job=20,
    )
    pipeline.land(count=40, mixed_formats=False, include_bad=False)
    pipeline.prepare()
    pipeline.tick()  # the first tick is the polling fallback's: it submits the first shard
    led = pipeline.ledger
    (first,) = led.shards_in_state("active")
    assert len(led.shards_in_state("pending")) == 1
    job_id = (first.job_arn or "").rsplit("/", 1)[1]
    deadline = time.time() + 60
    while pipeline.bedrock.get_model_invocation_job(jobIdentifier=first.job_arn)["status"] != (
        "Completed"
    ):
        assert time.time() < deadline, f"job {job_id} did not finish"
        time.sleep(0.2)
    pipeline.tick()  # no event yet, the poll is an hour away: nothing moves
    assert len(led.shards_in_state("pending")) == 1
    sqs.send_message(QueueUrl=url, MessageBody=envelope(first.job_arn or "", "Completed"))
    pipeline.tick()
    assert led.shards_in_state("pending") == []
    assert len(led.shards_in_state("active")) == 1
    assert waiting(JobEventQueue(sqs, url, wait_seconds=0)) == 0


def test_a_client_made_before_credentials_exist_is_not_kept(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A sensor process that first asked for the queue client before its credentials were
    available (a task role not yet served) signs its requests once they are."""
    from bedrock_assets.defs.resources import _aws_client

    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    early = _aws_client("sqs", "eu-west-3")
    assert early._request_signer._credentials is None
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    later = _aws_client("sqs", "eu-west-3")
    assert later._request_signer._credentials is not None
    assert _aws_client("sqs", "eu-west-3") is later
