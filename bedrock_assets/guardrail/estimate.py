"""How long guarding a day takes at the account's quotas, before a single call is made.

Every quota is a rate: the day needs ``requests / requests_per_second`` seconds for the request
quota and ``units / rate`` for each policy's text-unit quota; the limiter runs them all at
once, so the day takes the longest of these, and that quota is the one to raise.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from bedrock_assets.guardrail.quotas import REQUESTS


@dataclass
class GuardrailEstimate:
    requests: int = 0
    units: Counter[str] = field(default_factory=Counter)  # usage key -> text units
    seconds_by_quota: dict[str, float] = field(default_factory=dict)

    @property
    def seconds(self) -> float:
        return max(self.seconds_by_quota.values(), default=0.0)

    @property
    def bottleneck(self) -> str:
        """The quota that sets the day's pace ("none" when nothing is limited)."""
        if not self.seconds_by_quota or self.seconds == 0:
            return "none"
        return max(self.seconds_by_quota, key=lambda k: self.seconds_by_quota[k])

    def summary(self) -> dict[str, object]:
        return {
            "guardrail_estimated_requests": self.requests,
            "guardrail_estimated_text_units": dict(self.units),
            "guardrail_estimated_seconds": round(self.seconds, 1),
            "guardrail_bottleneck_quota": self.bottleneck,
        }


def estimate(
    request_units: Iterable[Mapping[str, int]], rates: Mapping[str, float | None]
) -> GuardrailEstimate:
    """The duration at ``rates`` (limiter bucket -> per second) of requests costing these units."""
    result = GuardrailEstimate()
    for units in request_units:
        result.requests += 1
        result.units.update(units)
    totals: dict[str, Any] = {REQUESTS: result.requests, **result.units}
    result.seconds_by_quota = {
        name: totals.get(name, 0) / rate for name, rate in rates.items() if rate
    }
    return result
