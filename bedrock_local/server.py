"""The local engines behind Bedrock's REST-JSON wire protocol, for any boto3 client.

Point ``AWS_ENDPOINT_URL_BEDROCK`` and ``AWS_ENDPOINT_URL_BEDROCK_RUNTIME`` at it and an
unmodified ``boto3.client("bedrock")`` / ``("bedrock-runtime")`` talks to the local batch
engine, guardrails and model handler. It binds to loopback only. ``bedrock-local serve``
runs it as a command.
"""

from __future__ import annotations

import json
import threading
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from botocore.exceptions import ClientError, ParamValidationError

from bedrock_local.batch.control_plane import LocalBedrockClient
from bedrock_local.runtime import LocalRuntimeClient

_INT_QUERY = {"maxResults"}


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.timestamp()
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items() if k != "ResponseMetadata"}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    return value


class BedrockHTTPService:
    """Routes the batch-job calls and ApplyGuardrail to the local engines."""

    def __init__(
        self, batch: LocalBedrockClient, runtime: LocalRuntimeClient, port: int = 0
    ) -> None:
        self.batch, self.runtime = batch, runtime
        service = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_: object) -> None:  # keep test output quiet
                return

            def do_GET(self) -> None:  # noqa: N802
                self._dispatch("GET")

            def do_POST(self) -> None:  # noqa: N802
                self._dispatch("POST")

            def _dispatch(self, method: str) -> None:
                url = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}") if length else {}
                try:
                    status, payload = service.route(method, url.path, parse_qs(url.query), body)
                except ClientError as exc:
                    err = exc.response["Error"]
                    status = exc.response["ResponseMetadata"].get("HTTPStatusCode", 400)
                    self._send(status, {"message": err["Message"]}, err["Code"])
                    return
                except ParamValidationError as exc:
                    self._send(400, {"message": str(exc)}, "ValidationException")
                    return
                self._send(status, payload)

            def _send(self, status: int, payload: dict, error_type: str | None = None) -> None:
                data = json.dumps(_jsonable(payload)).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.send_header("x-amzn-RequestId", "local")
                if error_type:
                    self.send_header("x-amzn-ErrorType", error_type)
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}"

    def route(
        self, method: str, path: str, query: dict[str, list[str]], body: dict
    ) -> tuple[int, dict]:
        parts = [unquote(p) for p in path.strip("/").split("/")]
        if method == "POST" and parts == ["model-invocation-job"]:
            return 200, self.batch.create_model_invocation_job(**body)
        if method == "GET" and len(parts) == 2 and parts[0] == "model-invocation-job":
            return 200, self.batch.get_model_invocation_job(jobIdentifier=parts[1])
        if (
            method == "POST"
            and len(parts) == 3
            and parts[0] == "model-invocation-job"
            and parts[2] == "stop"
        ):
            return 200, self.batch.stop_model_invocation_job(jobIdentifier=parts[1])
        if method == "GET" and parts == ["model-invocation-jobs"]:
            params: dict[str, Any] = {k: v[0] for k, v in query.items()}
            for key in _INT_QUERY & params.keys():
                params[key] = int(params[key])
            for key in ("submitTimeAfter", "submitTimeBefore"):
                if key in params:
                    params[key] = datetime.fromisoformat(params[key].replace("Z", "+00:00"))
            return 200, self.batch.list_model_invocation_jobs(**params)
        if (
            method == "POST"
            and len(parts) == 5
            and parts[0] == "guardrail"
            and parts[2] == "version"
            and parts[4] == "apply"
        ):
            return 200, self.runtime.apply_guardrail(
                guardrailIdentifier=parts[1], guardrailVersion=parts[3], **body
            )
        if method == "POST" and len(parts) == 3 and parts[0] == "model":
            if parts[2] == "invoke":  # the payload is the model's own request and response
                response = self.runtime.invoke_model(modelId=parts[1], body=json.dumps(body))
                return 200, json.loads(response["body"].read())
            if parts[2] == "converse":
                return 200, self.runtime.converse(modelId=parts[1], **body)
        return 404, {"message": f"no route for {method} {path}"}

    def start(self) -> BedrockHTTPService:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
