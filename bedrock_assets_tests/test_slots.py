"""The slot manager: foreign jobs, oldest-first submission, deferral, crash and restart."""

import time
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from bedrock_assets.batch.requests import JobSettings, job_name_for
from bedrock_assets.batch.slots import run_tick
from bedrock_assets.state.ledger import Ledger, ShardRow, sqlite_url
from bedrock_assets.state.ledger.errors import LedgerUnavailable
from bedrock_assets_tests.harness import shard_row
from bedrock_local import EngineConfig
from bedrock_local.batch.control_plane import LocalBedrockClient
from bedrock_local.validation import client_error

MODEL = "anthropic.claude-3-haiku-20240307-v1:0"
ROLE = "arn:aws:iam::123456789012:role/BatchRole"


def settings(slots: int = 3, attempts: int = 1) -> JobSettings:
    return JobSettings(
        model_id=MODEL,
        role_arn=ROLE,
        job_name_prefix="ba",
        max_concurrent_jobs=slots,
        max_job_attempts=attempts,
        retry_backoff_seconds=60,
    )


def engine(tmp_path: Path, slots: int = 3) -> LocalBedrockClient:
    """An engine whose jobs stay Submitted (no workers): they hold their slots."""
    return LocalBedrockClient(
        EngineConfig(
            store_root=str(tmp_path / "os"),
            state_path=str(tmp_path / "engine.sqlite"),
            max_concurrent_jobs=slots,
        ),
        spawn_workers=False,
    )


def shard(day: str, i: int) -> ShardRow:
    return shard_row(day, i, model_id=MODEL)


def register(ledger: Ledger, day: str, n: int) -> list[ShardRow]:
    rows = [shard(day, i) for i in range(n)]
    ledger.register_partition(day, rows)
    return rows


def foreign_job(client: LocalBedrockClient, name: str, model: str = MODEL) -> str:
    return client.create_model_invocation_job(
        jobName=name,
        roleArn=ROLE,
        modelId=model,
        inputDataConfig={"s3InputDataConfig": {"s3Uri": "s3://other/in/"}},
        outputDataConfig={"s3OutputDataConfig": {"s3Uri": "s3://other/out/"}},
    )["jobArn"]


def jobs_named(client: LocalBedrockClient, name: str) -> int:
    return sum(
        j["jobName"] == name
        for j in client.list_model_invocation_jobs(nameContains=name)["invocationJobSummaries"]
    )


def test_foreign_jobs_occupy_slots(tmp_path: Path) -> None:
    client, ledger = engine(tmp_path), Ledger(sqlite_url(tmp_path / "ledger.sqlite"))
    foreign_job(client, "someone-else-1")
    foreign_job(client, "someone-else-2")
    foreign_job(client, "other-model", model="amazon.nova-lite-v1:0")  # another model's quota
    register(ledger, "2024-08-01", 3)
    report = run_tick(client, ledger, settings(3))
    assert report.used_slots == 2 and report.foreign_jobs == 2
    assert len(report.submitted) == 1
    assert len(ledger.shards_in_state("pending")) == 2
    again = run_tick(client, ledger, settings(3))
    assert again.used_slots == 3 and again.submitted == []


@pytest.mark.parametrize(
    "configured",
    [
        MODEL,
        f"us.{MODEL}",
        f"arn:aws:bedrock:us-east-1::foundation-model/{MODEL}",
        f"arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.{MODEL}",
    ],
)
def test_jobs_of_the_same_model_count_whatever_form_names_it(
    tmp_path: Path, configured: str
) -> None:
    """Bedrock may report a model as an id, a foundation-model ARN or an inference profile;
    users configure any of these. Jobs of the same base model share one quota."""
    client, ledger = engine(tmp_path), Ledger(sqlite_url(tmp_path / "ledger.sqlite"))
    foreign_job(client, "by-arn", model=f"arn:aws:bedrock:us-east-1::foundation-model/{MODEL}")
    foreign_job(client, "by-profile", model=f"us.{MODEL}")
    foreign_job(client, "other-model", model="amazon.nova-lite-v1:0")
    register(ledger, "2024-08-01", 2)
    ours = JobSettings(
        model_id=configured, role_arn=ROLE, job_name_prefix="ba", max_concurrent_jobs=3
    )
    report = run_tick(client, ledger, ours)
    assert (report.used_slots, report.foreign_jobs, len(report.submitted)) == (2, 2, 1)


