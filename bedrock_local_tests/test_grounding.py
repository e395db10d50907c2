"""The local grounding check reads paraphrase and still catches one changed fact: each named
behaviour of issue 13 on a short call, and the scorer on a few hand-written pairs of real
corpus calls (bedrock_local_tests/data/grounding_pairs.jsonl)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bedrock_local.evaluation.datasets import default_corpus_zip
from bedrock_local.evaluation.grounding import evaluate, load_pairs
from bedrock_local.guardrail.grounding import explain_grounding, grounding_score, relevance_score
from bedrock_local.guardrail.grounding_text import tokens

THRESHOLD = 0.7  # bedrock_assets/guardrail/policy.json's GROUNDING threshold
CORPUS = default_corpus_zip()

CALL = "\n".join(
    [
        "Customer: Hi, I ordered a blender on May 28th and it still hasn't arrived.",
        "Agent: I'm sorry about that. Let me check the order. I see it was shipped on June 1st "
        "but the carrier lost it.",
        "Agent: I can send a replacement blender at no charge. It should arrive by June 5th.",
        "Customer: Okay. Also, I was charged forty dollars for shipping, which seems wrong.",
        "Agent: You're right, that fee should not have been charged. Your refund request for "
        "the shipping fee has been approved.",
        "Agent: There is also a promotion this month: 25% off kitchen appliances with code "
        "SUMMER25.",
        "Agent: And as an apology I'll add a 10% discount to your next purchase.",
        "Customer: Great, thank you so much.",
        "Agent: Thank you for calling, have a great day.",
    ]
)


def passes(summary: str, source: str = CALL) -> bool:
    return grounding_score(summary, source) >= THRESHOLD


def test_a_faithful_paraphrase_passes() -> None:
    summary = (
        "The customer's blender, ordered on May 28, never showed up because the shipping "
        "company lost it. The agent is sending a new one free of charge, due by June 5. The "
        "$40 shipping charge was a mistake and will be reimbursed. The customer also gets 10 "
        "percent off their next order."
    )
    assert passes(summary), explain_grounding(summary, CALL)


@pytest.mark.parametrize(
    ("said", "written"),
    [("June 5th", "June 5"), ("June 5th", "the fifth of June"), ("forty dollars", "$40")],
)
def test_numbers_and_dates_compare_normalised(said: str, written: str) -> None:
    source = f"Agent: The refund of the shipping fee will reach you on {said}."
    summary = f"The shipping fee will be refunded on {written}."
    assert passes(summary, source), explain_grounding(summary, source)
    assert {t.stem for t in tokens(said)} <= {t.stem for t in tokens(written)}


@pytest.mark.parametrize(
    "summary",
    [
        "The agent said the replacement should arrive by June 9.",  # date
        "The customer was charged $45 for shipping and will be refunded.",  # amount
        "The agent added a 15% discount to the customer's next purchase.",  # amount
        "The agent is sending a replacement toaster at no charge.",  # product
        "A supervisor approved the refund of the shipping fee.",  # person / role
        "The agent promised a $20 gift card as an apology.",  # promise
    ],
)
def test_a_changed_fact_is_flagged(summary: str) -> None:
    assert not passes(summary), explain_grounding(summary, CALL)


def test_a_changed_outcome_is_flagged() -> None:
    """The call replaces the lost blender; a summary saying it cannot be replaced turns the
    outcome round."""
    assert passes("The agent is sending a replacement blender at no charge.")
    summary = "The agent said the lost blender could not be replaced."
    assert not passes(summary), explain_grounding(summary, CALL)


def test_a_refusal_where_the_call_grants_is_flagged() -> None:
    granted = (
        "Customer: I'd like a refund for the headphones, they stopped working.\n"
        "Agent: I've checked the order and I've processed a full refund for the headphones.\n"
        "Agent: It will reach your card in 3 to 5 days."
    )
    assert passes("The agent processed a full refund for the headphones.", granted)
    summary = "The agent refused the refund."
    assert not passes(summary, granted), explain_grounding(summary, granted)


def test_nonsense_words_are_flagged() -> None:
    summary = "The agent frobnicated the quantum flux capacitor of the customer's zorbulator."
    assert not passes(summary), explain_grounding(summary, CALL)
    reasons = " ".join(r for s in explain_grounding(summary, CALL) for r in s.reasons)
    assert "frobnic" in reasons


def test_calling_in_by_phone_is_not_a_product() -> None:
    """ "phoned" and "over the phone" say how the customer reached the agent, not that a phone
    was bought; the word "puzzled" is no puzzle (a toy) and "account" no "accountant"."""
    said = "The customer phoned because the blender never arrived and was puzzled by the fee."
    assert passes(said), explain_grounding(said, CALL)
    assert not passes("The customer's new phone never arrived.")


def test_an_amount_from_elsewhere_in_the_call_is_flagged() -> None:
    """25 is in the call, but as the promotion's discount, not the apology's."""
    faithful = "As an apology, the agent added a 10% discount to the next purchase."
    tampered = "As an apology, the agent added a 25% discount to the next purchase."
    assert passes(faithful) and not passes(tampered), explain_grounding(tampered, CALL)


def test_approved_and_denied_do_not_read_alike() -> None:
    assert passes("The refund of the shipping fee was approved.")
    assert not passes("The refund of the shipping fee was denied.")
    denied = CALL.replace("has been approved", "has been denied")
    assert passes("The refund of the shipping fee was denied.", denied)
    assert not passes("The refund of the shipping fee was approved.", denied)


def test_negation_is_read() -> None:
    assert passes("The blender has not arrived.")
    assert not passes("The refund of the shipping fee was not approved.")
    # Affirming what the call negates is weak evidence on its own (on dev+test it fired as
    # often on faithful sentences as on tampered ones, so its fitted weight is small): it lowers
    # the score, and flags together with any other sign.
    said, negated = "The customer said the blender had arrived.", "The blender has not arrived."
    assert grounding_score(said, CALL) < grounding_score(negated, CALL)
    assert not passes("The customer said the blender had arrived on June 9.")


def test_a_procedural_sentence_does_not_sink_a_summary() -> None:
    summary = "The agent is sending a replacement blender at no charge."
    closing = " The agent thanked the customer and ended the call politely."
    assert [s.score for s in explain_grounding(closing.strip(), CALL)] == [None]
    assert grounding_score(summary + closing, CALL) == grounding_score(summary, CALL)
    assert passes(summary + closing)


def test_scores_are_in_the_unit_interval_and_relevance_reads_paraphrase() -> None:
    for summary in ("", "Completely unrelated words about astronomy.", "The blender was lost."):
        assert 0.0 <= grounding_score(summary, CALL) <= 1.0
    paraphrase = "The lost blender will be replaced free of charge and the fee reimbursed."
    assert relevance_score(paraphrase, "Summarize the call.", CALL) >= 0.8
    assert relevance_score("Stock tips: buy shares now.", "Summarize the call.", CALL) < 0.5


@pytest.mark.skipif(not CORPUS.exists(), reason="the shared corpus is not beside the repository")
def test_hand_written_pairs_of_corpus_calls() -> None:
    pairs = load_pairs(Path(__file__).with_name("data") / "grounding_pairs.jsonl", CORPUS)
    result = evaluate(grounding_score, THRESHOLD, pairs)
    assert result.auc >= 0.9
    assert result.faithful_pass_rate >= 0.9 and result.tampered_flag_rate >= 0.8


def test_scoring_from_threads() -> None:
    """ApplyGuardrail calls arrive on threads; the stemmer they share keeps state."""
    import sys
    from concurrent.futures import ThreadPoolExecutor

    from bedrock_local.guardrail.grounding_text import stem

    roots = ("refund", "deliver", "cancel", "replace", "charg", "process", "connect", "adjust")
    suffixes = ("ed", "ing", "s", "ation", "able", "ment", "er", "ers", "ingly", "fulness")
    words = [r + s for r in roots for s in suffixes]
    expected = [stem(w) for w in words]
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible
    try:
        for _ in range(5):
            stem.cache_clear()
            with ThreadPoolExecutor(8) as pool:
                results = list(pool.map(lambda w: stem(w), words * 8))
            assert results == expected * 8
    finally:
        sys.setswitchinterval(interval)


def test_the_published_figures_say_when_the_corpus_is_missing(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from bedrock_local.evaluation.grounding import published, published_splits

    monkeypatch.setenv("BEDROCK_ASSETS_CORPUS_ZIP", str(tmp_path / "absent.zip"))
    figures = published(grounding_score, THRESHOLD)
    assert figures["measured"].startswith("no") and "AUC" not in figures
    splits = published_splits(grounding_score, THRESHOLD)
    assert list(splits) == [
        "holdout3 (held out)",
        "dev (fitted on)",
        "test (fitted on)",
        "holdout (fitted on)",
        "holdout2 (fitted on)",
    ]
    assert all(v["measured"].startswith("no") for v in splits.values())


OPTIONS_CALL = "\n".join(
    [
        "Customer: My new laptop keeps freezing and I need a working one this week.",
        "Agent: I'm sorry about that. I can send a replacement by overnight shipping for $25.",
        "Agent: Or I can send it by 2-day shipping for $15. Which would you prefer?",
        "Customer: Hmm, the 2-day shipping sounds more reasonable. I'll go with that.",
        "Agent: Alright, I've placed the replacement order with 2-day shipping.",
        "Agent: The $15 fee will be added to your original order.",
        "Customer: Thanks.",
    ]
)


def test_the_option_the_customer_chose_is_checked() -> None:
    """Both options are in the call, so every word of either is "supported": what decides is
    which one the customer's choosing turn (and the agent's confirmation) names."""
    chose = "The customer picked 2-day shipping for $15 for the replacement laptop."
    other = "The customer picked overnight shipping for $25 for the replacement laptop."
    assert passes(chose, OPTIONS_CALL), explain_grounding(chose, OPTIONS_CALL)
    assert not passes(other, OPTIONS_CALL), explain_grounding(other, OPTIONS_CALL)
    reasons = explain_grounding(other, OPTIONS_CALL)[0].reasons
    assert any("chose otherwise" in r for r in reasons)


def test_who_acts_reads_clauses_not_relative_clauses() -> None:
    """ "the laptop she ordered" tells the past, not who does a step; the agent saying "I've
    placed the order" does not contradict it. A reflexive still claims the actor."""
    source = "\n".join(
        [
            "Customer: My laptop still hasn't arrived and I need it for work.",
            "Agent: I see. I've placed a new order for the same laptop for you.",
            "Agent: I'll also open a claim with the carrier for the lost one.",
        ]
    )
    past = "The laptop she ordered had not arrived, so the agent placed a new order."
    assert passes(past, source), explain_grounding(past, source)
    herself = "The customer was asked to open a claim with the carrier herself."
    assert not passes(herself, source), explain_grounding(herself, source)


