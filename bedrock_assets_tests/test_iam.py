"""The shipped IAM documents are valid and cover exactly the calls the code makes."""

import json
from pathlib import Path

import pytest

IAM = Path(__file__).resolve().parents[1] / "iam"

# boto3 method -> IAM action, for every AWS call the runtime role's code makes.
RUNTIME_CALLS = {
    "create_model_invocation_job": "bedrock:CreateModelInvocationJob",
    "get_model_invocation_job": "bedrock:GetModelInvocationJob",
    "list_model_invocation_jobs": "bedrock:ListModelInvocationJobs",
    "stop_model_invocation_job": "bedrock:StopModelInvocationJob",
    "apply_guardrail": "bedrock:ApplyGuardrail",
    "invoke_model": "bedrock:InvokeModel",
    "list_service_quotas": "servicequotas:ListServiceQuotas",
    "put_object": "s3:PutObject",
    "get_object": "s3:GetObject",
    "list_objects_v2": "s3:ListBucket",
    "delete_objects": "s3:DeleteObject",
    "delete_object": "s3:DeleteObject",
    "head_bucket": "s3:ListBucket",
    "get_foundation_model_availability": "bedrock:GetFoundationModelAvailability",
    "get_inference_profile": "bedrock:GetInferenceProfile",
    "get_guardrail": "bedrock:GetGuardrail",
    "get_role": "iam:GetRole",
    "simulate_principal_policy": "iam:SimulatePrincipalPolicy",
}


def actions(doc: dict) -> set[str]:
    out: set[str] = set()
    for statement in doc["Statement"]:
        acts = statement["Action"]
        out.update([acts] if isinstance(acts, str) else acts)
    return out


@pytest.mark.parametrize("name", sorted(p.name for p in IAM.glob("*.json")))
def test_documents_are_valid_policies(name: str) -> None:
    doc = json.loads((IAM / name).read_text())
    assert doc["Version"] == "2012-10-17"
    for statement in doc["Statement"]:
        assert statement["Effect"] == "Allow" and statement["Sid"]
        assert "*" not in (
            statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        )


def test_runtime_policy_allows_every_call_and_passes_only_the_service_role() -> None:
    doc = json.loads((IAM / "dagster-runtime-policy.json").read_text())
    assert set(RUNTIME_CALLS.values()) <= actions(doc)
    passrole = next(s for s in doc["Statement"] if s["Action"] == "iam:PassRole")
    assert passrole["Resource"].endswith(":role/${SERVICE_ROLE_NAME}")
    assert passrole["Condition"]["StringEquals"]["iam:PassedToService"] == "bedrock.amazonaws.com"


def test_every_listed_call_is_really_made_by_the_code() -> None:
    source = "\n".join(p.read_text() for p in (IAM.parent / "bedrock_assets").rglob("*.py"))
    for method in RUNTIME_CALLS:
        assert f".{method}(" in source or f'"{method}"' in source, method


def test_service_role_trust_has_confused_deputy_conditions() -> None:
    doc = json.loads((IAM / "batch-service-role-trust-policy.json").read_text())
    condition = doc["Statement"][0]["Condition"]
    assert condition["StringEquals"]["aws:SourceAccount"] == "${ACCOUNT_ID}"
    assert ":model-invocation-job/" in condition["ArnLike"]["aws:SourceArn"]
    assert doc["Statement"][0]["Principal"] == {"Service": "bedrock.amazonaws.com"}


def test_model_ids_in_every_form_are_covered() -> None:
    """Cross-Region inference profiles route to foundation models in several Regions, and
    ListModelInvocationJobs has no resource-level permissions."""
    doc = json.loads((IAM / "dagster-runtime-policy.json").read_text())

    def resources(action: str) -> set[str]:
        found: set[str] = set()
        for s in doc["Statement"]:
            acts = [s["Action"]] if isinstance(s["Action"], str) else s["Action"]
            if action in acts:
                found |= {s["Resource"]} if isinstance(s["Resource"], str) else set(s["Resource"])
        return found

    assert resources("bedrock:ListModelInvocationJobs") == {"*"}
    for action in ("bedrock:CreateModelInvocationJob", "bedrock:InvokeModel"):
        assert "arn:aws:bedrock:*::foundation-model/*" in resources(action)
        assert "arn:aws:bedrock:*:${ACCOUNT_ID}:inference-profile/*" in resources(action)
