"""The schema of every table the pipeline writes: one parquet file per table and call date.

Column names are the contract with readers (the report, the review queue, downstream users),
so they live in one place.
"""

from __future__ import annotations

import pyarrow as pa

# ApplyGuardrail usage keys -> the GUARDED columns that keep them per record.
POLICY_UNIT_COLUMNS = {
    "topicPolicyUnits": "topic_policy_units",
    "contentPolicyUnits": "content_policy_units",
    "wordPolicyUnits": "word_policy_units",
    "sensitiveInformationPolicyUnits": "sensitive_information_policy_units",
    "sensitiveInformationPolicyFreeUnits": "sensitive_information_policy_free_units",
    "contextualGroundingPolicyUnits": "contextual_grounding_policy_units",
}

TRANSCRIPTS = pa.schema(
    [
        ("transcript_id", pa.string()),
        ("call_date", pa.string()),
        ("source_file", pa.string()),
        ("source_format", pa.string()),
        ("role_source", pa.string()),
        ("transcript", pa.string()),
        ("turn_count", pa.int32()),
        ("char_count", pa.int64()),
        ("content_sha256", pa.string()),
    ]
)
QUARANTINE = pa.schema(
    [
        ("call_date", pa.string()),
        ("source_file", pa.string()),
        ("line", pa.int64()),
        ("transcript_id", pa.string()),
        ("reason", pa.string()),
        ("detail", pa.string()),
    ]
)
RECORD_MAP = pa.schema(
    [
        ("record_id", pa.string()),
        ("call_date", pa.string()),
        ("transcript_id", pa.string()),
        ("shard_id", pa.string()),
        ("file_name", pa.string()),
        ("line", pa.int64()),
    ]
)
BATCH_OUTPUTS = pa.schema(
    [
        ("call_date", pa.string()),
        ("record_id", pa.string()),
        ("transcript_id", pa.string()),
        ("shard_id", pa.string()),
        ("job_arn", pa.string()),
        ("model_id", pa.string()),
        ("inference_mode", pa.string()),
        ("status", pa.string()),
        ("summary", pa.string()),
        ("behavior_flags", pa.string()),
        ("stop_reason", pa.string()),
        ("input_tokens", pa.int64()),
        ("output_tokens", pa.int64()),
        ("error_code", pa.string()),
        ("error_message", pa.string()),
        ("grounding_source", pa.string()),
    ]
)
DEAD_LETTERS = pa.schema(
    [
        ("call_date", pa.string()),
        ("record_id", pa.string()),
        ("transcript_id", pa.string()),
        ("shard_id", pa.string()),
        ("job_arn", pa.string()),
        ("attempts", pa.int32()),
        ("error_code", pa.string()),
        ("error_message", pa.string()),
    ]
)

GUARDED = pa.schema(
    [
        ("call_date", pa.string()),
        ("record_id", pa.string()),
        ("transcript_id", pa.string()),
        ("shard_id", pa.string()),
        ("job_arn", pa.string()),
        ("guarded_summary", pa.string()),
        ("behavior_flags", pa.string()),
        ("guardrail_action", pa.string()),
        ("intervened_policies", pa.string()),
        ("pii_types", pa.string()),
        ("pii_count", pa.int32()),
        ("grounding_score", pa.float64()),
        ("relevance_score", pa.float64()),
        # What the summary was grounded on: the whole call ("full") or, for a call longer
        # than ApplyGuardrail's grounding-source limit, its relevant passages.
        ("grounding_source_strategy", pa.string()),
        ("grounding_source_chars", pa.int64()),
        ("grounding_source_windows", pa.int32()),
        ("text_units", pa.int64()),
        *[(column, pa.int64()) for column in POLICY_UNIT_COLUMNS.values()],
        ("guardrail_id", pa.string()),
        ("guardrail_version", pa.string()),
        ("prompt_version", pa.string()),
    ]
)

# token_usage_metrics: one row per day, model and inference mode.
METRICS = pa.schema(
    [
        ("call_date", pa.string()),
        ("model_id", pa.string()),
        ("inference_mode", pa.string()),
        ("records", pa.int64()),
        ("successes", pa.int64()),
        ("dead_lettered", pa.int64()),
        ("retrying", pa.int64()),
        ("input_tokens", pa.int64()),
        ("output_tokens", pa.int64()),
        ("cost_usd", pa.float64()),
        ("on_demand_cost_usd", pa.float64()),
        ("guardrail_text_units", pa.int64()),
        ("guardrail_cost_usd", pa.float64()),
    ]
)
