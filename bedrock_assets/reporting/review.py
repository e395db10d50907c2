"""The review queue: every guarded summary a person should look at, and why.

Blocked by the guardrail (denied topic, content or word filter, grounding), below the
grounding threshold, or flagged by the model; exported as parquet and CSV for reviewers.
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa

from bedrock_assets.prompting.flags import NOT_REPORTED
from bedrock_assets.state.layout import StoreLayout
from bedrock_assets.state.objects import ObjectStore
from bedrock_assets.state.tables import iter_rows, write_arrow

REVIEW_COLUMNS = [
    "call_date",
    "record_id",
    "transcript_id",
    "shard_id",
    "job_arn",
    "reasons",
    "guardrail_action",
    "intervened_policies",
    "grounding_score",
    "behavior_flags",
    "guarded_summary",
    "source_tables",
]
REVIEW_SCHEMA = pa.schema(
    [(c, pa.float64() if c == "grounding_score" else pa.string()) for c in REVIEW_COLUMNS]
)
BLOCKING = ("topicPolicy", "contentPolicy", "wordPolicy", "contextualGroundingPolicy")


def review_reasons(row: dict[str, Any], grounding_threshold: float | None) -> list[str]:
    """Why a guarded summary needs a person: blocked, ungrounded, or flagged by the model."""
    reasons = [
        f"guardrail_blocked:{p}"
        for p in (row["intervened_policies"] or "").split(",")
        if p in BLOCKING
    ]
    score = row["grounding_score"]
    if (
        grounding_threshold is not None
        and score is not None
        and score < grounding_threshold
        and "guardrail_blocked:contextualGroundingPolicy" not in reasons
    ):
        reasons.append("failed_grounding")
    flags = row["behavior_flags"] or NOT_REPORTED
    if flags == NOT_REPORTED:
        reasons.append("flags_not_reported")
    elif flags != "none":
        reasons += [f"model_flag:{f}" for f in flags.split(",")]
    return reasons


TOP_ROWS = 10  # shown in the UI; the full queue is in the parquet and CSV files


def reason_kind(reason: str) -> str:
    """``guardrail_blocked:contentPolicy`` -> ``guardrail_blocked``."""
    return reason.split(":")[0]


@dataclass
class ReviewQueue:
    call_date: str
    size: int = 0
    # Summaries per kind of reason: a summary with two model flags counts once under
    # model_flag (the same definition of "flagged" as guarded_summaries' model_flagged).
    by_reason: Counter[str] = field(default_factory=Counter)
    top: list[dict[str, Any]] = field(default_factory=list)
    parquet: str = ""
    csv: str = ""


def build_review_queue(
    store: ObjectStore, layout: StoreLayout, call_date: str, grounding_threshold: float | None
) -> ReviewQueue:
    """Write the day's review queue (parquet and CSV) from its guarded summaries."""
    queue = ReviewQueue(
        call_date,
        parquet=layout.table("summary_review_queue", call_date),
        csv=layout.review_export(call_date),
    )
    sources = json.dumps(
        {
            name: layout.table(name, call_date)
            for name in ("transcripts", "batch_outputs", "guarded_summaries")
        }
    )
    rows = []
    for row in iter_rows(store, layout.table("guarded_summaries", call_date)):
        reasons = review_reasons(row, grounding_threshold)
        if reasons:
            queue.by_reason.update({reason_kind(r) for r in reasons})
            rows.append(
                {
                    **{k: row.get(k) for k in REVIEW_COLUMNS},
                    "reasons": ",".join(reasons),
                    "source_tables": sources,
                }
            )
    write_arrow(store, queue.parquet, pa.Table.from_pylist(rows, schema=REVIEW_SCHEMA))
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=REVIEW_COLUMNS)
    writer.writeheader()
    writer.writerows(rows)
    store.put_bytes(queue.csv, buf.getvalue().encode())
    queue.size = len(rows)
    queue.top = [
        {
            "record_id": r["record_id"],
            "reasons": r["reasons"],
            "action": r["guardrail_action"],
            "grounding": r["grounding_score"],
            "summary": (r["guarded_summary"] or "")[:160],
        }
        for r in rows[:TOP_ROWS]
    ]
    return queue
