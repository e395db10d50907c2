"""Collect a finished day: on-demand pass, join every record to its output, merge attempts,
dead-letter or retry the failures, and run the manifest checks.

Every record of the day ends as exactly one row of ``batch_outputs``: a success, a record
that will be retried (``retrying``, in a new retry shard), or a dead letter. Rerunning the
collection rewrites the same tables and registers the same retry shards.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bedrock_assets.aws_calls import RateLimiter
from bedrock_assets.batch.checks import ALL_CHECKS, CheckOutcome
from bedrock_assets.batch.join import ShardOutcome, collect_shard
from bedrock_assets.batch.merge import DayMerge
from bedrock_assets.batch.on_demand import run_on_demand
from bedrock_assets.batch.progress import collect_key
from bedrock_assets.batch.recovery import bind_ledger
from bedrock_assets.batch.retries import register_retries
from bedrock_assets.batch.shard_files import load_record_map
from bedrock_assets.batch.sharding import Quotas
from bedrock_assets.crashpoints import crashpoint
from bedrock_assets.markdown import md_table
from bedrock_assets.state.layout import StoreLayout
from bedrock_assets.state.ledger import Ledger, ShardRow
from bedrock_assets.state.objects import ObjectStore
from bedrock_assets.state.schemas import BATCH_OUTPUTS, DEAD_LETTERS
from bedrock_assets.state.tables import TableWriter, write_rows


class DayNotFinished(RuntimeError):
    """Some shard holding the day's records has not finished: nothing to collect yet."""


@dataclass
class OnDemandSettings:
    """How the collect run calls the model for records below the job minimum."""

    client: Any
    invocation_type: str = "InvokeModel"
    rate: float | None = None
    attempts: int = 8


@dataclass
class CollectResult:
    call_date: str
    shards: list[ShardRow] = field(default_factory=list)
    outcomes: list[ShardOutcome] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    retry: list[dict[str, Any]] = field(default_factory=list)
    dead: list[dict[str, Any]] = field(default_factory=list)
    retry_shards: list[ShardRow] = field(default_factory=list)
    checks: dict[str, CheckOutcome] = field(default_factory=dict)
    outputs_table: str = ""
    logs: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def totals(self) -> dict[str, int]:
        return {
            "records": sum(self.counts.values()),
            "successes": sum(o.day_successes for o in self.outcomes),
            "retrying": len(self.retry),
            "dead_lettered": len(self.dead),
            "input_tokens": sum(o.day_input_tokens for o in self.outcomes),
            "output_tokens": sum(o.day_output_tokens for o in self.outcomes),
            "on_demand_records": sum(
                self.counts.get(s.shard_id, 0) for s in self.shards if s.mode == "on_demand"
            ),
            "jobs": len([s for s in self.shards if s.job_arn]),
        }

    def summary(self) -> dict[str, object]:
        """What the collection did, for people: totals, one row per job, the table."""
        job_table = md_table(
            ["shard", "job ARN", "status", "success", "error", "missing"],
            [
                (o.shard.shard_id, o.shard.job_arn, o.shard.job_status)
                + (o.successes, o.errors, o.missing)
                for o in self.outcomes[:50]
            ],
        )
        return {**self.totals, "job_table": job_table, "outputs_table": self.outputs_table}


def _send_on_demand(
    store: ObjectStore, ledger: Ledger, shards: list[ShardRow], on_demand: OnDemandSettings
) -> list[str]:
    logs = []
    for shard in [s for s in shards if s.state == "on_demand"]:
        manifest = run_on_demand(
            on_demand.client,
            store,
            shard,
            on_demand.invocation_type,
            RateLimiter(on_demand.rate),
            attempts=on_demand.attempts,
        )
        ledger.mark_on_demand_done(
            shard.shard_id,
            "Completed",
            f"{manifest['processedRecordCount']} records on demand (below the batch job minimum)",
        )
        logs.append(
            f"{shard.shard_id}: {shard.record_count} records below the batch "
            f"minimum sent on demand: {manifest}"
        )
    return logs


