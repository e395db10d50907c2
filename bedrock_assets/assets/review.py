"""summary_review_queue and system_card: what people review, and what the pipeline discloses."""

import csv
import hashlib
import io
import json
from collections import Counter

import pyarrow as pa
from dagster import AssetExecutionContext, MaterializeResult, MetadataValue, asset

from bedrock_assets.assets.common import GROUP, md_table, table
from bedrock_assets.assets.guarded import guarded_summaries
from bedrock_assets.assets.metrics import token_usage_metrics
from bedrock_assets.core.grounding_eval import grounding_evaluation
from bedrock_assets.core.model_families import family_of
from bedrock_assets.core.pii_eval import pii_evaluation
from bedrock_assets.core.prompt import load_prompt
from bedrock_assets.core.tables import iter_rows, read_table, write_arrow
from bedrock_assets.local.guardrail_engine import grounding_threshold, load_policy
from bedrock_assets.partitions import daily_partitions
from bedrock_assets.resources import ObjectStoreResource
from bedrock_assets.settings import get_settings

REVIEW_COLUMNS = [
    "call_date",
    "record_id",
    "transcript_id",
    "shard_id",
    "job_arn",
    "reasons",
    "guardrail_action",
    "intervened_policies",
    "grounding_score",
    "behavior_flags",
    "guarded_summary",
    "source_tables",
]
BLOCKING = ("topicPolicy", "contentPolicy", "wordPolicy", "contextualGroundingPolicy")


def review_reasons(row: dict, grounding_threshold: float | None) -> list[str]:
    """Why a guarded summary needs a person: blocked, ungrounded, or flagged by the model."""
    reasons = [
        f"guardrail_blocked:{p}"
        for p in (row["intervened_policies"] or "").split(",")
        if p in BLOCKING
    ]
    score = row["grounding_score"]
    if (
        grounding_threshold is not None
        and score is not None
        and score < grounding_threshold
        and "guardrail_blocked:contextualGroundingPolicy" not in reasons
    ):
        reasons.append("failed_grounding")
    flags = row["behavior_flags"] or "not_reported"
    if flags == "not_reported":
        reasons.append("flags_not_reported")
    elif flags != "none":
        reasons += [f"model_flag:{f}" for f in flags.split(",")]
    return reasons


@asset(
    partitions_def=daily_partitions,
    group_name=GROUP,
    deps=[guarded_summaries],
    kinds={"parquet", "csv"},
    description=(
        "Every summary a person should look at: blocked by the guardrail (denied topic, "
        "content or word filter, grounding), below the grounding threshold, or flagged by the "
        "model (threat, self-harm, discrimination, fraud attempt). With the reasons and links "
        "back to the record, exported as parquet and CSV for reviewers."
    ),
)
def summary_review_queue(
    context: AssetExecutionContext, object_store: ObjectStoreResource
) -> MaterializeResult:
    settings = get_settings()
    store = object_store.get_store()
    call_date = context.partition_key
    threshold = grounding_threshold()
    sources = json.dumps(
        {
            name: table(settings, name, call_date)
            for name in ("transcripts", "batch_outputs", "guarded_summaries")
        }
    )
    rows, counts = [], Counter()
    for row in iter_rows(store, table(settings, "guarded_summaries", call_date)):
        reasons = review_reasons(row, threshold)
        if reasons:
            counts.update(r.split(":")[0] for r in reasons)
            rows.append(
                {
                    **{k: row.get(k) for k in REVIEW_COLUMNS},
                    "reasons": ",".join(reasons),
                    "source_tables": sources,
                }
            )
    data = pa.Table.from_pylist(
        rows,
        schema=pa.schema(
            [(c, pa.float64() if c == "grounding_score" else pa.string()) for c in REVIEW_COLUMNS]
        ),
    )
    parquet_uri = table(settings, "summary_review_queue", call_date)
    write_arrow(store, parquet_uri, data)
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=REVIEW_COLUMNS)
    writer.writeheader()
    writer.writerows(rows)
    csv_uri = settings.s3_uri("exports", "review_queue", f"{call_date}.csv")
    store.put_bytes(csv_uri, buf.getvalue().encode())
    context.log.info(f"{call_date}: {len(rows)} summaries queued for review {dict(counts)}")
    return MaterializeResult(
        metadata={
            "queue_size": len(rows),
            "by_reason": MetadataValue.md(
                md_table(["reason", "summaries"], sorted(counts.items())) if counts else "none"
            ),
            "parquet": parquet_uri,
            "csv": csv_uri,
        }
    )


