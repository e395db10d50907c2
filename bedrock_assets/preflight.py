"""Preflight: everything a day needs from AWS, checked before a job is submitted.

Credentials, the bucket and each prefix, the batch service role (it exists, trusts Bedrock,
and the caller may pass it), model access and batch support, the guardrail, the quotas and
the ledger. Each finding says what is wrong and how to fix it; nothing is changed except a
probe object written to and deleted from each prefix.
"""

from __future__ import annotations

import json
import urllib.parse
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from bedrock_assets.aws_calls import error_code, error_message
from bedrock_assets.batch.quotas import display_name, read_service_quotas
from bedrock_assets.prompting.model_families import base_model_id

RUNTIME_POLICY = "iam/dagster-runtime-policy.json"


@dataclass(frozen=True)
class Finding:
    check: str
    ok: bool
    detail: str
    fix: str = ""
    blocking: bool = True  # False: could not be verified, worth a look

    def lines(self) -> list[str]:
        status = "OK" if self.ok else ("PROBLEM" if self.blocking else "UNVERIFIED")
        out = [f"  {status:<10} {self.check}: {self.detail}"]
        return out + ([f"  {'':<10} fix: {self.fix}"] if self.fix and not self.ok else [])


@dataclass(frozen=True)
class AwsClients:
    sts: Any
    s3: Any
    iam: Any
    bedrock: Any
    service_quotas: Any | None = None


@dataclass(frozen=True)
class Target:
    """What the pipeline is configured to use."""

    bucket: str
    prefixes: tuple[str, ...]
    role_arn: str
    model_id: str
    guardrail_id: str
    guardrail_version: str
    configured_quotas: dict[str, int]


def _failure(check: str, exc: BaseException, fix: str) -> Finding:
    code = error_code(exc) if isinstance(exc, ClientError) else type(exc).__name__
    return Finding(check, False, f"{code}: {error_message(exc)}", fix)


def _attempt(check: str, fix: str, fn: Callable[[], Finding]) -> Finding:
    try:
        return fn()
    except (ClientError, BotoCoreError) as exc:
        return _failure(check, exc, fix)


def caller_role_arn(caller_arn: str) -> str:
    """The IAM principal behind an STS identity (assumed roles become their role ARN)."""
    parts = caller_arn.split(":", 5)
    if len(parts) == 6 and parts[5].startswith("assumed-role/"):
        return f"arn:{parts[1]}:iam::{parts[4]}:role/{parts[5].split('/')[1]}"
    return caller_arn


def check_credentials(clients: AwsClients) -> tuple[Finding, dict[str, str]]:
    try:
        identity = clients.sts.get_caller_identity()
    except (ClientError, BotoCoreError) as exc:
        fix = "configure AWS credentials: AWS_PROFILE, SSO, or the instance or task role"
        return _failure("credentials", exc, fix), {}
    detail = f"{identity['Arn']} (account {identity['Account']})"
    return Finding("credentials", True, detail), identity


def check_storage(clients: AwsClients, target: Target) -> list[Finding]:
    def reachable() -> Finding:
        clients.s3.head_bucket(Bucket=target.bucket)
        return Finding(f"bucket {target.bucket}", True, "exists and is reachable")

    fix = f"create the bucket, or grant s3:ListBucket on it ({RUNTIME_POLICY})"
    findings = [_attempt(f"bucket {target.bucket}", fix, reachable)]
    if not findings[0].ok:
        return findings
    for prefix in target.prefixes:
        key = f"{prefix}/.preflight-{uuid.uuid4().hex}"

        def probe(key: str = key, prefix: str = prefix) -> Finding:
            clients.s3.put_object(Bucket=target.bucket, Key=key, Body=b"")
            clients.s3.delete_object(Bucket=target.bucket, Key=key)
            return Finding(f"prefix {prefix}/", True, "can write and delete")

        findings.append(
            _attempt(
                f"prefix {prefix}/",
                f"grant s3:PutObject, s3:GetObject and s3:DeleteObject on "
                f"arn:aws:s3:::{target.bucket}/{prefix}/* ({RUNTIME_POLICY})",
                probe,
            )
        )
    return findings


