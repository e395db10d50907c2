"""A lost ledger is detected, never silently recreated, and can be rebuilt.

The ledger is the only record of which shards exist and which job each one got. If it is
deleted, truncated or replaced (a new container with a fresh SQLite file, a wrong
``LEDGER_URL``), a new empty one would forget in-flight days with every check green and send
their calls again. So an empty ledger beside an object store that holds shard manifests is an
error naming both places and the way out, and :func:`rebuild_ledger` restores it from what
survives elsewhere: the shard manifests and record maps in the object store, and Bedrock's own
job list (job names carry the shard and attempt).
"""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace
from typing import Any

from bedrock_assets.batch.contract import IN_FLIGHT_STATUSES, MANIFEST_NAME, ON_DEMAND_FOLDER
from bedrock_assets.batch.shard_files import read_manifest, record_map_uri
from bedrock_assets.state.layout import StoreLayout
from bedrock_assets.state.ledger import Ledger, ShardRow
from bedrock_assets.state.ledger.errors import REBUILD, LedgerError, LedgerLost
from bedrock_assets.state.objects import ObjectStore, join_uri
from bedrock_assets.state.tables import iter_rows


def bind_ledger(ledger: Ledger, store: ObjectStore, layout: StoreLayout) -> None:
    """Check that ``ledger`` is the one the object store's shards were registered in.

    The first use writes the ledger's id to ``tables/ledger.json``; later uses compare. A
    different id (the ledger was deleted, truncated or replaced, or the URL points elsewhere)
    raises :class:`LedgerLost` before anything is submitted, registered or sent again.
    """
    marker = layout.ledger_marker()
    mine = ledger.ledger_id()
    if not store.exists(marker):
        if ledger.is_empty() and store.has_any(layout.shard_manifests()):
            raise _lost(ledger, layout, "has no record of the ledger they were registered in")
        store.put_bytes(marker, json.dumps({"ledger_id": mine}).encode())
        return
    bound = json.loads(store.read_bytes(marker)).get("ledger_id")
    if bound != mine:
        state = "is empty" if ledger.is_empty() else "is another ledger"
        raise _lost(ledger, layout, f"was registered in ledger {bound}, and this one {state}")


def _lost(ledger: Ledger, layout: StoreLayout, what: str) -> LedgerLost:
    return LedgerLost(
        f"the ledger {ledger.where()} is not the one this object store's shards belong to: "
        f"{layout.shard_manifests()} {what}. It was deleted, truncated or replaced, or "
        "BEDROCK_ASSETS_LEDGER_URL points at another database. Nothing was submitted, "
        f"registered or re-sent. Restore it with `{REBUILD}` (from the object store and "
        "Bedrock's job list), or point BEDROCK_ASSETS_LEDGER_URL at the right database."
    )


@dataclass
class RebuildReport:
    shards: int = 0
    states: Counter[str] = field(default_factory=Counter)
    jobs_found: int = 0
    calls: int = 0
    days: set[str] = field(default_factory=set)

    def describe(self) -> str:
        return (
            f"restored {self.shards} shards of {len(self.days)} days ({dict(self.states)}), "
            f"{self.jobs_found} Bedrock jobs matched, {self.calls} calls"
        )


def _job_key(name: str, prefix: str) -> tuple[str, int, int, str] | None:
    """``(call date, shard index, attempt, shard id suffix)`` from one of our job names."""
    found = re.fullmatch(
        rf"{re.escape(prefix)}-(\d{{4}}-\d{{2}}-\d{{2}})-(\d{{4}})-a(\d+)-(\w{{6}})", name
    )
    if not found:
        return None
    day, index, attempt, suffix = found.groups()
    return day, int(index), int(attempt), suffix


