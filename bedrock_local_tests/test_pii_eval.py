"""The local guardrail on the hand-written labelled sets (written without reading the
detectors): floors a little below the figures measured by benchmarks/pii_eval.py, so a
regression fails.

The engine was tuned on dev, then on test once test was released for tuning (its misses
read and fixed by class, in fresh sentences), so test is no longer a held-out figure; the
held-out measurement is a fresh split scored once at the end. Measured on test after that
tuning: recall 1.000, precision 1.000, fully masked 1.000 (no label partly masked), raw
survives 0.0%, false positives on hard negatives 0.0% (before it: recall 0.966, precision
0.983, fully masked 0.958, raw survives 2.7%, false positives 3.3%). Dev: recall 0.997,
false positives 0.0%.
"""

from typing import Any

import pytest

from bedrock_local.evaluation.datasets import PII_TYPES, PiiExample, PiiSpan, load_pii
from bedrock_local.evaluation.pii import batched, evaluate

# Recall floor for every type unless listed, the listed exceptions, and the
# overall ceilings for raw survives and false positives on hard negatives.
FLOORS: dict[str, dict[str, Any]] = {
    "test": {
        "recall": 0.95,
        "precision": 0.95,
        "fully_masked": 0.98,
        "partial": 5,
        "raw_survives": 0.01,
        "false_positive_rate": 0.02,
        "by_type": {},
    },
}


# The test split guards against regressions; dev (at 0.99) is printed by
# benchmarks/pii_eval.py.
@pytest.fixture(scope="module", params=["test"])
def split_result(request: pytest.FixtureRequest) -> tuple[str, dict[str, Any]]:
    examples = load_pii(request.param)
    return request.param, evaluate(batched(ex.text for ex in examples), examples)


def test_every_type_is_labelled_and_floors_hold(split_result: tuple[str, dict[str, Any]]) -> None:
    split, result = split_result
    floors = FLOORS[split]
    assert set(PII_TYPES) <= set(result["types"])
    for etype in PII_TYPES:
        m = result["types"][etype]
        assert m["recall"] >= floors.get("by_type", {}).get(etype, floors["recall"]), (etype, m)
        assert m["precision"] >= floors["precision"], (etype, m)


def test_raw_values_do_not_survive_and_negatives_stay_clean(
    split_result: tuple[str, dict[str, Any]],
) -> None:
    split, result = split_result
    overall = result["overall"]
    assert overall["raw_survives"] <= FLOORS[split]["raw_survives"], overall
    assert overall["fully_masked"] >= FLOORS[split]["fully_masked"], overall
    assert overall["partial"] <= FLOORS[split]["partial"], overall
    assert overall["false_positive_rate"] <= FLOORS[split]["false_positive_rate"], overall
    assert overall["negatives"] >= 100


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
