"""Contextual grounding and relevance for the local guardrail, sentence by sentence.

A summary paraphrases its call, so each sentence is compared with the best-matching window
of the call (a few consecutive sentences) on normalised tokens (``grounding_text``: numbers
as digits, stems, synonym groups), not on surface words. Coverage alone cannot tell "a 20%
discount" from "a 30% discount", so every checkable fact of the sentence (a number, date,
time word, code, capitalised name, or a product / role / outcome word) is also checked:

- absent from the call: the sentence states something the call does not (capped low);
- present, but only where the rest of the sentence does not match (a number the call uses
  for something else): capped by how much worse that place matches than the best one;
- negation: the sentence negates what the call affirms there, or the reverse (capped low).

Sentences made only of courtesy and meta-vocabulary ("The agent thanked the customer.") state
no fact and are not scored. The response scores as its weakest scored sentence: one invented
fact is enough to fall below the threshold. A stand-in for the managed service's model, not
a replica; ``explain_grounding`` shows the per-sentence reasons.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, replace

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
    normalise,
    sentences,
    source_units,
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
    )


def clear_cache() -> None:
    """Forget prepared calls (the engine keeps the last 64: grounding and relevance of one
    summary read its call once); benchmarks clear it to time a call read from scratch."""
    _prepare.cache_clear()


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


def score_sentence(sentence: str, source: str) -> SentenceScore:
    """One summary sentence against the call: coverage of its best window, then its facts."""
    toks = tokens(sentence, mark_names=True)
    if not toks or is_procedural(toks):
        return SentenceScore(sentence, None, 1.0, ())
    src = _prepare(source)
    uniq: dict[str, Token] = {}
    for t in toks:
        uniq.setdefault(t.stem, t)
    total = sum(_weight(t) for t in uniq.values())
    present = [t for t in uniq.values() if t.stem in src.stems]

    best_i, best_cov = 0, -1.0
    for i, window in enumerate(src.windows):
        hits = sum(_weight(t) * (1.0 if t.stem in window else ELSEWHERE_CREDIT) for t in present)
        if hits > best_cov:
            best_i, best_cov = i, hits
    coverage = (best_cov + COVERAGE_PRIOR) / (total + COVERAGE_PRIOR)
    score = BASE + (1 - BASE) * coverage
    reasons: list[str] = []
    # Words of substance the call never uses (after stems and synonyms): a paraphrase has a
    # few, an invented clause ("filed a formal complaint") several.
    unsupported = sorted(
        t.stem
        for t in uniq.values()
        if t.kind == WORD
        and not t.light
        and t.stem not in src.stems
        and t.stem not in lex.PROCEDURAL_STEMS
    )
    if unsupported:
        score *= max(0.0, 1 - UNSUPPORTED_STEP * len(unsupported))
        if len(unsupported) > 1:
            reasons.append(f"words not in the call: {', '.join(unsupported)}")

    def cap(limit: float, reason: str) -> None:
        nonlocal score
        score = min(score, limit)
        reasons.append(reason)

    content = {t.stem for t in toks if not t.light} - lex.PROCEDURAL_STEMS
    checked: set[str] = set()
    for at, t in enumerate(toks):
        if t.kind not in FACT_KINDS or t.stem in checked:
            continue
        checked.add(t.stem)
        if t.stem not in src.stems:
            if t.stem in lex.NEGATIVE_OUTCOME and _refusal_near(src, best_i):
                continue  # "declined" for the call's "I'm unable to offer that"
            cap(MISSING_FACT_CAP, f"{t.kind} not in the call: {t.stem}")
        elif t.kind in PLACED_KINDS:
            ratio = _misplaced(t.stem, t.kind, _local_context(toks, at, src), set(uniq), src)
            if ratio is not None:
                cap(
                    MISSING_FACT_CAP + (1 - MISPLACED_RATIO) * ratio,
                    f"{t.kind} where the call gives another value: {t.stem} ({ratio:.2f})",
                )

    sentence_stems = {t.stem for t in toks if not t.light}
    units = range(best_i, min(len(src.units), best_i + WINDOW_SENTENCES))

    def unit_for(stems: AbstractSet[str]) -> int | None:
        """The call's sentence in the best window that states any of ``stems`` and shares
        the most words with the summary sentence."""
        found = [u for u in units if stems & src.units[u]]
        return max(found, key=lambda u: (len(sentence_stems & src.units[u]), -u), default=None)

    # Negation: a negated clause of the sentence whose words the call never negates, stated
    # without any negation in the best window.
    negated_anywhere = frozenset().union(*src.negated)
    for scope in {t.scope for t in toks if t.negated}:
        words = {
            t.stem for t in toks if t.scope == scope and not t.light and t.kind not in PLACED_KINDS
        }
        said = [u for u, unit in enumerate(src.units) if words & unit]
        if said and not words & negated_anywhere and not any(src.negated[u] for u in said):
            cap(CONTRADICTION_CAP, f"negated, the call affirms: {', '.join(sorted(words))}")
    # An affirmed claim the best-matching sentence stating it negates, with no later sentence
    # of the window that states it affirmed as closely ("still hasn't arrived" ... "arrived").
    for t in toks:
        if t.kind != KEY or any(x.negated for x in toks):
            continue
        said = [u for u in units if t.stem in src.units[u]]
        shared = {u: len(sentence_stems & src.units[u]) for u in said}
        neg = [u for u in said if t.stem in src.negated[u] and t.stem not in src.affirmed[u]]
        if not neg:
            continue
        worst = max(neg, key=lambda u: (shared[u], u))
        later = [u for u in said if u > worst and t.stem in src.affirmed[u] and shared[u] >= 2]
        if shared[worst] >= 2 and not later:
            cap(CONTRADICTION_CAP, f"affirmed, the call negates: {t.stem}")
    # Who did it: "the customer called the bank herself" where the call's closest sentence is
    # the agent saying "I'll call the bank".
    if _REFLEXIVE.search(sentence):
        u = unit_for(sentence_stems)
        if u is not None and u < len(src.agent_says) and src.agent_says[u]:
            cap(CONTRADICTION_CAP, "done by the customer, the call has the agent do it")
    # Decisions: a positive word the call never uses, where the call negates something nearby
    # ("granted his request" where the call said "I'm unable to offer a credit").
    for t in toks:
        if (
            t.stem in lex.GRANTED
            and not t.negated
            and t.stem not in src.stems
            and not src.windows[best_i] & lex.GRANTED
            and _negative_near(src, best_i, content)
        ):
            cap(CONTRADICTION_CAP, f"positive outcome the call does not state: {t.stem}")
    # Decisions: a positive one where the call reports a refusal and no positive word.
    window = src.windows[best_i]
    refusals = window & lex.NEGATIVE_OUTCOME
    for t in toks:
        if t.stem in lex.POSITIVE_OUTCOME and not t.negated and refusals:
            u = unit_for(refusals)
            if u is not None and not src.units[u] & lex.POSITIVE_OUTCOME:
                cap(CONTRADICTION_CAP, f"positive outcome, the call reports a refusal: {t.stem}")
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
