"""Ledger failures a person must act on, each naming where the ledger is and the way out."""

from __future__ import annotations

REBUILD = "bedrock-assets ledger rebuild"


class LedgerError(RuntimeError):
    """The ledger cannot be used as it is; the message says where it is and what to do."""


class LedgerUnavailable(LedgerError):
    """The ledger's database cannot be read or written (corrupt, full disk, unreachable)."""


class LedgerLost(LedgerError):
    """The ledger is empty while the object store holds shards registered in it: it was
    deleted, truncated or replaced. Running on would forget in-flight days and resend calls."""
