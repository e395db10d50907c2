"""Read a batch job's output (``*.jsonl.out`` + ``manifest.json.out``) and join it by recordId.

Output order is not guaranteed, lines may be missing (failed or stopped jobs) and a job can
be ``Completed`` with every record in error; so every submitted record gets exactly one row:
a success, the record's own error, or ``missing_output`` naming the job's status.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from bedrock_assets.core.batch_files import MANIFEST_KEYS, MANIFEST_NAME, ON_DEMAND_FOLDER
from bedrock_assets.core.flags import split_flags
from bedrock_assets.core.ledger import ShardRow
from bedrock_assets.core.model_families import parse_output, prompt_text
from bedrock_assets.core.prompt import extract_transcript
from bedrock_assets.core.storage import ObjectStore, join_uri


@dataclass
class ShardOutcome:
    """What one shard's job produced. The plain counts cover every line of the job (what the
    manifest describes); ``day_*`` and ``rows`` only the records of the collecting day."""

    shard: ShardRow
    manifest: dict[str, int] | None = None
    lines: int = 0
    successes: int = 0
    errors: int = 0
    missing: int = 0
    duplicate_ids: int = 0
    unknown_ids: int = 0
    malformed_lines: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    day_successes: int = 0
    day_errors: int = 0
    day_missing: int = 0
    day_input_tokens: int = 0
    day_output_tokens: int = 0
    rows: list[dict[str, Any]] = field(default_factory=list)


def job_output_prefix(shard: ShardRow) -> str:
    """Where a shard's output lives: ``{output}/{jobId}`` (batch) or ``{output}/on-demand``."""
    if shard.mode == "on_demand" or shard.state == "on_demand":
        return join_uri(shard.output_uri, ON_DEMAND_FOLDER)
    assert shard.job_id, "shard has no job"
    return join_uri(shard.output_uri, shard.job_id)


def read_manifest(store: ObjectStore, shard: ShardRow) -> dict[str, int] | None:
    if not shard.job_id and shard.mode != "on_demand":
        return None
    uri = join_uri(job_output_prefix(shard), MANIFEST_NAME)
    if not store.exists(uri):
        return None
    data = json.loads(store.read_bytes(uri))
    return {k: int(data.get(k, 0)) for k in MANIFEST_KEYS}


def source_transcript(model_input: Any) -> str:
    """The transcript a record's modelInput asked to summarize (the grounding source)."""
    return extract_transcript(prompt_text(model_input))


def iter_output_lines(store: ObjectStore, shard: ShardRow) -> Iterator[tuple[str, bytes]]:
    for uri in store.list_uris(job_output_prefix(shard) + "/"):
        if uri.endswith(".jsonl.out"):
            for line in store.iter_lines(uri):
                if line.strip():
                    yield uri.rsplit("/", 1)[-1], line


def collect_shard(
    store: ObjectStore, shard: ShardRow, record_map: dict[str, tuple[str, str]], call_date: str
) -> ShardOutcome:
    """Join one shard's output lines to its submitted records.

    ``record_map`` is ``recordId -> (call date, transcript id)`` for every record of the shard;
    rows are produced for the records of ``call_date`` only.
    """
    outcome = ShardOutcome(shard=shard)
    seen: set[str] = set()
    base = {
        "call_date": call_date,
        "shard_id": shard.shard_id,
        "job_arn": shard.job_arn,
        "model_id": shard.model_id,
        "inference_mode": shard.mode,
    }
    has_output = bool(shard.job_id) or shard.mode == "on_demand"
    if has_output:
        outcome.manifest = read_manifest(store, shard)
        for _, raw in iter_output_lines(store, shard):
            outcome.lines += 1
            try:
                line = json.loads(raw)
                rid = line["recordId"]
            except (ValueError, KeyError, TypeError):
                outcome.malformed_lines += 1
                continue
            if rid not in record_map:
                outcome.unknown_ids += 1
                continue
            if rid in seen:
                outcome.duplicate_ids += 1
                continue
            seen.add(rid)
            day, tid = record_map[rid]
            mine = day == call_date
            row = {**base, "record_id": rid, "transcript_id": tid}
            if "error" in line or "modelOutput" not in line:
                err = line.get("error") or {}
                row.update(
                    status="error",
                    error_code=str(err.get("errorCode", "unknown")),
                    error_message=str(err.get("errorMessage", "no modelOutput"))[:500],
                )
                outcome.errors += 1
                outcome.day_errors += mine
            else:
                try:
                    parsed = parse_output(line["modelOutput"])
                except (ValueError, AttributeError, TypeError):
                    row.update(
                        status="error",
                        error_code="unparseable_output",
                        error_message="modelOutput has an unknown shape",
                    )
                    outcome.errors += 1
                    outcome.day_errors += mine
                else:
                    summary, flags = split_flags(parsed.text)
                    row.update(
                        status="success",
                        summary=summary,
                        behavior_flags=flags,
                        stop_reason=parsed.stop_reason,
                        input_tokens=parsed.input_tokens,
                        output_tokens=parsed.output_tokens,
                    )
                    outcome.successes += 1
                    outcome.day_successes += mine
                    if mine:
                        outcome.day_input_tokens += parsed.input_tokens
                        outcome.day_output_tokens += parsed.output_tokens
                    outcome.input_tokens += parsed.input_tokens
                    outcome.output_tokens += parsed.output_tokens
            if mine:
                row["grounding_source"] = source_transcript(line.get("modelInput"))
                outcome.rows.append(row)
    for rid, (day, tid) in record_map.items():
        if rid not in seen:
            outcome.missing += 1
            if day == call_date:
                outcome.day_missing += 1
                outcome.rows.append(
                    {
                        **base,
                        "record_id": rid,
                        "transcript_id": tid,
                        "status": "error",
                        "error_code": "missing_output",
                        "error_message": "record not in the output of a "
                        f"{shard.job_status or 'never-run'} job",
                    }
                )
    return outcome


