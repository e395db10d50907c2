"""A local ``bedrock-runtime``: ApplyGuardrail (the guardrail engine) and InvokeModel/Converse
(the extractive summarizer), validated against botocore's model like the service."""

from __future__ import annotations

import io
import json
from typing import Any

from botocore.response import StreamingBody

from bedrock_assets.local.guardrail_engine import LocalGuardrailClient
from bedrock_assets.local.summarizer import ModelInputError, invoke
from bedrock_assets.local.validation import client_error, validate_request


class LocalRuntimeClient:
    """Drop-in for ``boto3.client("bedrock-runtime")`` for the calls the pipeline makes."""

    def __init__(self, guardrail: LocalGuardrailClient | None = None) -> None:
        self.guardrail = guardrail or LocalGuardrailClient()

    def apply_guardrail(self, **params: Any) -> dict[str, Any]:
        return self.guardrail.apply_guardrail(**params)

    def invoke_model(self, **params: Any) -> dict[str, Any]:
        validate_request("bedrock-runtime", "InvokeModel", params)
        raw = params.get("body", b"")
        try:
            body = json.loads(raw)
            output = invoke(body, params["modelId"])
        except (ValueError, ModelInputError) as exc:
            raise client_error(
                "ValidationException", f"Malformed input request: {exc}", "InvokeModel"
            ) from None
        data = json.dumps(output).encode()
        return {
            "body": StreamingBody(io.BytesIO(data), len(data)),
            "contentType": "application/json",
            "ResponseMetadata": {"HTTPStatusCode": 200},
        }

    def converse(self, **params: Any) -> dict[str, Any]:
        validate_request("bedrock-runtime", "Converse", params)
        body = {k: v for k, v in params.items() if k != "modelId"}
        try:
            output = invoke(body, params["modelId"], "Converse")
        except ModelInputError as exc:
            raise client_error("ValidationException", str(exc), "Converse") from None
        return {**output, "metrics": {"latencyMs": 1}, "ResponseMetadata": {"HTTPStatusCode": 200}}
