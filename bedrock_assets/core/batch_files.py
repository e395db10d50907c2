"""Names from Bedrock's batch output contract, shared by the writers and the readers."""

MANIFEST_NAME = "manifest.json.out"
MANIFEST_KEYS = (
    "totalRecordCount",
    "processedRecordCount",
    "successRecordCount",
    "errorRecordCount",
    "inputTokenCount",
    "outputTokenCount",
)
# Where the on-demand path writes the same files a job would write under {output}/{jobId}/.
ON_DEMAND_FOLDER = "on-demand"
