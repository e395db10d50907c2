"""Contextual grounding and relevance for the local guardrail, sentence by sentence.

A summary paraphrases its call, so each sentence is compared with the best-matching window
of the call (a few consecutive sentences) on normalised tokens (``grounding_text``: numbers
as digits, stems, synonym groups), not on surface words. Coverage alone cannot tell "a 20%
discount" from "a 30% discount", so every checkable fact of the sentence (a number, date,
time word, code, capitalised name, or a product / role / outcome word) is also checked:

- absent from the call: the sentence states something the call does not (capped low);
- present, but only where the rest of the sentence does not match (a number the call uses
  for something else): capped by how much worse that place matches than the best one;
- negation: the sentence negates what the call affirms there, or the reverse (capped low);
- who and which: the other side doing a step the call has one side say "I'll" do, and the
  option the customer did not choose where the call offered two.

Sentences made only of courtesy and meta-vocabulary ("The agent thanked the customer.") state
no fact and are not scored. The response scores as its weakest scored sentence: one invented
fact is enough to fall below the threshold. A stand-in for the managed service's model, not
a replica; ``explain_grounding`` shows the per-sentence reasons.
"""

from __future__ import annotations

import functools
import json
import math
import re
from collections.abc import Iterable
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field, replace
from pathlib import Path

from bedrock_local.guardrail import grounding_lexicon as lex
from bedrock_local.guardrail.grounding_text import (
    CODE,
    DATE,
    FACT_KINDS,
    KEY,
    NAME,
    NUMBER,
    TIME,
    WORD,
    Token,
    Unit,
    normalise,
    normalise_sentence,
    sentences,
    source_units,
    stem,
    tokens,
)

WINDOW_SENTENCES = 6  # the call's sentences a summary sentence is compared with at once
PLACE_SENTENCES = 1  # the call's sentences a fact and the words around it must share
ELSEWHERE_CREDIT = 0.7  # a word found in the call, but outside the best window
LIGHT_WEIGHT = 0.25  # meta-vocabulary weighs a quarter of a content word
UNSUPPORTED_STEP = 0.1  # per word of substance the call never uses
COVERAGE_PRIOR = 2.0  # pseudo-words: a short sentence's coverage leans on a few words less
BASE = 0.9  # a sentence with every fact supported scores at least this, plus its coverage
MISSING_FACT_CAP = 0.25
CONTRADICTION_CAP = 0.3
MISPLACED_RATIO = 0.5  # a fact found only where the sentence matches < 50% as well as best
LOCAL_CONTEXT = 4  # words either side of a fact that say what it is about
MIN_LOCAL_WEIGHT = 2.0  # ... and how much of them must match somewhere to judge its place


PLACED_KINDS = frozenset({NUMBER, NAME})  # must sit where the words around them do
VALUE_KINDS = frozenset({NUMBER, CODE, TIME, DATE, NAME})  # values, not context


PREFIX = 5  # letters two stems share to count as related words
REFLEXIVE_UNITS = 3  # the call's best-matching sentences that say who does a "herself" step
CHOICE_REPLY = 3  # the agent's sentences after a customer's choice that confirm it
CHOICE_OFFER = 4  # at most this many sentences of the agent's turn before a choice: the offer
PAIR_SENTENCES = 3  # two words of a sentence "go together" in the call within this many
WEIGHTS = Path(__file__).with_name("grounding_weights.json")  # fitted: benchmarks/fit_grounding.py
FEATURES = (
    "uncovered",  # 1 - coverage of the best window
    "unsupported_words",  # words of substance the call never uses
    "missing_value",  # numbers, dates, codes the call never states
    "missing_time",  # month, weekday, time unit the call never states
    "missing_name",  # capitalised names the call never states
    "missing_item",  # product and role words the call never uses
    "missing_outcome",  # outcome words (refund, cancel, expedite, ...) the call never uses
    "misplaced",  # values the call gives for something else ("25%" of another offer)
    "negated_affirmed",  # the sentence negates what the call affirms
    "affirmed_negated",  # the sentence affirms what the call negates
    "actor",  # the agent does what the call has the customer say they do, or the reverse
    "outcome_reversed",  # a positive decision next to a refusal in the call, or the reverse
    "quantifier",  # all / every / only / one-time words the call does not use nearby
    "pairs_apart",  # share of nearby word pairs the call never states close together
    "unchosen",  # what the sentence says was chosen: the call's other option, not the choice
)
QUANTIFIER_STEMS = frozenset(stem(w) for w in lex.QUANTIFIERS)
_ACTOR = re.compile(
    r"\b(the agent|the representative|the rep|the customer|the caller|she|he)\s+"
    r"(?:(?:would|will|could|should|must|had|has|have|needed|needs|need|to|then|also|"
    r"personally|first|later|still|now|herself|himself)\s+)*([a-z]+)",
    re.IGNORECASE,
)


