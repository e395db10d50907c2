"""The local Bedrock batch engine honours the CreateModelInvocationJob contract."""

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
from botocore.exceptions import ClientError, ParamValidationError

from bedrock_local import EngineConfig
from bedrock_local.batch.control_plane import LocalBedrockClient

MODEL = "anthropic.claude-3-haiku-20240307-v1:0"
ROLE = "arn:aws:iam::123456789012:role/BatchRole"
TERMINAL = {"Completed", "PartiallyCompleted", "Failed", "Stopped", "Expired"}


def config(tmp_path: Path, **options: object) -> EngineConfig:
    return EngineConfig(
        store_root=str(tmp_path / "os"), state_path=str(tmp_path / "e.sqlite"), **options
    )


@pytest.fixture
def engine(tmp_path: Path) -> LocalBedrockClient:
    client = LocalBedrockClient(
        config(tmp_path, max_concurrent_jobs=2, min_records_per_job=3, step_seconds=0.02)
    )
    yield client
    client.wait_idle(30)


def claude_body(text: str, max_tokens: int = 200) -> dict:
    return {
        "anthropic_version": "bedrock-2023-05-31",
        "max_tokens": max_tokens,
        "system": "Summarize the call.",
        "messages": [{"role": "user", "content": [{"type": "text", "text": text}]}],
    }


def land(tmp_path: Path, name: str, n: int, bad: int = 0) -> str:
    """A JSONL input file of ``n`` records (the first ``bad`` without max_tokens)."""
    lines = []
    for i in range(n):
        body = claude_body(
            f"Customer: I need a refund for order {i}. Agent: I have processed the refund."
        )
        if i < bad:
            del body["max_tokens"]
        lines.append(json.dumps({"recordId": f"{name[:4]:x<4}{i:07d}", "modelInput": body}))
    folder = tmp_path / "os" / "bucket" / "in" / name
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "part-00000.jsonl").write_text("\n".join(lines) + "\n")
    return f"s3://bucket/in/{name}/"


def request(name: str, input_uri: str, **extra) -> dict:
    return {
        "jobName": name,
        "roleArn": ROLE,
        "modelId": MODEL,
        "inputDataConfig": {"s3InputDataConfig": {"s3Uri": input_uri}},
        "outputDataConfig": {"s3OutputDataConfig": {"s3Uri": f"s3://bucket/out/{name}/"}},
        **extra,
    }


def wait(engine: LocalBedrockClient, arn: str, timeout: float = 30) -> dict:
    deadline = time.time() + timeout
    while time.time() < deadline:
        job = engine.get_model_invocation_job(jobIdentifier=arn)
        if job["status"] in TERMINAL:
            return job
        time.sleep(0.05)
    raise TimeoutError(arn)


def error_code(exc: pytest.ExceptionInfo) -> str:
    return exc.value.response["Error"]["Code"]


@pytest.mark.parametrize(
    ("override", "fragment"),
    [
        ({"jobName": "bad name!"}, "jobName"),
        ({"jobName": "x" * 64}, "jobName"),
        ({"roleArn": "arn:aws:iam::123:user/bob"}, "roleArn"),
        ({"modelId": "not a model"}, "modelId"),
        ({"timeoutDurationInHours": 169}, "timeoutDurationInHours"),
        ({"modelInvocationType": "Chat"}, "modelInvocationType"),
        ({"clientRequestToken": "has_underscore"}, "clientRequestToken"),
        ({"inputDataConfig": {"s3InputDataConfig": {"s3Uri": "s3://Bucket/UPPER/"}}}, "s3Uri"),
        ({"tags": [{"key": "k", "value": "bad|value"}]}, "tags"),
    ],
)
def test_server_side_validation_errors(engine, tmp_path, override, fragment) -> None:
    uri = land(tmp_path, "v", 3)
    with pytest.raises(ClientError) as exc:
        engine.create_model_invocation_job(**{**request("ok-name", uri), **override})
    assert error_code(exc) == "ValidationException"
    assert fragment in str(exc.value)


@pytest.mark.parametrize(
    "override",
    [{"timeoutDurationInHours": 23}, {"jobName": ""}, {"unknownParam": 1}],
)
def test_client_side_validation_like_botocore(engine, tmp_path, override) -> None:
    uri = land(tmp_path, "c", 3)
    with pytest.raises(ParamValidationError):
        engine.create_model_invocation_job(**{**request("ok-name", uri), **override})


def test_missing_required_parameter(engine) -> None:
    with pytest.raises(ParamValidationError, match="roleArn"):
        engine.create_model_invocation_job(
            jobName="x", modelId=MODEL, inputDataConfig={}, outputDataConfig={}
        )