def test_fills_free_slots_oldest_day_first(tmp_path: Path) -> None:
    client, ledger = engine(tmp_path), Ledger(sqlite_url(tmp_path / "ledger.sqlite"))
    register(ledger, "2024-08-03", 2)
    register(ledger, "2024-08-01", 2)
    register(ledger, "2024-08-02", 2)
    report = run_tick(client, ledger, settings(3))
    assert [(s.call_date, s.shard_index) for s in report.submitted] == [
        ("2024-08-01", 0),
        ("2024-08-01", 1),
        ("2024-08-02", 0),
    ]


def test_submissions_carry_idempotent_token_name_and_tags(tmp_path: Path) -> None:
    client, ledger = engine(tmp_path), Ledger(sqlite_url(tmp_path / "ledger.sqlite"))
    row = register(ledger, "2024-08-01", 1)[0]
    run_tick(client, ledger, settings())
    stored = ledger.shard(row.shard_id)
    assert stored.state == "active" and stored.job_arn
    job = client.get_model_invocation_job(jobIdentifier=stored.job_arn)
    assert job["jobName"] == job_name_for(row, "ba") == stored.job_name
    assert job["clientRequestToken"] == stored.client_token
    assert "2024-08-01" in job["jobName"]
    events = [e["to_state"] for e in ledger.events(row.shard_id)]
    assert events == ["pending", "submitting", "active"]


@pytest.mark.parametrize("code", ["ThrottlingException", "ServiceQuotaExceededException"])
def test_retryable_submit_errors_leave_the_shard_pending(tmp_path: Path, code: str) -> None:
    client, ledger = engine(tmp_path), Ledger(sqlite_url(tmp_path / "ledger.sqlite"))
    register(ledger, "2024-08-01", 2)

    def refuse(**_: object) -> dict:
        raise client_error("bedrock", code, "slow down", "CreateModelInvocationJob")

    client.create_model_invocation_job = refuse  # type: ignore[method-assign]
    report = run_tick(client, ledger, settings())
    assert report.deferred == code and report.submitted == []
    assert len(ledger.shards_in_state("pending")) == 2


def test_transient_errors_back_off_longer_each_time(tmp_path: Path) -> None:
    client, ledger = engine(tmp_path), Ledger(sqlite_url(tmp_path / "ledger.sqlite"))
    register(ledger, "2024-08-01", 1)
    real = client.create_model_invocation_job
    throttled = [True]

    def maybe_refuse(**params: object) -> dict:
        if throttled[0]:
            raise client_error("bedrock", "ThrottlingException", "Rate exceeded", "Create", 429)
        return real(**params)

    client.create_model_invocation_job = maybe_refuse  # type: ignore[method-assign]
    clock = [1000.0]
    waits = []
    for _ in range(3):
        run_tick(client, ledger, settings(), now=lambda: clock[0])
        shard = ledger.shards_in_state("pending")[0]
        waits.append(shard.not_before - clock[0])
        assert "Rate exceeded" in (shard.message or "")  # Bedrock's message is kept
        clock[0] = shard.not_before - 1  # just before the backoff ends: nothing is sent
        assert run_tick(client, ledger, settings(), now=lambda: clock[0]).submitted == []
        clock[0] += 1
    assert waits == sorted(waits) and waits[0] < waits[-1]
    throttled[0] = False
    assert len(run_tick(client, ledger, settings(), now=lambda: clock[0]).submitted) == 1
    assert ledger.shards_in_state("active")[0].deferrals == 0