@functools.lru_cache(maxsize=1)
def _model() -> tuple[float, dict[str, float]]:
    data = json.loads(WEIGHTS.read_text(encoding="utf-8"))
    return float(data["bias"]), {k: float(v) for k, v in data["weights"].items()}


_PERSONALLY = re.compile(r"\bpersonally\b", re.I)
_REFLEXIVE = re.compile(r"\b(?:him|her|them)sel(?:f|ves)\b|\bon (?:his|her|their) own\b", re.I)


@dataclass(frozen=True)
class _Source:
    units: tuple[frozenset[str], ...]  # the call's sentences
    negated: tuple[frozenset[str], ...]  # per sentence: stems that occur negated there
    affirmed: tuple[frozenset[str], ...]  # per sentence: stems that occur un-negated there
    windows: tuple[frozenset[str], ...]  # WINDOW_SENTENCES sentences from each one on
    places: tuple[frozenset[str], ...]  # PLACE_SENTENCES sentences from each one on
    place_facts: tuple[tuple[frozenset[str], frozenset[str]], ...]  # per place: numbers, names
    stems: frozenset[str]
    agent_says: tuple[bool, ...] = ()  # per sentence: the agent, in the first person
    refuses: tuple[bool, ...] = ()  # per sentence: "I can't", "unable to", "I'm afraid"
    speakers: tuple[str, ...] = ()  # per sentence: "agent", "customer", ...
    first_person: tuple[bool, ...] = ()  # per sentence: "I'll ...", "let me ..."
    chosen: tuple[frozenset[int], ...] = ()  # the customer's choices: their turn and the reply
    where: dict[str, tuple[int, ...]] = field(default_factory=dict)  # stem -> its sentences
    prefixes: frozenset[str] = frozenset()  # the first PREFIX letters of the call's stems


def _spans(parts: list[frozenset[str]], width: int) -> tuple[frozenset[str], ...]:
    return tuple(
        frozenset().union(*parts[i : i + width]) for i in range(max(1, len(parts) - width + 1))
    )


def _windows(units: list[list[Token]]) -> _Source:
    sets = [frozenset(t.stem for t in u) for u in units]
    return _Source(
        units=tuple(sets),
        negated=tuple(frozenset(t.stem for t in u if t.negated) for u in units),
        affirmed=tuple(frozenset(t.stem for t in u if not t.negated) for u in units),
        windows=_spans(sets, WINDOW_SENTENCES),
        places=_spans(sets, PLACE_SENTENCES),
        place_facts=tuple(
            zip(
                _spans([frozenset(t.stem for t in u if t.kind == NUMBER) for u in units], 1),
                _spans([frozenset(t.stem for t in u if t.kind == NAME) for u in units], 1),
                strict=True,
            )
        ),
        stems=frozenset().union(*sets),
    )


@functools.lru_cache(maxsize=64)
def _prepare(source: str) -> _Source:
    units = source_units(normalise(source))
    src = _windows([tokens(u.text, mark_names=True, normalised=True) for u in units] or [[]])
    return replace(
        src,
        agent_says=tuple(u.speaker == "agent" and u.first_person for u in units),
        refuses=tuple(bool(lex.REFUSAL.search(u.text)) for u in units),
        speakers=tuple(u.speaker for u in units),
        first_person=tuple(u.first_person for u in units),
        chosen=_choices(units),
        where=_where(src.units),
        prefixes=frozenset(s[:PREFIX] for s in src.stems if len(s) >= PREFIX),
    )


