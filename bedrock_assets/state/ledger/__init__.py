"""The job ledger (shards, jobs, transitions) on SQLAlchemy Core: SQLite or PostgreSQL."""

from bedrock_assets.state.ledger.engine import database_file, sqlite_url
from bedrock_assets.state.ledger.store import Ledger, ShardRow

__all__ = ["Ledger", "ShardRow", "database_file", "sqlite_url"]
