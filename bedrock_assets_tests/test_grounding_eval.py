"""The local grounding check under the project's policy, on the labelled set built from the
project's sample calls and local model: >= 90% of tampered summaries flagged, >= 95% of
faithful ones passed (fixed seed)."""

from bedrock_assets.guardrail.policy import grounding_threshold
from bedrock_assets.ingest.samples import evaluation_transcripts
from bedrock_assets.prompting.local_model import summarize_transcript
from bedrock_local.evaluation.grounding import TAMPERS, Case, evaluate
from bedrock_local.evaluation.grounding import build_cases as build_from
from bedrock_local.guardrail.grounding import grounding_score


def build_cases(calls: int, seed: int) -> tuple[Case, ...]:
    return build_from(
        evaluation_transcripts(calls, seed=seed),
        lambda t: summarize_transcript(t, max_chars=2000),
        seed=seed,
    )


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
