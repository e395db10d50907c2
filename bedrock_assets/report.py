"""A short, PII-free report of one day, read back from the stored tables and the ledger."""

from __future__ import annotations

from collections import Counter

from bedrock_assets.core.ledger import Ledger
from bedrock_assets.core.storage import ObjectStore
from bedrock_assets.core.tables import read_table, table_uri
from bedrock_assets.settings import Settings


def day_report(settings: Settings, store: ObjectStore, call_date: str) -> dict:
    base = settings.s3_uri(settings.tables_prefix)

    def load(name: str, columns: list[str]):
        uri = table_uri(base, name, call_date)
        return read_table(store, uri, columns=columns).to_pylist() if store.exists(uri) else []

    transcripts = load("transcripts", ["transcript_id"])
    quarantine = load("quarantine", ["reason"])
    outputs = load("batch_outputs", ["status", "input_tokens", "output_tokens", "error_code"])
    guarded = load("guarded_summaries", ["guardrail_action", "intervened_policies"])
    metrics = load(
        "token_usage_metrics", ["cost_usd", "on_demand_cost_usd", "guardrail_text_units"]
    )
    ledger = Ledger(settings.ledger_path)
    shards = ledger.shards_for_date(call_date)
    policies: Counter[str] = Counter()
    for g in guarded:
        policies.update(p for p in (g["intervened_policies"] or "").split(",") if p)
    counts = ledger.date_counts(call_date)
    pending = sum(counts[s.shard_id] for s in shards if s.state != "terminal")
    return {
        "call_date": call_date,
        "landed": len(transcripts) + len(quarantine),
        "quarantined": len(quarantine),
        "quarantine_reasons": dict(Counter(q["reason"] for q in quarantine)),
        "shards": len(shards),
        "jobs": [(s.job_arn, s.job_status) for s in shards if s.job_arn],
        "successes": sum(o["status"] == "success" for o in outputs),
        "dead_lettered": sum(o["status"] == "dead_letter" for o in outputs),
        "retrying": sum(o["status"] == "retrying" for o in outputs),
        "pending": pending,
        "summarized": len(guarded),
        "guardrail_interventions": sum(
            g["guardrail_action"] == "GUARDRAIL_INTERVENED" for g in guarded
        ),
        "intervening_policies": dict(policies),
        "input_tokens": sum(o["input_tokens"] or 0 for o in outputs),
        "output_tokens": sum(o["output_tokens"] or 0 for o in outputs),
        "cost_usd": sum(m["cost_usd"] or 0 for m in metrics),
        "on_demand_cost_usd": sum(m["on_demand_cost_usd"] or 0 for m in metrics),
        "guardrail_text_units": sum(m["guardrail_text_units"] or 0 for m in metrics),
        "tables": base,
    }


def format_report(r: dict) -> str:
    balance = r["landed"] - (r["quarantined"] + r["summarized"] + r["dead_lettered"] + r["pending"])
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
        f"  cost (batch price)        ${r['cost_usd']:.4f}  (on demand: "
        f"${r['on_demand_cost_usd']:.4f}, saved "
        f"${r['on_demand_cost_usd'] - r['cost_usd']:.4f})",
        f"  guardrail text units      {r['guardrail_text_units']}",
        f"  conservation              landed {r['landed']} = quarantined {r['quarantined']} + "
        f"summarized {r['summarized']} + dead-lettered {r['dead_lettered']} + "
        f"pending {r['pending']}"
        f"  -> {'OK' if balance == 0 else f'OFF BY {balance}'}",
        f"  tables                    {r['tables']}/<table>/{r['call_date']}.parquet",
    ]
    return "\n".join(lines)
