"""Conservation, checked: every transcript that landed is accounted for, day by day.

``landed = quarantined + summarized + dead-lettered + pending``, where pending counts the
day's records in held, unfinished or retrying shards. One definition, used by the check,
the metrics and the report.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from bedrock_assets.state.layout import StoreLayout
from bedrock_assets.state.ledger import Ledger
from bedrock_assets.state.objects import ObjectStore
from bedrock_assets.state.tables import count_rows, read_table


@dataclass(frozen=True)
class Conservation:
    landed: int
    quarantined: int
    summarized: int
    dead_lettered: int
    pending: int

    @property
    def unaccounted(self) -> int:
        return self.landed - (
            self.quarantined + self.summarized + self.dead_lettered + self.pending
        )

    @property
    def ok(self) -> bool:
        return self.unaccounted == 0

    def as_dict(self) -> dict[str, int]:
        return {**asdict(self), "unaccounted": self.unaccounted}

    def equation(self) -> str:
        return (
            f"landed {self.landed} = quarantined {self.quarantined} + summarized "
            f"{self.summarized} + dead-lettered {self.dead_lettered} + pending {self.pending}"
        )


def day_conservation(
    store: ObjectStore, layout: StoreLayout, ledger: Ledger, call_date: str
) -> Conservation:
    """The day's five numbers, from the stored tables and the ledger."""
    quarantined = count_rows(store, layout.table("quarantine", call_date))
    outputs = layout.table("batch_outputs", call_date)
    statuses = (
        read_table(store, outputs, ["status"]).column("status").to_pylist()
        if store.exists(outputs)
        else []
    )
    dead = statuses.count("dead_letter")
    return Conservation(
        landed=count_rows(store, layout.table("transcripts", call_date)) + quarantined,
        quarantined=quarantined,
        summarized=count_rows(store, layout.table("guarded_summaries", call_date)),
        dead_lettered=dead,
        pending=ledger.pending_records(call_date),
    )
