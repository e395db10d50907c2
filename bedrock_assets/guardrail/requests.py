"""Apply the guardrail to one summary and keep only what is safe to store.

The ``match`` values of the assessments (the raw PII) are read to count and type the
entities and then dropped: they never reach a table, a log or Dagster metadata.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bedrock_assets.guardrail.quotas import text_units
from bedrock_assets.prompting.prompt import SUMMARY_QUERY


@dataclass(frozen=True)
class GuardResult:
    guarded_summary: str
    action: str
    intervened_policies: tuple[str, ...]
    pii_types: tuple[str, ...]
    pii_count: int
    grounding_score: float | None
    relevance_score: float | None
    text_units: int
    units_by_policy: tuple[tuple[str, int], ...] = ()


def guardrail_request(
    summary: str, transcript: str, guardrail_id: str, guardrail_version: str
) -> dict[str, Any]:
    """ApplyGuardrail on the model's output, grounded in the transcript it summarizes."""
    return {
        "guardrailIdentifier": guardrail_id,
        "guardrailVersion": guardrail_version,
        "source": "OUTPUT",
        "content": [
            {"text": {"text": transcript, "qualifiers": ["grounding_source"]}},
            {"text": {"text": SUMMARY_QUERY, "qualifiers": ["query"]}},
            {"text": {"text": summary, "qualifiers": ["guard_content"]}},
        ],
    }


def request_units(request: dict[str, Any], policies: tuple[str, ...]) -> dict[str, int]:
    """Text units the request costs per configured policy (usage key), as Bedrock counts them:
    every policy reads the guarded content; contextual grounding also reads the grounding
    source and the query, and only on OUTPUT."""
    chars = {"guard_content": 0, "grounding_source": 0, "query": 0}
    for block in request["content"]:
        text = block.get("text") or {}
        qualifier = (text.get("qualifiers") or ["guard_content"])[0]
        chars[qualifier] = chars.get(qualifier, 0) + len(text.get("text", ""))
    guard = text_units(chars["guard_content"])
    units = {p: guard for p in policies if p != "contextualGroundingPolicyUnits"}
    if "contextualGroundingPolicyUnits" in policies and request.get("source") == "OUTPUT":
        if chars["grounding_source"]:
            units["contextualGroundingPolicyUnits"] = (
                guard + text_units(chars["grounding_source"]) + text_units(chars["query"])
            )
    return units


def interpret(summary: str, response: dict[str, Any]) -> GuardResult:
    """Reduce an ApplyGuardrail response to what the summaries table stores (no raw matches)."""
    policies: list[str] = []
    pii_types: list[str] = []
    pii_count = 0
    grounding = relevance = None
    for assessment in response.get("assessments", []):
        sens = assessment.get("sensitiveInformationPolicy")
        if sens:
            acted = [e for e in sens.get("piiEntities", []) if e.get("action") != "NONE"]
            acted += [r for r in sens.get("regexes", []) if r.get("action") != "NONE"]
            if acted:
                policies.append("sensitiveInformationPolicy")
            pii_count += len(acted)
            pii_types.extend(e.get("type") or e.get("name", "REGEX") for e in acted)
        if any(
            t.get("action") == "BLOCKED"
            for t in (assessment.get("topicPolicy") or {}).get("topics", [])
        ):
            policies.append("topicPolicy")
        if any(
            f.get("action") == "BLOCKED"
            for f in (assessment.get("contentPolicy") or {}).get("filters", [])
        ):
            policies.append("contentPolicy")
        word = assessment.get("wordPolicy") or {}
        if any(
            w.get("action") == "BLOCKED"
            for w in word.get("customWords", []) + word.get("managedWordLists", [])
        ):
            policies.append("wordPolicy")
        for f in (assessment.get("contextualGroundingPolicy") or {}).get("filters", []):
            if f.get("type") == "GROUNDING":
                grounding = float(f["score"])
            elif f.get("type") == "RELEVANCE":
                relevance = float(f["score"])
            if f.get("action") == "BLOCKED" and "contextualGroundingPolicy" not in policies:
                policies.append("contextualGroundingPolicy")
    action = response.get("action", "NONE")
    outputs = response.get("outputs") or []
    guarded = (
        outputs[0].get("text", summary) if action == "GUARDRAIL_INTERVENED" and outputs else summary
    )
    usage = response.get("usage", {})
    return GuardResult(
        guarded_summary=guarded,
        action=action,
        intervened_policies=tuple(dict.fromkeys(policies)),
        pii_types=tuple(sorted(set(pii_types))),
        pii_count=pii_count,
        grounding_score=grounding,
        relevance_score=relevance,
        text_units=sum(v for k, v in usage.items() if k.endswith("Units") and isinstance(v, int)),
        units_by_policy=tuple(
            (k, v) for k, v in sorted(usage.items()) if k.endswith("Units") and isinstance(v, int)
        ),
    )
