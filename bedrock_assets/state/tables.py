"""Parquet tables in the object store, written and read in bounded batches."""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from bedrock_assets.state.objects import LocalObjectStore, ObjectStore


class TableWriter:
    """Buffers rows and writes row groups, so memory is one batch, not the table."""

    def __init__(
        self,
        store: ObjectStore,
        uri: str,
        schema: pa.Schema,
        batch_rows: int = 5000,
        metadata: dict[str, str] | None = None,
    ):
        if metadata:
            schema = schema.with_metadata({k.encode(): v.encode() for k, v in metadata.items()})
        self.store, self.uri, self.schema, self.batch_rows = store, uri, schema, batch_rows
        self._tmp = tempfile.NamedTemporaryFile(suffix=".parquet", delete=False)  # noqa: SIM115
        self._tmp.close()
        self._writer = pq.ParquetWriter(self._tmp.name, schema, compression="zstd")
        self._rows: list[dict[str, Any]] = []
        self.count = 0

    def write(self, row: dict[str, Any]) -> None:
        self._rows.append(row)
        self.count += 1
        if len(self._rows) >= self.batch_rows:
            self._flush()

    def _flush(self) -> None:
        if self._rows:
            self._writer.write_table(pa.Table.from_pylist(self._rows, schema=self.schema))
            self._rows = []

    def close(self) -> None:
        self._flush()
        self._writer.close()
        try:
            self.store.upload_file(Path(self._tmp.name), self.uri)
        finally:
            Path(self._tmp.name).unlink(missing_ok=True)

    def abort(self) -> None:
        self._writer.close()
        Path(self._tmp.name).unlink(missing_ok=True)

    def __enter__(self) -> TableWriter:
        return self

    def __exit__(self, exc_type: object, *_: object) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()


@contextmanager
def local_copy(store: ObjectStore, uri: str) -> Iterator[Path]:
    """A readable local path for ``uri`` (the file itself for the local store)."""
    if isinstance(store, LocalObjectStore):
        yield store.path_for(uri)
        return
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "table.parquet"
        store.download_file(uri, path)
        yield path


def iter_rows(
    store: ObjectStore, uri: str, columns: list[str] | None = None, batch_size: int = 5000
) -> Iterator[dict[str, Any]]:
    with local_copy(store, uri) as path:
        pf = pq.ParquetFile(path)
        for batch in pf.iter_batches(batch_size=batch_size, columns=columns):
            yield from batch.to_pylist()


def table_metadata(store: ObjectStore, uri: str) -> dict[str, str]:
    """A table's key-value metadata (empty when the table does not exist)."""
    if not store.exists(uri):
        return {}
    with local_copy(store, uri) as path:
        raw = pq.read_schema(path).metadata or {}
    return {k.decode(): v.decode() for k, v in raw.items() if not k.startswith(b"ARROW")}


def iter_filtered(
    path: Path, where: Any, columns: list[str] | None = None, batch_size: int = 2000
) -> Iterator[dict[str, Any]]:
    """Rows of a local parquet file matching a ``pyarrow.dataset`` expression, streamed."""
    import pyarrow.dataset as ds

    dataset = ds.dataset(path, format="parquet")
    for batch in dataset.to_batches(columns=columns, filter=where, batch_size=batch_size):
        yield from batch.to_pylist()


def read_table(store: ObjectStore, uri: str, columns: list[str] | None = None) -> pa.Table:
    with local_copy(store, uri) as path:
        return pq.read_table(path, columns=columns)


def write_rows(
    store: ObjectStore, uri: str, schema: pa.Schema, rows: Iterable[dict[str, Any]]
) -> int:
    with TableWriter(store, uri, schema) as writer:
        for row in rows:
            writer.write(row)
    return writer.count


def write_arrow(store: ObjectStore, uri: str, data: pa.Table) -> None:
    """Write a small, already materialised table (for example a per-day metrics row)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "table.parquet"
        pq.write_table(data, path, compression="zstd")
        store.upload_file(path, uri)


def count_rows(store: ObjectStore, uri: str) -> int:
    """Rows of a table, 0 when it does not exist (yet)."""
    return read_table(store, uri, columns=[]).num_rows if store.exists(uri) else 0
