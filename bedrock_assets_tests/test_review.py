"""Review queue, system card and the independent residual-PII check."""

import csv
import io

import pytest
from dagster import materialize

from bedrock_assets.guardrail.residual import scan
from bedrock_assets.reporting.review import review_reasons
from bedrock_assets_tests.harness import DAY, Pipeline


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("mail jane.roe+x@mail.example.org now", {"EMAIL": 1}),
        ("call (415) 555-0134 or 415.555.0199", {"PHONE": 2}),
        ("card 4111 1111 1111 1111", {"CREDIT_DEBIT_CARD_NUMBER": 1}),
        ("ssn 123-45-6789", {"US_SOCIAL_SECURITY_NUMBER": 1}),
        ("her social is 123 45 6789", {"US_SOCIAL_SECURITY_NUMBER": 1}),
        ("from 10.0.12.7", {"IP_ADDRESS": 1}),
        ("from 2001:db8::8a2e:370:7334.", {"IP_ADDRESS": 1}),
        ("The caller, Priya Raghunathan, wants a refund.", {"NAME": 1}),
        ("{EMAIL} and {PHONE} and {CREDIT_DEBIT_CARD_NUMBER}", {}),
        ("refund of $63.88 on 2024-08-23 for order ORD-12345678 in 5 days", {}),
        ("card 4111 1111 1111 1112", {}),  # fails Luhn
    ],
)
def test_independent_scan(text: str, found: dict) -> None:
    assert dict(scan(text)) == found


def test_review_reasons() -> None:
    base = {"intervened_policies": "", "grounding_score": 0.95, "behavior_flags": "none"}
    assert review_reasons(base, 0.7) == []
    assert review_reasons({**base, "intervened_policies": "sensitiveInformationPolicy"}, 0.7) == []
    assert review_reasons({**base, "intervened_policies": "topicPolicy"}, 0.7) == [
        "guardrail_blocked:topicPolicy"
    ]
    assert review_reasons({**base, "grounding_score": 0.5}, 0.7) == ["failed_grounding"]
    assert review_reasons({**base, "behavior_flags": "fraud_attempt,threat"}, 0.7) == [
        "model_flag:fraud_attempt",
        "model_flag:threat",
    ]
    assert review_reasons({**base, "behavior_flags": "not_reported"}, 0.7) == ["flags_not_reported"]


def run_day(pipeline: Pipeline, count: int) -> None:
    pipeline.land(DAY, count, seed=4, mixed_formats=False, include_bad=False)
    pipeline.prepare(DAY)
    pipeline.drain()


@pytest.mark.e2e
def test_review_queue_and_system_card_for_a_day(pipeline: Pipeline) -> None:
    run_day(pipeline, 120)
    store, layout = pipeline.store, pipeline.layout
    guarded = pipeline.table("guarded_summaries").to_pylist()
    flagged = {g["record_id"] for g in guarded if g["behavior_flags"] not in ("none",)}
    assert flagged  # the sample day has suspicious calls
    queue = pipeline.table("summary_review_queue").to_pylist()
    assert {q["record_id"] for q in queue} >= flagged
    assert all(q["reasons"] and DAY in q["source_tables"] for q in queue)
    exported = list(
        csv.DictReader(io.StringIO(store.read_bytes(layout.review_export(DAY)).decode()))
    )
    assert len(exported) == len(queue)
    assert pipeline.metadata("summary_review_queue")["queue_size"] == len(queue)

    card = pipeline.metadata("system_card")["card"]
    for section in (
        "## Model",
        "## Prompt",
        "## Guardrail",
        "## Known limitations",
        "local-extractive-summarizer-v1",
        "privacy_protection",
    ):
        assert section in card
    assert store.read_bytes(layout.system_card(DAY)).decode() == card
    assert "@example.com" not in card
    assert pipeline.check_results("guarded_summaries") == {"no_residual_pii": True}


@pytest.mark.e2e
def test_residual_pii_check_fails_when_the_guardrail_lets_pii_through(
    pipeline: Pipeline, monkeypatch: pytest.MonkeyPatch
) -> None:
    run_day(pipeline, 30)
    from bedrock_local.runtime import LocalRuntimeClient

    def no_guardrail(self, **params):
        return {"usage": {}, "action": "NONE", "outputs": [], "assessments": []}

    monkeypatch.setattr(LocalRuntimeClient, "apply_guardrail", no_guardrail)
    leaky = pipeline.with_settings(guardrail_version="2")  # a new version is guarded afresh
    result = materialize(
        [leaky.defs.resolve_assets_def("guarded_summaries")],
        partition_key=DAY,
        instance=pipeline.instance,
        raise_on_error=False,
    )
    evaluation = next(
        e for e in result.get_asset_check_evaluations() if e.check_name == "no_residual_pii"
    )
    assert evaluation.passed is False
    assert evaluation.metadata["residual_by_type"].value
    assert "@example.com" not in str(evaluation.metadata)
