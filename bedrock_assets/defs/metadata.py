"""Domain results -> Dagster metadata (the only place that knows Dagster's metadata types)."""

from collections.abc import Iterable, Mapping
from typing import Any

from dagster import AssetCheckResult, AssetCheckSeverity, MetadataValue

from bedrock_assets.batch.checks import CheckOutcome
from bedrock_assets.markdown import Markdown


def to_metadata(values: Mapping[str, Any]) -> dict[str, Any]:
    """Plain values as they are; :class:`Markdown` rendered as Markdown."""
    return {k: MetadataValue.md(v) if isinstance(v, Markdown) else v for k, v in values.items()}


def log_all(log: Any, info: Iterable[str] = (), warnings: Iterable[str] = ()) -> None:
    for line in info:
        log.info(line)
    for line in warnings:
        log.warning(line)


def check_results(
    checks: Mapping[str, CheckOutcome], severity: AssetCheckSeverity, **metadata: Any
) -> list[AssetCheckResult]:
    """One Dagster check result per domain check, with its failures as a Markdown list."""
    return [
        AssetCheckResult(
            check_name=name,
            passed=check.passed,
            severity=severity,
            metadata=to_metadata(
                {"failures": Markdown("\n".join(f"- {f}" for f in check.failures) or "none")}
                | metadata
            ),
        )
        for name, check in checks.items()
    ]
