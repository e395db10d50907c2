"""What every asset of the code location carries, the Dagster way: groups that mirror the
domains, owners and tags, code versions from what the output depends on, partitioned checks,
freshness, and table metadata (row count, column schema, an openable URI)."""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pyarrow as pa
from dagster import (
    AssetCheckSpec,
    FreshnessPolicy,
    MetadataValue,
    PartitionsDefinition,
    PreviewWarning,
    TableColumn,
    TableSchema,
)

# Groups mirror the domain packages (bedrock_assets/<domain>/).
INGEST, BATCH, GUARDRAIL, REPORTING = "ingest", "batch", "guardrail", "reporting"


@dataclass(frozen=True)
class Conventions:
    partitions: PartitionsDefinition
    owners: tuple[str, ...]
    timezone: str
    request_version: str  # prompt, model and generation settings (RequestSpec.version)
    guardrail_version: str  # guardrail id, version and policy digest (GuardrailSpec.key)
    pricing_version: str  # the price tables (reporting/pricing.py)
    schedule_hour: int = 6

    def tags(self, domain: str) -> dict[str, str]:
        return {"domain": domain, "pipeline": "bedrock_assets"}

    def asset(self, domain: str, **extra: Any) -> dict[str, Any]:
        """The @asset arguments every asset shares."""
        return {
            "partitions_def": self.partitions,
            "group_name": domain,
            "owners": list(self.owners),
            "tags": self.tags(domain),
            **extra,
        }

    def check(
        self, name: str, asset: str, description: str, blocking: bool = False
    ) -> AssetCheckSpec:
        """A check evaluated per partition (one result per day, shown per partition)."""
        with warnings.catch_warnings():  # partitioned checks are a preview in Dagster 1.13
            warnings.simplefilter("ignore", PreviewWarning)
            return AssetCheckSpec(
                name,
                asset=asset,
                description=description,
                blocking=blocking,
                partitions_def=self.partitions,
            )

    def daily_freshness(self, hours_after_schedule: int) -> FreshnessPolicy:
        """The previous day is expected within ``hours_after_schedule`` of the schedule."""
        deadline = (self.schedule_hour + hours_after_schedule) % 24
        return FreshnessPolicy.cron(
            deadline_cron=f"0 {deadline} * * *",
            lower_bound_delta=timedelta(hours=24),
            timezone=self.timezone,
        )


def column_schema(schema: pa.Schema) -> TableSchema:
    return TableSchema(columns=[TableColumn(f.name, str(f.type)) for f in schema])


# The batch input files are JSONL, one Bedrock batch record a line (DESIGN.md section 3).
BATCH_INPUT_LINE = TableSchema(
    columns=[
        TableColumn("recordId", "string", description="11 alphanumerics, unique in a job"),
        TableColumn("modelInput", "json", description="the model's InvokeModel/Converse body"),
    ]
)


def table_metadata(
    location: dict[str, Any], rows: int, schema: pa.Schema | TableSchema | None = None
) -> dict[str, Any]:
    """Dagster's standard table metadata: row count, column schema, where it is."""
    out: dict[str, Any] = {"dagster/row_count": int(rows), **location}
    if isinstance(schema, pa.Schema):
        out["dagster/column_schema"] = column_schema(schema)
    elif schema is not None:
        out["dagster/column_schema"] = schema
    return out


def table_rows(rows: list[dict[str, Any]]) -> MetadataValue:
    """A few rows as a table in the UI (values kept short)."""
    from dagster import TableRecord

    if not rows:
        return MetadataValue.md("none")
    columns = list(rows[0])
    schema = TableSchema(columns=[TableColumn(c) for c in columns])
    records = [TableRecord({c: _short(r.get(c)) for c in columns}) for r in rows]
    return MetadataValue.table(records, schema=schema)


def _short(value: Any) -> str | int | float | bool | None:
    if value is None or isinstance(value, bool | int | float):
        return value
    return str(value)
