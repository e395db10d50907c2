"""Quota-aware, streaming sharding of Bedrock batch input lines.

A *shard* is the input of one batch job: a folder of ``.jsonl`` files. Every shard stays
within the job quotas (records and bytes per job, records and bytes per file) and, where the
day allows it, holds at least the minimum records per job. Memory is bounded by one job's
record ids, not by the day's size. Each record is rendered and encoded (orjson) once: the
sizing pass spools the encoded lines to a local file that the writing pass reads back.
"""

from __future__ import annotations

import hashlib
import math
import struct
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import orjson

from bedrock_assets.batch.record_ids import RECORD_ID_LENGTH, RecordIdAllocator

_BUFFER = 1 << 20  # shard and spool files are written and read in 1 MiB chunks
_LINE_OVERHEAD = len(b'{"recordId": "", "modelInput": }\n') + RECORD_ID_LENGTH


@dataclass(frozen=True)
class Quotas:
    """Bedrock batch inference quotas for one model and Region."""

    min_records_per_job: int = 100
    max_records_per_job: int = 50_000
    max_records_per_file: int = 50_000
    max_file_bytes: int = 200 * 1024**2
    max_job_bytes: int = 1024**3

    def as_metadata(self) -> dict[str, int]:
        return dict(self.__dict__)


class RecordTooLargeError(ValueError):
    """A single input line larger than the per-file byte quota can never be submitted."""


@dataclass
class ShardFile:
    name: str
    path: Path
    records: int = 0
    bytes: int = 0


@dataclass
class Shard:
    index: int
    call_date: str
    files: list[ShardFile] = field(default_factory=list)
    records: int = 0
    bytes: int = 0
    digest: str = ""
    below_minimum: bool = False
    # (record id, call date, transcript id, file name, line in file)
    record_map: list[tuple[str, str, str, str, int]] = field(default_factory=list)
    dates: dict[str, int] = field(default_factory=dict)

    @property
    def shard_id(self) -> str:
        return f"{self.call_date}-{self.index:04d}-{self.digest[:8]}"


def encode_model_input(model_input: dict) -> bytes:
    """Compact UTF-8 JSON (orjson: several times faster than ``json.dumps`` per record)."""
    return orjson.dumps(model_input)


def render_line(record_id: str, encoded_model_input: bytes) -> bytes:
    return (
        b'{"recordId": "' + record_id.encode() + b'", "modelInput": ' + encoded_model_input + b"}\n"
    )


def line_size(encoded_model_input: bytes) -> int:
    return len(encoded_model_input) + _LINE_OVERHEAD


def target_records_per_job(n_records: int, total_bytes: int, quotas: Quotas) -> int:
    """Soft size of each job: spread the day evenly over the fewest jobs the quotas allow."""
    if n_records == 0:
        return 0
    jobs = jobs_needed(n_records, total_bytes, quotas)
    even = math.ceil(n_records / jobs)
    floor = min(quotas.min_records_per_job, quotas.max_records_per_job)
    return min(max(even, floor), quotas.max_records_per_job)


Record = tuple[str, str, bytes]  # (call date, transcript id, encoded modelInput)


