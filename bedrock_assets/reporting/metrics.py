"""Token usage and cost per day, model and inference mode, and the day's conservation.

What was paid (batch price, or on-demand price for records below the job minimum), the same
work at the on-demand price, and the guardrail's text units priced per policy.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd
import pyarrow as pa

from bedrock_assets.reporting.conservation import Conservation, day_conservation
from bedrock_assets.reporting.pricing import GUARDRAIL_PRICES_PER_1K_UNITS, token_cost
from bedrock_assets.state.layout import StoreLayout
from bedrock_assets.state.ledger import Ledger
from bedrock_assets.state.objects import ObjectStore
from bedrock_assets.state.schemas import METRICS, POLICY_UNIT_COLUMNS
from bedrock_assets.state.tables import read_table, write_arrow

METRIC_COLUMNS = METRICS.names[: METRICS.names.index("guardrail_text_units")]


@dataclass
class DayMetrics:
    call_date: str
    conservation: Conservation
    rows: list[dict[str, object]] = field(default_factory=list)
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0
    on_demand_cost_usd: float = 0.0
    guardrail_text_units: int = 0
    guardrail_cost_usd: float = 0.0
    guardrail_by_policy: dict[str, float] = field(default_factory=dict)  # USD per policy
    guardrail_interventions: int = 0
    batch_cost_usd: float = 0.0  # inference at the batch price
    on_demand_paid_usd: float = 0.0  # inference below the job minimum, at on-demand price
    table: str = ""

    @property
    def savings_usd(self) -> float:
        """What batch inference saved against the same work all on demand."""
        return round(self.on_demand_cost_usd - self.cost_usd, 6)

    @property
    def total_cost_usd(self) -> float:
        return round(self.cost_usd + self.guardrail_cost_usd, 6)

    def costs(self) -> dict[str, float]:
        """The day's spend, whole: numeric, so the UI plots each over the partitions."""
        return {
            "cost_inference_batch_usd": round(self.batch_cost_usd, 6),
            "cost_inference_on_demand_usd": round(self.on_demand_paid_usd, 6),
            "cost_inference_usd": round(self.cost_usd, 6),
            **{f"cost_guardrail_{p}_usd": v for p, v in sorted(self.guardrail_by_policy.items())},
            "cost_guardrail_usd": round(self.guardrail_cost_usd, 6),
            "cost_total_usd": self.total_cost_usd,
            "cost_all_on_demand_usd": round(self.on_demand_cost_usd + self.guardrail_cost_usd, 6),
            "savings_vs_all_on_demand_usd": self.savings_usd,
        }

    def summary(self) -> dict[str, object]:
        balance = {k: v for k, v in self.conservation.as_dict().items() if k != "unaccounted"}
        return {
            **balance,
            "input_tokens": self.input_tokens,
            "output_tokens": self.output_tokens,
            **self.costs(),
            "guardrail_text_units": self.guardrail_text_units,
            "guardrail_interventions": self.guardrail_interventions,
            "metrics_table": self.table,
        }


def guardrail_costs(units_by_column: dict[str, int]) -> dict[str, float]:
    """Each policy's text units at that policy's price (per 1,000 units), by policy."""
    return {
        key.removesuffix("Units"): round(
            units_by_column.get(column, 0) / 1000 * GUARDRAIL_PRICES_PER_1K_UNITS[key], 6
        )
        for key, column in POLICY_UNIT_COLUMNS.items()
        if GUARDRAIL_PRICES_PER_1K_UNITS[key]
    }


def guardrail_cost(units_by_column: dict[str, int]) -> float:
    """The guardrail's cost: every policy's units at its price."""
    return round(sum(guardrail_costs(units_by_column).values()), 6)


def day_metrics(
    store: ObjectStore, layout: StoreLayout, ledger: Ledger, call_date: str
) -> DayMetrics:
    """Compute and write ``token_usage_metrics`` for the day."""
    outputs = read_table(
        store,
        layout.table("batch_outputs", call_date),
        columns=["model_id", "inference_mode", "status", "input_tokens", "output_tokens"],
    ).to_pandas()
    guarded = read_table(
        store,
        layout.table("guarded_summaries", call_date),
        columns=["guardrail_action", "text_units", *POLICY_UNIT_COLUMNS.values()],
    ).to_pandas()
    result = DayMetrics(
        call_date,
        day_conservation(store, layout, ledger, call_date),
        table=layout.table("token_usage_metrics", call_date),
    )
    groups = outputs.groupby(["model_id", "inference_mode"]) if len(outputs) else []
    for (model_id, mode), grp in groups:
        tin = int(grp["input_tokens"].fillna(0).sum())
        tout = int(grp["output_tokens"].fillna(0).sum())
        result.rows.append(
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
                "on_demand_cost_usd": token_cost(model_id, tin, tout, batch=False),
            }
        )
    frame = pd.DataFrame(result.rows, columns=METRIC_COLUMNS)
    if len(guarded):
        result.guardrail_text_units = int(guarded["text_units"].sum())
        units = {c: int(guarded[c].sum()) for c in POLICY_UNIT_COLUMNS.values()}
        result.guardrail_by_policy = guardrail_costs(units)
        result.guardrail_cost_usd = guardrail_cost(units)
        result.guardrail_interventions = int(
            (guarded["guardrail_action"] == "GUARDRAIL_INTERVENED").sum()
        )
    frame["guardrail_text_units"] = result.guardrail_text_units if len(frame) else None
    frame["guardrail_cost_usd"] = result.guardrail_cost_usd if len(frame) else None
    table = pa.Table.from_pandas(frame, schema=METRICS, preserve_index=False)
    write_arrow(store, result.table, table)
    result.input_tokens = int(frame["input_tokens"].sum())
    result.output_tokens = int(frame["output_tokens"].sum())
    result.cost_usd = round(float(frame["cost_usd"].fillna(0).sum()), 6)
    result.on_demand_cost_usd = round(float(frame["on_demand_cost_usd"].fillna(0).sum()), 6)
    paid = frame["cost_usd"].fillna(0)
    result.batch_cost_usd = round(float(paid[frame["inference_mode"] == "batch"].sum()), 6)
    result.on_demand_paid_usd = round(float(paid[frame["inference_mode"] != "batch"].sum()), 6)
    return result
