"""One day in ``aws`` mode against loopback emulators, reached only by AWS endpoint settings.

S3 is moto's server; Bedrock (batch jobs and ApplyGuardrail) is the local engines behind
Bedrock's REST-JSON protocol. The pipeline uses stock boto3 clients and dagster-aws
``S3Resource``; ``AWS_ENDPOINT_URL_S3`` / ``_BEDROCK`` / ``_BEDROCK_RUNTIME`` are the only
redirection. The results must equal the local backend's for the same input.
"""

import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
from dagster import DagsterInstance

from bedrock_assets.guardrail.policy import default_policy_path
from bedrock_assets.prompting.local_model import HANDLER
from bedrock_assets_tests.harness import Pipeline, settings_for

moto_server = pytest.importorskip("moto.server")
pytestmark = pytest.mark.aws

DAY = "2024-08-23"
SMALL_DAY = "2024-08-22"  # moto keeps S3 state per process: a day of its own
BUCKET = "bedrock-assets-e2e"
ACCOUNT = "111122223333"
COMMON = {
    "max_records_per_job": 25,
    "role_arn": f"arn:aws:iam::{ACCOUNT}:role/BatchRole",
    "account_id": ACCOUNT,  # the local engine passes roles of its own account only
}
AWS = {
    **COMMON,
    "backend": "aws",
    "bucket": BUCKET,
    "quotas_from_service_quotas": False,
}


@dataclass
class Emulators:
    bedrock: Any  # a boto3 "bedrock" client pointed at bedrock-local serve
    s3_url: str


def serve_bedrock_local(root: Path, s3_url: str) -> tuple[subprocess.Popen, str]:
    """``bedrock-local serve`` as a user would start it; returns the process and its URL."""
    server = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("bedrock-local")),
            "serve",
            "--port",
            "0",
            "--data-root",
            str(root),
            "--account-id",
            ACCOUNT,
            "--min-records-per-job",
            "10",
            "--max-records-per-job",
            "25",
            "--step-seconds",
            "0.02",
            "--s3-endpoint-url",
            s3_url,
            "--model-handler",
            HANDLER,
            "--guardrail",
            f"bedrockassetslocal={default_policy_path()}",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    line = server.stdout.readline() if server.stdout else ""
    assert line.startswith("bedrock-local listening on "), line
    return server, line.split()[-1]


@pytest.fixture
def emulators(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Emulators]:
    for key in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))
    s3_server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    s3_server.start()
    host, port = s3_server.get_host_and_port()
    s3_url = f"http://{host}:{port}"
    # moto keeps its S3 state per process, not per server: every test starts from an empty one
    urllib.request.urlopen(urllib.request.Request(f"{s3_url}/moto-api/reset", method="POST"))
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", s3_url)
    boto3.client("s3").create_bucket(Bucket=BUCKET)
    server, url = serve_bedrock_local(tmp_path / "stand-in", s3_url)
    monkeypatch.setenv("AWS_ENDPOINT_URL_BEDROCK", url)
    monkeypatch.setenv("AWS_ENDPOINT_URL_BEDROCK_RUNTIME", url)
    bedrock = boto3.client("bedrock", region_name="us-east-1")
    try:
        yield Emulators(bedrock, s3_url)
    finally:
        deadline = time.time() + 30
        while time.time() < deadline and any(
            j["status"] in ("Submitted", "Validating", "Scheduled", "InProgress", "Stopping")
            for j in bedrock.list_model_invocation_jobs()["invocationJobSummaries"]
        ):
            time.sleep(0.1)
        server.terminate()
        server.wait(timeout=30)
        s3_server.stop()


def guarded(pipeline: Pipeline, day: str = DAY) -> dict[str, tuple]:
    return {
        r["record_id"]: (
            r["transcript_id"],
            r["guarded_summary"],
            r["guardrail_action"],
            r["text_units"],
        )
        for r in pipeline.table("guarded_summaries", day).to_pylist()
    }


