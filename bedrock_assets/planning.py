"""``bedrock-assets plan``: the capacity plan at the quotas, prices and prompt this
deployment is configured with (``reporting/capacity.py`` does the arithmetic).

No AWS call: the quotas are the ``BEDROCK_ASSETS_*`` settings, else the Region's defaults
(``preflight`` shows the account's Service Quotas values; set the variables to plan with them).
"""

from __future__ import annotations

import json

from bedrock_assets.guardrail import quotas as gq
from bedrock_assets.guardrail.policy import configured_policies, load_policy
from bedrock_assets.prompting.model_families import RequestSpec
from bedrock_assets.prompting.prompt import load_prompt
from bedrock_assets.reporting.capacity import BatchLimits, Plan, plan
from bedrock_assets.settings import Settings


def guardrail_quotas(settings: Settings) -> gq.GuardrailQuotas:
    explicit = {f: v for f in gq.QUOTA_FIELDS if (v := getattr(settings, f"guardrail_{f}"))}
    return gq.resolve_guardrail_quotas(settings.region, explicit, None)


def plan_day(
    settings: Settings, calls: int, avg_chars: int, job_hours: float, output_tokens: int
) -> Plan:
    """``calls`` calls of ``avg_chars`` characters, sized on a real request of that length."""
    spec = RequestSpec(
        settings.model_id,
        load_prompt(settings.guidelines),
        settings.model_invocation_type,
        settings.max_tokens,
        settings.temperature,
    )
    body = spec.body("x" * avg_chars)
    line = json.dumps({"recordId": "A" * 11, "modelInput": body})
    quotas = guardrail_quotas(settings)
    return plan(
        calls,
        avg_chars,
        BatchLimits(
            settings.min_records_per_job,
            settings.max_records_per_job,
            settings.max_job_bytes,
            settings.max_concurrent_jobs,
        ),
        quotas.rates,
        quotas.grounding_source_max_units,
        configured_policies(load_policy()),
        settings.model_id,
        line_bytes=len(line.encode()) + 1,
        input_chars=len(json.dumps(body)),  # what the model reads: the request as sent
        output_tokens=output_tokens,
        job_hours=job_hours,
    )


def plan_header(settings: Settings, avg_chars: int, job_hours: float, output_tokens: int) -> str:
    return (
        f"{settings.model_id} in {settings.region}: {settings.max_concurrent_jobs} concurrent "
        f"jobs, {settings.max_records_per_job:,} records/job; {avg_chars:,} chars/call, "
        f"{job_hours:g} h/job (assumed), {output_tokens} tokens/summary (assumed)\n"
        f"guardrail quotas: {guardrail_quotas(settings).describe()}"
    )