def render_system_card(settings, prompt, policy: dict, day: dict) -> tuple[str, str]:
    """(version, markdown): the version covers what defines the system, not the day's numbers."""
    sens = policy.get("sensitiveInformationPolicyConfig", {})
    grounding = {
        f["type"]: f["threshold"]
        for f in policy.get("contextualGroundingPolicyConfig", {}).get("filtersConfig", [])
    }
    defining = json.dumps(
        {
            "model": settings.model_id,
            "invocation": settings.model_invocation_type,
            "prompt": prompt.version,
            "policy": policy,
            "guardrail": [settings.guardrail_id, settings.guardrail_version],
        },
        sort_keys=True,
    )
    version = hashlib.sha256(defining.encode()).hexdigest()[:12]
    local = settings.backend == "local"
    family = family_of(settings.model_id, settings.model_invocation_type)
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
        f"- Model: `{settings.model_id}` ({family} request format, "
        f"`{settings.model_invocation_type}`), max tokens {settings.max_tokens}, "
        f"temperature {settings.temperature}.",
        (
            "- Backend: the embedded local engine. Its model is `local-extractive-summarizer-v1`, "
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
        f"- `{settings.guardrail_id}` version `{settings.guardrail_version}`"
        + (" (the local guardrail engine, driven by the same policy file)." if local else "."),
        f"- Sensitive information: {pii}.",
        f"- Denied topics: {topics}.",
        f"- Contextual grounding threshold {grounding.get('GROUNDING')}, relevance threshold "
        f"{grounding.get('RELEVANCE')}.",
        "",
        f"## This day ({day['call_date']})",
        md_table(["measure", "value"], [(k, v) for k, v in day.items() if k != "call_date"]),
        "",
        "## Evaluation of the grounding check",
        "Generated, labelled set: faithful summaries of synthetic calls and tampered copies "
        "that each invent one amount, date, order number, product or name.",
        md_table(["measure", "value"], sorted(grounding_evaluation().items())),
        "",
        "## Evaluation of PII masking",
        "Generated, labelled set: one planted entity per sentence for every configured type, "
        "and sentences of non-PII numbers.",
        md_table(
            ["type", "precision", "recall"],
            [(t, m["precision"], m["recall"]) for t, m in pii_evaluation().items()],
        ),
        "",
        "## Known limitations",
        "- The guardrail masks PII in summaries; an independent scan checks emails, phone, "
        "card, SSN and IP numbers, not names or addresses.",
        "- The local PII and grounding evaluations are generated from templates in the same "
        "call-center phrasing the detectors expect; they show the floors hold, not how the "
        'detectors do on unseen phrasing. Names are found by context ("my name is", titles) '
        "and a given-name list.",
        "- Grounding is scored on word overlap with the transcript, sentence by sentence; the "
        "evaluation's faithful summaries are extractive, so paraphrases are not measured and "
        "can score low, and an invention that reuses the transcript's own words can pass.",
        "- Summaries of transcripts in languages other than English are not evaluated.",
        "- Flags depend on the model following the format; a missing line is queued for review.",
        "",
        "## Human review",
        "Blocked, ungrounded and flagged summaries are exported daily to "
        "`exports/review_queue/<date>.csv`; reviewers follow the links to the record.",
    ]
    return version, "\n".join(lines) + "\n"


@asset(
    partitions_def=daily_partitions,
    group_name=GROUP,
    deps=[token_usage_metrics, summary_review_queue],
    kinds={"markdown"},
    description=(
        "A generated, versioned system card (AWS Responsible Use of AI guide): model, prompt "
        "version and guidelines, guardrail policy and thresholds, the day's evaluation "
        "numbers and known limitations. Shown here and written next to the day's outputs."
    ),
)
def system_card(
    context: AssetExecutionContext, object_store: ObjectStoreResource
) -> MaterializeResult:
    settings = get_settings()
    store = object_store.get_store()
    call_date = context.partition_key
    guarded = read_table(
        store,
        table(settings, "guarded_summaries", call_date),
        columns=["guardrail_action", "grounding_score", "behavior_flags"],
    ).to_pylist()
    queue = read_table(
        store, table(settings, "summary_review_queue", call_date), columns=["record_id"]
    ).num_rows
    scores = sorted(g["grounding_score"] for g in guarded if g["grounding_score"] is not None)
    day = {
        "call_date": call_date,
        "summaries": len(guarded),
        "guardrail interventions": sum(
            g["guardrail_action"] == "GUARDRAIL_INTERVENED" for g in guarded
        ),
        "model-flagged calls": sum(
            (g["behavior_flags"] or "none") not in ("none", "not_reported") for g in guarded
        ),
        "review queue": queue,
        "grounding score, mean": round(sum(scores) / len(scores), 3) if scores else "n/a",
        "grounding score, 5th percentile": scores[len(scores) // 20] if scores else "n/a",
    }
    prompt = load_prompt(settings.guidelines)
    version, card = render_system_card(settings, prompt, load_policy(), day)
    uri = settings.s3_uri(settings.output_prefix, call_date, "SYSTEM_CARD.md")
    store.put_bytes(uri, card.encode())
    return MaterializeResult(
        metadata={"card": MetadataValue.md(card), "card_version": version, "path": uri}
    )