def _choices(units: list[Unit]) -> tuple[frozenset[int], ...]:
    """Where the customer chooses ("the 2-day shipping sounds more reasonable, I'll go with
    that"): that sentence, the one before it in the same turn, and the agent's reply (up to
    CHOICE_REPLY sentences), which confirms the choice."""
    out = []
    for i, u in enumerate(units):
        if u.speaker == "agent" or not lex.CHOOSES.search(u.text):
            continue
        region = {i} | ({i - 1} if i and units[i - 1].speaker == u.speaker else set())
        reply = [j for j in range(i + 1, min(len(units), i + 1 + CHOICE_REPLY))]
        region |= set(
            reply[
                : next(
                    (n for n, j in enumerate(reply) if units[j].speaker != "agent" and n),
                    len(reply),
                )
            ]
        )
        out.append(frozenset(region))
    return tuple(out)


def _offer(src: _Source, choice: int) -> list[int]:
    """The agent's turn just before the customer's choice (the options offered)."""
    before = range(choice - 1, max(-1, choice - 1 - CHOICE_OFFER), -1)
    offer: list[int] = []
    for u in before:
        if src.speakers[u] != "agent":
            if offer:
                break
            continue
        offer.append(u)
    return offer


def _where(units: tuple[frozenset[str], ...]) -> dict[str, tuple[int, ...]]:
    found: dict[str, list[int]] = {}
    for i, unit in enumerate(units):
        for s in unit:
            found.setdefault(s, []).append(i)
    return {s: tuple(v) for s, v in found.items()}


def clear_cache() -> None:
    """Forget prepared calls (the engine keeps the last 64: grounding and relevance of one
    summary read its call once); benchmarks clear it to time a call read from scratch."""
    _prepare.cache_clear()
    normalise_sentence.cache_clear()


@dataclass(frozen=True)
class SentenceScore:
    sentence: str
    score: float | None  # None: a courtesy sentence, not scored
    coverage: float
    reasons: tuple[str, ...]


def is_procedural(toks: Iterable[Token]) -> bool:
    """Only courtesy and meta-vocabulary, no fact and no negation: states nothing to check."""
    return all(
        t.stem in lex.PROCEDURAL_STEMS and not t.negated and t.kind not in (NUMBER, KEY)
        for t in toks
    )


def _weight(t: Token) -> float:
    return LIGHT_WEIGHT if t.light else 1.0


def _local_context(toks: list[Token], at: int, src: _Source) -> list[Token]:
    """The words around a fact in the sentence ("a 20% *discount* on the *next* *order*")."""
    near = toks[max(0, at - LOCAL_CONTEXT) : at + LOCAL_CONTEXT + 1]
    return [t for t in near if t.kind not in VALUE_KINDS and t.stem in src.stems]


def _near(src: _Source, best_i: int) -> range:
    """The best window and a window's length either side of it."""
    stop = min(len(src.units), best_i + 2 * WINDOW_SENTENCES)
    return range(max(0, best_i - WINDOW_SENTENCES), stop)


def _negative_near(src: _Source, best_i: int, about: set[str]) -> bool:
    """Whether the call negates one of the words ``about`` in or next to the best window."""
    return any(src.negated[u] & about for u in _near(src, best_i))


def _refusal_near(src: _Source, best_i: int) -> bool:
    """Whether the call refuses something ("I can't", "unable to") near the best window: a
    summary's "declined" or "rejected" may paraphrase that."""
    return any(src.refuses[u] for u in _near(src, best_i) if u < len(src.refuses))


def _misplaced(
    fact: str, kind: str, local: list[Token], sentence: set[str], src: _Source
) -> float | None:
    """A fact the call states, but elsewhere: where the words around it in the sentence are
    (the best place), the call gives another value of its kind that the sentence does not
    repeat ("a 25% discount on the next order" where the call said 10% for that). Returns
    how well the fact's own best place matches, relative to that place; None if not so."""
    best = with_fact = 0.0
    best_place = 0
    for i, place in enumerate(src.places):
        hits = sum(_weight(t) for t in local if t.stem in place)
        if hits > best:
            best, best_place = hits, i
        if fact in place:
            with_fact = max(with_fact, hits)
    if best < MIN_LOCAL_WEIGHT or fact in src.places[best_place]:
        return None
    ratio = with_fact / best
    numbers, names = src.place_facts[best_place]
    others = (numbers if kind == NUMBER else names) - sentence
    return ratio if others and ratio < MISPLACED_RATIO else None


def _quantifier_stems() -> frozenset[str]:
    return frozenset(stem(w) for w in lex.QUANTIFIERS)


