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

from bedrock_assets.batch.contract import (
    MANIFEST_KEYS,
    MANIFEST_NAME,
    ON_DEMAND_FOLDER,
    OUTPUT_SUFFIX,
)
from bedrock_assets.prompting.flags import split_flags
from bedrock_assets.prompting.model_families import parse_output, prompt_text
from bedrock_assets.prompting.prompt import extract_transcript
from bedrock_assets.state.ledger import ShardRow
from bedrock_assets.state.objects import ObjectStore, join_uri


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
        if uri.endswith(OUTPUT_SUFFIX):
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
