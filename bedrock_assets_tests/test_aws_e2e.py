"""One day in ``aws`` mode against loopback emulators, reached only by AWS endpoint settings.

S3 is moto's server; Bedrock (batch jobs and ApplyGuardrail) is the local engines behind
Bedrock's REST-JSON protocol. The pipeline uses stock boto3 clients and dagster-aws
``S3Resource``; ``AWS_ENDPOINT_URL_S3`` / ``_BEDROCK`` / ``_BEDROCK_RUNTIME`` are the only
redirection. The results must equal the local backend's for the same input.
"""

from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from dagster import DagsterInstance

from bedrock_assets.core.sample_data import land_sample_day
from bedrock_assets.core.storage import LocalObjectStore, S3ObjectStore
from bedrock_assets.core.tables import read_table
from bedrock_assets.local.batch_engine import EngineConfig, LocalBedrockClient
from bedrock_assets.local.http_service import BedrockHTTPService
from bedrock_assets.local.runtime import LocalRuntimeClient
from bedrock_assets.report import day_report
from bedrock_assets.settings import get_settings
from bedrock_assets_tests.conftest import drain, prepare_day, reset_caches

moto_server = pytest.importorskip("moto.server")

DAY = "2024-08-23"
SMALL_DAY = "2024-08-22"  # moto keeps S3 state per process: a day of its own
BUCKET = "bedrock-assets-e2e"
ACCOUNT = "111122223333"


def common_env(monkeypatch: pytest.MonkeyPatch, root: Path) -> None:
    monkeypatch.setenv("BEDROCK_ASSETS_DATA_ROOT", str(root))
    monkeypatch.setenv("BEDROCK_ASSETS_MIN_RECORDS_PER_JOB", "10")
    monkeypatch.setenv("BEDROCK_ASSETS_MAX_RECORDS_PER_JOB", "25")
    monkeypatch.setenv("BEDROCK_ASSETS_LOCAL_STEP_SECONDS", "0.02")
    monkeypatch.setenv("BEDROCK_ASSETS_ROLE_ARN", f"arn:aws:iam::{ACCOUNT}:role/BatchRole")


@pytest.fixture
def emulators(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[LocalBedrockClient]:
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
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", s3_url)
    boto3.client("s3").create_bucket(Bucket=BUCKET)
    engine = LocalBedrockClient(
        tmp_path / "stand-in" / "bedrock.sqlite",
        EngineConfig(
            store_root=str(tmp_path / "unused"),
            s3_endpoint_url=s3_url,
            account_id=ACCOUNT,
            min_records_per_job=10,
            max_records_per_job=25,
            step_seconds=0.02,
        ),
    )
    service = BedrockHTTPService(engine, LocalRuntimeClient()).start()
    monkeypatch.setenv("AWS_ENDPOINT_URL_BEDROCK", service.url)
    monkeypatch.setenv("AWS_ENDPOINT_URL_BEDROCK_RUNTIME", service.url)
    try:
        yield engine
    finally:
        engine.wait_idle(timeout=30)
        service.stop()
        s3_server.stop()
        reset_caches()


def guarded(store, settings) -> dict[str, tuple]:
    rows = read_table(
        store, settings.s3_uri(settings.tables_prefix, "guarded_summaries", f"{DAY}.parquet")
    ).to_pylist()
    return {
        r["record_id"]: (
            r["transcript_id"],
            r["guarded_summary"],
            r["guardrail_action"],
            r["text_units"],
        )
        for r in rows
    }


def test_one_day_on_aws_equals_the_local_backend(
    emulators: LocalBedrockClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    common_env(monkeypatch, tmp_path / "aws-run")
    monkeypatch.setenv("BEDROCK_ASSETS_BACKEND", "aws")
    monkeypatch.setenv("BEDROCK_ASSETS_BUCKET", BUCKET)
    monkeypatch.setenv("BEDROCK_ASSETS_QUOTAS_FROM_SERVICE_QUOTAS", "false")
    reset_caches()
    settings = get_settings()
    s3 = S3ObjectStore(boto3.client("s3"))
    land_sample_day(s3, settings.s3_uri(settings.landing_prefix), DAY, 60, seed=11)
    with DagsterInstance.ephemeral() as instance:
        prepare_day(instance, DAY)
        assert drain(instance, timeout=120)
    aws_report = day_report(settings, s3, DAY)
    aws_rows = guarded(s3, settings)
    # Every job went through the stand-in (its account), none through the embedded engine.
    assert aws_report["jobs"] and all(f":{ACCOUNT}:" in arn for arn, _ in aws_report["jobs"])
    assert not settings.local_engine_path.exists()
    assert s3.list_uris(f"s3://{BUCKET}/batch-output/{DAY}/")  # outputs landed in S3
    assert aws_report["summarized"] == 60 and aws_report["quarantined"] == 5

    common_env(monkeypatch, tmp_path / "local-run")
    monkeypatch.delenv("BEDROCK_ASSETS_BACKEND")
    monkeypatch.delenv("BEDROCK_ASSETS_BUCKET")
    reset_caches()
    local = get_settings()
    store = LocalObjectStore(local.object_store_root)
    land_sample_day(store, local.s3_uri(local.landing_prefix), DAY, 60, seed=11)
    with DagsterInstance.ephemeral() as instance:
        prepare_day(instance, DAY)
        drain(instance, timeout=120)
    local_report = day_report(local, store, DAY)
    assert guarded(store, local) == aws_rows
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
    emulators: LocalBedrockClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    common_env(monkeypatch, tmp_path / "aws-small")
    monkeypatch.setenv("BEDROCK_ASSETS_BACKEND", "aws")
    monkeypatch.setenv("BEDROCK_ASSETS_BUCKET", BUCKET)
    monkeypatch.setenv("BEDROCK_ASSETS_QUOTAS_FROM_SERVICE_QUOTAS", "false")
    monkeypatch.setenv("BEDROCK_ASSETS_BELOW_MINIMUM_POLICY", "on_demand")
    reset_caches()
    settings = get_settings()
    s3 = S3ObjectStore(boto3.client("s3"))
    land_sample_day(
        s3,
        settings.s3_uri(settings.landing_prefix),
        SMALL_DAY,
        4,
        seed=5,
        mixed_formats=False,
        include_bad=False,
    )
    with DagsterInstance.ephemeral() as instance:
        prepare_day(instance, SMALL_DAY)
        drain(instance, timeout=120)
    report = day_report(settings, s3, SMALL_DAY)
    assert report["summarized"] == 4 and report["jobs"] == []
    assert s3.exists(
        f"s3://{BUCKET}/batch-output/{SMALL_DAY}/"
        + next(
            u.split(f"{SMALL_DAY}/")[1].split("/")[0]
            for u in s3.list_uris(f"s3://{BUCKET}/batch-output/")
        )
        + "/on-demand/manifest.json.out"
    )
    assert emulators.list_model_invocation_jobs()["invocationJobSummaries"] == []
