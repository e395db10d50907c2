"""Guardrail as code: create or update the Bedrock guardrail from ``guardrail/policy.json``.

The local guardrail engine reads the same file, so what runs locally is what is deployed.
``bedrock-assets guardrail deploy`` prints the id and version to put in
``BEDROCK_ASSETS_GUARDRAIL_ID`` / ``BEDROCK_ASSETS_GUARDRAIL_VERSION``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bedrock_assets.guardrail.policy import guardrail_params, policy_digest


@dataclass(frozen=True)
class Deployed:
    guardrail_id: str
    guardrail_arn: str
    version: str
    created: bool


def find_by_name(client: Any, name: str) -> dict[str, Any] | None:
    for page in client.get_paginator("list_guardrails").paginate(
        PaginationConfig={"PageSize": 100}
    ):
        for summary in page.get("guardrails", []):
            if summary.get("name") == name:
                return summary
    return None


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
