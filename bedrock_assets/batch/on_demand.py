"""On-demand inference for records that cannot form a batch job (below the job minimum).

Writes the same files a batch job writes (``<file>.jsonl.out`` lines and
``manifest.json.out``) under ``{output}/on-demand/``, so collection, checks and metrics read
them exactly like batch output; throttling is retried, never turned into a lost record.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from itertools import groupby
from typing import Any

from botocore.exceptions import ClientError

from bedrock_assets.aws_calls import RateLimiter, call_with_retry
from bedrock_assets.batch.contract import MANIFEST_KEYS, MANIFEST_NAME, ON_DEMAND_FOLDER
from bedrock_assets.batch.shard_files import iter_shard_lines
from bedrock_assets.prompting.model_families import parse_output
from bedrock_assets.state.ledger import ShardRow
from bedrock_assets.state.objects import ObjectStore, join_uri


def invoke_one(client: Any, model_id: str, invocation_type: str, body: dict) -> dict:
    """The model's response for one modelInput, via InvokeModel or Converse."""
    if invocation_type == "Converse":
        response = client.converse(modelId=model_id, **body)
        return {k: v for k, v in response.items() if k != "ResponseMetadata"}
    response = client.invoke_model(
        modelId=model_id,
        body=json.dumps(body),
        contentType="application/json",
        accept="application/json",
    )
    return json.loads(response["body"].read())


def run_on_demand(
    client: Any,
    store: ObjectStore,
    shard: ShardRow,
    invocation_type: str,
    limiter: RateLimiter,
    attempts: int = 8,
    sleep: Callable[[float], None] = time.sleep,
) -> dict[str, int]:
    """Invoke every record of ``shard`` on demand; returns the manifest it wrote."""
    out_prefix = join_uri(shard.output_uri, ON_DEMAND_FOLDER)
    counts = dict.fromkeys(MANIFEST_KEYS, 0)
    for name, records in groupby(iter_shard_lines(store, shard), key=lambda item: item[0]):
        lines = []
        for _, record in records:
            rid, body = record["recordId"], record["modelInput"]
            counts["totalRecordCount"] += 1

            def call(body: dict = body) -> dict:
                limiter.acquire()
                return invoke_one(client, shard.model_id, invocation_type, body)

            try:
                output = call_with_retry(call, attempts=attempts, sleep=sleep)
                parsed = parse_output(output)
            except ClientError as exc:
                if exc.response.get("Error", {}).get("Code") == "ThrottlingException":
                    raise  # out of retries: fail the run, lose nothing
                status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 400)
                lines.append(
                    {
                        "recordId": rid,
                        "modelInput": body,
                        "error": {"errorCode": status, "errorMessage": str(exc)[:500]},
                    }
                )
                counts["errorRecordCount"] += 1
            else:
                lines.append({"modelInput": body, "modelOutput": output, "recordId": rid})
                counts["successRecordCount"] += 1
                counts["inputTokenCount"] += parsed.input_tokens
                counts["outputTokenCount"] += parsed.output_tokens
            counts["processedRecordCount"] += 1
        store.put_bytes(
            join_uri(out_prefix, f"{name}.out"),
            b"".join(json.dumps(x).encode() + b"\n" for x in lines),
        )
    store.put_bytes(join_uri(out_prefix, MANIFEST_NAME), json.dumps(counts).encode())
    return counts