def check_role(clients: AwsClients, target: Target, identity: dict[str, str]) -> list[Finding]:
    role_arn = target.role_arn
    name = role_arn.rsplit("/", 1)[-1]
    account = role_arn.split(":")[4]
    findings = []
    if identity and account != identity.get("Account"):
        findings.append(
            Finding(
                "service role account",
                False,
                f"{role_arn} is in account {account}, the caller in {identity['Account']}",
                "use a batch service role of this account (BEDROCK_ASSETS_ROLE_ARN)",
            )
        )

    def trusted() -> Finding:
        role = clients.iam.get_role(RoleName=name)["Role"]
        document = role.get("AssumeRolePolicyDocument") or {}
        if isinstance(document, str):  # URL-encoded JSON when boto3 has not decoded it
            document = json.loads(urllib.parse.unquote(document))
        services = [
            s.get("Principal", {}).get("Service")
            for s in document.get("Statement", [])
            if s.get("Effect") == "Allow"
        ]
        flat = {x for s in services for x in ([s] if isinstance(s, str) else s or [])}
        if "bedrock.amazonaws.com" not in flat:
            return Finding(
                "service role",
                False,
                f"{role_arn} does not trust bedrock.amazonaws.com",
                "use iam/batch-service-role-trust-policy.json as its trust policy",
            )
        return Finding("service role", True, f"{role_arn} exists and trusts Bedrock")

    findings.append(
        _attempt(
            "service role",
            f"create {role_arn} from iam/batch-service-role-*.json, or grant iam:GetRole on it",
            trusted,
        )
    )
    if not identity:
        return findings
    principal = caller_role_arn(identity["Arn"])

    def passable() -> Finding:
        result = clients.iam.simulate_principal_policy(
            PolicySourceArn=principal,
            ActionNames=["iam:PassRole"],
            ResourceArns=[role_arn],
            ContextEntries=[
                {
                    "ContextKeyName": "iam:PassedToService",
                    "ContextKeyValues": ["bedrock.amazonaws.com"],
                    "ContextKeyType": "string",
                }
            ],
        )
        decision = result["EvaluationResults"][0]["EvalDecision"]
        if decision != "allowed":
            return Finding(
                "pass the service role",
                False,
                f"iam:PassRole on {role_arn} is {decision} for {principal}",
                f"attach {RUNTIME_POLICY} (statement PassTheBatchServiceRoleToBedrockOnly) "
                f"to {principal}",
            )
        return Finding("pass the service role", True, f"{principal} may pass {role_arn}")

    try:
        findings.append(passable())
    except ClientError as exc:
        findings.append(
            Finding(
                "pass the service role",
                False,
                f"could not simulate iam:PassRole ({error_code(exc)})",
                f"grant iam:SimulatePrincipalPolicy on {principal} to let preflight check",
                blocking=False,
            )
        )
    return findings


def check_model(clients: AwsClients, target: Target) -> list[Finding]:
    base = base_model_id(target.model_id)

    def available() -> Finding:
        a = clients.bedrock.get_foundation_model_availability(modelId=base)
        problems = [
            f"{label} {value}"
            for label, value, good in (
                ("authorization", a.get("authorizationStatus"), "AUTHORIZED"),
                ("entitlement", a.get("entitlementAvailability"), "AVAILABLE"),
                ("region", a.get("regionAvailability"), "AVAILABLE"),
                ("agreement", (a.get("agreementAvailability") or {}).get("status"), "AVAILABLE"),
            )
            if value not in (good, None)
        ]
        if problems:
            return Finding(
                "model access",
                False,
                f"{base}: {', '.join(problems)}",
                "request access to the model in the Bedrock console (Model access), or pick "
                "another BEDROCK_ASSETS_MODEL_ID",
            )
        return Finding("model access", True, f"{base} is available to this account")

    findings = [_attempt("model access", "grant bedrock:GetFoundationModelAvailability", available)]
    if target.model_id != base and "/" not in target.model_id.split(":")[-1]:

        def profile() -> Finding:
            clients.bedrock.get_inference_profile(inferenceProfileIdentifier=target.model_id)
            return Finding("inference profile", True, f"{target.model_id} exists")

        findings.append(
            _attempt(
                "inference profile",
                "use an inference profile of this Region (aws bedrock list-inference-profiles)",
                profile,
            )
        )
    if display_name(target.model_id) is None:
        findings.append(
            Finding(
                "batch support",
                False,
                f"{base} is not in the table of models known to support batch inference",
                "check the Bedrock documentation's list of models with batch inference",
                blocking=False,
            )
        )
    else:
        findings.append(Finding("batch support", True, f"{display_name(target.model_id)}"))
    return findings


