"""guarded_summaries: ApplyGuardrail on every summary (PII, denied topics, grounding)."""

from collections import Counter
from collections.abc import Iterator

from dagster import (
    AssetCheckResult,
    AssetCheckSpec,
    AssetExecutionContext,
    MaterializeResult,
    MetadataValue,
    asset,
)

from bedrock_assets.assets.common import GROUP, md_table, table
from bedrock_assets.assets.outputs import batch_job_outputs
from bedrock_assets.core.crash import crashpoint
from bedrock_assets.core.grounding_eval import grounding_evaluation
from bedrock_assets.core.guard_calls import RateLimiter, apply_all
from bedrock_assets.core.guarding import guardrail_request, interpret
from bedrock_assets.core.pii_eval import pii_evaluation
from bedrock_assets.core.pii_scan import scan
from bedrock_assets.core.tables import GUARDED, POLICY_UNIT_COLUMNS, TableWriter, iter_rows
from bedrock_assets.partitions import daily_partitions
from bedrock_assets.resources import BedrockRuntimeResource, LedgerResource, ObjectStoreResource
from bedrock_assets.settings import get_settings


@asset(
    check_specs=[
        AssetCheckSpec(
            "no_residual_pii",
            asset="guarded_summaries",
            description="An independent scan (not the guardrail's detectors) finds no email, "
            "phone, card, SSN or IP number left in any guarded summary.",
        )
    ],
    partitions_def=daily_partitions,
    group_name=GROUP,
    deps=[batch_job_outputs],
    kinds={"bedrock", "parquet"},
    description=(
        "Every successful summary after Bedrock Guardrails (ApplyGuardrail, source OUTPUT, "
        "the transcript as grounding source): the guarded text with PII masked as {TYPE}, the "
        "action, and which policies intervened. Raw PII matches are never stored."
    ),
)
def guarded_summaries(
    context: AssetExecutionContext,
    object_store: ObjectStoreResource,
    bedrock_runtime: BedrockRuntimeResource,
    ledger: LedgerResource,
) -> MaterializeResult:
    settings = get_settings()
    store = object_store.get_store()
    client = bedrock_runtime.get_client()
    call_date = context.partition_key
    prompt_versions = {
        s.shard_id: s.prompt_version for s in ledger.get_ledger().shards_for_date(call_date)
    }
    actions: Counter[str] = Counter()
    policies: Counter[str] = Counter()
    pii: Counter[str] = Counter()
    flagged: Counter[str] = Counter()
    residual: Counter[str] = Counter()
    residual_records: list[str] = []
    units = 0
    limiter = RateLimiter(settings.guardrail_rate)

    def requests() -> Iterator[tuple[dict, dict]]:
        for row in iter_rows(store, table(settings, "batch_outputs", call_date)):
            if row["status"] == "success":
                yield (
                    row,
                    guardrail_request(
                        row["summary"] or "",
                        row["grounding_source"] or "",
                        settings.guardrail_id,
                        settings.guardrail_version,
                    ),
                )

    with TableWriter(store, table(settings, "guarded_summaries", call_date), GUARDED) as out:
        for row, response in apply_all(
            client,
            requests(),
            limiter,
            concurrency=settings.guardrail_concurrency,
            attempts=settings.guardrail_max_attempts,
        ):
            result = interpret(row["summary"] or "", response)
            actions[result.action] += 1
            policies.update(result.intervened_policies)
            pii.update(result.pii_types)
            flagged.update(
                f
                for f in (row["behavior_flags"] or "").split(",")
                if f and f not in ("none", "not_reported")
            )
            units += result.text_units
            per_policy = dict(result.units_by_policy)
            leftovers = scan(result.guarded_summary)
            if leftovers:
                residual.update(leftovers)
                residual_records.append(row["record_id"])
            out.write(
                {
                    "call_date": call_date,
                    "record_id": row["record_id"],
                    "transcript_id": row["transcript_id"],
                    "shard_id": row["shard_id"],
                    "job_arn": row["job_arn"],
                    "guarded_summary": result.guarded_summary,
                    "behavior_flags": row["behavior_flags"],
                    "guardrail_action": result.action,
                    "intervened_policies": ",".join(result.intervened_policies),
                    "pii_types": ",".join(result.pii_types),
                    "pii_count": result.pii_count,
                    "grounding_score": result.grounding_score,
                    "relevance_score": result.relevance_score,
                    "text_units": result.text_units,
                    **{col: per_policy.get(key, 0) for key, col in POLICY_UNIT_COLUMNS.items()},
                    "guardrail_id": settings.guardrail_id,
                    "guardrail_version": settings.guardrail_version,
                    "prompt_version": prompt_versions.get(row["shard_id"], ""),
                }
            )
        crashpoint("guard_before_write")
    context.log.info(
        f"{call_date}: {out.count} summaries guarded, "
        f"{actions['GUARDRAIL_INTERVENED']} interventions"
    )
    check = AssetCheckResult(
        check_name="no_residual_pii",
        passed=not residual,
        metadata={
            "residual_by_type": dict(residual),
            "records": ", ".join(residual_records[:20]) or "none",
        },
    )
    return MaterializeResult(
        check_results=[check],
        metadata={
            "summaries": out.count,
            "interventions": actions["GUARDRAIL_INTERVENED"],
            "blocked_by_topic": policies["topicPolicy"],
            "blocked_by_grounding": policies["contextualGroundingPolicy"],
            "pii_masked_summaries": policies["sensitiveInformationPolicy"],
            "guardrail_text_units": units,
            **{f"grounding_eval_{k}": v for k, v in grounding_evaluation().items()},
            "pii_eval_min_recall": min(m["recall"] for m in pii_evaluation().values()),
            "pii_eval_min_precision": min(m["precision"] for m in pii_evaluation().values()),
            "model_flagged": sum(flagged.values()),
            "model_flags": dict(flagged),
            "pii_types_masked": MetadataValue.md(
                md_table(["type", "summaries"], sorted(pii.items())) if pii else "none"
            ),
            "guardrail": f"{settings.guardrail_id}:{settings.guardrail_version}",
            "summaries_table": table(settings, "guarded_summaries", call_date),
        },
    )
