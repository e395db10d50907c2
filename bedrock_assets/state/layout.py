"""Where everything lives in the bucket: landing, batch input and output, tables, exports.

One frozen description of the bucket and its prefixes, so every URI is built in one place
and the local folder and S3 hold the same keys.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class StoreLayout:
    bucket: str
    landing_prefix: str = "landing"
    input_prefix: str = "batch-input"
    output_prefix: str = "batch-output"
    tables_prefix: str = "tables"
    exports_prefix: str = "exports"

    def uri(self, *parts: str) -> str:
        key = "/".join(p.strip("/") for p in parts if p)
        return f"s3://{self.bucket}/{key}"

    def landing(self, call_date: str) -> str:
        """The day's landing area (a prefix, with its trailing slash)."""
        return self.uri(self.landing_prefix, call_date) + "/"

    def shard_input(self, call_date: str, shard_id: str) -> str:
        return self.uri(self.input_prefix, call_date, shard_id) + "/"

    def shard_output(self, call_date: str, shard_id: str) -> str:
        return self.uri(self.output_prefix, call_date, shard_id) + "/"

    def shard_manifest(self, call_date: str, shard_id: str) -> str:
        """What the ledger was told when the shard was registered (``tables/shards/``): with
        the record maps and Bedrock's job list, enough to rebuild a lost ledger."""
        return self.uri(self.tables_prefix, "shards", call_date, f"{shard_id}.json")

    def ledger_marker(self) -> str:
        """The id of the ledger this store's shards are registered in."""
        return self.uri(self.tables_prefix, "ledger.json")

    def shard_manifests(self) -> str:
        return self.uri(self.tables_prefix, "shards") + "/"

    def tables(self) -> str:
        return self.uri(self.tables_prefix)

    def table(self, name: str, call_date: str) -> str:
        """``tables/<name>/<date>.parquet``; ``name`` may hold a sub-folder."""
        return self.uri(self.tables_prefix, name, f"{call_date}.parquet")

    def system_card(self, call_date: str) -> str:
        return self.uri(self.output_prefix, call_date, "SYSTEM_CARD.md")

    def review_export(self, call_date: str) -> str:
        return self.uri(self.exports_prefix, "review_queue", f"{call_date}.csv")