@pytest.mark.parametrize(
    ("code", "status"),
    [("ValidationException", 400), ("AccessDeniedException", 403), ("ConflictException", 409)],
)
def test_a_permanent_error_fails_its_shard_and_never_blocks_the_queue(
    tmp_path: Path, code: str, status: int
) -> None:
    client, ledger = engine(tmp_path), Ledger(sqlite_url(tmp_path / "ledger.sqlite"))
    rows = register(ledger, "2024-08-01", 3)
    real = client.create_model_invocation_job
    bad = job_name_for(rows[0], "ba")

    def refuse_one(**params: object) -> dict:
        if params["jobName"] == bad:
            raise client_error(
                "bedrock", code, "The provided role ARN is invalid.", "Create", status
            )
        return real(**params)

    client.create_model_invocation_job = refuse_one  # type: ignore[method-assign]
    report = run_tick(client, ledger, settings(slots=3))
    assert [(s.shard_id, c) for s, c, _ in report.failed] == [(rows[0].shard_id, code)]
    assert len(report.submitted) == 2  # the shards queued behind it went ahead
    failed = ledger.shard(rows[0].shard_id)
    assert failed.state == "failed" and failed.error_code == code
    assert "The provided role ARN is invalid." in failed.message
    # Never retried on its own: later ticks leave it alone until it is requeued.
    assert run_tick(client, ledger, settings(slots=3)).submitted == []
    client.create_model_invocation_job = real  # type: ignore[method-assign]
    assert ledger.requeue_failed("2024-08-01") == [rows[0].shard_id]
    assert [s.shard_id for s in run_tick(client, ledger, settings(slots=3)).submitted] == [
        rows[0].shard_id
    ]


def test_connection_errors_are_transient(tmp_path: Path) -> None:
    from botocore.exceptions import EndpointConnectionError

    client, ledger = engine(tmp_path), Ledger(sqlite_url(tmp_path / "ledger.sqlite"))
    register(ledger, "2024-08-01", 1)

    def unreachable(**_: object) -> dict:
        raise EndpointConnectionError(endpoint_url="https://bedrock.us-east-1.amazonaws.com")

    client.create_model_invocation_job = unreachable  # type: ignore[method-assign]
    report = run_tick(client, ledger, settings())
    assert report.deferred == "EndpointConnectionError" and not report.failed
    assert ledger.shards_in_state("pending")[0].deferrals == 1


def test_crash_after_create_before_ledger_write_adopts_the_job(tmp_path: Path) -> None:
    client, ledger = engine(tmp_path), Ledger(sqlite_url(tmp_path / "ledger.sqlite"))
    row = register(ledger, "2024-08-01", 1)[0]

    class Crash(BaseException):
        pass

    def crash(*_: object, **__: object) -> bool:
        raise Crash()

    ledger.mark_active = crash  # type: ignore[method-assign]  # the process dies here
    with pytest.raises(Crash):
        run_tick(client, ledger, settings())
    assert ledger.shard(row.shard_id).state == "submitting"
    # Restart: fresh objects over the same files.
    client2, ledger2 = engine(tmp_path), Ledger(sqlite_url(tmp_path / "ledger.sqlite"))
    report = run_tick(client2, ledger2, settings())
    assert [s.shard_id for s in report.adopted] == [row.shard_id]
    assert report.submitted == []
    name = ledger2.shard(row.shard_id).job_name
    assert jobs_named(client2, name) == 1
    assert ledger2.shard(row.shard_id).state == "active"


def test_crash_before_create_resubmits_once(tmp_path: Path) -> None:
    client, ledger = engine(tmp_path), Ledger(sqlite_url(tmp_path / "ledger.sqlite"))
    row = register(ledger, "2024-08-01", 1)[0]

    def die(**_: object) -> dict:
        raise KeyboardInterrupt  # killed inside the create call, before Bedrock saw it

    original = client.create_model_invocation_job
    client.create_model_invocation_job = die  # type: ignore[method-assign]
    with pytest.raises(KeyboardInterrupt):
        run_tick(client, ledger, settings())
    client.create_model_invocation_job = original  # type: ignore[method-assign]
    run_tick(client, ledger, settings())  # reconciles: no job -> pending
    run_tick(client, ledger, settings())
    stored = ledger.shard(row.shard_id)
    assert stored.state == "active"
    assert jobs_named(client, stored.job_name) == 1