def test_narration_and_refusal_wording_are_not_new_facts() -> None:
    """How a summary tells the call ("complained", "despite") is no claim; "refused to waive
    it" says the call's "I can't waive" in other words."""
    source = "\n".join(
        [
            "Customer: I was charged a $15 restocking fee and I think that's unfair.",
            "Agent: I understand, but I can't waive the restocking fee, it's in our policy.",
        ]
    )
    summary = (
        "The customer complained about the $15 restocking fee despite the policy, and the "
        "agent refused to waive it."
    )
    score = explain_grounding(summary, source)[0]
    assert passes(summary, source), score
    assert not any("complain" in r or "affirmed" in r for r in score.reasons)


def test_without_governs_its_object_only() -> None:
    """ "arrived without the charger" says the package arrived: only the charger is denied."""
    source = "Customer: The package arrived yesterday but the charger was not in the box."
    toks = {t.stem: t.negated for t in tokens("The package arrived without the charger.")}
    assert toks[tokens("arrived")[0].stem] is False
    assert toks[tokens("charger")[0].stem] is True
    assert passes("The package arrived without the charger.", source)


@pytest.mark.parametrize(
    ("said", "written"),
    [("30 minutes", "half an hour"), ("by 8 tonight", "by 8 PM tonight")],
)
def test_times_compare_normalised(said: str, written: str) -> None:
    assert {t.stem for t in tokens(said)} == {t.stem for t in tokens(written)}


