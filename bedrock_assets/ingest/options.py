"""How a team's files are read: its own record keys and which channel carries the agent."""

from __future__ import annotations

from dataclasses import dataclass, field

from bedrock_assets.ingest.fields import FieldMap


@dataclass(frozen=True)
class ReadOptions:
    """``fields``: key mapping for JSON/JSONL/CSV records (``BEDROCK_ASSETS_RECORD_FIELDS``).
    ``agent_channel``: ``ch_0`` or ``ch_1`` for stereo recordings whose agent channel is fixed
    (``BEDROCK_ASSETS_AGENT_CHANNEL``); None decides by the greeting rule (``roles``)."""

    fields: FieldMap = field(default_factory=FieldMap)
    agent_channel: str | None = None


DEFAULT_OPTIONS = ReadOptions()
