"""The local guardrail on the hand-written labelled sets (written without reading the
detectors): floors a little below the measured figures, so a regression fails.

Measured (benchmarks/pii_eval.py): see README, "Responsible AI". Floors: recall >= 0.93 per
structured type, >= 0.88 for NAME and ADDRESS, raw-survives <= 4% overall, false-positive
rate on hard negatives <= 4%.
"""

from typing import Any

import pytest

from bedrock_local.evaluation.datasets import PII_TYPES, PiiExample, PiiSpan, load_pii
from bedrock_local.evaluation.pii import batched, evaluate

SOFT = {"NAME", "ADDRESS"}


def _split_or_skip(split: str) -> list[PiiExample]:
    try:
        return load_pii(split)  # type: ignore[arg-type]
    except FileNotFoundError:
        pytest.skip(f"no {split} split yet")


@pytest.fixture(scope="module", params=["dev", "test"])
def result(request: pytest.FixtureRequest) -> dict[str, Any]:
    examples = _split_or_skip(request.param)
    return evaluate(batched(ex.text for ex in examples), examples)


def test_every_type_is_labelled_and_floors_hold(result: dict[str, Any]) -> None:
    assert set(PII_TYPES) <= set(result["types"])
    for etype in PII_TYPES:
        m = result["types"][etype]
        floor = 0.88 if etype in SOFT else 0.93
        assert m["recall"] >= floor, (etype, m)
        assert m["precision"] >= 0.85, (etype, m)


def test_raw_values_do_not_survive_and_negatives_stay_clean(result: dict[str, Any]) -> None:
    overall = result["overall"]
    assert overall["raw_survives"] <= 0.04, overall
    assert overall["false_positive_rate"] <= 0.04, overall
    assert overall["negatives"] >= 50


def test_the_evaluation_can_fail() -> None:
    examples = [
        PiiExample("a", "Call Dana at 415-555-0134.", (PiiSpan(13, 25, "PHONE"),), "positive"),
        PiiExample("b", "Ticket 4471 is open.", (), "negative"),
    ]
    nothing = evaluate(lambda text: [], examples)
    assert nothing["types"]["PHONE"]["recall"] == 0.0
    assert nothing["overall"]["raw_survives"] == 1.0
    everything = evaluate(lambda text: [PiiSpan(0, len(text), "NAME")], examples)
    assert everything["overall"]["false_positive_rate"] == 1.0
    assert everything["types"]["NAME"]["precision"] == 0.0
