"""Guard a day: ApplyGuardrail on every successful summary, and an independent residual scan.

The guarded text (PII as ``{TYPE}``), the action, the intervening policies, the PII types and
the grounding scores are stored per summary; the raw ``match`` values never are.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import pyarrow.compute as pc

from bedrock_assets.crashpoints import crashpoint
from bedrock_assets.guardrail.calls import apply_all
from bedrock_assets.guardrail.estimate import GuardrailEstimate, estimate
from bedrock_assets.guardrail.grounding import FULL, GroundingSource, select_grounding_source
from bedrock_assets.guardrail.limiter import QuotaLimiter
from bedrock_assets.guardrail.quotas import TEXT_UNIT_CHARS
from bedrock_assets.guardrail.requests import guardrail_request, interpret, request_units
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
    """Which guardrail, and how hard to call it: ``rates`` per limiter bucket (requests and
    the text units of each policy; None = unlimited), the grounding-source limit, and the
    policies the guardrail has (each draws on its own quota)."""

    guardrail_id: str
    guardrail_version: str
    rates: dict[str, float | None] = field(default_factory=dict)
    concurrency: int = 4
    attempts: int = 8
    policy_digest: str = ""
    grounding_source_max_units: int = 100
    policies: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        """What a guarded summary went through: the guardrail, its version, its policy and
        the grounding-source limit (which decides what a long call is grounded on)."""
        return (
            f"{self.guardrail_id}:{self.guardrail_version}:{self.policy_digest}"
            f":g{self.grounding_source_max_units}"
        )

    def request(self, row: dict[str, Any]) -> tuple[GroundingSource, dict[str, Any]]:
        """The ApplyGuardrail request for one summary, its grounding source inside the limit."""
        source = select_grounding_source(
            row["grounding_source"] or "",
            row["summary"] or "",
            self.grounding_source_max_units * TEXT_UNIT_CHARS,
        )
        request = guardrail_request(
            row["summary"] or "", source.text, self.guardrail_id, self.guardrail_version
        )
        return source, request


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
    grounded_on_passages: int = 0  # long calls grounded on their relevant passages
    estimate: GuardrailEstimate | None = None  # this run's calls at quota, made before them

    def add(self, row: dict[str, Any]) -> None:
        """Count one guarded summary (and scan it, independently, for PII left behind)."""
        self.actions[row["guardrail_action"]] += 1
        self.policies.update(p for p in (row["intervened_policies"] or "").split(",") if p)
        self.pii.update(p for p in (row["pii_types"] or "").split(",") if p)
        self.flags.update(flag_names(row["behavior_flags"]))
        self.flagged += is_flagged(row["behavior_flags"])
        self.text_units += row["text_units"] or 0
        if row.get("grounding_source_strategy") not in (None, FULL):
            self.grounded_on_passages += 1
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
            "grounded_on_relevant_passages": self.grounded_on_passages,
            **(self.estimate.summary() if self.estimate else {}),
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
    on_estimate: Callable[[GuardrailEstimate], None] = lambda _: None,
) -> GuardDayResult:
    """Guard every successful summary of ``call_date`` into ``guarded_summaries``.

    Guarded rows are kept per shard (``tables/guarded_parts/<date>/<shard>.parquet``), with a
    digest of their inputs and the guardrail (id, version, policy) they went through: a re-run
    (a retry shard finishing, a re-materialization) guards only what it has not guarded yet.
    ``prompt_versions`` maps shard ids to the prompt version their records were sent with.
    Before the first call, the calls still to make are estimated at the quotas in force
    (``result.estimate``) and handed to ``on_estimate``.
    """
    result = GuardDayResult(call_date, table=layout.table("guarded_summaries", call_date))
    outputs = layout.table("batch_outputs", call_date)
    with local_copy(store, outputs) as path, TableWriter(store, result.table, GUARDED) as out:
        successes = pc.field("status") == "success"
        shard_ids = sorted(
            {r["shard_id"] for r in iter_filtered(path, successes, columns=["shard_id"])}
        )
        shards = []
        for shard_id in shard_ids:
            rows = partial(iter_filtered, path, successes & (pc.field("shard_id") == shard_id))
            part = layout.table(f"guarded_parts/{call_date}", shard_id)
            stamp = {"inputs": _digest(rows()), "guardrail": spec.key}
            shards.append((rows, part, stamp, table_metadata(store, part) != stamp))
        result.estimate = estimate(
            (
                request_units(spec.request(row)[1], spec.policies)
                for rows, _, _, todo in shards
                if todo
                for row in rows()
            ),
            spec.rates,
        )
        on_estimate(result.estimate)
        for rows, part, stamp, todo in shards:
            if todo:
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

    def requests() -> Iterator[tuple[tuple[dict[str, Any], GroundingSource], dict[str, Any]]]:
        for row in rows:
            source, request = spec.request(row)
            yield (row, source), request

    with TableWriter(store, part, GUARDED, metadata=stamp) as out:
        for (row, source), response in apply_all(
            client,
            requests(),
            QuotaLimiter(spec.rates),
            concurrency=spec.concurrency,
            attempts=spec.attempts,
            cost=lambda request: request_units(request, spec.policies),
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
                    "grounding_source_strategy": source.strategy,
                    "grounding_source_chars": source.chars,
                    "grounding_source_windows": source.windows,
                    "text_units": guarded.text_units,
                    **{col: per_policy.get(key, 0) for key, col in POLICY_UNIT_COLUMNS.items()},
                    "guardrail_id": spec.guardrail_id,
                    "guardrail_version": spec.guardrail_version,
                    "prompt_version": prompt_versions.get(row["shard_id"], ""),
                }
            )
    return out.count