_NO_ACTOR_VERBS = lex.PROCEDURAL_STEMS | lex.STOP | lex.CHOICE | lex.SHARED_ACTIONS
_NOT_AN_OPTION = lex.PROCEDURAL_STEMS | lex.CHOICE  # words of a choice that name no option
_LAST_WORD = re.compile(r"([A-Za-z']+)\s*$")  # the word before a clause (none after punctuation)
_CLAUSE_OPENERS = frozenset(
    "and then so but that when after before once since because while as if though although "
    "until where said says told asked added explained confirmed promised agreed noted".split()
)


def _actors(sentence: str) -> list[tuple[str, str]]:
    """(who, verb stem) for each "the agent will file ..." / "she would call ..." clause."""
    out = []
    for m in _ACTOR.finditer(sentence):
        before = _LAST_WORD.search(sentence[: m.start()])
        if before and before.group(1).lower() not in _CLAUSE_OPENERS:
            continue  # "the laptop she ordered": a relative clause tells the past, not who acts
        who = "agent" if m.group(1).lower().split()[-1] in lex.AGENT_WORDS else "customer"
        verb = stem(m.group(2).lower())
        if verb not in _NO_ACTOR_VERBS:
            out.append((who, verb))
    return out


def _cooccur(src: _Source, a: str, b: str) -> bool:
    """Whether the call states ``a`` and ``b`` within PAIR_SENTENCES sentences of each other."""
    at_b = src.where.get(b, ())
    return any(abs(i - j) < PAIR_SENTENCES for i in src.where.get(a, ()) for j in at_b)


