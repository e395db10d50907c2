"""What happens to records below the job minimum (a small day, or a day's tail).

``wait``: they are held and ride along with a later day's jobs (keeping their call date) for
up to ``wait_hours`` after the end of their call date; past that, or at once under
``on_demand``, the collect run sends them with InvokeModel/Converse at the on-demand price.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal


@dataclass(frozen=True)
class BelowMinimumPolicy:
    mode: Literal["wait", "on_demand"] = "wait"
    wait_hours: float = 72.0

    def deadline(self, call_date: str) -> float:
        """Epoch seconds after which held records of ``call_date`` go on demand."""
        day_end = datetime.fromisoformat(call_date).replace(tzinfo=UTC) + timedelta(days=1)
        hours = 0.0 if self.mode == "on_demand" else self.wait_hours
        return (day_end + timedelta(hours=hours)).timestamp()

    def may_carry(self, call_date: str, now: float) -> bool:
        """Whether held records of ``call_date`` may still ride along with a later day."""
        return self.mode == "wait" and now < self.deadline(call_date)
