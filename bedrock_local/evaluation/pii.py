"""A labelled synthetic set for the local guardrail's PII detection, scored per entity type.

Sentences in call-center phrasing, each planting one entity with its span, plus negatives
full of numbers that are not PII (amounts, dates, order numbers, durations). Names are drawn
from a list the detector does not contain, so they are found by context, not by lookup.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from stdnum import luhn
from stdnum.us import rtn

FIRST = [
    "Bartholomew",
    "Xiomara",
    "Leif",
    "Yusuf",
    "Nkechi",
    "Anneliese",
    "Tadeo",
    "Saoirse",
    "Ravindra",
    "Ottilie",
    "Kwabena",
    "Marisol",
]
LAST = [
    "Quill",
    "Tate",
    "Andersen",
    "Demir",
    "Obi",
    "Lindqvist",
    "Ferreira",
    "Nakamura",
    "Okonkwo",
    "Brennan",
]
STREETS = ["Harbor Drive", "Maple Street", "Juniper Lane", "Cedar Court", "Lakeview Avenue"]
CITIES = [("Springfield", "IL", "62704"), ("Portland", "OR", "97205"), ("Tulsa", "OK", "74103")]


def _luhn_card(rng: random.Random) -> str:
    body = "4" + "".join(str(rng.randint(0, 9)) for _ in range(14))
    text = body + luhn.calc_check_digit(body)
    sep = rng.choice([" ", "-", ""])
    return sep.join(text[i : i + 4] for i in range(0, 16, 4))


def _routing(rng: random.Random) -> str:
    for _ in range(100):
        digits = "".join(str(rng.randint(0, 9)) for _ in range(9))
        if rtn.is_valid(digits):
            return digits
    raise AssertionError("no valid routing number drawn")


GENERATORS: dict[str, tuple[Callable[[random.Random], str], list[str]]] = {
    "NAME": (
        lambda r: f"{r.choice(FIRST)} {r.choice(LAST)}",
        [
            "Hi, my name is {} and I'm calling about my bill.",
            "This is {} speaking.",
            "Could I please speak with {} about the order?",
        ],
    ),
    "EMAIL": (
        lambda r: (
            f"{r.choice(FIRST).lower()}.{r.choice(LAST).lower()}{r.randint(1, 99)}"
            f"@{r.choice(['example.com', 'mail.example.org', 'corp.example.net'])}"
        ),
        ["You can reach me at {}.", "My email is {} if you need it."],
    ),
    "PHONE": (
        lambda r: r.choice(
            ["({a}) 555-{b}", "{a}-555-{b}", "{a}.555.{b}", "+1 {a} 555 {b}"]
        ).format(a=r.randint(201, 989), b=r.randint(1000, 9999)),
        ["Call me back at {}.", "My number is {}, thanks."],
    ),
    "ADDRESS": (
        lambda r: "{} {}, {}, {} {}".format(
            r.randint(10, 9999), r.choice(STREETS), *r.choice(CITIES)
        ),
        ["Please ship it to {}.", "My billing address is {} now."],
    ),
    "CREDIT_DEBIT_CARD_NUMBER": (_luhn_card, ["The card number is {}.", "I paid with {}."]),
    "CREDIT_DEBIT_CARD_CVV": (
        lambda r: str(r.randint(100, 999)),
        ["The CVV is {}.", "The security code on the back is {}."],
    ),
    "CREDIT_DEBIT_CARD_EXPIRY": (
        lambda r: f"{r.randint(1, 12):02d}/{r.randint(25, 31)}",
        ["It expires {}.", "The expiration date is {}."],
    ),
    "US_SOCIAL_SECURITY_NUMBER": (
        lambda r: f"{r.randint(100, 665)}-{r.randint(10, 99)}-{r.randint(1000, 9999)}",
        ["My social is {}.", "The SSN on file should be {}."],
    ),
    "US_BANK_ACCOUNT_NUMBER": (
        lambda r: str(r.randint(10**7, 10**12)),
        ["My checking account number is {}.", "The bank account number is {} at my credit union."],
    ),
    "US_BANK_ROUTING_NUMBER": (
        _routing,
        ["The routing number is {}.", "Use routing number {} for the transfer."],
    ),
    "PIN": (lambda r: str(r.randint(1000, 9999)), ["My PIN is {}.", "The PIN code is {}."]),
    "PASSWORD": (
        lambda r: f"{r.choice(LAST)}{r.randint(10, 99)}{r.choice('!#$%')}",
        ["My password is {} but it stopped working.", "The old password was {}."],
    ),
    "USERNAME": (
        lambda r: f"{r.choice(FIRST).lower()}_{r.randint(1, 999)}",
        ["My username is {}.", "The login name: {} for the app."],
    ),
    "DRIVER_ID": (
        lambda r: f"{r.choice('ABDFKLMSW')}{r.randint(10**6, 10**8 - 1)}",
        ["My driver's license number is {}.", "The license number is {} for ID."],
    ),
    "IP_ADDRESS": (
        lambda r: (
            f"{r.randint(11, 223)}.{r.randint(0, 255)}.{r.randint(0, 255)}.{r.randint(1, 254)}"
        ),
        ["I'm connecting from {}.", "The router shows {} as my address."],
    ),
    "URL": (
        lambda r: (
            f"https://{r.choice(['shop', 'help', 'www'])}.oktank.example/"
            f"{r.choice(['orders', 'account', 'returns'])}/{r.randint(100, 999)}"
        ),
        ["The page at {} shows an error.", "I followed {} from your email."],
    ),
    "AGE": (
        lambda r: str(r.randint(18, 95)),
        ["I'm {} years old and this is confusing.", "My mother is a {}-year-old retiree."],
    ),
}

NEGATIVES = [
    "The refund of $63.88 will arrive in 5 business days.",
    "Order ORD-12345678 shipped on 2024-08-23 with 3 items.",
    "I waited 45 minutes on hold and called 2 times.",
    "The plan costs 29.99 per month for 12 months.",
    "Your ticket 4471 is open, and the package weighs 2.5 kg.",
    "The agent said the update takes 10 to 15 minutes.",
    "Thank you for calling Oktank support, how can I help today?",
    "The replacement arrives on March 14 between 9 and 5.",
    "My order was 2 days late and the box was crushed.",
    "The promotion gives 25% off purchases over $100.",
]


@dataclass(frozen=True)
class Sample:
    text: str
    spans: tuple[tuple[int, int, str], ...]


def build_samples(per_type: int = 60, seed: int = 31) -> list[Sample]:
    rng = random.Random(seed)
    samples = []
    for etype, (make, templates) in GENERATORS.items():
        for i in range(per_type):
            value = make(rng)
            template = templates[i % len(templates)]
            start = template.index("{}")
            samples.append(Sample(template.format(value), ((start, start + len(value), etype),)))
    samples += [Sample(text, ()) for text in NEGATIVES * 3]
    return samples


def evaluate(
    detect: Callable[[str], list], samples: list[Sample] | None = None
) -> dict[str, dict[str, float]]:
    """Per type: planted, found, detections, precision, recall (a detection is correct when it
    overlaps a planted span of its type)."""
    samples = samples or build_samples()
    planted: Counter[str] = Counter()
    found: Counter[str] = Counter()
    detections: Counter[str] = Counter()
    correct: Counter[str] = Counter()
    for sample in samples:
        spans = detect(sample.text)
        for start, end, etype in sample.spans:
            planted[etype] += 1
            if any(s.type == etype and s.start < end and start < s.end for s in spans):
                found[etype] += 1
        for s in spans:
            detections[s.type] += 1
            if any(s.type == t and s.start < e and b < s.end for b, e, t in sample.spans):
                correct[s.type] += 1
    return {
        t: {
            "planted": planted[t],
            "found": found[t],
            "detections": detections[t],
            "precision": round(correct[t] / detections[t], 4) if detections[t] else 1.0,
            "recall": round(found[t] / planted[t], 4) if planted[t] else 1.0,
        }
        for t in sorted(set(planted) | set(detections))
    }


def evaluate_local_engine() -> dict[str, dict[str, float]]:
    """The local guardrail's detectors on the default set."""
    from bedrock_local.guardrail.pii import detect_pii

    return evaluate(detect_pii)
