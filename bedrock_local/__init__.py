"""bedrock_local: an embedded Amazon Bedrock for tests, demos and machines with no account.

Two stable entry points:

- ``bedrock_local.client(service_name, **config)``: an object with boto3's method names,
  request and response shapes, modeled ``ClientError`` subclasses (``client.exceptions``) and
  paginators (``client.get_paginator``), for ``bedrock`` (batch inference jobs) and
  ``bedrock-runtime`` (ApplyGuardrail, InvokeModel, Converse);
- ``bedrock-local serve --port N [--data-root DIR]``: the same engines behind Bedrock's
  REST-JSON API on 127.0.0.1, for any boto3 client pointed at it through
  ``AWS_ENDPOINT_URL_BEDROCK`` / ``AWS_ENDPOINT_URL_BEDROCK_RUNTIME``.

Requests are validated against botocore's service models and refused as Bedrock refuses
them. The batch engine runs jobs in detached processes through Bedrock's statuses and writes
Bedrock's output files; guardrails answer from a policy file; model text comes from a
pluggable handler (see :mod:`bedrock_local.models`). This package imports nothing from any
application that uses it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bedrock_local.config import EngineConfig, parse_faults

__all__ = ["EngineConfig", "client", "parse_faults"]
__version__ = "0.1.0"

SERVICES = ("bedrock", "bedrock-runtime")


def client(
    service_name: str,
    *,
    data_root: str | Path | None = None,
    config: EngineConfig | None = None,
    **options: Any,
) -> Any:
    """A local client for ``service_name`` (``"bedrock"`` or ``"bedrock-runtime"``).

    Give either a ready :class:`EngineConfig`, or a ``data_root`` (state and objects are kept
    under it, as ``bedrock-local serve --data-root`` does) plus any :class:`EngineConfig`
    option: ``region``, ``account_id``, quotas (``max_concurrent_jobs``,
    ``min_records_per_job``, ...), ``step_seconds``, ``faults`` (``"job_failure=0.2"``),
    ``s3_endpoint_url``, ``model_handler`` (``"module:function"``) and ``guardrails``
    (``{guardrail_id: policy_file}``).
    """
    if service_name not in SERVICES:
        raise ValueError(f"bedrock_local serves {SERVICES}, not {service_name!r}")
    if config is None:
        config = EngineConfig.under(data_root or ".bedrock_local", **options)
    elif options or data_root is not None:
        raise TypeError("give either config or data_root/options, not both")
    if service_name == "bedrock":
        from bedrock_local.batch.control_plane import LocalBedrockClient

        return LocalBedrockClient(config)
    from bedrock_local.runtime import LocalRuntimeClient

    return LocalRuntimeClient(config)
