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
            "summarized + dead-lettered + pending (held, unfinished or retrying shards).",
        )
    ],
    description=(
        "Per day, model and inference mode (batch, or on demand for records below the job "
        "minimum): records, successes, dead-lettered and retrying records, input and output "
        "tokens, what was paid, the "
        "same work at the on-demand price, the saving, and guardrail text units and cost."
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
        columns=["model_id", "inference_mode", "status", "input_tokens", "output_tokens"],
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
    led = ledger.get_ledger()
    counts = led.date_counts(call_date)
    pending = sum(
        counts[s.shard_id] for s in led.shards_for_date(call_date) if s.state != "terminal"
    )
    rows = []
    groups = outputs.groupby(["model_id", "inference_mode"]) if len(outputs) else []
    for (model_id, mode), grp in groups:
        tin = int(grp["input_tokens"].fillna(0).sum())
        tout = int(grp["output_tokens"].fillna(0).sum())
        on_demand = token_cost(model_id, tin, tout, batch=False)
        rows.append(
            {
                "call_date": call_date,
                "model_id": model_id,
                "inference_mode": mode,
                "records": len(grp),
                "successes": int((grp["status"] == "success").sum()),
                "dead_lettered": int((grp["status"] == "dead_letter").sum()),
                "retrying": int((grp["status"] == "retrying").sum()),
                "input_tokens": tin,
                "output_tokens": tout,
                "cost_usd": token_cost(model_id, tin, tout, batch=mode == "batch"),
                "on_demand_cost_usd": on_demand,
            }
        )
    frame = pd.DataFrame(
        rows,
        columns=[
            "call_date",
            "model_id",
            "inference_mode",
            "records",
            "successes",
            "dead_lettered",
            "retrying",
            "input_tokens",
            "output_tokens",
            "cost_usd",
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
    dead = int((outputs["status"] == "dead_letter").sum()) if len(outputs) else 0
    balance = landed - (quarantined + summarized + dead + pending)
    cost = float(frame["cost_usd"].fillna(0).sum())
    on_demand = float(frame["on_demand_cost_usd"].fillna(0).sum())
    context.log.info(
        f"{call_date}: landed {landed} = quarantined {quarantined} + summarized "
        f"{summarized} + dead-lettered {dead} + pending {pending} (off by {balance})"
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
                    "dead_lettered": dead,
                    "pending": pending,
                    "unaccounted": balance,
                },
            )
        ],
        metadata={
            "landed": landed,
            "quarantined": quarantined,
            "summarized": summarized,
            "dead_lettered": dead,
            "pending": pending,
            "input_tokens": int(frame["input_tokens"].sum()),
            "output_tokens": int(frame["output_tokens"].sum()),
            "cost_usd": round(cost, 6),
            "on_demand_cost_usd": round(on_demand, 6),
            "savings_usd": round(on_demand - cost, 6),
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
