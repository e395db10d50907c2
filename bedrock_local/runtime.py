"""A local ``bedrock-runtime``: ApplyGuardrail (the guardrail engine) and InvokeModel/Converse
(the configured model handler), validated against botocore's model like the service."""

from __future__ import annotations

import io
import json
from typing import Any

from botocore.response import StreamingBody

from bedrock_local.config import EngineConfig
from bedrock_local.guardrail.engine import LocalGuardrail, grounding_source_limit, load_policy
from bedrock_local.models import ModelInputError, invoke, load_handler
from bedrock_local.paginators import can_paginate, get_paginator
from bedrock_local.validation import client_error, modeled_exceptions, validate_request


class LocalRuntimeClient:
    """Drop-in for ``boto3.client("bedrock-runtime")`` for ApplyGuardrail, InvokeModel and
    Converse. Guardrails are the ones the configuration names (id -> policy file); any
    version of a known guardrail is accepted."""

    service = "bedrock-runtime"

    def __init__(self, config: EngineConfig) -> None:
        self.config = config
        self.exceptions = modeled_exceptions(self.service)
        self._policies = dict(config.guardrails)
        self._guardrails: dict[str, LocalGuardrail] = {}

    def get_paginator(self, operation_name: str) -> Any:
        return get_paginator(self.service, operation_name, getattr(self, operation_name))

    def can_paginate(self, operation_name: str) -> bool:
        return can_paginate(self.service, operation_name)

    def _guardrail(self, identifier: str) -> LocalGuardrail:
        guardrail_id = identifier.rsplit("/", 1)[-1]
        if guardrail_id not in self._guardrails:
            if guardrail_id not in self._policies:
                raise client_error(
                    self.service,
                    "ResourceNotFoundException",
                    f"The guardrail {identifier} was not found.",
                    "ApplyGuardrail",
                    404,
                )
            self._guardrails[guardrail_id] = LocalGuardrail(
                load_policy(self._policies[guardrail_id]),
                grounding_source_limit(self.config.region),
            )
        return self._guardrails[guardrail_id]

    def apply_guardrail(self, **params: Any) -> dict[str, Any]:
        validate_request(self.service, "ApplyGuardrail", params)
        return self._guardrail(params["guardrailIdentifier"]).apply(params)

    def invoke_model(self, **params: Any) -> dict[str, Any]:
        validate_request(self.service, "InvokeModel", params)
        try:
            body = json.loads(params.get("body", b""))
            answer = invoke(body, params["modelId"], load_handler(self.config.model_handler))
        except (ValueError, ModelInputError) as exc:
            raise client_error(
                self.service,
                "ValidationException",
                f"Malformed input request: {exc}",
                "InvokeModel",
            ) from None
        data = json.dumps(answer.output).encode()
        return {
            "body": StreamingBody(io.BytesIO(data), len(data)),
            "contentType": "application/json",
            "ResponseMetadata": {"HTTPStatusCode": 200},
        }

    def converse(self, **params: Any) -> dict[str, Any]:
        validate_request(self.service, "Converse", params)
        body = {k: v for k, v in params.items() if k != "modelId"}
        try:
            answer = invoke(
                body, params["modelId"], load_handler(self.config.model_handler), "Converse"
            )
        except ModelInputError as exc:
            raise client_error(self.service, "ValidationException", str(exc), "Converse") from None
        return {
            **answer.output,
            "metrics": {"latencyMs": 1},
            "ResponseMetadata": {"HTTPStatusCode": 200},
        }
