"""Quotas in force: explicit overrides > Service Quotas (AWS) > configuration."""

import boto3
import pytest
from botocore.stub import Stubber

from bedrock_assets.batch.quotas import (
    GIB,
    QUOTA_FIELDS,
    QuotaCache,
    display_name,
    read_service_quotas,
    resolve,
)
from bedrock_assets.settings import load_settings

HAIKU = "anthropic.claude-3-haiku-20240307-v1:0"


def quota(name: str, value: float) -> dict:
    return {
        "ServiceCode": "bedrock",
        "QuotaName": name,
        "QuotaCode": "L-" + str(abs(hash(name)))[:8],
        "Value": value,
        "Adjustable": True,
    }


def sq_client():
    return boto3.client(
        "service-quotas", region_name="us-east-1", aws_access_key_id="t", aws_secret_access_key="t"
    )


PAGE1 = [
    quota("Records per batch inference job for Claude 3 Haiku", 60000),
    quota("Records per input file per batch inference job for Claude 3 Haiku", 40000),
    quota("Minimum number of records per batch inference job for Claude 3 Haiku", 1000),
    quota("Records per batch inference job for Claude 3.5 Haiku", 5),  # another model
]
PAGE2 = [
    quota("Batch inference input file size (in GB) for Claude 3 Haiku", 0.5),
    quota("Batch inference job size (in GB) for Claude 3 Haiku", 2),
    quota(
        "Sum of in-progress and submitted batch inference jobs using a base model for "
        "Claude 3 Haiku",
        20,
    ),
    quota(
        "Sum of in-progress and submitted batch inference jobs using a custom model for "
        "Claude 3 Haiku",
        3,
    ),
]


def test_display_names_cover_profiles_and_arns() -> None:
    assert display_name("us.anthropic.claude-3-haiku-20240307-v1:0") == "Claude 3 Haiku"
    assert display_name("anthropic.claude-3-5-haiku-20241022-v1:0") == "Claude 3.5 Haiku"
    assert (
        display_name("arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-lite-v1:0")
        == "Nova Lite"
    )
    assert display_name("cohere.command-r-v1:0") is None


def test_reads_the_models_batch_quotas_across_pages() -> None:
    client = sq_client()
    with Stubber(client) as stub:
        stub.add_response(
            "list_service_quotas",
            {"Quotas": PAGE1, "NextToken": "n"},
            {"ServiceCode": "bedrock", "MaxResults": 100},
        )
        stub.add_response(
            "list_service_quotas",
            {"Quotas": PAGE2},
            {"ServiceCode": "bedrock", "MaxResults": 100, "NextToken": "n"},
        )
        found = read_service_quotas(client, HAIKU)
    assert found == {
        "max_records_per_job": 60000,
        "max_records_per_file": 40000,
        "min_records_per_job": 1000,
        "max_file_bytes": GIB // 2,
        "max_job_bytes": 2 * GIB,
        "max_concurrent_jobs": 20,
    }


def test_precedence_and_sources() -> None:
    configured = {f: 7 for f in QUOTA_FIELDS}
    fetched = {"max_concurrent_jobs": 20, "min_records_per_job": 1000}
    result = resolve(configured, {"min_records_per_job"}, lambda: fetched)
    assert result.values["max_concurrent_jobs"] == 20
    assert result.sources["max_concurrent_jobs"] == "Service Quotas"
    assert result.values["min_records_per_job"] == 7  # explicitly set: the override wins
    assert result.sources["min_records_per_job"] == "BEDROCK_ASSETS override"
    assert result.values["max_records_per_job"] == 7
    assert "max_concurrent_jobs=20 (Service Quotas)" in result.describe()


def test_access_denied_falls_back_to_configuration() -> None:
    client = sq_client()
    configured = {f: 3 for f in QUOTA_FIELDS}
    with Stubber(client) as stub:
        stub.add_client_error("list_service_quotas", "AccessDeniedException", http_status_code=403)
        result = resolve(configured, set(), lambda: read_service_quotas(client, HAIKU))
    assert result.values == configured
    assert all("AccessDeniedException" in s for s in result.sources.values())


def test_explicit_environment_values_are_detected(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BEDROCK_ASSETS_MAX_CONCURRENT_JOBS", "4")
    monkeypatch.delenv("BEDROCK_ASSETS_MIN_RECORDS_PER_JOB", raising=False)
    settings = load_settings()
    assert "max_concurrent_jobs" in settings.model_fields_set
    assert "min_records_per_job" not in settings.model_fields_set


def test_cache_asks_service_quotas_once_per_ttl() -> None:
    now = [0.0]
    calls = []
    cache = QuotaCache(ttl=60, clock=lambda: now[0])

    def compute():
        calls.append(1)
        return resolve({f: 1 for f in QUOTA_FIELDS}, set(), None)

    cache.get(("k",), compute)
    now[0] = 59
    cache.get(("k",), compute)
    now[0] = 61
    cache.get(("k",), compute)
    assert len(calls) == 2
