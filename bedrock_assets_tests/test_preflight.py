"""``bedrock-assets preflight`` on real boto3 clients (botocore Stubber): a healthy account
passes, and each way a deployment goes wrong is named with its fix."""

import json
import urllib.parse
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from botocore.stub import ANY, Stubber

from bedrock_assets.batch.quotas import QUOTA_FIELDS
from bedrock_assets.preflight import AwsClients, Target, caller_role_arn, problems, run_preflight

ACCOUNT = "111122223333"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/BedrockBatchInferenceRole"
CALLER = f"arn:aws:sts::{ACCOUNT}:assumed-role/DagsterRuntime/session-1"
MODEL = "anthropic.claude-3-haiku-20240307-v1:0"
PREFIXES = ("landing", "batch-input", "batch-output", "tables")
TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "bedrock.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ],
}


def clients() -> AwsClients:
    kw: dict[str, Any] = {
        "region_name": "us-east-1",
        "aws_access_key_id": "x",
        "aws_secret_access_key": "x",
    }
    return AwsClients(
        sts=boto3.client("sts", **kw),
        s3=boto3.client("s3", **kw),
        iam=boto3.client("iam", **kw),
        bedrock=boto3.client("bedrock", **kw),
        service_quotas=boto3.client("service-quotas", **kw),
    )


def target(**overrides: Any) -> Target:
    values: dict[str, Any] = {
        "bucket": "calls",
        "prefixes": PREFIXES,
        "role_arn": ROLE,
        "model_id": MODEL,
        "guardrail_id": "abc123def456",
        "guardrail_version": "1",
        "configured_quotas": {f: 10 for f in QUOTA_FIELDS},
    }
    return Target(**{**values, **overrides})


@contextmanager
def stubbed(c: AwsClients) -> Iterator[dict[str, Stubber]]:
    with ExitStack() as stack:
        stubs = {
            name: stack.enter_context(Stubber(getattr(c, name)))
            for name in ("sts", "s3", "iam", "bedrock", "service_quotas")
        }
        yield stubs


def healthy(stubs: dict[str, Stubber], **changes: Any) -> None:
    """The responses of a correctly set-up account, in call order; ``changes`` replaces one
    call's stub with an error: ``{"head_bucket": ("NoSuchBucket", 404)}``."""

    def respond(stub: str, op: str, response: dict, params: Any = None) -> None:
        if op in changes:
            code, status = changes.pop(op)
            stubs[stub].add_client_error(
                op, code, f"{code} says no", status, expected_params=params
            )
        else:
            stubs[stub].add_response(op, response, params)

    respond("sts", "get_caller_identity", {"Account": ACCOUNT, "Arn": CALLER, "UserId": "u"})
    bucket_missing = "head_bucket" in changes
    respond("s3", "head_bucket", {}, {"Bucket": "calls"})
    for _ in [] if bucket_missing else PREFIXES:
        refused = "put_object" in changes  # only the first prefix is refused
        respond("s3", "put_object", {}, {"Bucket": "calls", "Key": ANY, "Body": b""})
        if not refused:
            respond("s3", "delete_object", {}, {"Bucket": "calls", "Key": ANY})
    role = {
        "Path": "/",
        "RoleName": "BedrockBatchInferenceRole",
        "RoleId": "AROAEXAMPLE1234567890",
        "Arn": ROLE,
        "CreateDate": datetime(2024, 1, 1, tzinfo=UTC),
        "AssumeRolePolicyDocument": urllib.parse.quote(json.dumps(changes.pop("trust", TRUST))),
    }
    respond("iam", "get_role", {"Role": role}, {"RoleName": "BedrockBatchInferenceRole"})
    decision = changes.pop("decision", "allowed")
    respond(
        "iam",
        "simulate_principal_policy",
        {"EvaluationResults": [{"EvalActionName": "iam:PassRole", "EvalDecision": decision}]},
        {
            "PolicySourceArn": f"arn:aws:iam::{ACCOUNT}:role/DagsterRuntime",
            "ActionNames": ["iam:PassRole"],
            "ResourceArns": [ROLE],
            "ContextEntries": ANY,
        },
    )
    respond(
        "bedrock",
        "get_foundation_model_availability",
        {
            "modelId": MODEL,
            "agreementAvailability": {"status": "AVAILABLE"},
            "authorizationStatus": changes.pop("authorization", "AUTHORIZED"),
            "entitlementAvailability": "AVAILABLE",
            "regionAvailability": "AVAILABLE",
        },
        {"modelId": MODEL},
    )
    respond(
        "bedrock",
        "get_guardrail",
        {
            "name": "g",
            "guardrailId": "abc123def456",
            "guardrailArn": f"arn:aws:bedrock:us-east-1:{ACCOUNT}:guardrail/abc123def456",
            "version": "1",
            "status": "READY",
            "blockedInputMessaging": "x",
            "blockedOutputsMessaging": "x",
            "createdAt": datetime(2024, 1, 1, tzinfo=UTC),
            "updatedAt": datetime(2024, 1, 1, tzinfo=UTC),
        },
        {"guardrailIdentifier": "abc123def456", "guardrailVersion": "1"},
    )
    respond(
        "service_quotas",
        "list_service_quotas",
        {
            "Quotas": [
                {
                    "QuotaName": "Number of batch inference jobs in-progress and submitted "
                    "for Claude 3 Haiku",
                    "Value": changes.pop("concurrent_quota", 20.0),
                }
            ]
        },
        {"ServiceCode": "bedrock", "MaxResults": 100},
    )


