"""The local grounding check under the project's policy, on the independent hand-written set
(bedrock_local/evaluation/data: faithful abstractive summaries of real corpus calls and
one-fact-tampered copies). The floors sit a little below what the engine reaches, so a
regression fails; the weights and the threshold were fitted on dev, test, holdout and holdout2.
holdout3, written after this engine was frozen, was scored once then; its floor guards that
figure."""

from __future__ import annotations

import pytest

from bedrock_assets.guardrail.policy import grounding_threshold
from bedrock_local.evaluation.datasets import TAMPER_KINDS, default_corpus_zip, load_grounding
from bedrock_local.evaluation.grounding import FITTED, calibrate, evaluate, rates, score_pairs
from bedrock_local.guardrail.grounding import grounding_score

pytestmark = pytest.mark.skipif(
    not default_corpus_zip().exists(), reason="the corpus zip is not beside the repository"
)

# split -> (AUC, faithful passed, tampered flagged) floors at the policy threshold, all four
# fitted on. Measured: dev 0.955 / 97.5% / 90.0%, test 0.863 / 85.0% / 67.5%, holdout
# 0.744 / 62.5% / 72.9%, holdout2 0.871 / 70.8% / 83.3%. Leave one split out
# (benchmarks/fit_grounding.py): dev 0.952, test 0.860, holdout 0.747, holdout2 0.872 AUC.
# Held out, scored once when the engine was frozen: holdout3 0.730 / 54.2% / 77.1%.
# All below the targets (0.95 / 90% / 90%) except dev's AUC and flag rate.
FLOORS = {
    "dev": (0.93, 0.95, 0.87),
    "test": (0.84, 0.80, 0.65),
    "holdout": (0.72, 0.60, 0.70),
    "holdout2": (0.84, 0.68, 0.80),
    "holdout3": (0.70, 0.50, 0.72),
}


@pytest.mark.parametrize("split", sorted(FLOORS))
def test_floors_at_the_policy_threshold(split: str) -> None:
    pairs = load_grounding(split)  # type: ignore[arg-type]
    assert {p.tamper_kind for p in pairs} == set(TAMPER_KINDS)
    result = evaluate(grounding_score, grounding_threshold() or 0.0, pairs)
    auc, passed, flagged = FLOORS[split]
    assert result.auc >= auc
    assert result.faithful_pass_rate >= passed
    assert result.tampered_flag_rate >= flagged


def test_the_policy_threshold_is_the_one_calibrated_on_the_fitted_splits() -> None:
    pairs = [p for split in FITTED for p in load_grounding(split)]  # type: ignore[arg-type]
    scored = score_pairs(grounding_score, pairs)
    threshold = grounding_threshold() or 0.0
    assert min(rates(scored, threshold)) == min(rates(scored, calibrate(scored)))


def test_the_evaluation_can_fail() -> None:
    pairs = load_grounding("dev")[:8]
    lenient = evaluate(lambda summary, source: 1.0, 0.7, pairs)  # flags nothing
    assert lenient.tampered_flag_rate == 0.0 and lenient.faithful_pass_rate == 1.0
    assert lenient.auc == 0.5
    paranoid = evaluate(lambda summary, source: 0.0, 0.7, pairs)  # flags everything
    assert paranoid.tampered_flag_rate == 1.0 and paranoid.faithful_pass_rate == 0.0
    inverted = evaluate(lambda summary, source: 1 - grounding_score(summary, source), 0.5, pairs)
    assert inverted.auc < 0.5
