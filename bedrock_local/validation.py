"""Validate requests against botocore's service models and raise the errors AWS raises.

botocore checks required members, types and minimums client-side (``ParamValidationError``);
the service itself rejects maximums, patterns and enums with a ``ValidationException``.
The local engines do both, so they reject exactly what Bedrock rejects, and their errors are
the modeled exception classes a boto3 client raises (``client.exceptions.ThrottlingException``
and so on), all subclasses of ``ClientError``.
"""

from __future__ import annotations

import functools
import re
from typing import Any

import botocore.session
from botocore.errorfactory import BaseClientExceptions, ClientExceptionsFactory
from botocore.exceptions import ClientError, ParamValidationError
from botocore.model import OperationModel, ServiceModel, Shape
from botocore.validate import ParamValidator


@functools.lru_cache(maxsize=8)
def service_model(service: str) -> ServiceModel:
    return botocore.session.get_session().get_service_model(service)


@functools.lru_cache(maxsize=64)
def operation_model(service: str, operation: str) -> OperationModel:
    return service_model(service).operation_model(operation)


@functools.lru_cache(maxsize=8)
def modeled_exceptions(service: str) -> BaseClientExceptions:
    """The exception classes a boto3 client of ``service`` exposes as ``client.exceptions``."""
    return ClientExceptionsFactory().create_client_exceptions(service_model(service))


def client_error(
    service: str, code: str, message: str, operation: str, status: int = 400
) -> ClientError:
    """The error boto3 raises for a service error: the modeled class when ``code`` has one."""
    response: Any = {
        "Error": {"Code": code, "Message": message},
        "ResponseMetadata": {"HTTPStatusCode": status},
        "message": message,
    }
    return modeled_exceptions(service).from_code(code)(response, operation)


@functools.lru_cache(maxsize=256)
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def _server_side(value: Any, shape: Shape, path: str, errors: list[str]) -> None:
    meta = shape.metadata
    if shape.type_name == "structure" and isinstance(value, dict):
        if meta.get("union") and len([k for k, v in value.items() if v is not None]) != 1:
            errors.append(
                f"Value at '{path}' failed to satisfy constraint: exactly one member must be set"
            )
        for name, member in shape.members.items():
            if name in value:
                _server_side(value[name], member, f"{path}.{name}" if path else name, errors)
    elif shape.type_name == "list" and isinstance(value, list | tuple):
        if "max" in meta and len(value) > meta["max"]:
            errors.append(
                f"Value at '{path}' failed to satisfy constraint: Member must have "
                f"length less than or equal to {meta['max']}"
            )
        for i, item in enumerate(value):
            _server_side(item, shape.member, f"{path}.{i + 1}.member", errors)
    elif shape.type_name == "string" and isinstance(value, str):
        shown = value if len(value) <= 64 else value[:61] + "..."
        if "max" in meta and len(value) > meta["max"]:
            errors.append(
                f"Value '{shown}' at '{path}' failed to satisfy constraint: Member must "
                f"have length less than or equal to {meta['max']}"
            )
        if "pattern" in meta and not _compiled(meta["pattern"]).fullmatch(value):
            errors.append(
                f"Value '{shown}' at '{path}' failed to satisfy constraint: Member must "
                f"satisfy regular expression pattern: {meta['pattern']}"
            )
        if "enum" in meta and value not in meta["enum"]:
            errors.append(
                f"Value '{shown}' at '{path}' failed to satisfy constraint: Member must "
                f"satisfy enum value set: [{', '.join(meta['enum'])}]"
            )
    elif shape.type_name in ("integer", "long", "double", "float") and isinstance(
        value, int | float
    ):
        if "max" in meta and value > meta["max"]:
            errors.append(
                f"Value '{value}' at '{path}' failed to satisfy constraint: Member must "
                f"have value less than or equal to {meta['max']}"
            )


def validate_request(service: str, operation: str, params: dict[str, Any]) -> None:
    """Raise ``ParamValidationError`` or a ``ValidationException`` as boto3 and AWS would."""
    op = operation_model(service, operation)
    report = ParamValidator().validate(params, op.input_shape)
    if report.has_errors():
        raise ParamValidationError(report=report.generate_report())
    errors: list[str] = []
    _server_side(params, op.input_shape, "", errors)
    if errors:
        count = len(errors)
        noun = "error" if count == 1 else "errors"
        raise client_error(
            service,
            "ValidationException",
            f"{count} validation {noun} detected: " + "; ".join(errors),
            operation,
        )
