"""One daily partition = one call date, in the call center's time zone."""

from dagster import DailyPartitionsDefinition


def daily_partitions(start_date: str, timezone: str) -> DailyPartitionsDefinition:
    return DailyPartitionsDefinition(start_date=start_date, timezone=timezone)