def _our_jobs(client: Any, prefix: str) -> dict[tuple[str, int, str], list[dict[str, Any]]]:
    jobs: dict[tuple[str, int, str], list[dict[str, Any]]] = defaultdict(list)
    paginator = client.get_paginator("list_model_invocation_jobs")
    for page in paginator.paginate(nameContains=f"{prefix}-", PaginationConfig={"PageSize": 1000}):
        for job in page.get("invocationJobSummaries", []):
            key = _job_key(str(job.get("jobName", "")), prefix)
            if key:
                day, index, attempt, suffix = key
                jobs[(day, index, suffix)].append({**job, "attempt": attempt})
    return jobs


def rebuild_ledger(
    ledger: Ledger, store: ObjectStore, layout: StoreLayout, client: Any, job_name_prefix: str
) -> RebuildReport:
    """Restore an empty ledger and bind it to the object store; refuses one that holds shards
    (it is not lost)."""
    if not ledger.is_empty():
        raise LedgerError(f"the ledger {ledger.where()} is not empty: nothing to rebuild")
    report = RebuildReport()
    jobs = _our_jobs(client, job_name_prefix)
    rows: list[ShardRow] = []
    dates: dict[str, dict[str, int]] = {}
    calls: dict[str, list[tuple[str, str, str]]] = {}
    holders: dict[tuple[str, str], list[ShardRow]] = defaultdict(list)
    for uri in store.list_uris(layout.shard_manifests()):
        shard = read_manifest(store, uri)
        members = [
            (r["call_date"], r["transcript_id"], r["record_id"])
            for r in iter_rows(
                store,
                record_map_uri(layout, shard, shard.call_date),
                ["call_date", "transcript_id", "record_id"],
            )
        ]
        calls[shard.shard_id] = members
        dates[shard.shard_id] = dict(Counter(day for day, _, _ in members))
        found = jobs.get((shard.call_date, shard.shard_index, shard.shard_id[-6:]), [])
        if found:
            latest = max(found, key=lambda j: j["attempt"])
            report.jobs_found += len(found)
            # Active with an unknown status: the next tick refreshes it like any other job
            # (finished, resubmitted after a failure, or still running).
            shard = replace(
                shard,
                state="active",
                attempt=latest["attempt"],
                job_name=latest["jobName"],
                job_arn=latest["jobArn"],
                job_status=None if latest["status"] not in IN_FLIGHT_STATUSES else latest["status"],
                submitted_at=_timestamp(latest.get("submitTime")),
            )
        elif store.exists(join_uri(shard.output_uri, ON_DEMAND_FOLDER, MANIFEST_NAME)):
            shard = replace(shard, state="terminal", mode="on_demand", job_status="Completed")
        rows.append(shard)
        for day, tid, _ in members:
            holders[(day, tid)].append(shard)
    rows = [_settle(s, holders, calls[s.shard_id]) for s in rows]
    ledger.restore(rows, dates, calls)
    marker = layout.ledger_marker()
    if store.exists(marker):
        ledger.adopt_id(json.loads(store.read_bytes(marker))["ledger_id"])
    else:
        store.put_bytes(marker, json.dumps({"ledger_id": ledger.ledger_id()}).encode())
    report.shards = len(rows)
    report.states.update(s.state for s in rows)
    report.calls = sum(len(c) for c in calls.values())
    report.days = {d for m in dates.values() for d in m}
    return report


def _settle(
    shard: ShardRow,
    holders: dict[tuple[str, str], list[ShardRow]],
    members: list[tuple[str, str, str]],
) -> ShardRow:
    """What became of a shard that got no job: merged into a later day's shard (a held
    shard whose records rode along), replaced by a re-summarization, or still waiting."""
    others = [
        [o for o in holders[(day, tid)] if o.shard_id != shard.shard_id] for day, tid, _ in members
    ]
    if shard.state == "held" and members and all(others):
        later = min(o.call_date for group in others for o in group)
        return replace(shard, state="merged", merged_into=later)
    newer = [
        [
            o
            for o in group
            if o.created_at > shard.created_at and o.request_version != shard.request_version
        ]
        for group in others
    ]
    if members and all(newer):
        return replace(shard, obsolete=1)
    return shard


def _timestamp(value: Any) -> float | None:
    return value.timestamp() if hasattr(value, "timestamp") else None
