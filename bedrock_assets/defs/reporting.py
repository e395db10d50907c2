"""token_usage_metrics, summary_review_queue and system_card: what it cost, what people
review, and what the pipeline discloses."""

from dagster import (
    AssetCheckResult,
    AssetExecutionContext,
    AssetsDefinition,
    MaterializeResult,
    asset,
)

from bedrock_assets.defs.conventions import REPORTING, Conventions, table_metadata, table_rows
from bedrock_assets.defs.metadata import to_metadata
from bedrock_assets.defs.resources import (
    BatchInferenceResource,
    GuardrailResource,
    LedgerResource,
    ObjectStoreResource,
)
from bedrock_assets.guardrail.policy import grounding_threshold
from bedrock_assets.markdown import Markdown, md_counts
from bedrock_assets.reporting.metrics import day_metrics
from bedrock_assets.reporting.review import REVIEW_SCHEMA, build_review_queue
from bedrock_assets.reporting.system_card import SystemDescription, day_figures, render_system_card
from bedrock_assets.state.schemas import METRICS


def build_reporting_assets(conv: Conventions) -> list[AssetsDefinition]:
    @asset(
        **conv.asset(REPORTING),
        deps=["guarded_summaries"],
        kinds={"parquet"},
        code_version=conv.pricing_version,
        freshness_policy=conv.daily_freshness(hours_after_schedule=12),
        check_specs=[
            conv.check(
                "conservation",
                "token_usage_metrics",
                "Every transcript that landed is accounted for: landed = quarantined + "
                "summarized + dead-lettered + pending (held, unfinished or retrying shards).",
            )
        ],
        description=(
            "Per day, model and inference mode (batch, or on demand for records below the job "
            "minimum): records, successes, dead-lettered and retrying records, input and output "
            "tokens, what was paid, the same work at the on-demand price, the saving, and "
            "guardrail text units and cost."
        ),
    )
    def token_usage_metrics(
        context: AssetExecutionContext, object_store: ObjectStoreResource, ledger: LedgerResource
    ) -> MaterializeResult:
        day = day_metrics(
            object_store.get_store(),
            object_store.layout(),
            ledger.get_ledger(),
            context.partition_key,
        )
        balance = day.conservation
        context.log.info(f"{day.call_date}: {balance.equation()} (off by {balance.unaccounted})")
        return MaterializeResult(
            check_results=[
                AssetCheckResult(
                    check_name="conservation", passed=balance.ok, metadata=balance.as_dict()
                )
            ],
            metadata=to_metadata(
                {
                    **day.summary(),
                    **table_metadata(object_store.locate(day.table), len(day.rows), METRICS),
                }
            ),
        )

    @asset(
        **conv.asset(REPORTING),
        deps=["guarded_summaries"],
        kinds={"parquet", "csv"},
        code_version=conv.guardrail_version,  # the grounding threshold is the policy's
        description=(
            "Every summary a person should look at: blocked by the guardrail (denied topic, "
            "content or word filter, grounding), below the grounding threshold, or flagged by "
            "the model (threat, self-harm, discrimination, fraud attempt). With the reasons and "
            "links back to the record, exported as parquet and CSV for reviewers."
        ),
    )
    def summary_review_queue(
        context: AssetExecutionContext,
        object_store: ObjectStoreResource,
        guardrail: GuardrailResource,
    ) -> MaterializeResult:
        threshold = grounding_threshold(guardrail.policy())
        queue = build_review_queue(
            object_store.get_store(), object_store.layout(), context.partition_key, threshold
        )
        context.log.info(
            f"{queue.call_date}: {queue.size} summaries queued for review {dict(queue.by_reason)}"
        )
        return MaterializeResult(
            metadata=to_metadata(
                {
                    "queue_size": queue.size,
                    **{f"queued_{reason}": n for reason, n in sorted(queue.by_reason.items())},
                    "by_reason": md_counts(["reason", "summaries"], queue.by_reason),
                    "top_of_queue": table_rows(queue.top),
                    **table_metadata(object_store.locate(queue.parquet), queue.size, REVIEW_SCHEMA),
                    "csv": object_store.locate(queue.csv)["dagster/uri"],
                }
            )
        )

    @asset(
        **conv.asset(REPORTING),
        deps=["token_usage_metrics", "summary_review_queue"],
        kinds={"markdown"},
        code_version=f"{conv.request_version}|{conv.guardrail_version}|{conv.pricing_version}",
        description=(
            "A generated, versioned system card (AWS Responsible Use of AI guide): model, "
            "prompt version and guidelines, guardrail policy and thresholds, the day's numbers, "
            "the local engines' evaluations where they stand in for the service, and known "
            "limitations. Shown here and written next to the day's outputs."
        ),
    )
    def system_card(
        context: AssetExecutionContext,
        object_store: ObjectStoreResource,
        batch: BatchInferenceResource,
        guardrail: GuardrailResource,
    ) -> MaterializeResult:
        store, layout = object_store.get_store(), object_store.layout()
        local_model = batch.bedrock.local_model_name()
        system = SystemDescription(
            batch.request(),
            guardrail.guardrail_id,
            guardrail.guardrail_version,
            local_backend=local_model is not None,
            local_model_name=local_model or "",
        )
        day = day_figures(store, layout, context.partition_key)
        evaluation = batch.bedrock.local_evaluation()
        version, card = render_system_card(system, guardrail.policy(), day, evaluation)
        uri = layout.system_card(context.partition_key)
        store.put_bytes(uri, card.encode())
        return MaterializeResult(
            metadata=to_metadata(
                {"card": Markdown(card), "card_version": version, **object_store.locate(uri)}
            )
        )

    return [token_usage_metrics, summary_review_queue, system_card]