def check_guardrail(clients: AwsClients, target: Target) -> Finding:
    def ready() -> Finding:
        g = clients.bedrock.get_guardrail(
            guardrailIdentifier=target.guardrail_id, guardrailVersion=target.guardrail_version
        )
        if g.get("status") != "READY":
            return Finding(
                "guardrail",
                False,
                f"{target.guardrail_id}:{target.guardrail_version} is {g.get('status')}",
                "wait for it, or redeploy it (bedrock-assets guardrail deploy)",
            )
        return Finding(
            "guardrail", True, f"{target.guardrail_id}:{target.guardrail_version} is READY"
        )

    return _attempt(
        "guardrail",
        "deploy it (bedrock-assets guardrail deploy) and set BEDROCK_ASSETS_GUARDRAIL_ID/_VERSION",
        ready,
    )


def check_quotas(clients: AwsClients, target: Target) -> Finding:
    if clients.service_quotas is None:
        return Finding("quotas", True, "configured values only (Service Quotas not asked)")
    try:
        applied = read_service_quotas(clients.service_quotas, target.model_id)
    except (ClientError, BotoCoreError) as exc:
        reason = error_code(exc) if isinstance(exc, ClientError) else type(exc).__name__
        return Finding(
            "quotas",
            False,
            f"Service Quotas unreadable ({reason})",
            "grant servicequotas:ListServiceQuotas, or set the BEDROCK_ASSETS_* quota variables",
            blocking=False,
        )
    over = {
        k: (target.configured_quotas[k], v)
        for k, v in applied.items()
        if k in target.configured_quotas
        and k != "min_records_per_job"
        and target.configured_quotas[k] > v
    }
    under = {
        k: (target.configured_quotas[k], v)
        for k, v in applied.items()
        if k == "min_records_per_job" and target.configured_quotas.get(k, v) < v
    }
    problems = {**over, **under}
    if problems:
        detail = ", ".join(f"{k} configured {c}, account {v}" for k, (c, v) in problems.items())
        return Finding(
            "quotas",
            False,
            detail,
            "unset the BEDROCK_ASSETS_* overrides (Service Quotas is read by default) or "
            "request an increase in Service Quotas",
        )
    return Finding("quotas", True, ", ".join(f"{k}={v}" for k, v in applied.items()) or "none")


def run_preflight(
    clients: AwsClients, target: Target, ledger: Callable[[], str] | None = None
) -> list[Finding]:
    """Every check, in the order a new deployment meets them."""
    credentials, identity = check_credentials(clients)
    findings = [credentials]
    findings += check_storage(clients, target)
    findings += check_role(clients, target, identity)
    findings += check_model(clients, target)
    findings.append(check_guardrail(clients, target))
    findings.append(check_quotas(clients, target))
    if ledger is not None:
        try:
            findings.append(Finding("ledger", True, ledger()))
        except Exception as exc:  # any database error: say what and where
            findings.append(
                Finding(
                    "ledger",
                    False,
                    f"{type(exc).__name__}: {exc}",
                    "check BEDROCK_ASSETS_LEDGER_URL",
                )
            )
    return findings


def problems(findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if not f.ok and f.blocking]
