"""Guard a day: ApplyGuardrail on every successful summary, and an independent residual scan.

The guarded text (PII as ``{TYPE}``), the action, the intervening policies, the PII types and
the grounding scores are stored per summary; the raw ``match`` values never are.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from bedrock_assets.aws_calls import RateLimiter
from bedrock_assets.crashpoints import crashpoint
from bedrock_assets.guardrail.calls import apply_all
from bedrock_assets.guardrail.requests import guardrail_request, interpret
from bedrock_assets.guardrail.residual import scan
from bedrock_assets.markdown import md_counts
from bedrock_assets.prompting.flags import flag_names
from bedrock_assets.state.layout import StoreLayout
from bedrock_assets.state.objects import ObjectStore
from bedrock_assets.state.schemas import GUARDED, POLICY_UNIT_COLUMNS
from bedrock_assets.state.tables import TableWriter, iter_rows


@dataclass(frozen=True)
class GuardrailSpec:
    """Which guardrail, and how hard to call it."""

    guardrail_id: str
    guardrail_version: str
    rate: float | None = None
    concurrency: int = 4
    attempts: int = 8


@dataclass
class GuardDayResult:
    call_date: str
    summaries: int = 0
    text_units: int = 0
    actions: Counter[str] = field(default_factory=Counter)
    policies: Counter[str] = field(default_factory=Counter)
    pii: Counter[str] = field(default_factory=Counter)
    flags: Counter[str] = field(default_factory=Counter)
    residual: Counter[str] = field(default_factory=Counter)
    residual_records: list[str] = field(default_factory=list)
    table: str = ""

    @property
    def interventions(self) -> int:
        return self.actions["GUARDRAIL_INTERVENED"]

    def summary(self) -> dict[str, object]:
        """What the guardrail did to the day, for people (counts and types, never values)."""
        return {
            "summaries": self.summaries,
            "interventions": self.interventions,
            "blocked_by_topic": self.policies["topicPolicy"],
            "blocked_by_grounding": self.policies["contextualGroundingPolicy"],
            "pii_masked_summaries": self.policies["sensitiveInformationPolicy"],
            "guardrail_text_units": self.text_units,
            "model_flagged": sum(self.flags.values()),
            "model_flags": dict(self.flags),
            "pii_types_masked": md_counts(["type", "summaries"], self.pii),
            "summaries_table": self.table,
        }


def guard_day(
    store: ObjectStore,
    layout: StoreLayout,
    call_date: str,
    client: Any,
    spec: GuardrailSpec,
    prompt_versions: dict[str, str],
) -> GuardDayResult:
    """Guard every successful summary of ``call_date`` into ``guarded_summaries``.

    ``prompt_versions`` maps shard ids to the prompt version their records were sent with.
    """
    result = GuardDayResult(call_date, table=layout.table("guarded_summaries", call_date))

    def requests() -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
        for row in iter_rows(store, layout.table("batch_outputs", call_date)):
            if row["status"] == "success":
                request = guardrail_request(
                    row["summary"] or "",
                    row["grounding_source"] or "",
                    spec.guardrail_id,
                    spec.guardrail_version,
                )
                yield row, request

    with TableWriter(store, result.table, GUARDED) as out:
        for row, response in apply_all(
            client,
            requests(),
            RateLimiter(spec.rate),
            concurrency=spec.concurrency,
            attempts=spec.attempts,
        ):
            guarded = interpret(row["summary"] or "", response)
            result.actions[guarded.action] += 1
            result.policies.update(guarded.intervened_policies)
            result.pii.update(guarded.pii_types)
            result.flags.update(flag_names(row["behavior_flags"]))
            result.text_units += guarded.text_units
            per_policy = dict(guarded.units_by_policy)
            leftovers = scan(guarded.guarded_summary)
            if leftovers:
                result.residual.update(leftovers)
                result.residual_records.append(row["record_id"])
            out.write(
                {
                    "call_date": call_date,
                    "record_id": row["record_id"],
                    "transcript_id": row["transcript_id"],
                    "shard_id": row["shard_id"],
                    "job_arn": row["job_arn"],
                    "guarded_summary": guarded.guarded_summary,
                    "behavior_flags": row["behavior_flags"],
                    "guardrail_action": guarded.action,
                    "intervened_policies": ",".join(guarded.intervened_policies),
                    "pii_types": ",".join(guarded.pii_types),
                    "pii_count": guarded.pii_count,
                    "grounding_score": guarded.grounding_score,
                    "relevance_score": guarded.relevance_score,
                    "text_units": guarded.text_units,
                    **{col: per_policy.get(key, 0) for key, col in POLICY_UNIT_COLUMNS.items()},
                    "guardrail_id": spec.guardrail_id,
                    "guardrail_version": spec.guardrail_version,
                    "prompt_version": prompt_versions.get(row["shard_id"], ""),
                }
            )
        crashpoint("guard_before_write")
    result.summaries = out.count
    return result
