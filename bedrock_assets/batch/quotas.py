"""Batch quotas in force: configuration, overridden by what Service Quotas says for the model.

Precedence: a ``BEDROCK_ASSETS_*`` variable set explicitly always wins; otherwise the
account's applied value from Service Quotas (AWS backend, when the role may read it);
otherwise the configured default. Every value comes back with where it came from, so the
sensor's logs and the shards' metadata show the quotas in force and their source.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from bedrock_assets.batch.sharding import Quotas
from bedrock_assets.prompting.model_families import base_model_id

GIB = 1024**3

# Service Quotas names carry the model's display name ("... for Claude 3 Haiku").
MODEL_DISPLAY_NAMES = {
    "anthropic.claude-3-haiku": "Claude 3 Haiku",
    "anthropic.claude-3-5-haiku": "Claude 3.5 Haiku",
    "anthropic.claude-3-sonnet": "Claude 3 Sonnet",
    "anthropic.claude-3-5-sonnet-20240620": "Claude 3.5 Sonnet",
    "anthropic.claude-3-5-sonnet-20241022": "Claude 3.5 Sonnet v2",
    "anthropic.claude-3-7-sonnet": "Claude 3.7 Sonnet",
    "anthropic.claude-3-opus": "Claude 3 Opus",
    "amazon.nova-micro": "Nova Micro",
    "amazon.nova-lite": "Nova Lite",
    "amazon.nova-pro": "Nova Pro",
    "meta.llama3-1-8b-instruct": "Llama 3.1 8B Instruct",
    "meta.llama3-1-70b-instruct": "Llama 3.1 70B Instruct",
    "amazon.titan-text-express": "Titan Text G1 - Express",
}


def _gib(value: float) -> int:
    return int(value * GIB)


def _count(value: float) -> int:
    return int(value)


# (setting, test on the lower-cased quota name, conversion of the quota's value)
RULES: list[tuple[str, Callable[[str], bool], Callable[[float], int]]] = [
    (
        "min_records_per_job",
        lambda n: "minimum" in n and "records per batch inference job" in n,
        _count,
    ),
    (
        "max_records_per_file",
        lambda n: "records per input file per batch inference job" in n,
        _count,
    ),
    (
        "max_records_per_job",
        lambda n: (
            "records per batch inference job" in n and "minimum" not in n and "input file" not in n
        ),
        _count,
    ),
    ("max_file_bytes", lambda n: "batch inference input file size" in n, _gib),
    ("max_job_bytes", lambda n: "batch inference job size" in n, _gib),
    (
        "max_concurrent_jobs",
        lambda n: (
            "batch inference jobs" in n
            and "custom model" not in n
            and ("in-progress and submitted" in n or "concurrent" in n)
        ),
        _count,
    ),
]
QUOTA_FIELDS = [field for field, _, _ in RULES]


def display_name(model_id: str) -> str | None:
    base = base_model_id(model_id)
    matches = [name for prefix, name in MODEL_DISPLAY_NAMES.items() if base.startswith(prefix)]
    return max(matches, key=len) if matches else None


def read_service_quotas(client: Any, model_id: str) -> dict[str, int]:
    """The applied batch quotas for ``model_id`` from Service Quotas (``ServiceCode=bedrock``)."""
    name = display_name(model_id)
    if name is None:
        return {}
    suffix = f" for {name}".lower()
    found: dict[str, int] = {}
    pages = client.get_paginator("list_service_quotas").paginate(
        ServiceCode="bedrock", PaginationConfig={"PageSize": 100}
    )
    for quota in (q for page in pages for q in page.get("Quotas", [])):
        qname = quota.get("QuotaName", "").lower()
        if not qname.endswith(suffix) or "Value" not in quota:
            continue
        for field, matches, convert in RULES:
            if field not in found and matches(qname):
                found[field] = convert(float(quota["Value"]))
                break
    return found


@dataclass(frozen=True)
class QuotasInForce:
    values: dict[str, int]
    sources: dict[str, str]

    def describe(self) -> str:
        return ", ".join(f"{k}={v} ({self.sources[k]})" for k, v in self.values.items())

    @property
    def max_concurrent_jobs(self) -> int:
        return self.values["max_concurrent_jobs"]

    def sharding(self) -> Quotas:
        """The quotas a shard must fit (all but the concurrency quota)."""
        return Quotas(**{k: v for k, v in self.values.items() if k != "max_concurrent_jobs"})


def resolve(
    configured: dict[str, int], explicit: set[str], fetch: Callable[[], dict[str, int]] | None
) -> QuotasInForce:
    """Merge configuration, explicit overrides and (optionally) Service Quotas."""
    fetched: dict[str, int] = {}
    note = "configuration"
    if fetch is not None:
        try:
            fetched = fetch()
        except (ClientError, BotoCoreError) as exc:
            code = exc.response["Error"]["Code"] if isinstance(exc, ClientError) else "error"
            note = f"configuration (Service Quotas unavailable: {code})"
    values, sources = {}, {}
    for field in QUOTA_FIELDS:
        if field in explicit or field not in fetched:
            values[field] = configured[field]
            sources[field] = "BEDROCK_ASSETS override" if field in explicit else note
        else:
            values[field] = fetched[field]
            sources[field] = "Service Quotas"
    return QuotasInForce(values, sources)


class QuotaCache:
    """Service Quotas changes rarely: ask once an hour per process, not every sensor tick."""

    def __init__(self, ttl: float = 3600.0, clock: Callable[[], float] = time.monotonic):
        self.ttl, self.clock = ttl, clock
        self._entries: dict[tuple, tuple[float, QuotasInForce]] = {}

    def get(self, key: tuple, compute: Callable[[], QuotasInForce]) -> QuotasInForce:
        hit = self._entries.get(key)
        if hit and self.clock() - hit[0] < self.ttl:
            return hit[1]
        value = compute()
        self._entries[key] = (self.clock(), value)
        return value