def sentence_features(sentence: str, source: str) -> tuple[dict[str, float], float, list[str]]:
    """The evidence for and against one summary sentence: (features, coverage, reasons).

    Every feature is graded (a count or a share) and weighed by the fitted model in
    ``grounding_weights.json``; none decides alone."""
    toks = tokens(sentence, mark_names=True)
    src = _prepare(source)
    uniq: dict[str, Token] = {}
    for t in toks:
        uniq.setdefault(t.stem, t)
    total = sum(_weight(t) for t in uniq.values())
    present = [t for t in uniq.values() if t.stem in src.stems]
    f = dict.fromkeys(FEATURES, 0.0)
    reasons: list[str] = []

    # Each present word scores ELSEWHERE_CREDIT anywhere, the rest of a point inside a window:
    # the best window has the most weight of the sentence's words in it.
    weighted = [(t.stem, _weight(t)) for t in present]
    anywhere = ELSEWHERE_CREDIT * sum(w for _, w in weighted)
    best_i, best_in = 0, -1.0
    for i, window in enumerate(src.windows):
        inside = sum([w for s, w in weighted if s in window])
        if inside > best_in:
            best_i, best_in = i, inside
    best_cov = anywhere + (1 - ELSEWHERE_CREDIT) * best_in
    coverage = (best_cov + COVERAGE_PRIOR) / (total + COVERAGE_PRIOR)
    f["uncovered"] = 1 - coverage
    unsupported = sorted(
        t.stem
        for t in uniq.values()
        if t.kind == WORD
        and not t.light
        and t.stem not in src.stems
        and t.stem not in lex.PROCEDURAL_STEMS
    )
    # A word whose first letters a call word shares ("explanation" / "explain") is related,
    # not invented: half weight.
    related = [w for w in unsupported if len(w) >= PREFIX and w[:PREFIX] in src.prefixes]
    f["unsupported_words"] = len(unsupported) - 0.5 * len(related)
    if unsupported:
        reasons.append(f"words not in the call: {', '.join(unsupported)}")

    checked: set[str] = set()
    for at, t in enumerate(toks):
        if t.kind not in FACT_KINDS or t.stem in checked:
            continue
        checked.add(t.stem)
        if t.stem not in src.stems:
            if t.stem in lex.NEGATIVE_OUTCOME and _refusal_near(src, best_i):
                continue  # "declined" for the call's "I'm unable to offer that"
            if lex.RELATED.get(t.stem, frozenset()) & src.stems:
                # "the charge went through" for the call's "the payment went through": a
                # neighbouring word, not a new fact; it counts as half an unsupported word.
                f["unsupported_words"] += 0.5
                reasons.append(f"{t.kind} related to the call's words: {t.stem}")
                continue
            group = {NUMBER: "value", CODE: "value", DATE: "value", TIME: "time"}.get(
                t.kind, t.kind
            )
            if t.kind == KEY:
                group = "item" if t.stem in lex.ITEM_STEMS else "outcome"
            f[f"missing_{group}"] += 1
            reasons.append(f"{t.kind} not in the call: {t.stem}")
        elif t.kind in PLACED_KINDS:
            ratio = _misplaced(t.stem, t.kind, _local_context(toks, at, src), set(uniq), src)
            if ratio is not None:
                f["misplaced"] += 1
                reasons.append(f"{t.kind} where the call gives another value: {t.stem}")

    sentence_stems = {t.stem for t in toks if not t.light}
    units = range(best_i, min(len(src.units), best_i + WINDOW_SENTENCES))
    near = frozenset().union(*(src.units[u] for u in _near(src, best_i)))

    def unit_for(stems: AbstractSet[str]) -> int | None:
        found = [u for u in units if stems & src.units[u]]
        return max(found, key=lambda u: (len(sentence_stems & src.units[u]), -u), default=None)

    negated_anywhere = frozenset().union(*src.negated)
    for scope in {t.scope for t in toks if t.negated}:
        # The word the cue governs first is what is denied ("had never been entered on the
        # site": entering, not the site); later words of the scope are its objects.
        head = [
            t.stem for t in toks if t.scope == scope and not t.light and t.kind not in PLACED_KINDS
        ][:1]
        words = set(head)
        said = [u for u, unit in enumerate(src.units) if words & unit]
        if said and not words & negated_anywhere and not any(src.negated[u] for u in said):
            f["negated_affirmed"] += 1
            reasons.append(f"negated, the call affirms: {', '.join(sorted(words))}")
    # "refused to waive it" negates in other words: no claim that the call's "can't" is denied.
    says_no = any(x.negated or x.stem in lex.NEGATIVE_OUTCOME for x in toks)
    for t in toks:
        if t.kind != KEY or says_no:
            continue
        said = [u for u in units if t.stem in src.units[u]]
        shared = {u: len(sentence_stems & src.units[u]) for u in said}
        neg = [u for u in said if t.stem in src.negated[u] and t.stem not in src.affirmed[u]]
        if not neg:
            continue
        worst = max(neg, key=lambda u: (shared[u], u))
        later = [u for u in said if u > worst and t.stem in src.affirmed[u] and shared[u] >= 2]
        if shared[worst] >= 2 and not later:
            f["affirmed_negated"] += 1
            reasons.append(f"affirmed, the call negates: {t.stem}")
    # Who did it: the summary's actor for an action the call has the other side say "I'll".
    claims = _actors(sentence)
    if _REFLEXIVE.search(sentence):
        claims.append(("customer", ""))
    elif m := _PERSONALLY.search(sentence):  # "the agent will follow up personally"
        actors = _ACTOR.findall(sentence[: m.start()])
        if actors:
            last = actors[-1][0].lower().split()[-1]
            claims.append(("agent" if last in lex.AGENT_WORDS else "customer", ""))
    for who, verb in claims:
        said = [u for u in _near(src, best_i) if (not verb or verb in src.units[u])]
        if not verb:  # "herself": the call's sentences that best match this one say who
            shared = {u: len(sentence_stems & src.units[u]) for u in _near(src, best_i)}
            top = max(shared.values(), default=0)
            said = [u for u in shared if shared[u] == top >= 2][:REFLEXIVE_UNITS]
        doers = {src.speakers[u] for u in said if src.first_person[u]}
        if doers and who not in doers and ({"agent", "customer"} & doers):
            f["actor"] += 1
            reasons.append(f"{who} does it; in the call the other side says it: {verb or '-'}")

    # Decisions turned round: a positive one where the call refuses near the best window, or
    # a refusal ("denied") where the call grants and refuses nothing; graded by how closely
    # the call's sentence matches this one.
    def closeness(found: list[int]) -> float:
        return max(min(3, len(sentence_stems & src.units[u])) for u in found) / 3

    plain = not any(t.negated for t in toks)
    if plain and any(t.stem in lex.NEGATIVE_OUTCOME and t.stem not in src.stems for t in toks):
        # The call grants where it says yes, or where it affirms what the sentence says was
        # refused ("I've processed a full refund" against "refused the refund").
        objects = {t.stem for t in toks if t.kind == KEY and t.stem not in lex.NEGATIVE_OUTCOME}
        granting = [
            u
            for u in units
            if src.units[u] & (lex.POSITIVE_OUTCOME | lex.GRANTED) or src.affirmed[u] & objects
        ]
        if granting and not any(src.refuses):
            f["outcome_reversed"] = closeness(granting)
            reasons.append("refusal where the call grants")
    positive = [
        t
        for t in toks
        if (t.stem in lex.POSITIVE_OUTCOME or t.stem in lex.GRANTED) and not t.negated
    ]
    if positive and plain:
        refusing = [
            u
            for u in units
            if src.refuses[u]
            or (src.units[u] & lex.NEGATIVE_OUTCOME and not src.units[u] & lex.POSITIVE_OUTCOME)
        ]
        if refusing:
            u = max(refusing, key=lambda u: len(sentence_stems & src.units[u]))
            f["outcome_reversed"] = max(f["outcome_reversed"], closeness([u]))
            reasons.append("positive outcome near a refusal in the call")
    # A choice the customer made: the option the sentence says was chosen must be what the
    # customer's choosing turn (or the agent's confirmation of it) names, not the other one.
    chose = lex.CHOSE.search(sentence)
    regions = [r for r in src.chosen if any(u in r for u in _near(src, best_i))]
    if chose and regions:
        named = {
            t.stem: t.kind in FACT_KINDS
            for t in tokens(lex.CHOICE_END.split(sentence[chose.end() :])[0], mark_names=True)
            if not t.light and t.stem in src.stems and t.stem not in _NOT_AN_OPTION
        }
        chosen: frozenset[str] = frozenset().union(*(src.units[u] for r in regions for u in r))
        offered: frozenset[str] = frozenset().union(
            *(src.units[u] for r in regions for u in _offer(src, min(r)))
        )
        other = sorted(set(named) & offered - chosen)  # the offer's words the choice left out
        if other:  # a value or key word of the other option decides; other words count a share
            fact = any(named[s] for s in other)
            f["unchosen"] = 1.0 if fact else len(other) / len(named)
            reasons.append(f"chosen, but the customer chose otherwise: {', '.join(other)}")
    # Quantifiers ("all future purchases" for "a one-time code") the nearby call lacks.
    quants = sorted({t.stem for t in toks if t.stem in QUANTIFIER_STEMS} - near)
    f["quantifier"] = float(len(quants))
    if quants:
        reasons.append(f"quantifier not near in the call: {', '.join(quants)}")
    # Nearby word pairs of the sentence that the call never states near each other.
    content = [
        t.stem
        for t in toks
        if not t.light and t.stem in src.stems and t.stem not in lex.PROCEDURAL_STEMS
    ]
    pairs = {(a, b) for i, a in enumerate(content) for b in content[i + 1 : i + 3] if a != b}
    if pairs:
        apart = sum(not _cooccur(src, a, b) for a, b in pairs)
        f["pairs_apart"] = apart / len(pairs)
    return f, coverage, reasons


