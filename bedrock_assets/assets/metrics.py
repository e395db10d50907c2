"""token_usage_metrics: tokens, cost at batch vs on-demand price, guardrail units; conservation."""

import pandas as pd
import pyarrow as pa
from dagster import (
    AssetCheckResult,
    AssetCheckSpec,
    AssetExecutionContext,
    MaterializeResult,
    asset,
)

from bedrock_assets.assets.common import GROUP, table
from bedrock_assets.assets.guarded import guarded_summaries
from bedrock_assets.core.pricing import GUARDRAIL_PRICES_PER_1K_UNITS, token_cost
from bedrock_assets.core.storage import ObjectStore
from bedrock_assets.core.tables import POLICY_UNIT_COLUMNS, read_table, write_arrow
from bedrock_assets.partitions import daily_partitions
from bedrock_assets.resources import LedgerResource, ObjectStoreResource
from bedrock_assets.settings import get_settings


def _count(store: ObjectStore, uri: str) -> int:
    return read_table(store, uri, columns=[]).num_rows if store.exists(uri) else 0


@asset(
    partitions_def=daily_partitions,
    group_name=GROUP,
    deps=[guarded_summaries],
    kinds={"parquet"},
    check_specs=[
        AssetCheckSpec(
            "conservation",
            asset="token_usage_metrics",
            description="Every transcript that landed is accounted for: landed = quarantined + "
            "summarized + errors + pending (held or unfinished shards).",
        )
    ],
    description=(
        "Per day and model: records, successes, errors, input and output tokens, cost at the "
        "batch price and the same work at the on-demand price, the saving, and guardrail text "
        "units and cost."
    ),
)
def token_usage_metrics(
    context: AssetExecutionContext, object_store: ObjectStoreResource, ledger: LedgerResource
) -> MaterializeResult:
    settings = get_settings()
    store = object_store.get_store()
    call_date = context.partition_key
    outputs = read_table(
        store,
        table(settings, "batch_outputs", call_date),
        columns=["model_id", "status", "input_tokens", "output_tokens"],
    ).to_pandas()
    guarded = read_table(
        store,
        table(settings, "guarded_summaries", call_date),
        columns=["guardrail_action", "text_units", *POLICY_UNIT_COLUMNS.values()],
    ).to_pandas()
    landed = _count(store, table(settings, "transcripts", call_date)) + _count(
        store, table(settings, "quarantine", call_date)
    )
    quarantined = _count(store, table(settings, "quarantine", call_date))
    pending = sum(
        s.record_count
        for s in ledger.get_ledger().shards_for_date(call_date)
        if s.state != "terminal"
    )
    rows = []
    for model_id, grp in outputs.groupby("model_id") if len(outputs) else []:
        tin = int(grp["input_tokens"].fillna(0).sum())
        tout = int(grp["output_tokens"].fillna(0).sum())
        rows.append(
            {
                "call_date": call_date,
                "model_id": model_id,
                "records": len(grp),
                "successes": int((grp["status"] == "success").sum()),
                "errors": int((grp["status"] == "error").sum()),
                "input_tokens": tin,
                "output_tokens": tout,
                "batch_cost_usd": token_cost(model_id, tin, tout, batch=True),
                "on_demand_cost_usd": token_cost(model_id, tin, tout, batch=False),
            }
        )
    frame = pd.DataFrame(
        rows,
        columns=[
            "call_date",
            "model_id",
            "records",
            "successes",
            "errors",
            "input_tokens",
            "output_tokens",
            "batch_cost_usd",
            "on_demand_cost_usd",
        ],
    )
    units = int(guarded["text_units"].sum()) if len(guarded) else 0
    # Each policy's text units at that policy's price.
    guardrail_cost = round(
        sum(
            int(guarded[column].sum()) / 1000 * GUARDRAIL_PRICES_PER_1K_UNITS[key]
            for key, column in POLICY_UNIT_COLUMNS.items()
        )
        if len(guarded)
        else 0.0,
        6,
    )
    frame["guardrail_text_units"] = units if len(frame) else None
    frame["guardrail_cost_usd"] = guardrail_cost if len(frame) else None
    uri = table(settings, "token_usage_metrics", call_date)
    write_arrow(store, uri, pa.Table.from_pandas(frame, preserve_index=False))

    summarized = len(guarded)
    errors = int((outputs["status"] == "error").sum()) if len(outputs) else 0
    balance = landed - (quarantined + summarized + errors + pending)
    batch_cost = float(frame["batch_cost_usd"].fillna(0).sum())
    on_demand = float(frame["on_demand_cost_usd"].fillna(0).sum())
    context.log.info(
        f"{call_date}: landed {landed} = quarantined {quarantined} + summarized "
        f"{summarized} + errors {errors} + pending {pending} (off by {balance})"
    )
    return MaterializeResult(
        check_results=[
            AssetCheckResult(
                check_name="conservation",
                passed=balance == 0,
                metadata={
                    "landed": landed,
                    "quarantined": quarantined,
                    "summarized": summarized,
                    "errors": errors,
                    "pending": pending,
                    "unaccounted": balance,
                },
            )
        ],
        metadata={
            "landed": landed,
            "quarantined": quarantined,
            "summarized": summarized,
            "errors": errors,
            "pending": pending,
            "input_tokens": int(frame["input_tokens"].sum()),
            "output_tokens": int(frame["output_tokens"].sum()),
            "batch_cost_usd": round(batch_cost, 6),
            "on_demand_cost_usd": round(on_demand, 6),
            "savings_usd": round(on_demand - batch_cost, 6),
            "guardrail_text_units": units,
            "guardrail_cost_usd": guardrail_cost,
            "guardrail_interventions": int(
                (guarded["guardrail_action"] == "GUARDRAIL_INTERVENED").sum()
            )
            if summarized
            else 0,
            "metrics_table": uri,
        },
    )
