"""Fit the grounding scorer's weights (bedrock_local/guardrail/grounding_weights.json).

Each summary sentence yields a few graded features (``sentence_features``: coverage, words
and facts the call lacks, misplaced values, negation, who-did-what, refusals, quantifiers,
word pairs the call never states together). A logistic model, fitted here with plain numpy,
weighs them: faithful sentences of the labelled pairs are positives, the sentences a tampered
copy changed or added are negatives. Every weight is kept <= 0 (each feature is evidence
against a sentence only), with an L2 penalty towards a prior, so no rule is tuned to a few pairs.

Prints leave-one-split-out figures (fit and calibrate on the other splits, score the one left
out at that threshold: the honest estimate for a new split), per tamper kind, before the final
fit on all of them, its threshold curve, and writes the weights with the figures beside them.

python benchmarks/fit_grounding.py [--write]
"""

from __future__ import annotations

import argparse
import json
import math
from collections.abc import Sequence

import numpy as np

from bedrock_assets.guardrail.policy import grounding_threshold
from bedrock_local.evaluation.datasets import load_grounding
from bedrock_local.evaluation.grounding import (
    CURVE_THRESHOLDS,
    Pair,
    calibrate,
    evaluate_scored,
    rates,
    score_pairs,
)
from bedrock_local.guardrail import grounding
from bedrock_local.guardrail.grounding_text import sentences, tokens

L2 = 0.002  # per feature, relative to the (class-balanced) mean log-loss
STEPS = 6000
RATE = 2.0
# The splits fitted on. Any other split the loader knows (a later held-out one) is never
# read here: it is scored once, by benchmarks/grounding_eval.py, after the weights are frozen.
SPLITS = ("dev", "test", "holdout", "holdout2")
# The penalty pulls each weight towards this prior, not towards 0: a rule that states a fact
# the call contradicts (a missing amount, a negation turned round, the other side doing it) is
# strong evidence even where 80 pairs hold too few cases to show it. Others start at 0.
PRIOR = dict.fromkeys(
    (
        "missing_value",
        "missing_time",
        "missing_item",
        "missing_outcome",
        "misplaced",
        "negated_affirmed",
        "affirmed_negated",
        "actor",
        "outcome_reversed",
        "unchosen",
    ),
    -3.0,
)


# A contradiction the sentence states outright (a value the call never gives or gives for
# something else, a negation or a decision turned round) flags a sentence on its own, whatever
# else it covers: after the fit, such a weight is made at least strong enough that the sign
# alone lands DECISIVE_MARGIN logits under the calibrated threshold. On 128 pairs the fit
# alone let "was not approved" for the call's "has been approved" pass.
DECISIVE = frozenset(
    {"missing_value", "misplaced", "negated_affirmed", "outcome_reversed", "unchosen"}
)
DECISIVE_MARGIN = math.log(0.7 / 0.3)  # at the policy's 0.7: alone, such a sign scores 0.5


def calibrated(b: float, w: np.ndarray, pairs: Sequence[Pair]) -> tuple[np.ndarray, float]:
    """The weights with DECISIVE ones strengthened as needed, and the threshold calibrated on
    ``pairs`` with them (two rounds: a stronger weight moves the calibration a little)."""
    decisive = np.array([k in DECISIVE for k in grounding.FEATURES])
    w = w.copy()
    t = 0.5
    for _ in range(2):
        use(b, w)
        t = calibrate(score_pairs(grounding.grounding_score, pairs))
        cap = math.log(t / (1 - t)) - b - DECISIVE_MARGIN
        w[decisive] = np.minimum(w[decisive], cap)
    use(b, w)
    return w, calibrate(score_pairs(grounding.grounding_score, pairs))


def rows(pairs: Sequence[Pair]) -> tuple[np.ndarray, np.ndarray]:
    """Feature rows and labels (1 faithful, 0 tampered) of every scored sentence."""
    x, y = [], []
    for p in pairs:
        source = p.transcript or ""
        kept = set(sentences(p.faithful))
        for label, text in ((1, p.faithful), (0, p.tampered)):
            for s in sentences(text):
                toks = tokens(s, mark_names=True)
                if not toks or grounding.is_procedural(toks) or (label == 0 and s in kept):
                    continue
                feats, _, _ = grounding.sentence_features(s, source)
                x.append([feats[k] for k in grounding.FEATURES])
                y.append(label)
    return np.array(x, dtype=float), np.array(y, dtype=float)


