"""The grounding check on the labelled set: >= 90% of tampered summaries flagged, >= 95% of
faithful ones passed (fixed seed)."""

from bedrock_assets.core.grounding_eval import TAMPERS, build_cases, evaluate
from bedrock_assets.local.guardrail_engine import grounding_score, grounding_threshold


def test_floors_on_a_fixed_seed() -> None:
    threshold = grounding_threshold()
    cases = build_cases(120, seed=5)
    assert {c.kind for c in cases if c.tampered} == set(TAMPERS)
    result = evaluate(grounding_score, threshold, cases)
    assert result["recall"] >= 0.90
    assert result["faithful_pass_rate"] >= 0.95
    for kind in TAMPERS:
        assert result[f"recall_{kind}"] >= 0.90, kind


def test_the_evaluation_can_fail() -> None:
    cases = build_cases(20, seed=5)
    lenient = evaluate(lambda summary, source: 1.0, 0.7, cases)  # flags nothing
    assert lenient["recall"] == 0.0 and lenient["faithful_pass_rate"] == 1.0
    paranoid = evaluate(lambda summary, source: 0.0, 0.7, cases)  # flags everything
    assert paranoid["recall"] == 1.0 and paranoid["faithful_pass_rate"] == 0.0