def collect_day(
    store: ObjectStore,
    layout: StoreLayout,
    ledger: Ledger,
    call_date: str,
    on_demand: OnDemandSettings,
    quotas: Quotas,
    max_record_attempts: int,
    default_model_id: str,
    current_version: str = "",
) -> CollectResult:
    """Collect ``call_date``; raises :class:`DayNotFinished` while a job is unfinished.

    Shards held below the job minimum do not block: their records stay pending (conservation
    counts them so), and the day is collected again when they finish.
    """
    bind_ledger(ledger, store, layout)
    every = ledger.shards_for_date(call_date)
    unfinished = [s for s in every if not s.finished and s.state != "held"]
    if unfinished:
        raise DayNotFinished(
            f"{len(unfinished)} of {len(every)} shards holding {call_date}'s records are not "
            f"finished ({', '.join(sorted({s.state for s in unfinished}))}); the "
            "batch_job_slots sensor requests this run once every job is terminal."
        )
    shards = [s for s in every if s.state != "held"]
    complete = len(shards) == len(every)
    key = collect_key(call_date, every)
    day_output = layout.uri(layout.output_prefix, call_date) + "/"
    folders = {s.output_uri for s in shards} | {day_output, layout.tables()}
    for folder in folders:
        store.clean_temp(folder)  # partial files a crash or a full disk left behind
    result = CollectResult(call_date, outputs_table=layout.table("batch_outputs", call_date))
    result.logs += _send_on_demand(store, ledger, shards, on_demand)
    result.shards = [s for s in ledger.shards_for_date(call_date) if s.state != "held"]
    collected = {s.shard_id for s in result.shards}
    result.counts = {k: n for k, n in ledger.date_counts(call_date).items() if k in collected}
    merge = DayMerge(max_record_attempts)
    # A shard may hold a day's calls under an older request version next to newer ones (a
    # re-summarized day whose older shard also carried another day's records): the newest
    # version wins per call, the older rows are history.
    versions = {s.request_version for s in result.shards}
    newest: set[str] | None = set() if len(versions) > 1 else None
    ordered = sorted(result.shards, key=lambda s: s.request_version != current_version)
    with TableWriter(store, result.outputs_table, BATCH_OUTPUTS) as out:
        for shard in ordered:
            outcome = collect_shard(store, shard, load_record_map(store, layout, shard), call_date)
            current = shard.request_version == current_version
            for row in outcome.rows:
                if newest is not None:
                    if current:
                        newest.add(row["record_id"])
                    elif row["record_id"] in newest:
                        continue
                if (done := merge.add(row, shard)) is not None:
                    out.write(done)
            outcome.rows = []
            result.outcomes.append(outcome)
            result.logs.append(
                f"{shard.shard_id} ({shard.job_arn or shard.mode}, {shard.job_status}): "
                f"{outcome.day_successes} ok, {outcome.day_errors} errors, "
                f"{outcome.day_missing} missing of {call_date}'s "
                f"{result.counts.get(shard.shard_id)}"
            )
        result.retry, result.dead = merge.finish()
        for row in result.retry + result.dead:
            out.write(row)
    crashpoint("collect_after_outputs")
    if complete:  # whoever ran this (the sensor's run, "Materialize all"), the day is collected
        ledger.mark_requested(call_date, key)
    write_rows(
        store,
        layout.table("dead_letters", call_date),
        DEAD_LETTERS,
        ({k: row.get(k) for k in DEAD_LETTERS.names} for row in result.dead),
    )
    result.warnings += [
        f"dead-lettered {row['record_id']} after {row['attempts']} attempts: {row['error_code']}"
        for row in result.dead
    ]
    result.retry_shards = register_retries(
        store,
        layout,
        ledger,
        quotas,
        call_date,
        result.retry,
        result.shards,
        default_model_id,
    )
    crashpoint("collect_after_retries")
    if result.retry:
        result.logs.append(
            f"{len(result.retry)} records go to {len(result.retry_shards)} retry shard(s): "
            f"{', '.join(s.shard_id for s in result.retry_shards)}"
        )
    result.checks = {name: check(result.outcomes) for name, check in ALL_CHECKS.items()}
    return result
