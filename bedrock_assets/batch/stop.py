"""Stop a day: StopModelInvocationJob for its in-flight jobs, and submit nothing more."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from bedrock_assets.aws_calls import error_code
from bedrock_assets.state.ledger import Ledger


def stop_partition(client: Any, ledger: Ledger, call_date: str) -> list[str]:
    """Stop every in-flight job holding ``call_date``'s records, and submit nothing more.

    In-flight jobs get StopModelInvocationJob (their partial output is still collected);
    shards not yet submitted end ``Stopped`` without a job. Returns what was done, per shard.
    """
    done = []
    for shard in ledger.shards_for_date(call_date):
        if shard.state == "terminal":
            continue
        ledger.request_stop(shard.shard_id)
        if shard.state == "active" and shard.job_arn:
            try:
                client.stop_model_invocation_job(jobIdentifier=shard.job_arn)
                done.append(f"{shard.shard_id}: stop requested for {shard.job_arn}")
            except ClientError as exc:  # already finished: the next tick records its status
                done.append(f"{shard.shard_id}: {error_code(exc)} on stop ({shard.job_arn})")
        elif shard.state in ("pending", "held", "on_demand", "submitting", "failed"):
            ledger.cancel(shard.shard_id)
            done.append(f"{shard.shard_id}: not submitted, recorded as stopped")
    return done
