"""Guard a day: ApplyGuardrail on every successful summary, and an independent residual scan.

The guarded text (PII as ``{TYPE}``), the action, the intervening policies, the PII types and
the grounding scores are stored per summary; the raw ``match`` values never are.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import pyarrow.compute as pc

from bedrock_assets.aws_calls import RateLimiter
from bedrock_assets.crashpoints import crashpoint
from bedrock_assets.guardrail.calls import apply_all
from bedrock_assets.guardrail.requests import guardrail_request, interpret
from bedrock_assets.guardrail.residual import scan
from bedrock_assets.markdown import md_counts
from bedrock_assets.prompting.flags import flag_names, is_flagged
from bedrock_assets.state.layout import StoreLayout
from bedrock_assets.state.objects import ObjectStore
from bedrock_assets.state.schemas import GUARDED, POLICY_UNIT_COLUMNS
from bedrock_assets.state.tables import (
    TableWriter,
    count_rows,
    iter_filtered,
    iter_rows,
    local_copy,
    table_metadata,
)


@dataclass(frozen=True)
class GuardrailSpec:
    """Which guardrail, and how hard to call it."""

    guardrail_id: str
    guardrail_version: str
    rate: float | None = None
    concurrency: int = 4
    attempts: int = 8
    policy_digest: str = ""

    @property
    def key(self) -> str:
        """What a guarded summary went through: the guardrail, its version and its policy."""
        return f"{self.guardrail_id}:{self.guardrail_version}:{self.policy_digest}"


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
    flagged: int = 0  # summaries the model flagged (one or more concerns)
    table: str = ""
    guardrail_calls: int = 0  # ApplyGuardrail calls this run made
    reused: int = 0  # summaries guarded by an earlier run under the same guardrail

    def add(self, row: dict[str, Any]) -> None:
        """Count one guarded summary (and scan it, independently, for PII left behind)."""
        self.actions[row["guardrail_action"]] += 1
        self.policies.update(p for p in (row["intervened_policies"] or "").split(",") if p)
        self.pii.update(p for p in (row["pii_types"] or "").split(",") if p)
        self.flags.update(flag_names(row["behavior_flags"]))
        self.flagged += is_flagged(row["behavior_flags"])
        self.text_units += row["text_units"] or 0
        leftovers = scan(row["guarded_summary"] or "")
        if leftovers:
            self.residual.update(leftovers)
            self.residual_records.append(row["record_id"])

    @property
    def interventions(self) -> int:
        return self.actions["GUARDRAIL_INTERVENED"]

    def summary(self) -> dict[str, object]:
        """What the guardrail did to the day, for people (counts and types, never values)."""
        return {
            "summaries": self.summaries,
            "interventions": self.interventions,
            "blocked_by_topic": self.policies["topicPolicy"],
            "blocked_by_content_filter": self.policies["contentPolicy"],
            "blocked_by_word_filter": self.policies["wordPolicy"],
            "blocked_by_grounding": self.policies["contextualGroundingPolicy"],
            "pii_masked_summaries": self.policies["sensitiveInformationPolicy"],
            "guardrail_text_units": self.text_units,
            "model_flagged": self.flagged,
            "model_flags": md_counts(["concern", "summaries"], self.flags),
            "pii_types_masked": md_counts(["type", "summaries"], self.pii),
            "guardrail_calls": self.guardrail_calls,
            "reused_from_earlier_runs": self.reused,
            "summaries_table": self.table,
        }


def _digest(rows: Iterable[dict[str, Any]]) -> str:
    """What a shard's summaries were: guarding the same inputs again gives the same part."""
    h = hashlib.sha256()
    for row in rows:
        for key in ("record_id", "summary", "grounding_source", "behavior_flags"):
            h.update(str(row.get(key)).encode() + b"\x1f")
    return h.hexdigest()


def guard_day(
    store: ObjectStore,
    layout: StoreLayout,
    call_date: str,
    client: Any,
    spec: GuardrailSpec,
    prompt_versions: dict[str, str],
) -> GuardDayResult:
    """Guard every successful summary of ``call_date`` into ``guarded_summaries``.

    Guarded rows are kept per shard (``tables/guarded_parts/<date>/<shard>.parquet``), with a
    digest of their inputs and the guardrail (id, version, policy) they went through: a re-run
    (a retry shard finishing, a re-materialization) guards only what it has not guarded yet.
    ``prompt_versions`` maps shard ids to the prompt version their records were sent with.
    """
    result = GuardDayResult(call_date, table=layout.table("guarded_summaries", call_date))
    outputs = layout.table("batch_outputs", call_date)
    with local_copy(store, outputs) as path, TableWriter(store, result.table, GUARDED) as out:
        successes = pc.field("status") == "success"
        shard_ids = sorted(
            {r["shard_id"] for r in iter_filtered(path, successes, columns=["shard_id"])}
        )
        for shard_id in shard_ids:
            rows = partial(iter_filtered, path, successes & (pc.field("shard_id") == shard_id))
            part = layout.table(f"guarded_parts/{call_date}", shard_id)
            stamp = {"inputs": _digest(rows()), "guardrail": spec.key}
            if table_metadata(store, part) != stamp:
                written = _guard_shard(store, part, stamp, rows(), client, spec, prompt_versions)
                result.guardrail_calls += written
            else:
                result.reused += count_rows(store, part)
            for row in iter_rows(store, part):
                result.add(row)
                out.write(row)
        crashpoint("guard_before_write")
    result.summaries = out.count
    return result


def _guard_shard(
    store: ObjectStore,
    part: str,
    stamp: dict[str, str],
    rows: Iterable[dict[str, Any]],
    client: Any,
    spec: GuardrailSpec,
    prompt_versions: dict[str, str],
) -> int:
    """ApplyGuardrail on one shard's summaries into its part; returns the calls made."""

    def requests() -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
        for row in rows:
            request = guardrail_request(
                row["summary"] or "",
                row["grounding_source"] or "",
                spec.guardrail_id,
                spec.guardrail_version,
            )
            yield row, request

    with TableWriter(store, part, GUARDED, metadata=stamp) as out:
        for row, response in apply_all(
            client,
            requests(),
            RateLimiter(spec.rate),
            concurrency=spec.concurrency,
            attempts=spec.attempts,
        ):
            guarded = interpret(row["summary"] or "", response)
            per_policy = dict(guarded.units_by_policy)
            out.write(
                {
                    "call_date": row["call_date"],
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
    return out.count