@dataclass(frozen=True)
class CheckOutcome:
    passed: bool
    description: str
    failures: list[str]


def check_manifest_total(outcomes: list[ShardOutcome]) -> CheckOutcome:
    bad = [
        f"{o.shard.shard_id}: manifest total {o.manifest['totalRecordCount']} != "
        f"{o.shard.record_count} submitted"
        for o in outcomes
        if o.manifest is not None and o.manifest["totalRecordCount"] != o.shard.record_count
    ]
    no_manifest = [
        f"{o.shard.shard_id}: no manifest ({o.shard.job_status})"
        for o in outcomes
        if o.manifest is None and o.shard.job_status in ("Completed", "PartiallyCompleted")
    ]
    return CheckOutcome(
        not bad and not no_manifest,
        "manifest totalRecordCount equals the records submitted",
        bad + no_manifest,
    )


def check_processed_sum(outcomes: list[ShardOutcome]) -> CheckOutcome:
    bad = []
    for o in outcomes:
        m = o.manifest
        if m is None:
            continue
        if m["processedRecordCount"] != m["successRecordCount"] + m["errorRecordCount"]:
            bad.append(
                f"{o.shard.shard_id}: processed {m['processedRecordCount']} != success "
                f"{m['successRecordCount']} + error {m['errorRecordCount']}"
            )
        elif (m["successRecordCount"], m["errorRecordCount"]) != (o.successes, o.errors):
            bad.append(
                f"{o.shard.shard_id}: manifest success/error {m['successRecordCount']}/"
                f"{m['errorRecordCount']} but lines say {o.successes}/{o.errors}"
            )
    return CheckOutcome(
        not bad, "processed = success + error, and both match the output lines", bad
    )


def check_record_ids(outcomes: list[ShardOutcome]) -> CheckOutcome:
    bad = []
    for o in outcomes:
        complete = o.shard.job_status == "Completed"  # batch or on-demand
        if o.duplicate_ids or o.unknown_ids or o.malformed_lines or (complete and o.missing):
            bad.append(
                f"{o.shard.shard_id}: {o.missing} missing, {o.duplicate_ids} duplicated, "
                f"{o.unknown_ids} unknown, {o.malformed_lines} malformed output lines"
            )
    return CheckOutcome(not bad, "every submitted recordId appears exactly once in the output", bad)


def check_token_totals(outcomes: list[ShardOutcome]) -> CheckOutcome:
    bad = [
        f"{o.shard.shard_id}: lines {o.input_tokens}/{o.output_tokens} tokens, manifest "
        f"{o.manifest['inputTokenCount']}/{o.manifest['outputTokenCount']}"
        for o in outcomes
        if o.manifest is not None
        and (o.manifest["inputTokenCount"], o.manifest["outputTokenCount"])
        != (o.input_tokens, o.output_tokens)
    ]
    return CheckOutcome(not bad, "input/output token totals equal the manifest's", bad)


ALL_CHECKS = {
    "manifest_total_matches_submitted": check_manifest_total,
    "manifest_processed_equals_success_plus_error": check_processed_sum,
    "record_ids_exactly_once": check_record_ids,
    "token_totals_match_manifest": check_token_totals,
}


JOB_GAVE_UP = {"Failed": "job_failed", "Expired": "job_expired", "Stopped": "job_stopped"}


@dataclass
class DayMerge:
    """One day's records across all the shards that carried them (first tries and retries).

    A success in any attempt wins; otherwise the last error stands. Only errors are held in
    memory until the end, so memory follows the error count, not the day.
    """

    max_record_attempts: int
    attempts: dict[str, int] = field(default_factory=dict)
    errors: dict[str, dict[str, Any]] = field(default_factory=dict)
    gave_up: dict[str, str] = field(default_factory=dict)

    def add(self, row: dict[str, Any], shard: ShardRow) -> dict[str, Any] | None:
        """Returns the row to write now (a success), or None (an error held until the end)."""
        rid = row["record_id"]
        self.attempts[rid] = self.attempts.get(rid, 0) + 1
        if row["status"] == "success":
            self.errors.pop(rid, None)
            self.gave_up.pop(rid, None)
            return row
        self.errors[rid] = row
        # Missing from a job that exhausted its attempts, or that the user stopped: no retry.
        if row.get("error_code") == "missing_output" and shard.job_status in JOB_GAVE_UP:
            self.gave_up[rid] = (
                "stopped_by_user" if shard.stop_requested else JOB_GAVE_UP[shard.job_status]
            )
        else:
            self.gave_up.pop(rid, None)
        return None

    def finish(self) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """(rows to retry, rows dead-lettered), each marked with its final status."""
        retry, dead = [], []
        for rid, row in self.errors.items():
            attempts = self.attempts[rid]
            if rid in self.gave_up:
                row = {**row, "error_code": self.gave_up[rid]}
            if rid not in self.gave_up and attempts < self.max_record_attempts:
                retry.append({**row, "status": "retrying", "attempts": attempts})
            else:
                dead.append({**row, "status": "dead_letter", "attempts": attempts})
        return retry, dead