def test_fixing_a_glitch_is_resolving_it() -> None:
    source = "Agent: It was a temporary glitch in our payment system and it has been resolved."
    summary = "The agent said a temporary glitch in the payment system had been fixed."
    assert passes(summary, source), explain_grounding(summary, source)


def test_a_neighbouring_word_is_looser_wording_not_a_new_fact() -> None:
    """ "the charge went through" for the call's "the payment went through" costs a little (a
    looser word), not what a product or outcome the call never names costs."""
    source = "Agent: I tried your card again and the payment went through this time."
    related = explain_grounding("The agent retried the card and the charge went through.", source)
    assert related[0].score is not None and related[0].score >= THRESHOLD, related
    assert any("related to the call's words: charg" in r for r in related[0].reasons)
    invented = explain_grounding("The agent retried the card and the refund went through.", source)
    assert invented[0].score is not None and invented[0].score < THRESHOLD, invented


def test_following_as_a_preposition_is_not_a_follow_up() -> None:
    assert [t.stem for t in tokens("Following verification, the order shipped.")] == [
        t.stem for t in tokens("After verification, the order shipped.")
    ]


def test_personally_claims_the_subject_as_the_one_who_acts() -> None:
    """ "The agent will personally file it" where the customer says "I'll file it" is a person
    change; the faithful wording passes."""
    source = "\n".join(
        [
            "Agent: The carrier only takes the claim from the account holder, I'm afraid.",
            "Customer: Okay, I'll call the carrier tomorrow and file the claim myself.",
        ]
    )
    faithful = "The customer will call the carrier and file the claim."
    changed = "The agent will personally call the carrier and file the claim."
    assert passes(faithful, source), explain_grounding(faithful, source)
    assert not passes(changed, source), explain_grounding(changed, source)