def score_sentence(sentence: str, source: str) -> SentenceScore:
    """One summary sentence against the call: its evidence, weighed by the fitted model."""
    toks = tokens(sentence, mark_names=True)
    if not toks or is_procedural(toks):
        return SentenceScore(sentence, None, 1.0, ())
    feats, coverage, reasons = sentence_features(sentence, source)
    bias, weights = _model()
    z = bias + sum(weights.get(k, 0.0) * v for k, v in feats.items())
    score = 1 / (1 + math.exp(-z))
    return SentenceScore(sentence, round(score, 4), round(coverage, 4), tuple(reasons))


def explain_grounding(response: str, source: str) -> list[SentenceScore]:
    """Each sentence of ``response`` with its score and the reasons it lost points."""
    return [score_sentence(s, source) for s in sentences(response)]


def grounding_score(response: str, source: str) -> float:
    """How well the least-supported factual sentence of ``response`` is supported, in [0, 1]."""
    scores = [s.score for s in explain_grounding(response, source) if s.score is not None]
    return round(min(scores), 4) if scores else 1.0


def relevance_score(response: str, query: str, source: str) -> float:
    """How much of the response is about the conversation the query asks to summarize: the
    weighted share of its tokens the call or the query contains."""
    every = tokens(response)
    toks = [t for t in every if t.stem not in lex.PROCEDURAL_STEMS] or every
    if not toks:
        return 0.0
    context = _prepare(source).stems | {t.stem for t in tokens(query)}
    total = sum(_weight(t) for t in toks)
    found = sum(_weight(t) for t in toks if t.stem in context)
    return round(min(1.0, found / total * 1.1), 4)
