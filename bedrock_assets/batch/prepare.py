"""A day's transcripts -> quota-safe JSONL shards in the object store, registered in the ledger.

Earlier days' held records ride along first (oldest first, while their wait allows it); the
day's own transcripts follow, each rendered into the model's request body. Two streaming
passes size the day and write shards of an even size; memory is bounded by one job.
"""

from __future__ import annotations

import hashlib
import math
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path

from bedrock_assets.batch.policy import BelowMinimumPolicy
from bedrock_assets.batch.recovery import bind_ledger
from bedrock_assets.batch.shard_files import iter_shard_lines, load_record_map, publish_shard
from bedrock_assets.batch.sharding import (
    DayBound,
    Quotas,
    Record,
    encode_model_input,
    line_size,
    plan_and_build,
)
from bedrock_assets.markdown import md_table
from bedrock_assets.prompting.model_families import RequestSpec
from bedrock_assets.state.layout import StoreLayout
from bedrock_assets.state.ledger import Ledger, ShardRow
from bedrock_assets.state.objects import ObjectStore
from bedrock_assets.state.tables import iter_rows


@dataclass
class PrepareResult:
    call_date: str
    request_version: str = ""
    already_sent: int = 0  # calls of the day sent before (kept, not sent again)
    obsolete: list[ShardRow] = field(default_factory=list)  # replaced by a re-summarization
    shards: list[ShardRow] = field(default_factory=list)
    carried: list[ShardRow] = field(default_factory=list)
    changes: dict[str, int] = field(default_factory=dict)
    data_version: str = ""

    @property
    def held(self) -> list[ShardRow]:
        return [r for r in self.shards if r.state == "held"]

    @property
    def records(self) -> int:
        return sum(r.record_count for r in self.shards)

    def summary(self) -> dict[str, object]:
        """What was prepared, for people: counts and one row per shard."""
        return {
            "records": self.records,
            "shards": len(self.shards),
            "held_shards": len(self.held),
            "held_records": sum(r.record_count for r in self.held),
            "bytes": sum(r.byte_count for r in self.shards),
            "ledger_changes": self.changes,
            "carried_records": sum(h.record_count for h in self.carried),
            "calls_already_sent": self.already_sent,
            "request_version": self.request_version,
            "shards_replaced_by_resummarization": len(self.obsolete),
            "shard_table": md_table(
                ["shard", "records", "files", "bytes", "state"],
                [
                    (r.shard_id, r.record_count, r.file_count, r.byte_count, r.state)
                    for r in self.shards[:50]
                ],
            ),
        }

    def logs(self, min_records_per_job: int) -> tuple[list[str], list[str]]:
        """``(info lines, warning lines)`` describing what was prepared."""
        info = [
            f"carried {h.record_count} held records of {h.call_date} ({h.shard_id}) into "
            f"{self.call_date}'s jobs"
            for h in self.carried
        ]
        warnings = [
            f"shard {r.shard_id} holds {r.record_count} records, below the "
            f"{min_records_per_job}-record job minimum: held, not submitted"
            for r in self.held
        ]
        info.append(
            f"{self.call_date}: {self.records} new records in {len(self.shards)} shards "
            f"({len(self.held)} held), {self.already_sent} calls already sent and kept; "
            f"ledger {self.changes}"
        )
        info += [
            f"{s.shard_id} ({s.request_version or 'an older version'}) is history now: "
            "re-summarized under the current version"
            for s in self.obsolete
        ]
        return info, warnings


def batched(rows: Iterable[dict[str, str]], size: int) -> Iterator[list[dict[str, str]]]:
    it = iter(rows)
    while chunk := list(islice(it, size)):
        yield chunk


def line_bound(request: RequestSpec) -> tuple[int, int]:
    """``(bytes per transcript character at most, bytes of a line around it)``: a character
    encodes to at most 6 bytes of JSON (``\\uXXXX``), once per copy the body holds."""
    empty = line_size(encode_model_input(request.body("")))
    copies = math.ceil((line_size(encode_model_input(request.body("x" * 100))) - empty) / 100)
    return 6 * copies, empty


def held_records(store: ObjectStore, layout: StoreLayout, held: ShardRow) -> Iterator[Record]:
    """A held shard's records as ``(call date, transcript id, modelInput)``, as prepared."""
    owners = load_record_map(store, layout, held)
    for _, line in iter_shard_lines(store, held):
        day, tid = owners[line["recordId"]]
        yield day, tid, encode_model_input(line["modelInput"])


