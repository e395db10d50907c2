"""bedrock_local's two stable entry points: ``bedrock_local.client(...)`` with boto3's names,
shapes, modeled errors and paginators, and ``bedrock-local serve`` for any boto3 client."""

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

import bedrock_local

MODEL = "anthropic.claude-3-haiku-20240307-v1:0"
ROLE = "arn:aws:iam::123456789012:role/BatchRole"
POLICY = {
    "name": "tiny",
    "blockedInputMessaging": "Blocked.",
    "blockedOutputsMessaging": "Blocked.",
    "sensitiveInformationPolicyConfig": {
        "piiEntitiesConfig": [{"type": "EMAIL", "action": "ANONYMIZE"}]
    },
}


def job_request(name: str) -> dict[str, Any]:
    return {
        "jobName": name,
        "roleArn": ROLE,
        "modelId": MODEL,
        "inputDataConfig": {"s3InputDataConfig": {"s3Uri": "s3://bucket/in/"}},
        "outputDataConfig": {"s3OutputDataConfig": {"s3Uri": "s3://bucket/out/"}},
    }


def claude(text: str) -> dict[str, Any]:
    return {
        "anthropic_version": "bedrock-2023-05-31",
        "max_tokens": 50,
        "messages": [{"role": "user", "content": [{"type": "text", "text": text}]}],
    }


@pytest.fixture
def policy_file(tmp_path: Path) -> Path:
    path = tmp_path / "policy.json"
    path.write_text(json.dumps(POLICY))
    return path


def test_client_raises_the_modeled_exceptions_boto3_raises(tmp_path: Path) -> None:
    bedrock = bedrock_local.client("bedrock", data_root=tmp_path)
    with pytest.raises(bedrock.exceptions.ResourceNotFoundException) as exc:
        bedrock.get_model_invocation_job(jobIdentifier="abcdefabcdef")
    assert isinstance(exc.value, ClientError)
    assert exc.value.response["Error"]["Code"] == "ResourceNotFoundException"
    with pytest.raises(bedrock.exceptions.ValidationException):
        bedrock.create_model_invocation_job(**{**job_request("x"), "jobName": "bad name!"})


def test_client_pages_with_botocore_paginators(tmp_path: Path) -> None:
    bedrock = bedrock_local.client("bedrock", data_root=tmp_path, max_concurrent_jobs=50)
    bedrock.spawn_workers = False  # the jobs stay Submitted: only listing is under test
    for i in range(5):
        bedrock.create_model_invocation_job(**job_request(f"page-{i}"))
    assert bedrock.can_paginate("list_model_invocation_jobs")
    paginator = bedrock.get_paginator("list_model_invocation_jobs")
    pages = list(paginator.paginate(nameContains="page", PaginationConfig={"PageSize": 2}))
    assert [len(p["invocationJobSummaries"]) for p in pages] == [2, 2, 1]
    full = paginator.paginate(nameContains="page").build_full_result()
    assert sorted(j["jobName"] for j in full["invocationJobSummaries"]) == [
        f"page-{i}" for i in range(5)
    ]


def test_runtime_uses_the_default_handler_and_named_guardrails(
    tmp_path: Path, policy_file: Path
) -> None:
    runtime = bedrock_local.client(
        "bedrock-runtime", data_root=tmp_path, guardrails={"tiny": str(policy_file)}
    )
    out = json.loads(
        runtime.invoke_model(modelId=MODEL, body=json.dumps(claude("One. Two. Three. Four.")))[
            "body"
        ].read()
    )
    assert out["model"] == "bedrock-local" and out["content"][0]["text"] == "One. Two. Three."
    masked = runtime.apply_guardrail(
        guardrailIdentifier="tiny",
        guardrailVersion="1",
        source="OUTPUT",
        content=[{"text": {"text": "write to ana@example.org"}}],
    )
    assert masked["outputs"][0]["text"] == "write to {EMAIL}"
    with pytest.raises(runtime.exceptions.ResourceNotFoundException):
        runtime.apply_guardrail(
            guardrailIdentifier="other",
            guardrailVersion="DRAFT",
            source="OUTPUT",
            content=[{"text": {"text": "x"}}],
        )


def test_client_refuses_other_services(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="bedrock"):
        bedrock_local.client("s3", data_root=tmp_path)


def test_the_package_imports_no_application(tmp_path: Path) -> None:
    code = (
        "import sys, bedrock_local, bedrock_local.cli, bedrock_local.server, "
        "bedrock_local.batch.worker, bedrock_local.evaluation.pii, "
        "bedrock_local.evaluation.grounding\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('bedrock_assets', 'dagster'))\n"
        "assert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=tmp_path)


@pytest.fixture
def served(tmp_path: Path, policy_file: Path) -> Iterator[str]:
    server = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("bedrock-local")),
            "serve",
            "--port",
            "0",
            "--data-root",
            str(tmp_path / "served"),
            "--min-records-per-job",
            "1",
            "--step-seconds",
            "0.01",
            "--guardrail",
            f"tiny={policy_file}",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    line = server.stdout.readline() if server.stdout else ""
    assert line.startswith("bedrock-local listening on http://127.0.0.1:"), line
    try:
        yield line.split()[-1]
    finally:
        server.terminate()
        assert server.wait(timeout=30) == 0


def boto(service: str, url: str) -> Any:
    return boto3.client(
        service,
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def test_serve_answers_real_boto3_clients(served: str, tmp_path: Path) -> None:
    bedrock, runtime = boto("bedrock", served), boto("bedrock-runtime", served)
    folder = tmp_path / "served" / "object_store" / "bucket" / "in"
    folder.mkdir(parents=True)
    line = {"recordId": "rec00000001", "modelInput": claude("Hello there. Bye.")}
    (folder / "part-00000.jsonl").write_text(json.dumps(line) + "\n")
    arn = bedrock.create_model_invocation_job(**job_request("served-1"))["jobArn"]
    assert bedrock.get_model_invocation_job(jobIdentifier=arn)["jobName"] == "served-1"
    pages = bedrock.get_paginator("list_model_invocation_jobs").paginate()
    assert [j["jobArn"] for p in pages for j in p["invocationJobSummaries"]] == [arn]
    with pytest.raises(bedrock.exceptions.ResourceNotFoundException):
        bedrock.get_model_invocation_job(jobIdentifier="abcdefabcdef")
    masked = runtime.apply_guardrail(
        guardrailIdentifier="tiny",
        guardrailVersion="DRAFT",
        source="OUTPUT",
        content=[{"text": {"text": "mail ana@example.org"}}],
    )
    assert masked["action"] == "GUARDRAIL_INTERVENED"
    answer = json.loads(
        runtime.invoke_model(modelId=MODEL, body=json.dumps(claude("Hi. Bye.")))["body"].read()
    )
    assert answer["content"][0]["text"] == "Hi. Bye."


def test_serve_refuses_a_guardrail_without_a_policy_file(tmp_path: Path) -> None:
    done = subprocess.run(
        [
            str(Path(sys.executable).with_name("bedrock-local")),
            "serve",
            "--guardrail",
            f"g={tmp_path / 'missing.json'}",
        ],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 2 and "ID=POLICY_FILE" in done.stderr
