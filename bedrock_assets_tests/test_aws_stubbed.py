"""Every Bedrock call the project makes, on real boto3 clients with botocore's Stubber.

The Stubber checks each request against the official service model and each canned
response against its output shape, so these tests pin the AWS contract, errors included.
"""

from datetime import UTC, datetime
from pathlib import Path

import boto3
import pytest
from botocore.stub import ANY, Stubber

from bedrock_assets.aws_calls import RateLimiter
from bedrock_assets.batch.requests import JobSettings, create_request
from bedrock_assets.batch.slots import run_tick
from bedrock_assets.guardrail.calls import apply_all
from bedrock_assets.guardrail.requests import guardrail_request, interpret
from bedrock_assets.state.ledger import Ledger, ShardRow, sqlite_url
from bedrock_local.validation import validate_request

MODEL = "anthropic.claude-3-haiku-20240307-v1:0"
ROLE = "arn:aws:iam::111122223333:role/BedrockBatchRole"
ARN = "arn:aws:bedrock:us-east-1:111122223333:model-invocation-job/abcdef123456"
IN_FLIGHT = ("Submitted", "Validating", "Scheduled", "InProgress", "Stopping")


def client(service: str):
    return boto3.client(
        service, region_name="us-east-1", aws_access_key_id="test", aws_secret_access_key="test"
    )


def job_settings(**kw) -> JobSettings:
    return JobSettings(
        model_id=MODEL,
        role_arn=ROLE,
        job_name_prefix="ba",
        max_concurrent_jobs=kw.pop("slots", 3),
        **kw,
    )


def shard(day: str = "2024-08-01", i: int = 0, state: str = "pending") -> ShardRow:
    sid = f"{day}-{i:04d}-0000abcd"
    return ShardRow(
        shard_id=sid,
        call_date=day,
        shard_index=i,
        model_id=MODEL,
        input_uri=f"s3://bucket/batch-input/{day}/{sid}/",
        output_uri=f"s3://bucket/batch-output/{day}/{sid}/",
        record_count=100,
        byte_count=1,
        file_count=1,
        prompt_version="p",
        state=state,
    )


def job(status: str, arn: str = ARN, name: str = "other-job", model: str = MODEL) -> dict:
    return {
        "jobArn": arn,
        "jobName": name,
        "modelId": model,
        "roleArn": ROLE,
        "status": status,
        "submitTime": datetime(2024, 8, 1, tzinfo=UTC),
        "inputDataConfig": {"s3InputDataConfig": {"s3Uri": "s3://bucket/in/"}},
        "outputDataConfig": {"s3OutputDataConfig": {"s3Uri": "s3://bucket/out/"}},
    }


def stub_counts(stubber: Stubber, in_flight: dict[str, list[dict]]) -> None:
    for status in IN_FLIGHT:
        stubber.add_response(
            "list_model_invocation_jobs",
            {"invocationJobSummaries": in_flight.get(status, [])},
            {"statusEquals": status, "maxResults": 1000},
        )


def test_create_request_with_every_option_passes_bedrock_validation() -> None:
    settings = job_settings(
        timeout_duration_hours=72,
        model_invocation_type="Converse",
        kms_key_id="arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
        s3_bucket_owner="111122223333",
        vpc_config=(("subnet-0abc123",), ("sg-0abc123",)),
    )
    request = create_request(shard(), settings)
    validate_request("bedrock", "CreateModelInvocationJob", request)  # patterns, maxima, enums
    assert request["outputDataConfig"]["s3OutputDataConfig"]["s3EncryptionKeyId"].startswith(
        "arn:aws:kms"
    )
    assert request["vpcConfig"] == {
        "subnetIds": ["subnet-0abc123"],
        "securityGroupIds": ["sg-0abc123"],
    }
    assert {t["key"]: t["value"] for t in request["tags"]} == {
        "pipeline": "bedrock_assets",
        "partition": "2024-08-01",
        "shard": shard().shard_id,
    }
    assert "2024-08-01" in request["jobName"] and len(request["jobName"]) <= 63