def fit(x: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    """Class-balanced logistic regression by projected gradient descent (weights <= 0)."""
    prior = np.array([PRIOR.get(k, 0.0) for k in grounding.FEATURES])
    w = prior.copy()
    b = 0.0
    sample = np.where(y == 1, 0.5 / y.sum(), 0.5 / (1 - y).sum())
    for _ in range(STEPS):
        p = 1 / (1 + np.exp(-(x @ w + b)))
        g = sample * (p - y)
        w = np.minimum(0.0, w - RATE * (x.T @ g + L2 * (w - prior)))
        b -= RATE * g.sum()
    return float(b), w


def use(b: float, w: np.ndarray) -> None:
    weights = dict(zip(grounding.FEATURES, map(float, w), strict=True))
    grounding._model = lambda: (b, weights)  # type: ignore[assignment]


def figures(pairs: Sequence[Pair], threshold: float | None = None) -> str:
    scored = score_pairs(grounding.grounding_score, pairs)
    t = calibrate(scored) if threshold is None else threshold
    e = evaluate_scored(scored, t)
    passed, flagged = e.faithful_pass_rate, e.tampered_flag_rate
    return f"AUC {e.auc:.3f}, passed {passed:.1%}, flagged {flagged:.1%} at {t:.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--write", action="store_true", help="write grounding_weights.json")
    args = parser.parse_args()
    data = {s: load_grounding(s) for s in SPLITS}  # type: ignore[arg-type]
    xy = {s: rows(data[s]) for s in SPLITS}
    # Leave one split out: fit on the others, calibrate the threshold on them, and score
    # the split left out at that threshold (the honest estimate of a new split's figures).
    print("leave one split out (fit and calibrate on the other splits, score this one):")
    for out in SPLITS:
        rest = [s for s in SPLITS if s != out]
        b, w = fit(np.vstack([xy[s][0] for s in rest]), np.concatenate([xy[s][1] for s in rest]))
        w, t = calibrated(b, w, [p for s in rest for p in data[s]])
        print(f"  {out} (fit on {'+'.join(rest)}): {figures(data[out], t)}")
        for kind, rate in sorted(kinds(data[out], t).items()):
            print(f"      flagged {kind}: {rate:.0%}")
    x = np.vstack([xy[s][0] for s in SPLITS])
    y = np.concatenate([xy[s][1] for s in SPLITS])
    b, w = fit(x, y)
    every = [p for s in SPLITS for p in data[s]]
    w, t = calibrated(b, w, every)
    # Shift the bias so the policy's threshold sits where all splits calibrate: the policy
    # file (and the managed service's 0.7 in deploy/) need not change with each fit.
    policy = grounding_threshold() or 0.7
    b += math.log(policy / (1 - policy)) - math.log(t / (1 - t))
    use(b, w)
    t = policy
    print(
        f"fit on {'+'.join(SPLITS)} ({int(y.sum())} faithful, {int((1 - y).sum())} tampered"
        f" sentences; calibrated {t:.2f} after the bias shift):"
    )
    for s in SPLITS:
        print(f"  {s}: {figures(data[s], t)}")
    print(f"  all: {figures(every, t)}; calibrated on all: {figures(every)}")
    print(
        f"  bias {b:+.3f}; "
        + ", ".join(f"{k} {v:+.3f}" for k, v in zip(grounding.FEATURES, w, strict=True))
    )
    scored = score_pairs(grounding.grounding_score, every)
    print("threshold curve on all splits (threshold: faithful passed, tampered flagged):")
    for c, (passed, flagged) in ((c, rates(scored, c)) for c in CURVE_THRESHOLDS):
        print(f"  {c:.2f}: {passed:.1%} {flagged:.1%}")
    if args.write:
        grounding.WEIGHTS.write_text(
            json.dumps(
                {
                    "fitted_by": "benchmarks/fit_grounding.py on grounding_"
                    + " + grounding_".join(SPLITS),
                    "sentences": {"faithful": int(y.sum()), "tampered": int((1 - y).sum())},
                    "threshold": t,
                    "bias": round(b, 4),
                    "weights": {
                        k: round(float(v), 4) for k, v in zip(grounding.FEATURES, w, strict=True)
                    },
                },
                indent=2,
            )
            + "\n",
            encoding="utf-8",
        )


def kinds(pairs: Sequence[Pair], threshold: float) -> dict[str, float]:
    """The share of tampered summaries flagged, per tamper kind."""
    scored = score_pairs(grounding.grounding_score, pairs)
    return evaluate_scored(scored, threshold).flag_rate_by_kind


if __name__ == "__main__":
    main()
