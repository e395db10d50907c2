"""guarded_summaries: ApplyGuardrail on every summary (PII, denied topics, grounding)."""

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
from bedrock_assets.guardrail.guard import guard_day
from bedrock_assets.state.schemas import GUARDED


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
        day = guard_day(
            object_store.get_store(),
            object_store.layout(),
            call_date,
            guardrail.bedrock.runtime(),
            guardrail.spec(),
            versions,
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
            metadata=to_metadata(
                {
                    **day.summary(),
                    **table_metadata(object_store.locate(day.table), day.summaries, GUARDED),
                    "guardrail": f"{guardrail.guardrail_id}:{guardrail.guardrail_version}",
                }
            ),
        )

    return [guarded_summaries]
