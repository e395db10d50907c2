"""ApplyGuardrail quotas in force: requests per second, text units per second per policy, and
the largest grounding source.

ApplyGuardrail is throttled per account and Region on requests and, separately, on the text
units each policy processes (1 text unit = up to 1,000 characters). The defaults below are
Bedrock's published ones (Amazon Bedrock quotas, AWS General Reference): us-east-1 and
us-west-2 get the larger ones. Precedence as for the batch quotas: a ``BEDROCK_ASSETS_*``
variable set explicitly wins, then the account's applied value from Service Quotas (AWS
backend), then the Region's default. Every value comes back with where it came from.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

TEXT_UNIT_CHARS = 1000
REQUESTS = "requests"  # the limiter's bucket for requests; the others are ApplyGuardrail usage keys
# Setting (without the guardrail_ prefix) -> the limiter bucket it sizes.
RATE_FIELDS = {
    "requests_per_second": REQUESTS,
    "content_units_per_second": "contentPolicyUnits",
    "topic_units_per_second": "topicPolicyUnits",
    "pii_units_per_second": "sensitiveInformationPolicyUnits",
    "word_units_per_second": "wordPolicyUnits",
    "grounding_units_per_second": "contextualGroundingPolicyUnits",
}
QUOTA_FIELDS = (*RATE_FIELDS, "grounding_source_max_units")
LARGE_QUOTA_REGIONS = frozenset({"us-east-1", "us-west-2"})
_DEFAULTS = {
    True: {  # us-east-1, us-west-2
        "requests_per_second": 50.0,
        "content_units_per_second": 200.0,
        "topic_units_per_second": 50.0,
        "pii_units_per_second": 200.0,
        "word_units_per_second": 200.0,
        "grounding_units_per_second": 106.0,
        "grounding_source_max_units": 100.0,
    },
    False: {
        "requests_per_second": 25.0,
        "content_units_per_second": 25.0,
        "topic_units_per_second": 25.0,
        "pii_units_per_second": 25.0,
        "word_units_per_second": 25.0,
        "grounding_units_per_second": 53.0,
        "grounding_source_max_units": 50.0,
    },
}


def default_quotas(region: str) -> dict[str, float]:
    """Bedrock's default ApplyGuardrail quotas in ``region``."""
    return dict(_DEFAULTS[region in LARGE_QUOTA_REGIONS])


def text_units(chars: int) -> int:
    return math.ceil(chars / TEXT_UNIT_CHARS) if chars else 0


# (setting, test on the lower-cased Service Quotas name)
RULES: list[tuple[str, Callable[[str], bool]]] = [
    ("requests_per_second", lambda n: "requests per second" in n),
    ("content_units_per_second", lambda n: "content filter" in n and "text units" in n),
    ("topic_units_per_second", lambda n: "denied topic" in n and "text units" in n),
    ("pii_units_per_second", lambda n: "sensitive information" in n and "text units" in n),
    ("word_units_per_second", lambda n: "word filter" in n and "text units" in n),
    ("grounding_units_per_second", lambda n: "contextual grounding" in n and "text units" in n),
]


def read_service_quotas(client: Any) -> dict[str, float]:
    """The account's applied ApplyGuardrail quotas (``ServiceCode=bedrock``), per setting."""
    found: dict[str, float] = {}
    pages = client.get_paginator("list_service_quotas").paginate(
        ServiceCode="bedrock", PaginationConfig={"PageSize": 100}
    )
    for quota in (q for page in pages for q in page.get("Quotas", [])):
        name = quota.get("QuotaName", "").lower()
        if "applyguardrail" not in name.replace(" ", "") or "Value" not in quota:
            continue
        for field, matches in RULES:
            if field not in found and matches(name):
                found[field] = float(quota["Value"])
                break
    return found


@dataclass(frozen=True)
class GuardrailQuotas:
    """The quotas a day is guarded at; ``None`` rates are unlimited (the local engine)."""

    values: Mapping[str, float | None]
    sources: Mapping[str, str]

    @property
    def rates(self) -> dict[str, float | None]:
        """Limiter bucket -> per-second rate."""
        return {bucket: self.values[field] for field, bucket in RATE_FIELDS.items()}

    @property
    def grounding_source_max_units(self) -> int:
        return int(self.values["grounding_source_max_units"] or 0)

    @property
    def grounding_source_max_chars(self) -> int:
        return self.grounding_source_max_units * TEXT_UNIT_CHARS

    def describe(self) -> str:
        return ", ".join(f"{k}={v} ({self.sources[k]})" for k, v in self.values.items())


def resolve_guardrail_quotas(
    region: str,
    explicit: Mapping[str, float],
    fetch: Callable[[], dict[str, float]] | None,
    enforce_rates: bool = True,
) -> GuardrailQuotas:
    """Explicit settings, then Service Quotas (``fetch``), then the Region's defaults.

    Without ``enforce_rates`` (the local engine, which does not throttle) the rates not set
    explicitly are unlimited; the grounding-source limit always holds, as in Bedrock.
    """
    fetched: dict[str, float] = {}
    note = f"default for {region}"
    if fetch is not None:
        try:
            fetched = fetch()
        except (ClientError, BotoCoreError) as exc:
            code = exc.response["Error"]["Code"] if isinstance(exc, ClientError) else "error"
            note += f" (Service Quotas unavailable: {code})"
    defaults = default_quotas(region)
    values: dict[str, float | None] = {}
    sources: dict[str, str] = {}
    for field in QUOTA_FIELDS:
        if field in explicit:
            values[field], sources[field] = explicit[field], "BEDROCK_ASSETS override"
        elif field in fetched:
            values[field], sources[field] = fetched[field], "Service Quotas"
        elif enforce_rates or field not in RATE_FIELDS:
            values[field], sources[field] = defaults[field], note
        else:
            values[field], sources[field] = None, "unlimited (local engine)"
    return GuardrailQuotas(values, sources)
