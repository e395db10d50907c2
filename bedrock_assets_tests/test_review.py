"""Review queue, system card and the independent residual-PII check."""

import csv
import io

import pytest
from dagster import AssetCheckKey, AssetKey, DagsterInstance, materialize

from bedrock_assets.assets.guarded import guarded_summaries
from bedrock_assets.assets.review import review_reasons
from bedrock_assets.core.pii_scan import scan
from bedrock_assets.core.sample_data import land_sample_day
from bedrock_assets.core.storage import LocalObjectStore
from bedrock_assets.core.tables import read_table
from bedrock_assets.resources import build_resources
from bedrock_assets.settings import Settings
from bedrock_assets_tests.conftest import drain, prepare_day

DAY = "2024-08-23"


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("mail jane.roe+x@mail.example.org now", {"EMAIL": 1}),
        ("call (415) 555-0134 or 415.555.0199", {"PHONE": 2}),
        ("card 4111 1111 1111 1111", {"CARD": 1}),
        ("ssn 123-45-6789", {"SSN": 1}),
        ("from 10.0.12.7", {"IP_ADDRESS": 1}),
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


def run_day(env: Settings, instance: DagsterInstance, count: int) -> LocalObjectStore:
    store = LocalObjectStore(env.object_store_root)
    land_sample_day(
        store,
        env.s3_uri(env.landing_prefix),
        DAY,
        count,
        seed=4,
        mixed_formats=False,
        include_bad=False,
    )
    prepare_day(instance, DAY)
    drain(instance)
    return store


def test_review_queue_and_system_card_for_a_day(env: Settings, instance: DagsterInstance) -> None:
    store = run_day(env, instance, 120)
    guarded = read_table(
        store, env.s3_uri(env.tables_prefix, "guarded_summaries", f"{DAY}.parquet")
    ).to_pylist()
    flagged = {g["record_id"] for g in guarded if g["behavior_flags"] not in ("none",)}
    assert flagged  # the sample day has suspicious calls
    queue = read_table(
        store, env.s3_uri(env.tables_prefix, "summary_review_queue", f"{DAY}.parquet")
    ).to_pylist()
    assert {q["record_id"] for q in queue} >= flagged
    assert all(q["reasons"] and DAY in q["source_tables"] for q in queue)
    exported = list(
        csv.DictReader(
            io.StringIO(
                store.read_bytes(env.s3_uri("exports", "review_queue", f"{DAY}.csv")).decode()
            )
        )
    )
    assert len(exported) == len(queue)
    meta = instance.get_latest_materialization_event(
        AssetKey("summary_review_queue")
    ).asset_materialization.metadata
    assert meta["queue_size"].value == len(queue)

    card_meta = instance.get_latest_materialization_event(
        AssetKey("system_card")
    ).asset_materialization.metadata
    card = card_meta["card"].value
    for section in (
        "## Model",
        "## Prompt",
        "## Guardrail",
        "## Known limitations",
        "local-extractive-summarizer-v1",
        "privacy_protection",
    ):
        assert section in card
    assert store.read_bytes(env.s3_uri(env.output_prefix, DAY, "SYSTEM_CARD.md")).decode() == card
    assert "@example.com" not in card
    key = AssetCheckKey(AssetKey("guarded_summaries"), "no_residual_pii")
    record = instance.event_log_storage.get_latest_asset_check_execution_by_key([key])[key]
    assert record.evaluation.passed


def test_residual_pii_check_fails_when_the_guardrail_lets_pii_through(
    env: Settings, instance: DagsterInstance, monkeypatch: pytest.MonkeyPatch
) -> None:
    run_day(env, instance, 30)
    from bedrock_assets.local.runtime import LocalRuntimeClient

    def no_guardrail(self, **params):
        return {"usage": {}, "action": "NONE", "outputs": [], "assessments": []}

    monkeypatch.setattr(LocalRuntimeClient, "apply_guardrail", no_guardrail)
    result = materialize(
        [guarded_summaries],
        partition_key=DAY,
        instance=instance,
        resources=build_resources(),
        raise_on_error=False,
    )
    evaluation = next(
        e for e in result.get_asset_check_evaluations() if e.check_name == "no_residual_pii"
    )
    assert evaluation.passed is False
    assert evaluation.metadata["residual_by_type"].value
    assert "@example.com" not in str(evaluation.metadata)
