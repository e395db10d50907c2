"""A local guardrail answering ``ApplyGuardrail`` in Bedrock's response shape.

Driven by a guardrail policy file: the CreateGuardrail parameters as JSON (sensitive
information, denied topics, content and word filters, contextual grounding, blocked
messages), plus an optional ``localEngine`` section with what the managed service learns
rather than reads (topic keywords, a content lexicon, a profanity list).
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any

from bedrock_local.guardrail.grounding import grounding_score, relevance_score
from bedrock_local.guardrail.pii import detect_pii
from bedrock_local.validation import client_error

TEXT_UNIT_CHARS = 1000


def load_policy(path: str | Path) -> dict[str, Any]:
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


# A filter of strength S blocks content whose confidence is at least _BLOCKS_FROM[S].
_CONFIDENCE = {"NONE": 0, "LOW": 1, "MEDIUM": 2, "HIGH": 3}
_BLOCKS_FROM = {"NONE": 4, "LOW": 3, "MEDIUM": 2, "HIGH": 1}


def _has_phrase(text: str, phrase: str) -> bool:
    return re.search(rf"(?<![a-z]){re.escape(phrase)}(?![a-z])", text) is not None


def _units(chars: int) -> int:
    return math.ceil(chars / TEXT_UNIT_CHARS) if chars else 0


# ApplyGuardrail's limits on a grounded request, in text units, as Bedrock enforces them.
GROUNDING_SOURCE_MAX_UNITS = {"us-east-1": 100, "us-west-2": 100}
GROUNDING_SOURCE_MAX_UNITS_ELSEWHERE = 50
QUERY_MAX_UNITS = 1


def grounding_source_limit(region: str) -> int:
    return GROUNDING_SOURCE_MAX_UNITS.get(region, GROUNDING_SOURCE_MAX_UNITS_ELSEWHERE)


def check_grounding_limits(grounding: list[str], query: list[str], max_units: int) -> None:
    """Refuse what Bedrock refuses: a grounding source or query over its text-unit limit."""
    for name, texts, limit in (
        ("grounding source", grounding, max_units),
        ("query", query, QUERY_MAX_UNITS),
    ):
        units = _units(len("\n".join(texts)))
        if units > limit:
            raise client_error(
                "bedrock-runtime",
                "ValidationException",
                f"The {name} is {units} text units; the maximum is {limit} text units "
                f"({limit * TEXT_UNIT_CHARS} characters).",
                "ApplyGuardrail",
            )


class LocalGuardrail:
    """One guardrail, from its policy: ``apply`` answers a validated ApplyGuardrail request."""

    def __init__(self, policy: dict[str, Any], grounding_source_max_units: int = 100) -> None:
        self.policy = policy
        self.grounding_source_max_units = grounding_source_max_units
        sens = self.policy.get("sensitiveInformationPolicyConfig", {})
        self.pii_actions = {e["type"]: e["action"] for e in sens.get("piiEntitiesConfig", [])}
        self.regexes = [
            (r["name"], re.compile(r["pattern"]), r["action"])
            for r in sens.get("regexesConfig", [])
        ]
        self.topics = self.policy.get("topicPolicyConfig", {}).get("topicsConfig", [])
        self.topic_keywords = self.policy.get("localEngine", {}).get("topicKeywords", {})
        self.grounding = {
            f["type"]: f["threshold"]
            for f in self.policy.get("contextualGroundingPolicyConfig", {}).get("filtersConfig", [])
        }
        local = self.policy.get("localEngine", {})
        self.content_filters = {
            f["type"]: (f.get("inputStrength", "NONE"), f.get("outputStrength", "NONE"))
            for f in self.policy.get("contentPolicyConfig", {}).get("filtersConfig", [])
        }
        self.lexicon = local.get("contentLexicon", {})
        words = self.policy.get("wordPolicyConfig", {})
        self.custom_words = [w["text"] for w in words.get("wordsConfig", [])]
        self.profanity = (
            local.get("profanity", [])
            if any(m.get("type") == "PROFANITY" for m in words.get("managedWordListsConfig", []))
            else []
        )
        self.blocked_output = self.policy["blockedOutputsMessaging"]
        self.blocked_input = self.policy["blockedInputMessaging"]

    def apply(self, params: dict[str, Any]) -> dict[str, Any]:
        guard, grounding_src, query = [], [], []
        for block in params["content"]:
            if "text" not in block:
                raise client_error(
                    "bedrock-runtime",
                    "ValidationException",
                    "Only text content is supported.",
                    "ApplyGuardrail",
                )
            quals = block["text"].get("qualifiers") or ["guard_content"]
            text = block["text"]["text"]
            if "grounding_source" in quals:
                grounding_src.append(text)
            elif "query" in quals:
                query.append(text)
            else:
                guard.append(text)
        check_grounding_limits(grounding_src, query, self.grounding_source_max_units)
        text = "\n".join(guard)
        blocked = False
        intervened = False
        assessment: dict[str, Any] = {}

        # Sensitive information: mask from the end so offsets stay valid.
        entities, masked = [], text
        for span in reversed(detect_pii(text, set(self.pii_actions))):
            action = self.pii_actions[span.type]
            if action == "NONE":
                entities.append(
                    {
                        "match": text[span.start : span.end],
                        "type": span.type,
                        "action": "NONE",
                        "detected": True,
                    }
                )
                continue
            intervened = True
            entities.append(
                {
                    "match": text[span.start : span.end],
                    "type": span.type,
                    "action": "ANONYMIZED" if action == "ANONYMIZE" else "BLOCKED",
                    "detected": True,
                }
            )
            if action == "BLOCK":
                blocked = True
            masked = masked[: span.start] + "{" + span.type + "}" + masked[span.end :]
        regex_hits = []
        for name, pattern, action in self.regexes:
            for m in list(pattern.finditer(masked))[::-1]:
                intervened = True
                regex_hits.append(
                    {
                        "name": name,
                        "match": m.group(0),
                        "regex": pattern.pattern,
                        "action": "ANONYMIZED" if action == "ANONYMIZE" else "BLOCKED",
                        "detected": True,
                    }
                )
                if action == "BLOCK":
                    blocked = True
                masked = masked[: m.start()] + "{" + name + "}" + masked[m.end() :]
        if entities or regex_hits:
            assessment["sensitiveInformationPolicy"] = {
                "piiEntities": entities[::-1],
                "regexes": regex_hits[::-1],
            }

        # Denied topics.
        lowered = text.lower()
        topics = []
        for topic in self.topics:
            if any(k in lowered for k in self.topic_keywords.get(topic["name"], [])):
                topics.append(
                    {"name": topic["name"], "type": "DENY", "action": "BLOCKED", "detected": True}
                )
                blocked = intervened = True
        if topics:
            assessment["topicPolicy"] = {"topics": topics}

        # Content filters: the highest lexicon confidence per category against its strength.
        content = []
        for ftype, strengths in self.content_filters.items():
            strength = strengths[0 if params["source"] == "INPUT" else 1]
            confidence = "NONE"
            for level in ("HIGH", "MEDIUM", "LOW"):
                if any(term in lowered for term in self.lexicon.get(ftype, {}).get(level, [])):
                    confidence = level
                    break
            hit = _CONFIDENCE[confidence] >= _BLOCKS_FROM[strength] and confidence != "NONE"
            if confidence != "NONE":
                content.append(
                    {
                        "type": ftype,
                        "confidence": confidence,
                        "filterStrength": strength,
                        "action": "BLOCKED" if hit else "NONE",
                        "detected": hit,
                    }
                )
            if hit:
                blocked = intervened = True
        if content:
            assessment["contentPolicy"] = {"filters": content}

        # Word filters: custom words and the managed profanity list, whole words.
        custom = [
            {"match": w, "action": "BLOCKED", "detected": True}
            for w in self.custom_words
            if _has_phrase(lowered, w.lower())
        ]
        managed = [
            {"match": w, "type": "PROFANITY", "action": "BLOCKED", "detected": True}
            for w in self.profanity
            if _has_phrase(lowered, w)
        ]
        if custom or managed:
            assessment["wordPolicy"] = {"customWords": custom, "managedWordLists": managed}
            blocked = intervened = True

        # Contextual grounding (only with a grounding source, as in Bedrock).
        grounding_units = 0
        if self.grounding and grounding_src and params["source"] == "OUTPUT":
            source = "\n".join(grounding_src)
            filters = []
            scores = {
                "GROUNDING": grounding_score(text, source),
                "RELEVANCE": relevance_score(text, "\n".join(query), source),
            }
            for ftype, threshold in self.grounding.items():
                score = scores[ftype]
                hit = score < threshold
                filters.append(
                    {
                        "type": ftype,
                        "threshold": threshold,
                        "score": score,
                        "action": "BLOCKED" if hit else "NONE",
                        "detected": hit,
                    }
                )
                if hit:
                    blocked = intervened = True
            assessment["contextualGroundingPolicy"] = {"filters": filters}
            grounding_units = _units(len(text)) + _units(len(source)) + _units(len("".join(query)))

        units = _units(len(text))
        message = self.blocked_output if params["source"] == "OUTPUT" else self.blocked_input
        output_text = message if blocked else masked
        full = params.get("outputScope") == "FULL"
        return {
            "usage": {
                "topicPolicyUnits": units if self.topics else 0,
                "contentPolicyUnits": units if self.content_filters else 0,
                "wordPolicyUnits": units if self.custom_words or self.profanity else 0,
                "sensitiveInformationPolicyUnits": units if self.pii_actions else 0,
                "sensitiveInformationPolicyFreeUnits": 0,
                "contextualGroundingPolicyUnits": grounding_units,
            },
            "action": "GUARDRAIL_INTERVENED" if intervened else "NONE",
            "actionReason": "Guardrail blocked."
            if blocked
            else ("Guardrail masked." if intervened else "No action."),
            "outputs": [{"text": output_text}] if intervened or full else [],
            "assessments": [assessment] if assessment or full else [],
            "guardrailCoverage": {"textCharacters": {"guarded": len(text), "total": len(text)}},
            "ResponseMetadata": {"HTTPStatusCode": 200},
        }
