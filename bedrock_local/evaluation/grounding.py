"""A generated, labelled evaluation set for the grounding check: faithful summaries of calls
(written by the caller's summarizer) and tampered copies that each state one fact absent from
the call (an amount, a date, an order number, a product or a name)."""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

AMOUNTS = ["$17.45", "$250.00", "$1,299.99", "$64.10", "$9.99"]
DATES = ["March 14", "the 3rd of June", "2025-01-07", "next Thursday the 9th"]
ORDERS = ["ORD-55501234", "order number 7781-2299", "ticket #448812"]
PRODUCTS = ["espresso grinder", "gaming keyboard", "electric scooter", "robot vacuum"]
NAMES = ["Roberto", "Mariana Kovacs", "Tobias", "Ingrid Sato"]

# kind -> (values to invent from, sentence template)
TAMPERS: dict[str, tuple[list[str], str]] = {
    "amount": (AMOUNTS, "The agent also credited {} to the account."),
    "date": (DATES, "The replacement will arrive on {}."),
    "order_number": (ORDERS, "The agent referenced {} during the call."),
    "product": (PRODUCTS, "The customer also asked about a {}."),
    "name": (NAMES, "A supervisor, {}, approved the resolution."),
}


@dataclass(frozen=True)
class Case:
    summary: str
    transcript: str
    tampered: bool
    kind: str


def build_cases(
    transcripts: Iterable[str], summarize: Callable[[str], str], seed: int = 17
) -> tuple[Case, ...]:
    """For each transcript: its faithful summary, a reordered variant, and one tampered copy
    per kind of invented fact, inserted at a random sentence position."""
    rng = random.Random(seed)
    cases: list[Case] = []
    for transcript in transcripts:
        faithful = summarize(transcript)
        sentences = re.split(r"(?<=[.!?])\s+", faithful)
        cases.append(Case(faithful, transcript, False, "faithful"))
        cases.append(Case(" ".join(sentences[::-1]), transcript, False, "faithful_reordered"))
        lowered = transcript.lower()
        for kind, (values, template) in TAMPERS.items():
            absent = [v for v in values if v.lower() not in lowered]
            if not absent:
                continue
            invented = template.format(rng.choice(absent))
            at = rng.randint(0, len(sentences))
            cases.append(
                Case(" ".join(sentences[:at] + [invented] + sentences[at:]), transcript, True, kind)
            )
    return tuple(cases)


def evaluate(
    score: Callable[[str, str], float], threshold: float, cases: tuple[Case, ...]
) -> dict[str, float]:
    """Precision and recall of "score < threshold" as the detector of tampered summaries."""
    flagged = [(c, score(c.summary, c.transcript) < threshold) for c in cases]
    tp = sum(1 for c, f in flagged if f and c.tampered)
    fp = sum(1 for c, f in flagged if f and not c.tampered)
    tampered = sum(c.tampered for c in cases)
    faithful = len(cases) - tampered
    result = {
        "cases": len(cases),
        "precision": round(tp / (tp + fp), 4) if tp + fp else 1.0,
        "recall": round(tp / tampered, 4) if tampered else 1.0,
        "faithful_pass_rate": round(1 - fp / faithful, 4) if faithful else 1.0,
    }
    for kind in TAMPERS:
        kind_cases = [(c, f) for c, f in flagged if c.kind == kind]
        result[f"recall_{kind}"] = round(sum(f for _, f in kind_cases) / len(kind_cases), 4)
    return result