def test_tick_on_a_real_bedrock_client(tmp_path: Path) -> None:
    bedrock = client("bedrock")
    ledger = Ledger(sqlite_url(tmp_path / "ledger.sqlite"))
    ledger.register_partition("2024-08-01", [shard(i=0), shard(i=1)])
    ledger.mark_submitting(shard(i=0).shard_id, "ba-x", "tok")
    ledger.mark_active(shard(i=0).shard_id, ARN, "Submitted")
    pending = ledger.shard(shard(i=1).shard_id)
    expected = create_request(pending, job_settings())
    with Stubber(bedrock) as stub:
        stub.add_response("get_model_invocation_job", job("InProgress"), {"jobIdentifier": ARN})
        foreign = job("Scheduled", arn=ARN.replace("abcdef123456", "zzzzzz999999"))
        stub_counts(stub, {"InProgress": [job("InProgress")], "Scheduled": [foreign]})
        stub.add_response(
            "create_model_invocation_job", {"jobArn": ARN.replace("abcdef", "fedcba")}, expected
        )
        report = run_tick(bedrock, ledger, job_settings())
        stub.assert_no_pending_responses()
    assert report.used_slots == 2 and report.foreign_jobs == 1
    assert [s.shard_id for s in report.submitted] == [pending.shard_id]
    assert ledger.shard(pending.shard_id).job_arn.endswith("fedcba123456")


@pytest.mark.parametrize(
    ("code", "status", "transient"),
    [
        ("ThrottlingException", 429, True),
        ("ServiceQuotaExceededException", 400, True),
        ("ServiceUnavailableException", 503, True),
        ("InternalServerException", 500, True),
        ("ValidationException", 400, False),
        ("AccessDeniedException", 403, False),
        ("ResourceNotFoundException", 404, False),
    ],
)
def test_create_errors_are_classified(
    tmp_path: Path, code: str, status: int, transient: bool
) -> None:
    """Throttling, quota and 5xx wait and retry; anything else fails the shard with
    Bedrock's message (never a silent loop)."""
    bedrock = client("bedrock")
    ledger = Ledger(sqlite_url(tmp_path / "ledger.sqlite"))
    ledger.register_partition("2024-08-01", [shard()])
    with Stubber(bedrock) as stub:
        stub_counts(stub, {})
        stub.add_client_error(
            "create_model_invocation_job",
            service_error_code=code,
            service_message="Bedrock says no",
            http_status_code=status,
            expected_params={
                "jobName": ANY,
                "roleArn": ROLE,
                "modelId": MODEL,
                "clientRequestToken": ANY,
                "modelInvocationType": "InvokeModel",
                "inputDataConfig": ANY,
                "outputDataConfig": ANY,
                "tags": ANY,
            },
        )
        report = run_tick(bedrock, ledger, job_settings())
    stored = ledger.shard(shard().shard_id)
    assert report.submitted == [] and "Bedrock says no" in (stored.message or "")
    if transient:
        assert report.deferred == code and not report.failed and stored.state == "pending"
        assert stored.not_before is not None and stored.deferrals == 1
    else:
        assert report.deferred is None and stored.state == "failed"
        assert stored.error_code == code and [c for _, c, _ in report.failed] == [code]


def test_missing_job_is_resubmitted_and_throttled_refresh_waits(tmp_path: Path) -> None:
    bedrock = client("bedrock")
    ledger = Ledger(sqlite_url(tmp_path / "ledger.sqlite"))
    ledger.register_partition("2024-08-01", [shard()])
    ledger.mark_submitting(shard().shard_id, "ba-x", "tok")
    ledger.mark_active(shard().shard_id, ARN, "Submitted")
    with Stubber(bedrock) as stub:
        stub.add_client_error(
            "get_model_invocation_job",
            "ThrottlingException",
            expected_params={"jobIdentifier": ARN},
        )
        stub_counts(stub, {})
        run_tick(bedrock, ledger, job_settings())
        assert ledger.shard(shard().shard_id).state == "active"
        stub.add_client_error(
            "get_model_invocation_job",
            "ResourceNotFoundException",
            http_status_code=404,
            expected_params={"jobIdentifier": ARN},
        )
        stub_counts(stub, {})
        report = run_tick(bedrock, ledger, job_settings())
    stored = ledger.shard(shard().shard_id)
    assert (stored.state, stored.attempt, stored.job_arn) == ("pending", 2, None)
    assert stored.job_status == "Failed" and "no longer exists" in stored.message
    assert report.ready == [] and report.resubmitted