def build_shards(
    records: Iterable[Record],
    call_date: str,
    quotas: Quotas,
    target_per_job: int,
    workdir: Path,
    first_index: int = 0,
) -> Iterator[Shard]:
    """Write ``(call_date, transcript_id, encoded modelInput)`` records into shards.

    Files go under ``workdir``. ``call_date`` names the shards; records of other (earlier,
    held) days may ride along and keep their own date in the record map.

    Yields each shard once its files are closed; the caller uploads and may delete them.
    The last shard of a day can fall below the job minimum: it is yielded with
    ``below_minimum=True`` so the caller can hold it rather than have Bedrock fail it.
    """
    allocator = RecordIdAllocator()
    index = first_index
    shard: Shard | None = None
    current: ShardFile | None = None
    fh = None
    hasher = hashlib.sha256()

    def close_shard() -> Shard:
        nonlocal fh, current, shard, hasher
        assert shard is not None
        if fh is not None:
            fh.close()
            fh = None
        shard.digest = hasher.hexdigest()
        shard.below_minimum = shard.records < quotas.min_records_per_job
        done, shard, current = shard, None, None
        hasher = hashlib.sha256()
        allocator.reset()
        return done

    for record_date, transcript_id, encoded in records:
        size = line_size(encoded)
        if size > quotas.max_file_bytes:
            raise RecordTooLargeError(
                f"transcript {transcript_id!r} renders to {size} bytes, above the "
                f"{quotas.max_file_bytes}-byte file quota"
            )
        if shard is not None and (
            shard.records >= target_per_job or shard.bytes + size > quotas.max_job_bytes
        ):
            yield close_shard()
            index += 1
        if shard is None:
            shard = Shard(index=index, call_date=call_date)
        if current is None or (
            current.records >= quotas.max_records_per_file
            or current.bytes + size > quotas.max_file_bytes
        ):
            if fh is not None:
                fh.close()
            name = f"part-{len(shard.files):05d}.jsonl"
            folder = workdir / f"shard-{index:04d}"
            folder.mkdir(parents=True, exist_ok=True)
            current = ShardFile(name=name, path=folder / name)
            shard.files.append(current)
            fh = open(current.path, "wb", buffering=_BUFFER)  # noqa: SIM115 - closed in close_shard
        rid = allocator.allocate(record_date, transcript_id)
        line = render_line(rid, encoded)
        assert fh is not None
        fh.write(line)
        hasher.update(line)
        current.records += 1
        current.bytes += size
        shard.records += 1
        shard.bytes += size
        shard.record_map.append((rid, record_date, transcript_id, current.name, current.records))
        shard.dates[record_date] = shard.dates.get(record_date, 0) + 1
    if shard is not None:
        yield close_shard()


RecordSource = Callable[[], Iterable[Record]]


_SPOOL_HEADER = struct.Struct("<HHI")  # lengths of the call date, transcript id, modelInput


def spool_records(records: Iterable[Record], path: Path) -> tuple[int, int]:
    """First pass: write each encoded record to ``path`` once; count lines and their bytes."""
    n = total = 0
    with open(path, "wb", buffering=_BUFFER) as fh:
        for record_date, transcript_id, encoded in records:
            day, tid = record_date.encode(), transcript_id.encode()
            fh.write(_SPOOL_HEADER.pack(len(day), len(tid), len(encoded)) + day + tid + encoded)
            n += 1
            total += line_size(encoded)
    return n, total


def read_spool(path: Path) -> Iterator[Record]:
    with open(path, "rb", buffering=_BUFFER) as fh:
        while header := fh.read(_SPOOL_HEADER.size):
            day_len, tid_len, size = _SPOOL_HEADER.unpack(header)
            day, tid = fh.read(day_len).decode(), fh.read(tid_len).decode()
            yield day, tid, fh.read(size)


def jobs_needed(n_records: int, total_bytes: int, quotas: Quotas) -> int:
    return max(
        math.ceil(n_records / quotas.max_records_per_job),
        math.ceil(total_bytes / quotas.max_job_bytes),
        1,
    )


@dataclass(frozen=True)
class DayBound:
    """What a day is known to hold before it is rendered: the exact number of records and
    an upper bound of their line bytes (from the table's character counts)."""

    records: int
    max_bytes: int

    def decides(self, quotas: Quotas) -> bool:
        """Whether this alone gives the shard size: the bytes cannot add a job, so the exact
        total (between the record count's and the bound's) would plan the same shards."""
        by_records = jobs_needed(self.records, 0, quotas)
        return jobs_needed(self.records, self.max_bytes, quotas) == by_records


def plan_and_build(
    source: RecordSource,
    call_date: str,
    quotas: Quotas,
    workdir: Path,
    first_index: int = 0,
    bound: DayBound | None = None,
) -> Iterator[Shard]:
    """Shards of an even, quota-safe size, rendering each record once.

    With a ``bound`` that decides the size (the usual day: the record count binds, not the
    bytes), one streaming pass writes the shards. Otherwise a sizing pass spools the encoded
    records under ``workdir`` (the day's input size on local disk, never in memory) and the
    writing pass reads them back. ``source`` is called once either way.
    """
    workdir.mkdir(parents=True, exist_ok=True)
    if bound is not None and bound.decides(quotas):
        target = target_records_per_job(bound.records, bound.max_bytes, quotas)
        yield from build_shards(source(), call_date, quotas, target, workdir, first_index)
        return
    spool = workdir / "records.spool"
    try:
        n, total = spool_records(source(), spool)
        target = target_records_per_job(n, total, quotas)
        yield from build_shards(read_spool(spool), call_date, quotas, target, workdir, first_index)
    finally:
        spool.unlink(missing_ok=True)