def prepare_day(
    store: ObjectStore,
    layout: StoreLayout,
    ledger: Ledger,
    call_date: str,
    request: RequestSpec,
    quotas: Quotas,
    policy: BelowMinimumPolicy,
    redact: Callable[[str], str] | None = None,
    now: Callable[[], float] = time.time,
    resummarize: bool = False,
) -> PrepareResult:
    """Reconcile the day with the ledger: build, upload and register shards for the calls not
    sent yet (idempotent: same input, same shards; a re-run with nothing new changes nothing).

    A call already sent is never sent again: not after late files, a quota change or a plain
    re-run, and not after a prompt or model change unless ``resummarize`` asks for it; then
    the calls not yet sent under the current request version are sent, and the day's shards
    of older versions become history (their jobs are stopped by the sensor).
    """
    bind_ledger(ledger, store, layout)  # a lost ledger stops here, before anything is sent
    store.clean_temp(layout.uri(layout.input_prefix, call_date) + "/")
    store.clean_temp(layout.tables())
    result = PrepareResult(call_date, request_version=request.version)
    result.carried = [
        h
        for h in ledger.carry_candidates(call_date, request.model_id)
        if h.request_version == request.version
        and policy.may_carry(ledger.oldest_date(h.shard_id), now())
    ]
    transcripts = layout.table("transcripts", call_date)
    only_version = request.version if resummarize else None
    kept = [0]

    def new_calls() -> Iterator[dict[str, str]]:
        """The day's calls not sent yet (checked against the ledger a batch at a time)."""
        kept[0] = 0
        for batch in batched(iter_rows(store, transcripts, ["transcript_id", "transcript"]), 2000):
            sent = ledger.covered(call_date, [r["transcript_id"] for r in batch], only_version)
            kept[0] += len(sent)
            yield from (r for r in batch if r["transcript_id"] not in sent)

    def bound() -> DayBound | None:
        """The day's record count and a bound of its bytes from the table's character
        counts, without rendering anything (none when redaction may lengthen the text)."""
        if redact is not None:
            return None
        per_char, empty = line_bound(request)
        n = sum(h.record_count for h in result.carried)
        max_bytes = sum(h.byte_count for h in result.carried)
        for batch in batched(iter_rows(store, transcripts, ["transcript_id", "char_count"]), 2000):
            sent = ledger.covered(call_date, [r["transcript_id"] for r in batch], only_version)
            for r in batch:
                if r["transcript_id"] not in sent:
                    n += 1
                    max_bytes += empty + per_char * int(r["char_count"])
        return DayBound(n, max_bytes)

    def source() -> Iterator[Record]:
        for held in result.carried:  # earlier days' held records ride along, oldest first
            yield from held_records(store, layout, held)
        for row in new_calls():
            text = redact(row["transcript"]) if redact else row["transcript"]
            yield call_date, row["transcript_id"], encode_model_input(request.body(text))

    dates: dict[str, dict[str, int]] = {}
    first = ledger.next_shard_index(call_date)
    with tempfile.TemporaryDirectory(prefix="shards-") as workdir:
        day = bound()
        for shard in plan_and_build(source, call_date, quotas, Path(workdir), first, day):
            dates[shard.shard_id] = dict(shard.dates)
            row = publish_shard(
                store,
                layout,
                call_date,
                shard,
                request.model_id,
                request.prompt.version,
                request_version=request.version,
            )
            ledger.put_calls(
                shard.shard_id, request.version, ((d, t, r) for r, d, t, _, _ in shard.record_map)
            )
            result.shards.append(row)
            shard.record_map.clear()
    result.already_sent = kept[0]
    result.changes = ledger.register_partition(
        call_date, result.shards, dates, absorbed=[h.shard_id for h in result.carried]
    )
    if resummarize:
        result.obsolete = ledger.mark_obsolete(call_date, request.version)
    for old in ledger.shards_for_date(call_date, include_superseded=True):
        if old.state == "superseded":
            store.delete_prefix(old.input_uri)
            store.delete_prefix(layout.shard_manifest(old.call_date, old.shard_id))
    live = [s.shard_id for s in ledger.shards_for_date(call_date)]
    result.data_version = hashlib.sha256(
        (request.version + "|" + "|".join(live)).encode()
    ).hexdigest()[:16]
    return result