def test_counting_pages_through_list_results(tmp_path: Path) -> None:
    bedrock = client("bedrock")
    ledger = Ledger(sqlite_url(tmp_path / "ledger.sqlite"))
    with Stubber(bedrock) as stub:
        stub.add_response(
            "list_model_invocation_jobs",
            {"invocationJobSummaries": [job("Submitted", name="a")], "nextToken": "page2"},
            {"statusEquals": "Submitted", "maxResults": 1000},
        )
        stub.add_response(
            "list_model_invocation_jobs",
            {
                "invocationJobSummaries": [
                    job("Submitted", arn=ARN.replace("abc", "xyz"), name="b"),
                    job(
                        "Submitted",
                        arn=ARN.replace("abc", "qrs"),
                        name="c",
                        model="amazon.nova-lite-v1:0",
                    ),
                ]
            },
            {"statusEquals": "Submitted", "maxResults": 1000, "nextToken": "page2"},
        )
        for status in IN_FLIGHT[1:]:
            stub.add_response(
                "list_model_invocation_jobs",
                {"invocationJobSummaries": []},
                {"statusEquals": status, "maxResults": 1000},
            )
        report = run_tick(bedrock, ledger, job_settings())
    assert report.used_slots == 2  # the Nova job uses another model's quota


def guard_response(text: str) -> dict:
    return {
        "usage": {
            "topicPolicyUnits": 1,
            "contentPolicyUnits": 0,
            "wordPolicyUnits": 0,
            "sensitiveInformationPolicyUnits": 1,
            "sensitiveInformationPolicyFreeUnits": 0,
            "contextualGroundingPolicyUnits": 2,
        },
        "action": "GUARDRAIL_INTERVENED",
        "outputs": [{"text": text}],
        "assessments": [
            {
                "sensitiveInformationPolicy": {
                    "piiEntities": [
                        {
                            "match": "Jane Roe",
                            "type": "NAME",
                            "action": "ANONYMIZED",
                            "detected": True,
                        }
                    ],
                    "regexes": [],
                },
                "contextualGroundingPolicy": {
                    "filters": [
                        {"type": "GROUNDING", "threshold": 0.7, "score": 0.93, "action": "NONE"},
                        {"type": "RELEVANCE", "threshold": 0.5, "score": 0.88, "action": "NONE"},
                    ]
                },
            }
        ],
    }


def test_apply_guardrail_request_shape_and_throttling_retry() -> None:
    runtime = client("bedrock-runtime")
    request = guardrail_request(
        "Jane Roe got a refund.", "Customer: I'm Jane Roe...", "abc123def456", "3"
    )
    sleeps: list[float] = []
    with Stubber(runtime) as stub:
        stub.add_client_error(
            "apply_guardrail", "ThrottlingException", http_status_code=429, expected_params=request
        )
        stub.add_client_error(
            "apply_guardrail",
            "ServiceUnavailableException",
            http_status_code=503,
            expected_params=request,
        )
        stub.add_response("apply_guardrail", guard_response("{NAME} got a refund."), request)
        out = list(apply_all(runtime, [("r1", request)], RateLimiter(None), sleep=sleeps.append))
        stub.assert_no_pending_responses()
    assert [k for k, _ in out] == ["r1"] and len(sleeps) == 2
    result = interpret("Jane Roe got a refund.", out[0][1])
    assert result.guarded_summary == "{NAME} got a refund." and result.pii_types == ("NAME",)
    assert dict(result.units_by_policy)["contextualGroundingPolicyUnits"] == 2
    assert "Jane" not in repr(result)
    quals = [c["text"]["qualifiers"] for c in request["content"]]
    assert quals == [["grounding_source"], ["query"], ["guard_content"]]
    assert request["source"] == "OUTPUT"


def test_apply_guardrail_gives_up_loudly_not_silently() -> None:
    runtime = client("bedrock-runtime")
    request = guardrail_request("x", "y", "abc123", "DRAFT")
    with Stubber(runtime) as stub:
        for _ in range(3):
            stub.add_client_error("apply_guardrail", "ThrottlingException", http_status_code=429)
        with pytest.raises(Exception, match="ThrottlingException"):
            list(
                apply_all(
                    runtime, [("r", request)], RateLimiter(None), attempts=3, sleep=lambda _: None
                )
            )


@pytest.mark.parametrize(
    "code", ["ValidationException", "ResourceNotFoundException", "AccessDeniedException"]
)
def test_apply_guardrail_client_errors_are_not_retried(code: str) -> None:
    runtime = client("bedrock-runtime")
    with Stubber(runtime) as stub:
        stub.add_client_error("apply_guardrail", code, http_status_code=400)
        with pytest.raises(Exception, match=code):
            list(
                apply_all(
                    runtime,
                    [("r", guardrail_request("x", "y", "abc", "DRAFT"))],
                    RateLimiter(None),
                    sleep=lambda _: pytest.fail("retried"),
                )
            )