@pytest.mark.parametrize(
    ("written", "said"),
    [
        ("The parcel is due the following day.", "The parcel is due tomorrow."),
        ("A confirmation email would follow.", "A confirmation email later."),
    ],
)
def test_follow_in_other_senses_is_no_callback(written: str, said: str) -> None:
    """ "the following day" is the next day and "an email would follow" is later: neither is
    the follow-up call a summary may promise ("will follow up" still is one)."""
    assert [t.stem for t in tokens(written)] == [t.stem for t in tokens(said)]
    assert [t.stem for t in tokens("The agent will follow up.")] == [
        t.stem for t in tokens("The agent will call back.")
    ]


def test_a_negation_denies_the_word_it_governs_not_its_objects() -> None:
    """ "had never been entered on the website" denies the entering; the call affirming that
    the customer shops on the website is no contradiction."""
    source = "\n".join(
        [
            "Customer: I shop on your website every week and my new card was declined.",
            "Agent: I see the new card details were missing from your account.",
        ]
    )
    summary = "The new card details had never been entered on the website."
    score = explain_grounding(summary, source)[0]
    assert not any("negated" in r for r in score.reasons), score
    changed = "The customer had not shopped on the website before."
    assert any("negated" in r for r in explain_grounding(changed, source)[0].reasons)


def test_the_held_out_split_is_none_the_engine_was_fitted_on() -> None:
    """The system card's held-out split is one the weights never saw."""
    from bedrock_local.evaluation.datasets import GROUNDING_SPLITS
    from bedrock_local.evaluation.grounding import FITTED, HELD_OUT

    assert HELD_OUT == "holdout3" and HELD_OUT not in FITTED
    assert set(FITTED) == {"dev", "test", "holdout", "holdout2"}
    assert HELD_OUT in GROUNDING_SPLITS and set(FITTED) < set(GROUNDING_SPLITS)
