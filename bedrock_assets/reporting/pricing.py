"""Bedrock prices (USD per 1,000 tokens, us-east-1) and the batch-vs-on-demand arithmetic.

Batch inference is billed at 50% of on-demand for the models below. Prices change: this
table is the single place to update them. Guardrail prices are per 1,000 text units.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass

BATCH_DISCOUNT = 0.5


@dataclass(frozen=True)
class ModelPrice:
    input_per_1k: float
    output_per_1k: float


ON_DEMAND_PRICES: dict[str, ModelPrice] = {
    "anthropic.claude-3-haiku-20240307-v1:0": ModelPrice(0.00025, 0.00125),
    "anthropic.claude-3-5-haiku-20241022-v1:0": ModelPrice(0.0008, 0.004),
    "anthropic.claude-3-sonnet-20240229-v1:0": ModelPrice(0.003, 0.015),
    "anthropic.claude-3-5-sonnet-20240620-v1:0": ModelPrice(0.003, 0.015),
    "anthropic.claude-3-5-sonnet-20241022-v2:0": ModelPrice(0.003, 0.015),
    "anthropic.claude-3-7-sonnet-20250219-v1:0": ModelPrice(0.003, 0.015),
    "amazon.nova-micro-v1:0": ModelPrice(0.000035, 0.00014),
    "amazon.nova-lite-v1:0": ModelPrice(0.00006, 0.00024),
    "amazon.nova-pro-v1:0": ModelPrice(0.0008, 0.0032),
    "meta.llama3-1-8b-instruct-v1:0": ModelPrice(0.00022, 0.00022),
    "meta.llama3-1-70b-instruct-v1:0": ModelPrice(0.00072, 0.00072),
    "amazon.titan-text-express-v1": ModelPrice(0.0002, 0.0006),
}

# ApplyGuardrail, per 1,000 text units.
GUARDRAIL_PRICES_PER_1K_UNITS = {
    "topicPolicyUnits": 0.15,
    "contentPolicyUnits": 0.15,
    "sensitiveInformationPolicyUnits": 0.10,
    "contextualGroundingPolicyUnits": 0.10,
    "wordPolicyUnits": 0.0,
    "sensitiveInformationPolicyFreeUnits": 0.0,
}


def guardrail_units_cost(units_by_policy: Mapping[str, float]) -> float:
    """ApplyGuardrail text units per policy (usage keys) at each policy's price."""
    return round(
        sum(
            units_by_policy.get(key, 0) / 1000 * price
            for key, price in GUARDRAIL_PRICES_PER_1K_UNITS.items()
        ),
        6,
    )


def price_for(model_id: str) -> ModelPrice | None:
    """Prices for a model id, a cross-Region profile (``us.``/``eu.``...) or a foundation ARN."""
    key = model_id.rsplit("/", 1)[-1]
    if key in ON_DEMAND_PRICES:
        return ON_DEMAND_PRICES[key]
    _, _, rest = key.partition(".")
    return ON_DEMAND_PRICES.get(rest)


def token_cost(model_id: str, input_tokens: int, output_tokens: int, batch: bool) -> float | None:
    price = price_for(model_id)
    if price is None:
        return None
    cost = input_tokens / 1000 * price.input_per_1k + output_tokens / 1000 * price.output_per_1k
    return round(cost * (BATCH_DISCOUNT if batch else 1.0), 6)


def pricing_version() -> str:
    """A digest of the price tables: a price change marks the cost assets changed."""
    tables = {
        "models": {k: asdict(v) for k, v in sorted(ON_DEMAND_PRICES.items())},
        "guardrail": GUARDRAIL_PRICES_PER_1K_UNITS,
        "batch_discount": BATCH_DISCOUNT,
    }
    return "prices-" + hashlib.sha256(json.dumps(tables, sort_keys=True).encode()).hexdigest()[:12]
