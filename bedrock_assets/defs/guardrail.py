"""guarded_summaries: ApplyGuardrail on every summary (PII, denied topics, grounding)."""

from typing import Any

from dagster import (
    AssetCheckResult,
    AssetExecutionContext,
    AssetsDefinition,
    MaterializeResult,
    asset,
)

from bedrock_assets.defs.conventions import GUARDRAIL, Conventions, table_metadata
from bedrock_assets.defs.metadata import to_metadata
from bedrock_assets.defs.resources import GuardrailResource, LedgerResource, ObjectStoreResource
from bedrock_assets.guardrail.estimate import GuardrailEstimate
from bedrock_assets.guardrail.guard import GuardDayResult, guard_day
from bedrock_assets.guardrail.quotas import GuardrailQuotas
from bedrock_assets.reporting.pricing import guardrail_units_cost
from bedrock_assets.state.schemas import GUARDED


def _estimated_cost(estimate: GuardrailEstimate | None) -> float:
    return guardrail_units_cost(estimate.units if estimate else {})


def _estimate_line(call_date: str, estimate: GuardrailEstimate, quotas: GuardrailQuotas) -> str:
    """What guarding the day will take, logged before the first call."""
    return (
        f"{call_date}: {estimate.requests} ApplyGuardrail calls, about {estimate.seconds:.0f} s "
        f"at quota (bottleneck {estimate.bottleneck}), ${_estimated_cost(estimate):.4f}; "
        f"quotas {quotas.describe()}"
    )


def _metadata(
    day: GuardDayResult,
    quotas: GuardrailQuotas,
    guardrail: GuardrailResource,
    where: dict[str, Any],
) -> Any:
    return to_metadata(
        {
            **day.summary(),
            **table_metadata(where, day.summaries, GUARDED),
            "guardrail_estimated_cost_usd": _estimated_cost(day.estimate),
            "guardrail_quotas": quotas.describe(),
            "guardrail": f"{guardrail.guardrail_id}:{guardrail.guardrail_version}",
        }
    )


def build_guardrail_assets(conv: Conventions) -> list[AssetsDefinition]:
    @asset(
        **conv.asset(GUARDRAIL),
        check_specs=[
            conv.check(
                "no_residual_pii",
                "guarded_summaries",
                "An independent scan (not the guardrail's detectors) finds no PII left in any "
                "guarded summary.",
            )
        ],
        deps=["batch_job_outputs"],
        # The guardrail (id, version, policy file) and the prompt the summaries came from.
        code_version=f"{conv.guardrail_version}|{conv.request_version}",
        freshness_policy=conv.daily_freshness(hours_after_schedule=12),
        kinds={"bedrock", "parquet"},
        description=(
            "Every successful summary after Bedrock Guardrails (ApplyGuardrail, source OUTPUT, "
            "the transcript as grounding source): the guarded text with PII masked as {TYPE}, "
            "the action, and which policies intervened. Raw PII matches are never stored."
        ),
    )
    def guarded_summaries(
        context: AssetExecutionContext,
        object_store: ObjectStoreResource,
        guardrail: GuardrailResource,
        ledger: LedgerResource,
    ) -> MaterializeResult:
        call_date = context.partition_key
        versions = {
            s.shard_id: s.prompt_version for s in ledger.get_ledger().shards_for_date(call_date)
        }
        quotas = guardrail.quotas_in_force()
        day = guard_day(
            object_store.get_store(),
            object_store.layout(),
            call_date,
            guardrail.bedrock.runtime(),
            guardrail.spec(),
            versions,
            on_estimate=lambda e: context.log.info(_estimate_line(call_date, e, quotas)),
        )
        context.log.info(
            f"{call_date}: {day.summaries} summaries guarded, {day.interventions} interventions"
        )
        residual = AssetCheckResult(
            check_name="no_residual_pii",
            passed=not day.residual,
            metadata={
                "residual_by_type": dict(day.residual),
                "records": ", ".join(day.residual_records[:20]) or "none",
            },
        )
        return MaterializeResult(
            check_results=[residual],
            metadata=_metadata(day, quotas, guardrail, object_store.locate(day.table)),
        )

    return [guarded_summaries]
