"""A generated, versioned system card (AWS Responsible Use of AI guide).

What defines the system (model, invocation, prompt, guardrail and its policy) sets the card's
version; the day's numbers and, where the local engines stand in for the managed service,
their evaluations are shown but do not change it.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from bedrock_assets.markdown import md_table
from bedrock_assets.prompting.flags import flag_names
from bedrock_assets.prompting.model_families import RequestSpec
from bedrock_assets.state.layout import StoreLayout
from bedrock_assets.state.objects import ObjectStore
from bedrock_assets.state.tables import read_table


@dataclass(frozen=True)
class SystemDescription:
    """What the card describes: the request, the guardrail, and the backend serving them."""

    request: RequestSpec
    guardrail_id: str
    guardrail_version: str
    local_backend: bool
    local_model_name: str = ""


def day_figures(store: ObjectStore, layout: StoreLayout, call_date: str) -> dict[str, Any]:
    """The day's numbers for the card, from its guarded summaries and review queue."""
    guarded = read_table(
        store,
        layout.table("guarded_summaries", call_date),
        columns=["guardrail_action", "grounding_score", "behavior_flags"],
    ).to_pylist()
    queue = read_table(
        store, layout.table("summary_review_queue", call_date), columns=["record_id"]
    ).num_rows
    scores = sorted(g["grounding_score"] for g in guarded if g["grounding_score"] is not None)
    return {
        "call_date": call_date,
        "summaries": len(guarded),
        "guardrail interventions": sum(
            g["guardrail_action"] == "GUARDRAIL_INTERVENED" for g in guarded
        ),
        "model-flagged calls": sum(bool(flag_names(g["behavior_flags"])) for g in guarded),
        "review queue": queue,
        "grounding score, mean": round(sum(scores) / len(scores), 3) if scores else "n/a",
        "grounding score, 5th percentile": scores[len(scores) // 20] if scores else "n/a",
    }


def _grounding_table(grounding: dict[str, Any]) -> list[str]:
    """One column per split when several were measured, else the one split's measures."""
    splits = {k: v for k, v in grounding.items() if isinstance(v, dict)}
    if not splits:
        return [md_table(["measure", "value"], list(grounding.items()))]
    measures = list(dict.fromkeys(m for v in splits.values() for m in v if m != "split"))
    rows = [(m, *(v.get(m, "") for v in splits.values())) for m in measures]
    return [md_table(["measure", *splits], rows)]


def _evaluation_sections(evaluation: dict[str, Any] | None) -> list[str]:
    if evaluation is None:
        return [
            "## Evaluations",
            "The managed Bedrock Guardrails service masks PII and scores grounding; the local "
            "engines' evaluations do not apply to it.",
        ]
    return [
        "## Evaluation of the local grounding check",
        "Independent hand-written set (`bedrock_local/evaluation/data`): faithful abstractive "
        "summaries of real corpus calls, and copies of each with one fact changed (an amount, "
        "date, product, outcome, promise, person, a contradiction built from the call's own "
        "words, or an invented detail). A summary is flagged when its score is below the "
        "threshold; AUC is threshold-free. The scorer's weights and the threshold were fitted "
        "on dev, test (40 pairs each), holdout and holdout2 (48 pairs each, other authors and "
        "phrasing; each was held out from an earlier engine, scored once, then fitted on); "
        "holdout3, written after this scorer was frozen, is the held-out figure (not measured "
        "where the copy lacks it). With 40-48 pairs each rate is uncertain by roughly ten points.",
        *_grounding_table(evaluation["grounding"]),
        "",
        "## Evaluation of local PII masking",
        f"Hand-written labelled set ({evaluation['pii'].get('split', 'dev')} split): natural "
        "call-center sentences written without reading the detectors, multicultural names, "
        "international addresses and formats, and hard negatives (ticket, order, version and "
        "tracking numbers, places and products). Raw survives: the labelled value still in "
        "the masked text. Each split, by a different author, was scored once held out before the "
        "engine was tuned on it; held out, each new author's phrasing cost 4-9 points of recall "
        "(README, Responsible AI): expect lower recall on phrasing unlike these sets.",
        md_table(
            ["type", "labelled", "precision", "recall", "fully masked", "raw survives"],
            [
                (
                    t,
                    m["labelled"],
                    m["precision"],
                    m["recall"],
                    m["fully_masked"],
                    m["raw_survives"],
                )
                for t, m in evaluation["pii"]["types"].items()
            ],
        ),
        "",
        md_table(
            ["overall", "value"],
            [
                (k, evaluation["pii"]["overall"][k])
                for k in (
                    "recall",
                    "precision",
                    "fully_masked",
                    "raw_survives",
                    "false_positive_rate",
                )
            ],
        ),
    ]


def render_system_card(
    system: SystemDescription,
    policy: dict[str, Any],
    day: dict[str, Any],
    evaluation: dict[str, Any] | None = None,
) -> tuple[str, str]:
    """``(version, markdown)``."""
    request, prompt = system.request, system.request.prompt
    sens = policy.get("sensitiveInformationPolicyConfig", {})
    grounding = {
        f["type"]: f["threshold"]
        for f in policy.get("contextualGroundingPolicyConfig", {}).get("filtersConfig", [])
    }
    defining = json.dumps(
        {
            "model": request.model_id,
            "invocation": request.invocation_type,
            "prompt": prompt.version,
            "policy": policy,
            "guardrail": [system.guardrail_id, system.guardrail_version],
        },
        sort_keys=True,
    )
    version = hashlib.sha256(defining.encode()).hexdigest()[:12]
    local = system.local_backend
    pii = ", ".join(
        f"{e['type']} ({e['action'].lower()})" for e in sens.get("piiEntitiesConfig", [])
    )
    topics = (
        ", ".join(t["name"] for t in policy.get("topicPolicyConfig", {}).get("topicsConfig", []))
        or "none"
    )
    lines = [
        f"# System card: call-center summaries (version {version})",
        "",
        "## Purpose",
        "Summaries of call-center transcripts for quality and coaching teams, produced with "
        "Amazon Bedrock batch inference and checked by a guardrail before anyone reads them.",
        "",
        "## Model",
        f"- Model: `{request.model_id}` ({request.family} request format, "
        f"`{request.invocation_type}`), max tokens {request.max_tokens}, "
        f"temperature {request.temperature}.",
        (
            f"- Backend: the embedded local engine. Its model is `{system.local_model_name}`, "
            "an extractive summarizer, not an LLM."
            if local
            else "- Backend: Amazon Bedrock."
        ),
        "",
        "## Prompt",
        f"- Version `{prompt.version}` with {len(prompt.guidelines)} responsible guidelines: "
        + ", ".join(prompt.guidelines)
        + ".",
        "- The model is asked to flag threats, self-harm, discrimination and fraud attempts on "
        "a fixed `FLAGS:` line; flagged calls go to the review queue.",
        "",
        "## Guardrail",
        f"- `{system.guardrail_id}` version `{system.guardrail_version}`"
        + (" (the local guardrail engine, driven by the same policy file)." if local else "."),
        f"- Sensitive information: {pii}.",
        f"- Denied topics: {topics}.",
        f"- Contextual grounding threshold {grounding.get('GROUNDING')}, relevance threshold "
        f"{grounding.get('RELEVANCE')}.",
        "",
        f"## This day ({day['call_date']})",
        md_table(["measure", "value"], [(k, v) for k, v in day.items() if k != "call_date"]),
        "",
        *_evaluation_sections(evaluation),
        "",
        "## Known limitations",
        "- The guardrail masks PII in summaries; an independent second scan (its own patterns "
        "and spaCy's NER, not the guardrail's recognizers) checks each guarded summary for "
        "names, e-mails, phones, cards, SSNs, IPv4/IPv6, URLs, addresses, credentials, ages and "
        "ID numbers; it caught 91% of labelled values leaked one at a time, so it is a net, "
        "not a proof.",
        "- Local PII masking (Presidio with spaCy's small English model) is measured on a few "
        "hundred hand-written English sentences; names spaCy does not know and no cue "
        "introduces, credentials without a cue word, and formats outside the set can pass. "
        "Transcripts in other languages are not evaluated.",
        "- The local grounding check is lexical (stems, synonyms, spelled numbers, graded fact, "
        "negation, refusal and actor features weighed by a logistic model fitted on dev and "
        "test), not a language model. On the held-out split it flags most tampered summaries "
        "but passes few faithful ones at the policy threshold: a faithful sentence worded in "
        "words the call never uses loses points, and a contradiction made of the call's own "
        "words (which offered option was chosen, whether an exception was made) can pass.",
        "- Summaries of transcripts in languages other than English are not evaluated.",
        "- Flags depend on the model following the format; a missing line is queued for review.",
        "",
        "## Human review",
        "Blocked, ungrounded and flagged summaries are exported daily to "
        "`exports/review_queue/<date>.csv`; reviewers follow the links to the record.",
    ]
    return version, "\n".join(lines) + "\n"
