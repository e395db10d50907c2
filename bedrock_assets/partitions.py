"""One daily partition = one call date."""

from dagster import DailyPartitionsDefinition

from bedrock_assets.settings import get_settings

daily_partitions = DailyPartitionsDefinition(start_date=get_settings().partitions_start_date)