def test_rate_limiter_spaces_calls() -> None:
    now = [0.0]
    waits: list[float] = []

    def sleep(s: float) -> None:
        waits.append(s)
        now[0] += s

    limiter = RateLimiter(4.0, clock=lambda: now[0], sleep=sleep)
    for _ in range(5):
        limiter.acquire()
    assert now[0] == pytest.approx(1.0)  # 5 calls at 4/s take a second


def test_guardrail_policy_file_deploys_as_create_then_version() -> None:
    from bedrock_assets.guardrail.admin import deploy
    from bedrock_assets.guardrail.policy import guardrail_params, load_policy

    policy = load_policy()
    params = guardrail_params(policy)
    assert "localEngine" not in params
    validate_request("bedrock", "CreateGuardrail", {**params, "clientRequestToken": "x"})
    bedrock = client("bedrock")
    gid, garn = "abc123def456", "arn:aws:bedrock:us-east-1:111122223333:guardrail/abc123def456"
    now = datetime(2024, 8, 1, tzinfo=UTC)
    with Stubber(bedrock) as stub:
        stub.add_response("list_guardrails", {"guardrails": []}, {"maxResults": 100})
        stub.add_response(
            "create_guardrail",
            {"guardrailId": gid, "guardrailArn": garn, "version": "DRAFT", "createdAt": now},
            {**params, "clientRequestToken": ANY, "tags": ANY},
        )
        stub.add_response(
            "create_guardrail_version",
            {"guardrailId": gid, "version": "1"},
            {"guardrailIdentifier": gid, "description": ANY, "clientRequestToken": ANY},
        )
        result = deploy(bedrock, policy)
        stub.assert_no_pending_responses()
    assert (result.guardrail_id, result.version, result.created) == (gid, "1", True)


def test_guardrail_redeploy_updates_the_existing_guardrail() -> None:
    from bedrock_assets.guardrail.admin import deploy
    from bedrock_assets.guardrail.policy import guardrail_params, load_policy

    policy = load_policy()
    bedrock = client("bedrock")
    gid, garn = "abc123def456", "arn:aws:bedrock:us-east-1:111122223333:guardrail/abc123def456"
    now = datetime(2024, 8, 1, tzinfo=UTC)
    with Stubber(bedrock) as stub:
        stub.add_response(
            "list_guardrails",
            {
                "guardrails": [
                    {
                        "id": gid,
                        "arn": garn,
                        "status": "READY",
                        "name": policy["name"],
                        "version": "DRAFT",
                        "createdAt": now,
                        "updatedAt": now,
                    }
                ]
            },
            {"maxResults": 100},
        )
        stub.add_response(
            "update_guardrail",
            {"guardrailId": gid, "guardrailArn": garn, "version": "DRAFT", "updatedAt": now},
            {"guardrailIdentifier": gid, **guardrail_params(policy)},
        )
        stub.add_response(
            "create_guardrail_version",
            {"guardrailId": gid, "version": "2"},
            {"guardrailIdentifier": gid, "description": ANY, "clientRequestToken": ANY},
        )
        result = deploy(bedrock, policy)
    assert (result.version, result.created) == ("2", False)


def held_shard_with_lines(tmp_path: Path, bodies: list[dict]):
    import json as _json

    from bedrock_assets.state.objects import LocalObjectStore

    store = LocalObjectStore(tmp_path / "os")
    row = shard(state="on_demand")
    lines = [
        _json.dumps({"recordId": f"rec{i:08d}", "modelInput": b}) for i, b in enumerate(bodies)
    ]
    store.put_bytes(row.input_uri + "part-00000.jsonl", ("\n".join(lines) + "\n").encode())
    return store, row


