"""The guardrail as code: ``policy.json`` holds the CreateGuardrail parameters (plus what a
local engine needs to stand in for the managed service), read by ``guardrail deploy``, the
review queue's thresholds and the system card, and handed to the local engine as a file."""

from __future__ import annotations

import functools
import hashlib
import json
from importlib import resources
from pathlib import Path
from typing import Any

# Keys of the policy file that are CreateGuardrail parameters (the rest is local-only).
API_KEYS = (
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


def default_policy_path() -> Path:
    """The packaged policy file (a real file: the local engine reads it by path)."""
    return Path(str(resources.files("bedrock_assets.guardrail").joinpath("policy.json")))


@functools.lru_cache(maxsize=4)
def load_policy(path: str | None = None) -> dict[str, Any]:
    """The guardrail policy (the package's ``policy.json`` unless a path is given)."""
    with open(path or default_policy_path(), encoding="utf-8") as fh:
        return json.load(fh)


def grounding_threshold(policy: dict[str, Any] | None = None) -> float | None:
    """The policy's contextual-grounding threshold (None when the filter is off)."""
    policy = policy or load_policy()
    filters = policy.get("contextualGroundingPolicyConfig", {}).get("filtersConfig", [])
    return next((f["threshold"] for f in filters if f["type"] == "GROUNDING"), None)


# Policy sections of the file -> the ApplyGuardrail usage key (and quota) each one draws on.
POLICY_USAGE_KEYS = {
    "contentPolicyConfig": "contentPolicyUnits",
    "topicPolicyConfig": "topicPolicyUnits",
    "sensitiveInformationPolicyConfig": "sensitiveInformationPolicyUnits",
    "wordPolicyConfig": "wordPolicyUnits",
    "contextualGroundingPolicyConfig": "contextualGroundingPolicyUnits",
}


def configured_policies(policy: dict[str, Any]) -> tuple[str, ...]:
    """The usage keys of the policies the guardrail has (each has its own text-unit quota)."""
    return tuple(key for section, key in POLICY_USAGE_KEYS.items() if policy.get(section))


def guardrail_params(policy: dict[str, Any]) -> dict[str, Any]:
    """The CreateGuardrail/UpdateGuardrail parameters the policy file describes."""
    return {k: policy[k] for k in API_KEYS if k in policy}


def policy_digest(policy: dict[str, Any]) -> str:
    return hashlib.sha256(
        json.dumps(guardrail_params(policy), sort_keys=True).encode()
    ).hexdigest()[:16]
