"""Guardrail as code: create or update the Bedrock guardrail from ``guardrail_policy.json``.

The local guardrail engine reads the same file, so what runs locally is what is deployed.
``bedrock-assets guardrail deploy`` prints the id and version to put in
``BEDROCK_ASSETS_GUARDRAIL_ID`` / ``BEDROCK_ASSETS_GUARDRAIL_VERSION``.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

# Keys of the policy file that are CreateGuardrail parameters (the rest is local-only).
_API_KEYS = (
    "name",
    "description",
    "topicPolicyConfig",
    "contentPolicyConfig",
    "wordPolicyConfig",
    "sensitiveInformationPolicyConfig",
    "contextualGroundingPolicyConfig",
    "blockedInputMessaging",
    "blockedOutputsMessaging",
)


@dataclass(frozen=True)
class Deployed:
    guardrail_id: str
    guardrail_arn: str
    version: str
    created: bool


def guardrail_params(policy: dict[str, Any]) -> dict[str, Any]:
    """The CreateGuardrail/UpdateGuardrail parameters the policy file describes."""
    return {k: policy[k] for k in _API_KEYS if k in policy}


def policy_digest(policy: dict[str, Any]) -> str:
    return hashlib.sha256(
        json.dumps(guardrail_params(policy), sort_keys=True).encode()
    ).hexdigest()[:16]


def find_by_name(client: Any, name: str) -> dict[str, Any] | None:
    kwargs: dict[str, Any] = {"maxResults": 100}
    while True:
        page = client.list_guardrails(**kwargs)
        for summary in page.get("guardrails", []):
            if summary.get("name") == name:
                return summary
        if not page.get("nextToken"):
            return None
        kwargs["nextToken"] = page["nextToken"]


def deploy(
    client: Any,
    policy: dict[str, Any],
    guardrail_id: str | None = None,
    tags: dict[str, str] | None = None,
) -> Deployed:
    """Create the guardrail (or update the one with this id or name) and publish a version."""
    params = guardrail_params(policy)
    digest = policy_digest(policy)
    existing_id = guardrail_id
    if existing_id is None:
        found = find_by_name(client, params["name"])
        existing_id = found["id"] if found else None
    if existing_id is None:
        created = client.create_guardrail(
            **params,
            clientRequestToken=f"bedrock-assets-{digest}",
            tags=[
                {"key": k, "value": v} for k, v in (tags or {"pipeline": "bedrock_assets"}).items()
            ],
        )
        gid, arn = created["guardrailId"], created["guardrailArn"]
    else:
        updated = client.update_guardrail(guardrailIdentifier=existing_id, **params)
        gid, arn = updated["guardrailId"], updated["guardrailArn"]
    version = client.create_guardrail_version(
        guardrailIdentifier=gid,
        description=f"bedrock_assets policy {digest}",
        clientRequestToken=f"bedrock-assets-{gid}-{digest}",
    )
    return Deployed(gid, arn, version["version"], created=existing_id is None)