def test_a_crashed_holders_submit_lease_runs_out_after_the_setting(tmp_path: Path) -> None:
    """A process killed while filling the slots keeps the submit lease: the next tick only
    refreshes jobs until the configured lease runs out, then submits."""
    client, ledger = engine(tmp_path), Ledger(sqlite_url(tmp_path / "ledger.sqlite"))
    register(ledger, "2024-08-01", 1)
    assert ledger.take_lease("submit", "dead-host:1:1", 1.0)  # the holder never releases it
    short = JobSettings(MODEL, ROLE, "ba", max_concurrent_jobs=3, lease_seconds=1.0)
    blocked = run_tick(client, ledger, short)
    assert blocked.lease_busy and blocked.submitted == []
    time.sleep(1.1)
    after = run_tick(client, ledger, short)
    assert not after.lease_busy and len(after.submitted) == 1


def test_retried_create_with_same_token_does_not_duplicate(tmp_path: Path) -> None:
    client, ledger = engine(tmp_path), Ledger(sqlite_url(tmp_path / "ledger.sqlite"))
    row = register(ledger, "2024-08-01", 1)[0]
    calls: list[dict] = []
    original = client.create_model_invocation_job

    def flaky(**kwargs: object) -> dict:
        calls.append(kwargs)
        result = original(**kwargs)
        if len(calls) == 1:  # the response is lost on the way back
            raise client_error(
                "bedrock", "InternalServerException", "lost", "CreateModelInvocationJob", 500
            )
        return result

    client.create_model_invocation_job = flaky  # type: ignore[method-assign]
    run_tick(client, ledger, settings())
    later = time.time() + 3600  # past the backoff of the transient (5xx) error
    run_tick(client, ledger, settings(), now=lambda: later)
    stored = ledger.shard(row.shard_id)
    assert stored.state == "active"
    assert len(calls) == 2 and calls[0]["clientRequestToken"] == calls[1]["clientRequestToken"]
    assert jobs_named(client, stored.job_name) == 1


def test_restart_mid_flight_refreshes_instead_of_resubmitting(tmp_path: Path) -> None:
    client, ledger = engine(tmp_path), Ledger(sqlite_url(tmp_path / "ledger.sqlite"))
    register(ledger, "2024-08-01", 2)
    first = run_tick(client, ledger, settings())
    assert len(first.submitted) == 2
    client2, ledger2 = engine(tmp_path), Ledger(sqlite_url(tmp_path / "ledger.sqlite"))
    second = run_tick(client2, ledger2, settings())
    assert second.submitted == [] and second.used_slots == 2
    total = client2.list_model_invocation_jobs(nameContains="ba-2024-08-01")
    assert len(total["invocationJobSummaries"]) == 2


def test_partition_ready_only_when_every_job_is_terminal(tmp_path: Path) -> None:
    client, ledger = engine(tmp_path), Ledger(sqlite_url(tmp_path / "ledger.sqlite"))
    rows = register(ledger, "2024-08-01", 2)
    run_tick(client, ledger, settings())
    arns = [ledger.shard(r.shard_id).job_arn for r in rows]
    client.state.set_status(arns[0].rsplit("/", 1)[1], "Completed")
    assert run_tick(client, ledger, settings()).ready == []
    client.state.set_status(arns[1].rsplit("/", 1)[1], "Failed", "boom")
    ready = run_tick(client, ledger, settings()).ready
    assert [d for d, _, _ in ready] == ["2024-08-01"]


def test_held_shards_are_never_submitted(tmp_path: Path) -> None:
    client, ledger = engine(tmp_path), Ledger(sqlite_url(tmp_path / "ledger.sqlite"))
    held = shard("2024-08-01", 0)
    ledger.register_partition("2024-08-01", [ShardRow(**{**held.__dict__, "state": "held"})])
    report = run_tick(client, ledger, settings())
    assert report.submitted == [] and report.ready == []