def test_union_needs_exactly_one_member(engine) -> None:
    with pytest.raises(ParamValidationError, match="tagged union"):
        engine.create_model_invocation_job(**request("u", "s3://bucket/in/u/", inputDataConfig={}))


def test_job_runs_to_completion_with_bedrock_output_layout(engine, tmp_path) -> None:
    uri = land(tmp_path, "good", 5, bad=1)
    arn = engine.create_model_invocation_job(**request("good-1", uri))["jobArn"]
    assert arn.startswith("arn:aws:bedrock:us-east-1:123456789012:model-invocation-job/")
    job_id = arn.rsplit("/", 1)[1]
    assert len(job_id) == 12 and job_id.isalnum() and job_id.lower() == job_id
    job = wait(engine, arn)
    assert job["status"] == "Completed"
    assert (job["totalRecordCount"], job["successRecordCount"], job["errorRecordCount"]) == (
        5,
        4,
        1,
    )
    out = tmp_path / "os" / "bucket" / "out" / "good-1" / job_id
    assert sorted(p.name for p in out.iterdir()) == ["manifest.json.out", "part-00000.jsonl.out"]
    manifest = json.loads((out / "manifest.json.out").read_text())
    assert manifest["totalRecordCount"] == 5 and manifest["processedRecordCount"] == 5
    assert manifest["successRecordCount"] == 4 and manifest["errorRecordCount"] == 1
    lines = [json.loads(x) for x in (out / "part-00000.jsonl.out").read_text().splitlines()]
    errors = [x for x in lines if "error" in x]
    assert len(errors) == 1 and errors[0]["error"]["errorCode"] == 400
    ok = next(x for x in lines if "modelOutput" in x)
    output = ok["modelOutput"]
    assert output["type"] == "message" and output["role"] == "assistant"
    assert output["model"] == "bedrock-local"  # the default handler names itself
    assert output["content"][0]["type"] == "text" and output["content"][0]["text"]
    assert output["usage"]["input_tokens"] > 0 and output["usage"]["output_tokens"] > 0
    assert manifest["inputTokenCount"] == sum(
        x["modelOutput"]["usage"]["input_tokens"] for x in lines if "modelOutput" in x
    )
    assert (out / "manifest.json.out").stat().st_mode & 0o077 == 0  # owner-only


def test_statuses_progress_through_bedrock_lifecycle(tmp_path) -> None:
    engine = LocalBedrockClient(config(tmp_path, min_records_per_job=1, step_seconds=0.3))
    uri = land(tmp_path, "life", 3)
    arn = engine.create_model_invocation_job(**request("life-1", uri))["jobArn"]
    seen: list[str] = []
    deadline = time.time() + 30
    while time.time() < deadline and (not seen or seen[-1] not in TERMINAL):
        status = engine.get_model_invocation_job(jobIdentifier=arn)["status"]
        if not seen or seen[-1] != status:
            seen.append(status)
        time.sleep(0.01)
    assert seen == ["Submitted", "Validating", "Scheduled", "InProgress", "Completed"]
    job_id = arn.rsplit("/", 1)[1]
    assert engine.get_model_invocation_job(jobIdentifier=job_id)["jobArn"] == arn


def test_below_minimum_job_fails_with_message(engine, tmp_path) -> None:
    uri = land(tmp_path, "small", 2)
    arn = engine.create_model_invocation_job(**request("small-1", uri))["jobArn"]
    job = wait(engine, arn)
    assert job["status"] == "Failed" and "at least 3 records" in job["message"]


def test_empty_input_location_fails(engine) -> None:
    arn = engine.create_model_invocation_job(**request("none-1", "s3://bucket/nothing/"))["jobArn"]
    job = wait(engine, arn)
    assert job["status"] == "Failed" and ".jsonl" in job["message"]


def test_concurrent_job_quota(tmp_path) -> None:
    engine = LocalBedrockClient(
        config(tmp_path, max_concurrent_jobs=2, min_records_per_job=1, step_seconds=0.02),
        spawn_workers=False,
    )
    uri = land(tmp_path, "q", 1)
    engine.create_model_invocation_job(**request("q-1", uri))
    engine.create_model_invocation_job(**request("q-2", uri))
    with pytest.raises(ClientError) as exc:
        engine.create_model_invocation_job(**request("q-3", uri))
    assert error_code(exc) == "ServiceQuotaExceededException"
    # Another model has its own quota.
    other = request("q-4", uri, modelId="amazon.nova-lite-v1:0")
    assert engine.create_model_invocation_job(**other)["jobArn"]