def run(root: Path, day: str, count: int, **settings: Any) -> Pipeline:
    land_options = settings.pop("land", {})
    with DagsterInstance.ephemeral() as instance:
        pipeline = Pipeline(settings_for(root, **settings), instance)
        pipeline.land(day, count, **land_options)
        pipeline.prepare(day)
        pipeline.drain(timeout=120)
    return pipeline


def test_one_day_on_aws_equals_the_local_backend(emulators: Emulators, tmp_path: Path) -> None:
    aws = run(tmp_path / "aws-run", DAY, 60, land={"seed": 11}, **AWS)
    aws_report = aws.report(DAY)
    aws_rows = guarded(aws)
    # Every job went through bedrock-local serve (its account), none through an embedded engine.
    assert aws_report["jobs"] and all(f":{ACCOUNT}:" in arn for arn, _ in aws_report["jobs"])
    assert not (tmp_path / "aws-run" / "state" / "local_bedrock.sqlite").exists()
    assert aws.store.list_uris(f"s3://{BUCKET}/batch-output/{DAY}/")  # outputs landed in S3
    assert aws_report["summarized"] == 60 and aws_report["quarantined"] == 5

    local = run(tmp_path / "local-run", DAY, 60, land={"seed": 11}, **COMMON)
    local_report = local.report(DAY)
    assert guarded(local) == aws_rows
    for key in (
        "landed",
        "quarantined",
        "summarized",
        "dead_lettered",
        "input_tokens",
        "output_tokens",
        "guardrail_interventions",
        "shards",
    ):
        assert aws_report[key] == local_report[key], key


def test_small_day_on_aws_goes_on_demand_through_bedrock_runtime(
    emulators: Emulators, tmp_path: Path
) -> None:
    land = {"seed": 5, "mixed_formats": False, "include_bad": False}
    aws = run(
        tmp_path / "aws-small", SMALL_DAY, 4, land=land, below_minimum_policy="on_demand", **AWS
    )
    report = aws.report(SMALL_DAY)
    assert report["summarized"] == 4 and report["jobs"] == []
    s3 = aws.store
    assert s3.exists(
        f"s3://{BUCKET}/batch-output/{SMALL_DAY}/"
        + next(
            u.split(f"{SMALL_DAY}/")[1].split("/")[0]
            for u in s3.list_uris(f"s3://{BUCKET}/batch-output/")
        )
        + "/on-demand/manifest.json.out"
    )
    assert emulators.bedrock.list_model_invocation_jobs()["invocationJobSummaries"] == []


def test_reruns_on_aws_send_no_call_twice(emulators: Emulators, tmp_path: Path) -> None:
    """Late files, a plain re-run, a quota change and a prompt change in aws mode, against
    bedrock-local serve reached through boto3: every call summarized once, none sent twice."""
    from bedrock_assets.prompting.prompt import guideline_catalogue
    from bedrock_assets.reporting.day_report import report_json

    day = "2024-08-21"  # moto keeps S3 state per process: a day of its own
    land = {"mixed_formats": False, "include_bad": False}
    root = tmp_path / "aws-rerun"
    run(root, day, 30, land={**land, "seed": 3}, **AWS)
    run(root, day, 12, land={**land, "seed": 4, "name_prefix": "late"}, **AWS)
    run(root, day, 0, land=land, **AWS)  # a plain re-run
    # A quota change and a re-materialization: the shards already sent stay as they are.
    run(root, day, 0, land=land, **{**AWS, "max_records_per_job": 10})
    ids = [g["id"] for g in guideline_catalogue()["guidelines"]]
    last = run(root, day, 0, land=land, guidelines=",".join(ids[:-1]), **AWS)
    report = report_json(last.report(day))
    assert report["summarized"] == 42 and report["records_submitted"] == 42
    assert report["conservation_ok"] and report["batch_jobs"] == 3
    jobs = emulators.bedrock.list_model_invocation_jobs(maxResults=100)["invocationJobSummaries"]
    assert len(jobs) == 3  # the endpoint saw exactly one job per shard
