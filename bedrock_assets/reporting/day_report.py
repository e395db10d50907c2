"""A short, PII-free report of one day, read back from the stored tables and the ledger."""

from __future__ import annotations

from collections import Counter

from bedrock_assets.reporting.conservation import day_conservation
from bedrock_assets.state.layout import StoreLayout
from bedrock_assets.state.ledger import Ledger
from bedrock_assets.state.objects import ObjectStore
from bedrock_assets.state.tables import read_table


def day_report(store: ObjectStore, layout: StoreLayout, ledger: Ledger, call_date: str) -> dict:
    def load(name: str, columns: list[str]) -> list[dict]:
        uri = layout.table(name, call_date)
        return read_table(store, uri, columns=columns).to_pylist() if store.exists(uri) else []

    quarantine = load("quarantine", ["reason"])
    outputs = load("batch_outputs", ["status", "input_tokens", "output_tokens", "error_code"])
    guarded = load("guarded_summaries", ["guardrail_action", "intervened_policies"])
    metrics = load(
        "token_usage_metrics",
        ["cost_usd", "on_demand_cost_usd", "guardrail_text_units", "guardrail_cost_usd"],
    )
    shards = ledger.shards_for_date(call_date)
    balance = day_conservation(store, layout, ledger, call_date)
    batch_jobs, records_submitted = ledger.submissions(call_date)
    inference = round(sum(m["cost_usd"] or 0 for m in metrics), 6)
    guardrail = round(max((m["guardrail_cost_usd"] or 0 for m in metrics), default=0.0), 6)
    policies: Counter[str] = Counter()
    for g in guarded:
        policies.update(p for p in (g["intervened_policies"] or "").split(",") if p)
    return {
        "call_date": call_date,
        "landed": balance.landed,
        "quarantined": balance.quarantined,
        "quarantine_reasons": dict(Counter(q["reason"] for q in quarantine)),
        "shards": len(shards),
        "jobs": [(s.job_arn, s.job_status) for s in shards if s.job_arn],
        "successes": sum(o["status"] == "success" for o in outputs),
        "dead_lettered": balance.dead_lettered,
        "retrying": sum(o["status"] == "retrying" for o in outputs),
        "pending": balance.pending,
        "summarized": balance.summarized,
        "conservation_ok": balance.ok,
        "unaccounted": balance.unaccounted,
        "guardrail_interventions": sum(
            g["guardrail_action"] == "GUARDRAIL_INTERVENED" for g in guarded
        ),
        "intervening_policies": dict(policies),
        "input_tokens": sum(o["input_tokens"] or 0 for o in outputs),
        "output_tokens": sum(o["output_tokens"] or 0 for o in outputs),
        "cost_usd": sum(m["cost_usd"] or 0 for m in metrics),
        "on_demand_cost_usd": sum(m["on_demand_cost_usd"] or 0 for m in metrics),
        "guardrail_text_units": sum(m["guardrail_text_units"] or 0 for m in metrics),
        "batch_jobs": batch_jobs,
        "records_submitted": records_submitted,
        "failed_shards": sum(s.state == "failed" for s in shards),
        "inference_cost_usd": inference,
        "guardrail_cost_usd": guardrail,
        "total_cost_usd": round(inference + guardrail, 6),
        "tables": layout.tables(),
    }


JSON_KEYS = (
    "call_date",
    "landed",
    "quarantined",
    "summarized",
    "dead_lettered",
    "pending",
    "conservation_ok",
    "batch_jobs",
    "records_submitted",
    "failed_shards",
    "inference_cost_usd",
    "guardrail_cost_usd",
    "total_cost_usd",
)


def report_json(report: dict) -> dict:
    """The machine-readable day report (``bedrock-assets report --json``)."""
    return {key: report[key] for key in JSON_KEYS}


def format_report(r: dict) -> str:
    verdict = "OK" if r["conservation_ok"] else f"OFF BY {r['unaccounted']}"
    lines = [
        f"bedrock_assets report for {r['call_date']}",
        f"  transcripts landed        {r['landed']}",
        f"  quarantined               {r['quarantined']}  {r['quarantine_reasons']}",
        f"  shards / batch jobs       {r['shards']} / {len(r['jobs'])}",
    ]
    lines += [f"    {arn}  {status}" for arn, status in r["jobs"]]
    lines += [
        f"  successes / dead-lettered {r['successes']} / {r['dead_lettered']}"
        f"  ({r['retrying']} retrying)",
        f"  guarded summaries         {r['summarized']}",
        f"  guardrail interventions   {r['guardrail_interventions']}  {r['intervening_policies']}",
        f"  tokens in / out           {r['input_tokens']} / {r['output_tokens']}",
        f"  inference cost            ${r['inference_cost_usd']:.4f}  (batch price; on demand: "
        f"${r['on_demand_cost_usd']:.4f}, saved "
        f"${r['on_demand_cost_usd'] - r['cost_usd']:.4f})",
        f"  guardrail cost            ${r['guardrail_cost_usd']:.4f}  "
        f"({r['guardrail_text_units']} text units)",
        f"  total cost                ${r['total_cost_usd']:.4f}",
        f"  conservation              landed {r['landed']} = quarantined {r['quarantined']} + "
        f"summarized {r['summarized']} + dead-lettered {r['dead_lettered']} + "
        f"pending {r['pending']}"
        f"  -> {verdict}",
        f"  tables                    {r['tables']}/<table>/{r['call_date']}.parquet",
    ]
    return "\n".join(lines)
