"""Facts of Bedrock's batch inference contract that the pipeline reads and writes.

Output files, manifest keys and job statuses (DESIGN.md, section 3), in one place for the
writers (the on-demand path) and the readers (collection, checks, slot counting).
"""

from __future__ import annotations

MANIFEST_NAME = "manifest.json.out"
MANIFEST_KEYS = (
    "totalRecordCount",
    "processedRecordCount",
    "successRecordCount",
    "errorRecordCount",
    "inputTokenCount",
    "outputTokenCount",
)
OUTPUT_SUFFIX = ".jsonl.out"
# Where the on-demand path writes the same files a job would write under {output}/{jobId}/.
ON_DEMAND_FOLDER = "on-demand"

TERMINAL_STATUSES = ("Completed", "PartiallyCompleted", "Failed", "Stopped", "Expired")
# The concurrency quota counts these, per model and account.
IN_FLIGHT_STATUSES = ("Submitted", "Validating", "Scheduled", "InProgress", "Stopping")
# Jobs that end so are submitted again as the next attempt of their shard.
RESUBMIT_STATUSES = ("Failed", "Expired", "Stopped")
# Still waiting for capacity: reported as stuck after a while.
WAITING_STATUSES = ("Submitted", "Validating", "Scheduled")
# Records missing from jobs that ended so are dead-lettered with this reason.
GAVE_UP_REASONS = {"Failed": "job_failed", "Expired": "job_expired", "Stopped": "job_stopped"}


def job_id_of(job_arn: str) -> str:
    """The job id Bedrock writes output under: the last segment of the job ARN."""
    return job_arn.rsplit("/", 1)[-1]
