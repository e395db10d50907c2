"""The regex PII engine the local guardrail used before Presidio, kept only as the benchmark's
baseline (benchmarks/pii_eval.py measures both in one run). Not part of the package."""

from __future__ import annotations

import re
from dataclasses import dataclass

import phonenumbers
from stdnum import luhn
from stdnum.us import rtn

PHONE_REGION = "US"  # numbers without a country code are read as US numbers

_GIVEN_NAMES = """
james mary john patricia robert jennifer michael linda william elizabeth david barbara richard
susan joseph jessica thomas sarah charles karen christopher nancy daniel lisa matthew betty
anthony margaret mark sandra donald ashley steven kimberly paul emily andrew donna joshua
michelle kenneth dorothy kevin carol brian amanda george melissa timothy deborah ronald
stephanie edward rebecca jason sharon jeffrey laura ryan cynthia jacob kathleen gary amy
nicholas angela eric shirley jonathan anna stephen brenda larry pamela justin emma scott nicole
brandon helen benjamin samantha samuel katherine gregory christine alexander debra frank rachel
patrick carolyn raymond janet jack catherine dennis maria jerry heather tyler diane aaron ruth
jose julie adam olivia nathan joyce henry virginia douglas victoria zachary kelly peter lauren
kyle christina ethan joan walter evelyn noah judith jeremy megan christian andrea keith cheryl
roger hannah terry jacqueline gerald martha harold gloria sean teresa austin ann carl sara
arthur madison lawrence frances dylan kathryn jesse janice jordan jean bryan abigail billy alice
joe judy bruce sophia gabriel grace logan denise albert amber willie doris alan marilyn juan
danielle wayne beverly elijah isabella randy theresa roy diana vincent natalie ralph brittany
eugene charlotte russell marie bobby kayla mason alexis philip lori priya wei mohammed fatima
aisha carlos sofia luis ana miguel lucia diego chen li raj anil sunita hiroshi yuki kenji ahmed
omar leila mateo valentina santiago camila ivan olga dmitri elena kwame amara chidi ngozi
""".split()
_NAME_SET = frozenset(_GIVEN_NAMES)
_CAP = r"[A-Z][a-z]+(?:[-'][A-Z][a-z]+)?"

_PATTERNS: dict[str, list[re.Pattern[str]]] = {
    "EMAIL": [re.compile(r"\b[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}\b")],
    "URL": [re.compile(r"\b(?:https?://|www\.)[^\s<>\"']+[^\s<>\"'.,;:!?)]")],
    "IP_ADDRESS": [
        re.compile(r"\b(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)\b")
    ],
    "US_SOCIAL_SECURITY_NUMBER": [
        re.compile(r"\b(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}\b")
    ],
    "CREDIT_DEBIT_CARD_NUMBER": [re.compile(r"\b(?:\d[ -]?){12,18}\d\b")],
    "CREDIT_DEBIT_CARD_EXPIRY": [
        re.compile(
            r"(?i)(?:expir\w*|exp\.?|valid thru)\D{0,20}\b((?:0[1-9]|1[0-2])\s?/\s?(?:\d{4}|\d{2}))\b"
        )
    ],
    "CREDIT_DEBIT_CARD_CVV": [
        re.compile(r"(?i)(?:cvv|cvc|cvv2|security code)\D{0,25}\b(\d{3,4})\b")
    ],
    "PIN": [re.compile(r"(?i)\bpin\b(?:\s+(?:number|code))?\D{0,15}\b(\d{4,6})\b")],
    "PASSWORD": [
        re.compile(
            r"(?i)\b(?:password|passcode|one-time password)\b\s*(?:is|was|:)\s*"
            r"((?=[^\s,;]*[\d!@#$%^&*_])[^\s,;]{4,64}[^\s,;.])"
        )
    ],
    "US_BANK_ROUTING_NUMBER": [re.compile(r"(?i)routing(?: number)?\D{0,15}\b(\d{9})\b")],
    "US_BANK_ACCOUNT_NUMBER": [
        re.compile(
            r"(?i)(?:bank |checking |savings )?account(?: number)?\s*(?:is|:|number|ending in)?\s*\b(\d{6,17})\b"
        )
    ],
    "USERNAME": [
        re.compile(
            r"(?i)\b(?:user\s?name|user id|login(?: name)?|handle)\b\s*(?:is|was|:)?\s*@?([A-Za-z][A-Za-z0-9._-]{2,31}\d*)\b"
        )
    ],
    "DRIVER_ID": [
        re.compile(
            r"(?i)\b(?:driver'?s? licen[cs]e|licen[cs]e number|DL)(?: number| no\.?| #)?\s*(?:is|:)?\s*\b([A-Z]{1,2}\d{6,12}|\d{7,9}[A-Z]?)\b"
        )
    ],
    "AGE": [
        re.compile(
            r"(?i)\b(?:i'?m|i am|aged?|age is|turned|who is)\s+(\d{1,3})(?:\s+(?:years?|yrs)(?:\s+old)?)?\b(?!\s*(?:dollars|minutes|days|hours|items|orders|percent|%))"
        ),
        re.compile(r"\b(\d{1,3})[ -]years?[ -]old\b"),
    ],
    "AWS_ACCESS_KEY": [re.compile(r"\b(?:AKIA|ASIA)[A-Z0-9]{16}\b")],
    "AWS_SECRET_KEY": [re.compile(r"(?i)secret(?:_access)?_?key\W{0,5}([A-Za-z0-9/+=]{40})\b")],
    "ADDRESS": [
        re.compile(
            r"\b\d{1,6}\s+(?:[A-Z][a-z]+\s){1,3}(?:Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Lane|Ln"
            r"|Drive|Dr|Court|Ct|Way|Place|Pl|Terrace|Circle|Parkway)\b\.?"
            r"(?:,?\s+(?:Apt|Apartment|Suite|Unit)\.?\s*#?\w+)?"
            r"(?:,\s*[A-Z][a-z]+(?:\s[A-Z][a-z]+)*)?(?:,\s*[A-Z]{2})?(?:\s+\d{5}(?:-\d{4})?)?"
        )
    ],
    "NAME": [
        re.compile(rf"\b(?:Mr|Mrs|Ms|Miss|Dr|Mx)\.?\s+({_CAP}(?:\s{_CAP})?)"),
        re.compile(
            rf"(?i:my name is|this is|name's|speaking with|speak with|speak to|talking to|ask for|calling for|account holder is)\s+({_CAP}(?:\s{_CAP})?)"
        ),
    ],
}
_GIVEN_NAME = re.compile(rf"\b({_CAP})(?:\s({_CAP}))?\b")
PLACEHOLDER = re.compile(r"\{[A-Z_]+\}")


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    type: str


