"""One daily partition = one call date."""

from dagster import DailyPartitionsDefinition


def daily_partitions(start_date: str) -> DailyPartitionsDefinition:
    return DailyPartitionsDefinition(start_date=start_date)