def test_client_errors_are_botocore_client_errors() -> None:
    exc = client_error("bedrock", "ThrottlingException", "x", "CreateModelInvocationJob")
    assert isinstance(exc, ClientError) and exc.response["Error"]["Code"] == "ThrottlingException"


def test_engine_state_recreated_if_wiped_under_a_running_process(tmp_path: Path) -> None:
    client, ledger = engine(tmp_path), Ledger(sqlite_url(tmp_path / "ledger.sqlite"))
    (tmp_path / "engine.sqlite").unlink()
    register(ledger, "2024-08-01", 1)
    assert len(run_tick(client, ledger, settings()).submitted) == 1


def test_a_ledger_wiped_under_a_running_process_is_named_not_recreated(tmp_path: Path) -> None:
    """Writing on into a fresh empty file would forget every shard: the ledger says where it
    is and what to do instead (a new Ledger then fails bind_ledger, see test_recovery)."""
    path = tmp_path / "ledger.sqlite"
    ledger = Ledger(sqlite_url(path))
    register(ledger, "2024-08-01", 1)
    path.unlink()
    with pytest.raises(LedgerUnavailable, match=str(path)):
        ledger.shards_in_state("pending")


def test_failed_expired_and_stopped_jobs_are_resubmitted_with_backoff(tmp_path: Path) -> None:
    client, ledger = engine(tmp_path, slots=10), Ledger(sqlite_url(tmp_path / "ledger.sqlite"))
    rows = register(ledger, "2024-08-01", 4)
    clock = [1000.0]
    tick = lambda: run_tick(client, ledger, settings(10, attempts=2), now=lambda: clock[0])  # noqa: E731
    tick()
    first = {r.shard_id: ledger.shard(r.shard_id) for r in rows}
    for row, status in zip(rows, ["Failed", "Expired", "Stopped", "Completed"], strict=True):
        client.state.set_status(first[row.shard_id].job_id, status, "boom")
    ledger.request_stop(rows[2].shard_id)  # a stop the user asked for is not retried
    report = tick()
    assert sorted(s for _, s in report.resubmitted) == ["Expired", "Failed"]
    again = [ledger.shard(r.shard_id) for r in rows]
    assert [(s.state, s.attempt) for s in again] == [
        ("pending", 2),
        ("pending", 2),
        ("terminal", 1),
        ("terminal", 1),
    ]
    assert tick().submitted == []  # backoff: 60 s not yet passed
    clock[0] += 61
    resubmitted = tick().submitted
    assert {s.shard_id for s in resubmitted} == {rows[0].shard_id, rows[1].shard_id}
    for row in rows[:2]:
        new = ledger.shard(row.shard_id)
        assert new.job_arn != first[row.shard_id].job_arn
        assert new.job_name.endswith(f"-a2-{row.shard_id[-6:]}")
        assert jobs_named(client, first[row.shard_id].job_name) == 1
    # The second attempt fails too: attempts are exhausted, the shard ends terminal.
    for row in rows[:2]:
        client.state.set_status(ledger.shard(row.shard_id).job_id, "Failed", "again")
    tick()
    assert [ledger.shard(r.shard_id).state for r in rows[:2]] == ["terminal", "terminal"]


def test_jobs_waiting_past_the_deadline_are_reported(tmp_path: Path) -> None:
    client, ledger = engine(tmp_path), Ledger(sqlite_url(tmp_path / "ledger.sqlite"))
    register(ledger, "2024-08-01", 1)
    run_tick(client, ledger, settings())
    late = JobSettings(
        model_id=MODEL,
        role_arn=ROLE,
        job_name_prefix="ba",
        max_concurrent_jobs=3,
        stuck_after_seconds=3600,
    )
    import time as _time

    report = run_tick(client, ledger, late, now=lambda: _time.time() + 7200)
    assert len(report.stuck) == 1 and any("still Submitted" in line for line in report.logs)