def run(**changes: Any) -> list:
    c = clients()
    overrides = changes.pop("target", {})
    with stubbed(c) as stubs:
        healthy(stubs, **changes)
        findings = run_preflight(c, target(**overrides))
        for stub in stubs.values():
            stub.assert_no_pending_responses()
    return findings


def by_check(findings: list) -> dict[str, Any]:
    return {f.check: f for f in findings}


def test_a_healthy_account_is_ready() -> None:
    findings = run()
    assert problems(findings) == [], [f.lines() for f in findings]
    assert {f.check for f in findings} >= {
        "credentials",
        "bucket calls",
        "prefix batch-input/",
        "service role",
        "pass the service role",
        "model access",
        "batch support",
        "guardrail",
        "quotas",
    }


def test_a_role_the_caller_may_not_pass_is_named_with_the_fix() -> None:
    finding = by_check(run(decision="implicitDeny"))["pass the service role"]
    assert not finding.ok and finding.blocking
    assert "iam:PassRole" in finding.detail and ROLE in finding.detail
    assert "DagsterRuntime" in finding.detail and "dagster-runtime-policy.json" in finding.fix


def test_a_role_that_does_not_trust_bedrock() -> None:
    other = {"Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}}]}
    finding = by_check(run(trust=other))["service role"]
    assert not finding.ok and "trust" in finding.fix


def test_a_missing_role_carries_iams_message() -> None:
    finding = by_check(run(get_role=("NoSuchEntity", 404)))["service role"]
    assert not finding.ok and "NoSuchEntity says no" in finding.detail


def test_a_role_of_another_account() -> None:
    other = "arn:aws:iam::999999999999:role/BedrockBatchInferenceRole"
    c = clients()
    with stubbed(c) as stubs:
        stubs["sts"].add_response(
            "get_caller_identity", {"Account": ACCOUNT, "Arn": CALLER, "UserId": "u"}
        )
        identity = c.sts.get_caller_identity()
    from bedrock_assets.preflight import check_role

    with stubbed(c) as stubs:
        stubs["iam"].add_client_error("get_role", "NoSuchEntity", "no", 404)
        stubs["iam"].add_client_error("simulate_principal_policy", "AccessDenied", "no", 403)
        findings = by_check(check_role(c, target(role_arn=other), identity))
    assert not findings["service role account"].ok
    unverified = findings["pass the service role"]
    assert not unverified.ok and not unverified.blocking  # could not check, said so


def test_a_model_without_access() -> None:
    finding = by_check(run(authorization="NOT_AUTHORIZED"))["model access"]
    assert not finding.ok and "Model access" in finding.fix


def test_a_missing_guardrail() -> None:
    finding = by_check(run(get_guardrail=("ResourceNotFoundException", 404)))["guardrail"]
    assert not finding.ok and "guardrail deploy" in finding.fix


def test_a_concurrency_setting_above_the_account_quota() -> None:
    quotas = {f: 10 for f in QUOTA_FIELDS} | {"max_concurrent_jobs": 50}
    finding = by_check(run(target={"configured_quotas": quotas}))["quotas"]
    assert not finding.ok and "max_concurrent_jobs configured 50, account 20" in finding.detail


def test_a_missing_bucket_stops_the_storage_checks() -> None:
    findings = by_check(run(head_bucket=("NoSuchBucket", 404)))
    assert not findings["bucket calls"].ok and "create the bucket" in findings["bucket calls"].fix
    assert not any(check.startswith("prefix") for check in findings)


def test_a_bucket_that_cannot_be_written() -> None:
    finding = by_check(run(put_object=("AccessDenied", 403)))["prefix landing/"]
    assert not finding.ok and "arn:aws:s3:::calls/landing/*" in finding.fix


@pytest.mark.parametrize(
    ("arn", "role"),
    [
        (CALLER, f"arn:aws:iam::{ACCOUNT}:role/DagsterRuntime"),
        (f"arn:aws:iam::{ACCOUNT}:user/alice", f"arn:aws:iam::{ACCOUNT}:user/alice"),
    ],
)
def test_the_principal_behind_an_sts_identity(arn: str, role: str) -> None:
    assert caller_role_arn(arn) == role
