"""The manifest checks of a day's jobs: the manifest against the shards and the lines.

Each check returns whether it passed and, if not, one line per offending shard; the
``batch_job_outputs`` asset publishes them as blocking asset checks.
"""

from __future__ import annotations

from dataclasses import dataclass

from bedrock_assets.batch.join import ShardOutcome


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