def test_client_request_token_is_idempotent(engine, tmp_path) -> None:
    uri = land(tmp_path, "idem", 3)
    first = engine.create_model_invocation_job(**request("idem-1", uri, clientRequestToken="tok1"))
    again = engine.create_model_invocation_job(**request("idem-1", uri, clientRequestToken="tok1"))
    assert first["jobArn"] == again["jobArn"]
    assert (
        len(engine.list_model_invocation_jobs(nameContains="idem-1")["invocationJobSummaries"]) == 1
    )
    with pytest.raises(ClientError) as exc:  # same token, different request
        engine.create_model_invocation_job(**request("idem-2", uri, clientRequestToken="tok1"))
    assert error_code(exc) == "ConflictException"
    with pytest.raises(ClientError) as exc:  # same name, new token
        engine.create_model_invocation_job(**request("idem-1", uri, clientRequestToken="tok2"))
    assert error_code(exc) == "ConflictException"


def test_get_unknown_job(engine) -> None:
    with pytest.raises(ClientError) as exc:
        engine.get_model_invocation_job(jobIdentifier="abcdefabcdef")
    assert error_code(exc) == "ResourceNotFoundException"


def test_list_filters_and_paging(tmp_path) -> None:
    engine = LocalBedrockClient(config(tmp_path, max_concurrent_jobs=50), spawn_workers=False)
    uri = land(tmp_path, "l", 1)
    for i in range(5):
        engine.create_model_invocation_job(**request(f"alpha-{i}", uri))
    engine.create_model_invocation_job(**request("beta-0", uri))
    page = engine.list_model_invocation_jobs(nameContains="alpha", maxResults=2)
    names = [j["jobName"] for j in page["invocationJobSummaries"]]
    while "nextToken" in page:
        page = engine.list_model_invocation_jobs(
            nameContains="alpha", maxResults=2, nextToken=page["nextToken"]
        )
        names += [j["jobName"] for j in page["invocationJobSummaries"]]
    assert sorted(names) == [f"alpha-{i}" for i in range(5)]
    assert (
        len(engine.list_model_invocation_jobs(statusEquals="Submitted")["invocationJobSummaries"])
        == 6
    )
    assert (
        engine.list_model_invocation_jobs(statusEquals="Completed")["invocationJobSummaries"] == []
    )
    with pytest.raises(ClientError):
        engine.list_model_invocation_jobs(statusEquals="Done")


def test_stop_job(tmp_path) -> None:
    engine = LocalBedrockClient(
        config(tmp_path, min_records_per_job=1, step_seconds=0.02), spawn_workers=False
    )
    uri = land(tmp_path, "s", 1)
    arn = engine.create_model_invocation_job(**request("s-1", uri))["jobArn"]
    engine.stop_model_invocation_job(jobIdentifier=arn)
    assert engine.get_model_invocation_job(jobIdentifier=arn)["status"] == "Stopped"
    with pytest.raises(ClientError) as exc:
        engine.stop_model_invocation_job(jobIdentifier=arn)
    assert error_code(exc) == "ValidationException"


def test_job_keeps_running_after_the_submitter_exits(tmp_path) -> None:
    uri = land(tmp_path, "async", 3)
    script = f"""
import json
from bedrock_local import EngineConfig
from bedrock_local.batch.control_plane import LocalBedrockClient
c = LocalBedrockClient(EngineConfig(store_root={str(tmp_path / "os")!r},
    state_path={str(tmp_path / "e.sqlite")!r}, min_records_per_job=1, step_seconds=0.2))
req = json.loads({json.dumps(json.dumps(request("async-1", uri)))})
print(c.create_model_invocation_job(**req)["jobArn"])
"""
    arn = subprocess.run(
        [sys.executable, "-c", script], check=True, capture_output=True, text=True, timeout=60
    ).stdout.strip()
    observer = LocalBedrockClient(config(tmp_path, min_records_per_job=1), spawn_workers=False)
    assert observer.get_model_invocation_job(jobIdentifier=arn)["status"] not in TERMINAL
    assert wait(observer, arn)["status"] == "Completed"


def test_a_role_of_another_account_cannot_be_passed(engine, tmp_path) -> None:
    uri = land(tmp_path, "role", 3)
    other = request("role-1", uri, roleArn="arn:aws:iam::999999999999:role/NotOurs")
    with pytest.raises(engine.exceptions.AccessDeniedException) as exc:
        engine.create_model_invocation_job(**other)
    assert "iam:PassRole" in str(exc.value) and "999999999999" in str(exc.value)