def luhn_ok(digits: str) -> bool:
    """A card number: 13 to 19 digits passing the Luhn check."""
    nums = "".join(c for c in digits if c.isdigit())
    return 13 <= len(nums) <= 19 and luhn.is_valid(nums)


def aba_ok(digits: str) -> bool:
    """A US bank routing number: nine digits passing the ABA checksum."""
    return len(digits) == 9 and digits.isdigit() and rtn.is_valid(digits)


def detect_pii(text: str, types: set[str] | None = None) -> list[Span]:
    """Non-overlapping PII spans, earliest and longest first."""
    spans: list[Span] = []
    for etype, patterns in _PATTERNS.items():
        if types is not None and etype not in types:
            continue
        for pattern in patterns:
            for m in pattern.finditer(text):
                group = 1 if m.re.groups else 0
                start, end = m.span(group)
                value = m.group(group)
                if etype == "CREDIT_DEBIT_CARD_NUMBER" and not luhn_ok(value):
                    continue
                if etype == "US_BANK_ROUTING_NUMBER" and not aba_ok(value):
                    continue
                spans.append(Span(start, end, etype))
    if types is None or "PHONE" in types:
        # Google's libphonenumber (the phonenumbers package) finds and validates numbers.
        for phone in phonenumbers.PhoneNumberMatcher(
            text, PHONE_REGION, leniency=phonenumbers.Leniency.POSSIBLE
        ):
            spans.append(Span(phone.start, phone.end, "PHONE"))
    if types is None or "NAME" in types:
        for m in _GIVEN_NAME.finditer(text):
            if m.group(1).lower() in _NAME_SET:
                spans.append(Span(m.start(), m.end(), "NAME"))
    spans.sort(key=lambda s: (s.start, -(s.end - s.start)))
    out: list[Span] = []
    for span in spans:
        if out and span.start < out[-1].end:
            continue
        if PLACEHOLDER.fullmatch(text[span.start : span.end]):
            continue
        out.append(span)
    return out


def mask_pii(text: str, types: set[str] | None = None) -> str:
    """``text`` with every detected entity replaced by Bedrock's ``{TYPE}`` placeholder."""
    for span in reversed(detect_pii(text, types)):
        text = text[: span.start] + "{" + span.type + "}" + text[span.end :]
    return text