def test_on_demand_invoke_model_retries_throttling_and_records_model_errors(tmp_path: Path) -> None:
    import io
    import json as _json

    from botocore.response import StreamingBody

    from bedrock_assets.batch.on_demand import run_on_demand

    body = {
        "anthropic_version": "bedrock-2023-05-31",
        "max_tokens": 50,
        "messages": [{"role": "user", "content": "hi"}],
    }
    store, row = held_shard_with_lines(tmp_path, [body, body])
    answer = _json.dumps(
        {
            "id": "m",
            "type": "message",
            "role": "assistant",
            "model": "x",
            "content": [{"type": "text", "text": "ok"}],
            "stop_reason": "end_turn",
            "usage": {"input_tokens": 9, "output_tokens": 2},
        }
    ).encode()
    runtime = client("bedrock-runtime")
    expected = {
        "modelId": MODEL,
        "body": ANY,
        "contentType": "application/json",
        "accept": "application/json",
    }
    sleeps: list[float] = []
    with Stubber(runtime) as stub:
        stub.add_client_error(
            "invoke_model", "ThrottlingException", http_status_code=429, expected_params=expected
        )
        stub.add_response(
            "invoke_model",
            {
                "body": StreamingBody(io.BytesIO(answer), len(answer)),
                "contentType": "application/json",
            },
            expected,
        )
        stub.add_client_error(
            "invoke_model",
            "ValidationException",
            http_status_code=400,
            service_message="Malformed input request",
            expected_params=expected,
        )
        manifest = run_on_demand(
            runtime, store, row, "InvokeModel", RateLimiter(None), sleep=sleeps.append
        )
        stub.assert_no_pending_responses()
    assert len(sleeps) == 1
    assert (manifest["successRecordCount"], manifest["errorRecordCount"]) == (1, 1)
    assert (manifest["inputTokenCount"], manifest["outputTokenCount"]) == (9, 2)
    out = [
        _json.loads(x)
        for x in store.read_bytes(row.output_uri + "on-demand/part-00000.jsonl.out").splitlines()
    ]
    assert out[1]["error"]["errorCode"] == 400 and "modelOutput" not in out[1]


def test_on_demand_gives_up_on_throttling_by_failing_not_by_dropping(tmp_path: Path) -> None:
    from bedrock_assets.batch.on_demand import run_on_demand

    store, row = held_shard_with_lines(tmp_path, [{"messages": []}])
    runtime = client("bedrock-runtime")
    with Stubber(runtime) as stub:
        for _ in range(2):
            stub.add_client_error("invoke_model", "ThrottlingException", http_status_code=429)
        with pytest.raises(Exception, match="ThrottlingException"):
            run_on_demand(
                runtime,
                store,
                row,
                "InvokeModel",
                RateLimiter(None),
                attempts=2,
                sleep=lambda _: None,
            )
    assert not store.exists(row.output_uri + "on-demand/manifest.json.out")


def test_on_demand_converse_request_shape(tmp_path: Path) -> None:
    from bedrock_assets.batch.on_demand import run_on_demand
    from bedrock_assets.prompting.model_families import build_body
    from bedrock_assets.prompting.prompt import load_prompt

    body = build_body("converse", load_prompt(), "Agent: hi", 100, 0.0)
    store, row = held_shard_with_lines(tmp_path, [body])
    runtime = client("bedrock-runtime")
    with Stubber(runtime) as stub:
        stub.add_response(
            "converse",
            {
                "output": {"message": {"role": "assistant", "content": [{"text": "ok"}]}},
                "stopReason": "end_turn",
                "usage": {"inputTokens": 5, "outputTokens": 1, "totalTokens": 6},
                "metrics": {"latencyMs": 10},
            },
            {"modelId": MODEL, **body},
        )
        manifest = run_on_demand(runtime, store, row, "Converse", RateLimiter(None))
    assert manifest["successRecordCount"] == 1 and manifest["outputTokenCount"] == 1


def test_stop_partition_on_a_real_bedrock_client(tmp_path: Path) -> None:
    from bedrock_assets.batch.stop import stop_partition

    bedrock = client("bedrock")
    ledger = Ledger(sqlite_url(tmp_path / "ledger.sqlite"))
    ledger.register_partition("2024-08-01", [shard(i=0), shard(i=1), shard(i=2)])
    other = ARN.replace("abcdef123456", "bbbbbb222222")
    for i, arn in ((0, ARN), (1, other)):
        ledger.mark_submitting(shard(i=i).shard_id, f"ba-{i}", f"tok{i}")
        ledger.mark_active(shard(i=i).shard_id, arn, "InProgress")
    with Stubber(bedrock) as stub:
        stub.add_response("stop_model_invocation_job", {}, {"jobIdentifier": ARN})
        stub.add_client_error(
            "stop_model_invocation_job",
            "ValidationException",
            service_message="already Completed",
            expected_params={"jobIdentifier": other},
        )
        lines = stop_partition(bedrock, ledger, "2024-08-01")
        stub.assert_no_pending_responses()
    assert any("stop requested" in line for line in lines)
    assert any("ValidationException" in line for line in lines)
    never_ran = ledger.shard(shard(i=2).shard_id)
    assert (never_ran.state, never_ran.job_status) == ("terminal", "Stopped")
    assert all(ledger.shard(shard(i=i).shard_id).stop_requested for i in range(3))
