"""Bedrock batch job state-change events from SQS: wake-ups for the slot manager.

EventBridge delivers ``Batch Inference Job State Change`` events at least once, late or not
at all, so an event never changes the ledger by itself: it wakes the tick, which reconciles
with ``GetModelInvocationJob``/``ListModelInvocationJobs`` and refills the freed slots, and
polling stays the fallback. Messages are deleted only once the tick's ledger writes have
committed; a crash before that leaves them to be delivered again (the tick is idempotent).

The rule for a message that is not such an event (not JSON, another source or detail-type,
no ``batchJobArn`` or ``status``): it is never acted on and never deleted. It is logged with
its message id and reason and left in the queue, so the queue's redrive policy (5 receives in
``deploy/cloudformation``) moves it to the dead-letter queue, where it can be inspected.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bedrock_assets.batch.contract import TERMINAL_STATUSES
from bedrock_assets.prompting.model_families import base_model_id
from bedrock_assets.state.ledger import Ledger

SOURCE = "aws.bedrock"
DETAIL_TYPE = "Batch Inference Job State Change"
MAX_BATCH = 10  # SQS ReceiveMessage / DeleteMessageBatch maximum


class MalformedEvent(ValueError):
    """A message that is not a Bedrock batch job state change (the reason names no content)."""


@dataclass(frozen=True)
class JobEvent:
    job_arn: str
    job_name: str
    status: str
    model_id: str | None


@dataclass(frozen=True)
class Message:
    message_id: str
    receipt_handle: str
    event: JobEvent | None  # None: malformed, see ``problem``
    problem: str | None = None


def parse_event(body: str) -> JobEvent:
    """The job fields of an EventBridge envelope carrying a Bedrock batch job state change."""
    try:
        envelope = json.loads(body)
    except ValueError:
        raise MalformedEvent("not JSON") from None
    if not isinstance(envelope, dict):
        raise MalformedEvent("not an EventBridge envelope (a JSON object)")
    if envelope.get("source") != SOURCE or envelope.get("detail-type") != DETAIL_TYPE:
        raise MalformedEvent(
            f"source/detail-type {str(envelope.get('source'))[:40]!r}/"
            f"{str(envelope.get('detail-type'))[:60]!r}, not {SOURCE!r}/{DETAIL_TYPE!r}"
        )
    detail = envelope.get("detail")
    if not isinstance(detail, dict):
        raise MalformedEvent("no detail object")
    arn, status = detail.get("batchJobArn"), detail.get("status")
    if not isinstance(arn, str) or ":model-invocation-job/" not in arn:
        raise MalformedEvent("detail.batchJobArn missing or not a model-invocation-job ARN")
    if not isinstance(status, str) or not status:
        raise MalformedEvent("detail.status missing")
    model = detail.get("batchModelId")
    return JobEvent(
        job_arn=arn,
        job_name=str(detail.get("batchJobName") or ""),
        status=status,
        model_id=model if isinstance(model, str) and model else None,
    )


class JobEventQueue:
    """The SQS queue the EventBridge rule feeds, read with boto3."""

    def __init__(
        self, sqs: Any, queue_url: str, wait_seconds: int = 1, max_messages: int = 100
    ) -> None:
        self.sqs, self.queue_url = sqs, queue_url
        self.wait_seconds, self.max_messages = wait_seconds, max_messages

    def receive(self) -> list[Message]:
        """What is waiting, up to ``max_messages``: the first call long-polls ``wait_seconds``
        (explicitly, whatever the queue's default), the next ones only drain."""
        messages: dict[str, Message] = {}
        wait = self.wait_seconds
        while len(messages) < self.max_messages:
            batch = self.sqs.receive_message(
                QueueUrl=self.queue_url,
                MaxNumberOfMessages=min(MAX_BATCH, self.max_messages - len(messages)),
                WaitTimeSeconds=wait,
            ).get("Messages", [])
            fresh = 0
            for raw in batch:
                try:
                    event, problem = parse_event(raw.get("Body", "")), None
                except MalformedEvent as exc:
                    event, problem = None, str(exc)
                # A message seen again in the same drain (visibility ran out) keeps one entry,
                # with its newest receipt handle (the one a delete needs).
                fresh += raw["MessageId"] not in messages
                messages[raw["MessageId"]] = Message(
                    raw["MessageId"], raw["ReceiptHandle"], event, problem
                )
            if len(batch) < MAX_BATCH or not fresh:
                break
            wait = 0
        return list(messages.values())

    def delete(self, messages: list[Message]) -> list[str]:
        """Delete handled messages; returns the ids SQS did not delete (they come back and are
        handled again, harmlessly)."""
        failed: list[str] = []
        for start in range(0, len(messages), MAX_BATCH):
            chunk = messages[start : start + MAX_BATCH]
            response = self.sqs.delete_message_batch(
                QueueUrl=self.queue_url,
                Entries=[
                    {"Id": str(i), "ReceiptHandle": m.receipt_handle} for i, m in enumerate(chunk)
                ],
            )
            failed += [chunk[int(f["Id"])].message_id for f in response.get("Failed", [])]
        return failed


@dataclass
class Triage:
    """What a batch of messages means for this pipeline."""

    ours: list[JobEvent] = field(default_factory=list)  # jobs in the ledger
    freed: list[JobEvent] = field(default_factory=list)  # foreign jobs of our model that ended
    ignored: list[JobEvent] = field(default_factory=list)  # foreign jobs that free no slot
    malformed: list[Message] = field(default_factory=list)

    @property
    def wake(self) -> bool:
        return bool(self.ours or self.freed)


def triage(messages: list[Message], ledger: Ledger, model_id: str) -> Triage:
    """Sort events into ours (any status change is worth a reconciliation), foreign jobs of
    the same model that ended (their slot is free), and the rest (nothing to do)."""
    result = Triage()
    known = {s.job_arn for s in ledger.shards_in_state("active", "submitting")}
    base = base_model_id(model_id)
    for message in messages:
        event = message.event
        if event is None:
            result.malformed.append(message)
        elif event.job_arn in known:
            result.ours.append(event)
        elif event.status in TERMINAL_STATUSES and (
            event.model_id is None or base_model_id(event.model_id) == base
        ):
            result.freed.append(event)
        else:
            result.ignored.append(event)
    return result


@dataclass
class EventTick:
    triage: Triage
    reconciled: bool
    deleted: int = 0
    undeleted: list[str] = field(default_factory=list)
    logs: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def run_event_tick(
    queue: JobEventQueue,
    ledger: Ledger,
    model_id: str,
    reconcile: Callable[[], Any],
    due: bool,
) -> tuple[EventTick, Any]:
    """Read the queue; when an event wakes us (or the polling fallback is ``due``) run the
    reconciling tick, and only after it returned (its ledger writes committed) delete the
    well-formed messages. Returns the outcome and the tick's report (None if not run)."""
    messages = queue.receive()
    sorted_ = triage(messages, ledger, model_id)
    outcome = EventTick(sorted_, reconciled=sorted_.wake or due)
    for message in sorted_.malformed:
        outcome.warnings.append(
            f"job event {message.message_id} left for the dead-letter queue: {message.problem}"
        )
    report = reconcile() if outcome.reconciled else None
    handled = [m for m in messages if m.event is not None]
    outcome.undeleted = queue.delete(handled) if handled else []
    outcome.deleted = len(handled) - len(outcome.undeleted)
    if sorted_.wake:
        outcome.logs.append(
            f"woken by {len(sorted_.ours)} event(s) of our jobs and {len(sorted_.freed)} of "
            f"other jobs that freed a slot; {len(sorted_.ignored)} other event(s) ignored"
        )
    return outcome, report
