"""Capacity planning: what N calls a day need of each quota, how long they take, what they cost.

Everything comes from the tables the pipeline runs on, handed in by the caller: the batch
quotas in force (records and bytes per job, concurrent jobs), the ApplyGuardrail quotas
(``guardrail/quotas.py``), the prices (``pricing.py``), the rendered prompt. The two numbers
no table holds are parameters, stated with the result: how long one batch job takes (Bedrock
publishes no duration; a job may run up to its timeout, 24 h by default, and the measured
durations of your own jobs are the better input) and the tokens of a summary.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from bedrock_assets.reporting.pricing import guardrail_units_cost, token_cost

CHARS_PER_TOKEN = 4  # the usual estimate for English text (the local engine counts the same)
TEXT_UNIT_CHARS = 1000


@dataclass(frozen=True)
class BatchLimits:
    min_records_per_job: int
    max_records_per_job: int
    max_job_bytes: int
    max_concurrent_jobs: int


@dataclass(frozen=True)
class Plan:
    calls: int
    avg_chars: int
    jobs: int
    records_per_job: int
    waves: int  # rounds of max_concurrent_jobs jobs
    makespan_hours: float  # at job_hours per job
    job_hours: float
    guardrail_hours: float
    guardrail_bottleneck: str
    input_tokens: int
    output_tokens: int
    batch_cost_usd: float | None
    guardrail_cost_usd: float
    grounding_source_units: int  # per call, after the grounding-source limit

    def row(self) -> dict[str, object]:
        return {
            "calls/day": self.calls,
            "jobs": self.jobs,
            "records/job": self.records_per_job,
            "waves": self.waves,
            f"makespan h (at {self.job_hours:g} h/job)": round(self.makespan_hours, 1),
            "guardrail h at quota": round(self.guardrail_hours, 1),
            "guardrail bottleneck": self.guardrail_bottleneck.removesuffix("PolicyUnits"),
            "batch $": None if self.batch_cost_usd is None else round(self.batch_cost_usd, 2),
            "guardrail $": round(self.guardrail_cost_usd, 2),
        }


def plan(
    calls: int,
    avg_chars: int,
    batch: BatchLimits,
    guardrail_rates: Mapping[str, float | None],
    grounding_source_max_units: int,
    policies: tuple[str, ...],
    model_id: str,
    line_bytes: int,
    input_chars: int,
    output_tokens: int,
    job_hours: float,
) -> Plan:
    """The day of ``calls`` calls of ``avg_chars`` characters through these quotas.

    ``line_bytes`` is one call's batch JSONL line and ``input_chars`` the text the model reads
    (prompt and transcript), both measured on a real request of that size by the caller.
    """
    per_job = max(1, min(batch.max_records_per_job, batch.max_job_bytes // line_bytes))
    jobs = math.ceil(calls / per_job) if calls >= batch.min_records_per_job else 0
    waves = math.ceil(jobs / batch.max_concurrent_jobs)
    input_tokens = calls * math.ceil(input_chars / CHARS_PER_TOKEN)
    out_tokens = calls * output_tokens
    summary_units = max(1, math.ceil(output_tokens * CHARS_PER_TOKEN / TEXT_UNIT_CHARS))
    source_units = min(math.ceil(avg_chars / TEXT_UNIT_CHARS), grounding_source_max_units)
    units = {p: calls * summary_units for p in policies}
    if "contextualGroundingPolicyUnits" in policies:
        units["contextualGroundingPolicyUnits"] = calls * (summary_units + source_units + 1)
    seconds = {
        p: u / r for p, u in {"requests": calls, **units}.items() if (r := guardrail_rates.get(p))
    }
    bottleneck = max(seconds, key=lambda k: seconds[k]) if seconds else "none"
    return Plan(
        calls=calls,
        avg_chars=avg_chars,
        jobs=jobs,
        records_per_job=min(per_job, calls),
        waves=waves,
        makespan_hours=waves * job_hours,
        job_hours=job_hours,
        guardrail_hours=max(seconds.values(), default=0.0) / 3600,
        guardrail_bottleneck=bottleneck,
        input_tokens=input_tokens,
        output_tokens=out_tokens,
        batch_cost_usd=token_cost(model_id, input_tokens, out_tokens, batch=jobs > 0),
        guardrail_cost_usd=guardrail_units_cost(units),
        grounding_source_units=source_units,
    )


def format_plans(plans: list[Plan]) -> str:
    """A Markdown table (the README's capacity table is this output)."""
    rows = [p.row() for p in plans]
    head = list(rows[0])
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for row in rows:
        lines.append("| " + " | ".join(_cell(k, row[k]) for k in head) + " |")
    return "\n".join(lines)


def _cell(key: str, value: object) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.2f}" if key.endswith("$") else f"{value:,.1f}"
    return str(value)
