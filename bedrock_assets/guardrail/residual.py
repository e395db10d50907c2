"""An independent residual-PII scan of text that has already been through the guardrail.

Deliberately not the guardrail engine's detectors: different patterns and checksums, so a
blind spot of one is not silently shared by the other. It reports types and counts, never
the values it found.
"""

from __future__ import annotations

import re
from collections import Counter

from stdnum import luhn

_PLACEHOLDER = re.compile(r"\{[A-Za-z_]+\}")
_EMAIL = re.compile(r"\b[^\s@{}]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+\b")
_DIGIT_RUN = re.compile(r"(?<![\w.])\+?\(?\d[\d ()./-]{7,24}\d(?![\w])")
_IPV4 = re.compile(r"\b\d{1,3}(?:\.\d{1,3}){3}\b")


def scan(text: str) -> Counter[str]:
    """Residual PII in ``text`` by type: EMAIL, PHONE, CARD, SSN, IP_ADDRESS."""
    found: Counter[str] = Counter()
    text = _PLACEHOLDER.sub(" ", text)
    found["EMAIL"] += len(_EMAIL.findall(text))
    for ip in _IPV4.findall(text):
        if all(int(part) <= 255 for part in ip.split(".")):
            found["IP_ADDRESS"] += 1
    for run in _DIGIT_RUN.findall(text):
        if _IPV4.fullmatch(run.strip()):
            continue
        digits = re.sub(r"\D", "", run)
        if re.fullmatch(r"\d{3}-\d{2}-\d{4}", run.strip()):
            found["SSN"] += 1
        elif 13 <= len(digits) <= 19 and luhn.is_valid(digits):
            found["CARD"] += 1
        elif len(digits) in (10, 11) and re.search(r"[ ().-]", run):
            found["PHONE"] += 1
    return +found
