"""What a batch job will cost before it is submitted, for the daily budget.

An upper bound from what the ledger knows of a shard: input tokens from the JSONL bytes
(about 4 characters a token, prompt included), output tokens at ``max_tokens`` per record, at
the batch price; and the guardrail's text units for each summary and its grounding source, at
the policies' prices. Over-estimating keeps the promise: the sensor never submits work whose
cost could take the day past its budget.
"""

from __future__ import annotations

from dataclasses import dataclass

from bedrock_assets.reporting.pricing import GUARDRAIL_PRICES_PER_1K_UNITS, token_cost
from bedrock_assets.state.ledger import ShardRow

CHARS_PER_TOKEN = 4
TEXT_UNIT_CHARS = 1000
GROUNDING_SOURCE_UNITS = 100  # ApplyGuardrail's grounding-source limit (us-east-1/us-west-2)


@dataclass(frozen=True)
class CostModel:
    max_tokens: int
    default_model_id: str

    def inference(self, shard: ShardRow) -> float:
        tokens_in = shard.byte_count // CHARS_PER_TOKEN
        tokens_out = shard.record_count * self.max_tokens
        cost = token_cost(shard.model_id or self.default_model_id, tokens_in, tokens_out, True)
        return cost or 0.0

    def guardrail(self, shard: ShardRow) -> float:
        summary_units = -(-self.max_tokens * CHARS_PER_TOKEN // TEXT_UNIT_CHARS)
        per_record_source = shard.byte_count / max(shard.record_count, 1)
        source_units = min(GROUNDING_SOURCE_UNITS, -(-int(per_record_source) // TEXT_UNIT_CHARS))
        per_1k = sum(GUARDRAIL_PRICES_PER_1K_UNITS.values())
        return shard.record_count * (summary_units + source_units) * per_1k / 1000

    def shard_cost(self, shard: ShardRow) -> float:
        return round(self.inference(shard) + self.guardrail(shard), 6)
