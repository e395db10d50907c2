"""The ledger's tables, in SQLAlchemy Core: the same schema on SQLite and PostgreSQL.

``shards``: one row per shard (one batch job's input), its state, job and attempt;
``shard_dates``: how many records of each call date a shard holds; ``events``: every state
transition; ``partition_runs``: the collect run requested for a day; ``calls``: the calls each
shard carries; ``ledger_info``: this ledger's identity; ``schema_version``: the migrations
applied.
"""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

shards = sa.Table(
    "shards",
    metadata,
    sa.Column("shard_id", sa.String(128), primary_key=True),
    sa.Column("call_date", sa.String(10), nullable=False),
    sa.Column("shard_index", sa.Integer, nullable=False),
    sa.Column("model_id", sa.String(2048), nullable=False),
    sa.Column("input_uri", sa.Text, nullable=False),
    sa.Column("output_uri", sa.Text, nullable=False),
    sa.Column("record_count", sa.Integer, nullable=False),
    sa.Column("byte_count", sa.BigInteger, nullable=False),
    sa.Column("file_count", sa.Integer, nullable=False),
    sa.Column("prompt_version", sa.String(128), nullable=False),
    sa.Column("state", sa.String(32), nullable=False),
    sa.Column("attempt", sa.Integer, nullable=False, server_default="1"),
    sa.Column("job_name", sa.String(63)),
    sa.Column("client_token", sa.String(256)),
    sa.Column("job_arn", sa.String(1011)),
    sa.Column("job_status", sa.String(32)),
    sa.Column("message", sa.Text),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Column("submitted_at", sa.Float),
    sa.Column("updated_at", sa.Float, nullable=False),
    sa.Column("mode", sa.String(16), nullable=False, server_default="batch"),
    sa.Column("merged_into", sa.String(10)),
    sa.Column("kind", sa.String(16), nullable=False, server_default="input"),
    sa.Column("not_before", sa.Float),
    sa.Column("stop_requested", sa.Integer, nullable=False, server_default="0"),
    # v2: transient submit errors in a row (backoff), and a permanent error's code.
    sa.Column("deferrals", sa.Integer, nullable=False, server_default="0"),
    sa.Column("error_code", sa.String(128)),
    # v3: the request version the records were built with; superseded by a re-summarization.
    sa.Column("request_version", sa.String(160), nullable=False, server_default=""),
    sa.Column("obsolete", sa.Integer, nullable=False, server_default="0"),
    # v5: the job's live record counts (GetModelInvocationJob), for progress in the UI.
    sa.Column("records_processed", sa.Integer),
    sa.Column("records_succeeded", sa.Integer),
    sa.Column("records_failed", sa.Integer),
    sa.Index("shards_state", "state", "call_date", "shard_index"),
    sa.Index("shards_date", "call_date"),
)

shard_dates = sa.Table(
    "shard_dates",
    metadata,
    sa.Column("shard_id", sa.String(128), primary_key=True),
    sa.Column("call_date", sa.String(10), primary_key=True),
    sa.Column("record_count", sa.Integer, nullable=False),
    sa.Index("shard_dates_date", "call_date"),
)

events = sa.Table(
    "events",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("ts", sa.Float, nullable=False),
    sa.Column("shard_id", sa.String(128), nullable=False),
    sa.Column("from_state", sa.String(32)),
    sa.Column("to_state", sa.String(32), nullable=False),
    sa.Column("job_arn", sa.String(1011)),
    sa.Column("job_status", sa.String(32)),
    sa.Column("message", sa.Text),
    sa.Index("events_shard", "shard_id", "id"),
)

# v3: every call an input shard carries, so registering a day is a reconciliation: a call
# already sent is not sent again.
calls = sa.Table(
    "calls",
    metadata,
    sa.Column("shard_id", sa.String(128), primary_key=True),
    sa.Column("call_date", sa.String(10), primary_key=True),
    sa.Column("transcript_id", sa.String(256), primary_key=True),
    sa.Column("record_id", sa.String(11), nullable=False),
    sa.Column("request_version", sa.String(160), nullable=False),
    sa.Index("calls_by_call", "call_date", "transcript_id"),
)

partition_runs = sa.Table(
    "partition_runs",
    metadata,
    sa.Column("call_date", sa.String(10), primary_key=True),
    sa.Column("run_key", sa.String(256), nullable=False),
    sa.Column("requested_at", sa.Float, nullable=False),
)

schema_version = sa.Table(
    "schema_version",
    metadata,
    sa.Column("version", sa.Integer, primary_key=True),
    sa.Column("applied_at", sa.Float, nullable=False),
    sa.Column("description", sa.Text, nullable=False),
)

# v4: the ledger's identity, also written to the object store, so a ledger that was deleted,
# truncated or replaced is recognised instead of silently starting empty.
ledger_info = sa.Table(
    "ledger_info",
    metadata,
    sa.Column("key", sa.String(64), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
)

# v5: short leases, so that of several processes ticking at once (two sensor daemons, a
# waiting collect step) one fills the job slots at a time and the quota is never overrun.
leases = sa.Table(
    "leases",
    metadata,
    sa.Column("name", sa.String(64), primary_key=True),
    sa.Column("owner", sa.String(128), nullable=False),
    sa.Column("expires_at", sa.Float, nullable=False),
)
