"""Presidio recognizers for Bedrock's PII types, with cues read on both sides of a value.

Presidio's own context enhancer matches single lemmas before a value; call-center text puts
cues after values too ("4821 is her PIN"), uses multi-word synonyms ("login ID", "ABA
number") and carries numbers that are not PII ("ticket 4471", "version 10.2.0.1"). So the
context-dependent types here read their own cue and negative-cue patterns in a window on
both sides, scoring nearer cues higher; the overlap resolution in ``pii`` then keeps one span
with the best type.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Iterable
from functools import lru_cache
from typing import Any

import phonenumbers
from presidio_analyzer import EntityRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts
from stdnum import luhn
from stdnum.us import rtn, ssn

from bedrock_local.guardrail.names import NameRecognizer

# Numbers that label things, not people: a value right after one of these is not PII.
NEGATIVE_CUES = re.compile(
    r"(?i)\b(?:ticket|case|incident|sku|order|invoice|tracking|version|ver|v|build|model|"
    r"serial|part|item|reference|ref|confirmation|conf|claim|rma|return|po|purchase order|"
    r"transaction|txn|receipt|batch|lot|firmware|release|patch|plan|policy|store|"
    r"extension|ext|room|flight|booking|reservation|loyalty|rewards|promo\s+code|coupon|"
    r"page|chapter|step|error|kb|article|request|job|shipment|package|parcel|product|"
    r"meter|imei|asset|vin|voucher|gift\s+card|badge|employee|terminal|device|equipment|"
    r"waybill|airway\s+bill|awb|consignment|manifest|container|pallet)"
    r"(?:\s+(?:number|no\.?|num|id|#|code))?,?\s*(?:is|was|:|#|number|no\.?|to|at|of)?\s*#?\s*$"
)
# A version or build word right after a dotted number: "1.2.3.4 build" is no IP address.
_NEGATIVE_AFTER = re.compile(r"(?i)\s*(?:build|release|firmware|version|update|patch)\b")


def luhn_ok(digits: str) -> bool:
    """A card number: 13 to 19 digits passing the Luhn check."""
    nums = "".join(c for c in digits if c.isdigit())
    return 13 <= len(nums) <= 19 and luhn.is_valid(nums)


def aba_ok(digits: str) -> bool:
    """A US bank routing number: nine digits passing the ABA checksum."""
    nums = "".join(c for c in digits if c.isdigit())
    return len(nums) == 9 and rtn.is_valid(nums)


def ssn_ok(digits: str) -> bool:
    """A US SSN: nine digits in an issuable area and group (stdnum's rules)."""
    nums = "".join(c for c in digits if c.isdigit())
    return len(nums) == 9 and ssn.is_valid(nums)


Cue = str | tuple[str, float]


def _cue(words: Iterable[str]) -> re.Pattern[str]:
    return re.compile(r"(?i)(?<![\w./@-])(?:" + "|".join(words) + r")(?![\w-])")


# A value introduced by a copula or a label: "... it was 0451", "... is: 0451".
_COPULA_BEFORE = re.compile(r"(?i)\b(?:is|was|be|as|it's)\s*:?\s*$|:\s*$")


class CueRecognizer(EntityRecognizer):
    """Values of one shape, taken when a cue stands within a window before or after them.

    Score: ``base`` with no cue (0 when a cue is required), else from ``near`` (cue adjacent)
    down to ``far`` at the edge of the window; with ``reach``, a cue further back (up to
    ``reach`` characters) still counts, just under ``far``, for a value a copula introduces
    ("the SIM PIN was rejected twice; she thinks it was 0451"); a negative cue right before the value (ticket,
    order, version...) drops it unless the type's own cue is nearer. ``validate`` (a checksum)
    is skipped when a cue scores at least ``trust_cue``: a caller who says "my social is ..."
    gives an SSN whether or not its area number was ever issued.
    """

    def __init__(
        self,
        entity: str,
        value: str,
        cues: Iterable[Cue],
        *,
        base: float = 0.0,
        before: int = 48,
        after: int = 32,
        near: float = 0.95,
        far: float = 0.6,
        validate: Callable[[str], bool] | None = None,
        flags: int = 0,
        group: int = 0,
        negatives: bool = True,
        trust_cue: float | None = None,
        reach: int = 0,
        reject: Callable[[str, int, int], bool] | None = None,
    ) -> None:
        self.entity = entity
        self.reach = reach
        self.reject = reject
        self.value = re.compile(value, flags)
        self.trust_cue = trust_cue
        # Weak cues (a bare "account") take a penalty so a specific cue further off wins.
        strong = [c for c in cues if isinstance(c, str)]
        weak = [c for c in cues if not isinstance(c, str)]
        self.cue_sets = [(_cue(strong), 0.0)] if strong else []
        self.cue_sets += [(_cue([w]), penalty) for w, penalty in weak]
        self.base, self.before, self.after = base, before, after
        self.near, self.far = near, far
        self.validate = validate
        self.group = group
        self.negatives = negatives
        super().__init__(supported_entities=[entity], name=f"{entity.title()}Cue")

    def load(self) -> None:
        pass

    def cue_score(self, text: str, start: int, end: int) -> float:
        left = text[max(0, start - self.before) : start]
        right = text[end : end + self.after] if self.after else ""
        best = 0.0
        for cues, penalty in self.cue_sets:
            hits = list(cues.finditer(left))
            if hits:
                gap = len(left) - hits[-1].end()
                best = max(best, self.near - penalty - (self.near - self.far) * gap / self.before)
            for hit in cues.finditer(right):
                gap = hit.start()
                score = self.near - 0.05 - penalty - (self.near - self.far) * gap / self.after
                best = max(best, score)
                break
        if best == 0.0 and self.reach > self.before and _COPULA_BEFORE.search(text, 0, start):
            wide = text[max(0, start - self.reach) : max(0, start - self.before)]
            value = text[start:end]
            # Weaker evidence: a year ("... it was 2019") is not taken this far from its cue.
            year = re.fullmatch(r"(?:19|20)\d\d", value)
            if not year and any(
                cues.search(wide) for cues, penalty in self.cue_sets if not penalty
            ):
                best = self.far - 0.05
        return best

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        out = []
        for m in self.value.finditer(text):
            start, end = m.span(self.group)
            value = m.group(self.group)
            cue = self.cue_score(text, start, end)
            trusted = self.trust_cue is not None and cue >= self.trust_cue
            if self.validate is not None and not trusted and not self.validate(value):
                continue
            if self.reject is not None and self.reject(text, start, end):
                continue
            score = max(self.base, cue)
            if score <= 0:
                continue
            if self.negatives and NEGATIVE_CUES.search(text[max(0, start - 30) : start]):
                if cue < self.near - 0.05:
                    continue
            out.append(RecognizerResult(self.entity, start, end, score))
        return out


# A number right after one of these is some other type, whatever its shape.
_OTHER_NUMBER_CUE = re.compile(
    r"(?i)\b(?:account|acct|routing|aba|rtn|licen[cs]e|dl|dmv|permit|ssn|social|card|pin|"
    r"member|policy|passport|tax|ein|itin|iban|sort\s+code)\b(?:\s+(?:number|no\.?|#|id))?"
    r"\s*(?:is|was|:|#)?\s*$"
)


_DIGIT_GROUP = re.compile(r"\d+")


def _phone_grouped(raw: str) -> bool:
    """Digits grouped as a phone number is read: international (+) and trunk-prefixed (0)
    numbers any way, North American ones 3-3-4 (with an optional leading 1) or ungrouped.
    "4410 2298 01" is an account number read in fours, not a phone."""
    if raw.startswith("+") or raw.lstrip("(").startswith("0"):
        return True
    lengths = [len(g) for g in _DIGIT_GROUP.findall(raw)]
    return len(lengths) == 1 or lengths[:3] == [3, 3, 4] or lengths[:4] == [1, 3, 3, 4]


_EXTENSION = re.compile(r"(?i)\s*,?\s*(?:ext\.?|extension|x)\s*\d{1,5}\b")
_LOCAL_PHONE = re.compile(
    r"(?<![\w.+-])\d{3}[-.]\d{4}((?i:\s*,?\s*(?:ext\.?|extension|x)\s*\d{1,5}))?(?![\w-]|\.\d)"
)
_PHONE_CUE = re.compile(
    r"(?i)\b(?:phone|call|cell|mobile|tel|landline|fax|whatsapp|number|line|reach)\b"
)


_CODE_GROUPS = re.compile(
    r"(?:(?<![\w-])[A-Z\d]*\d[A-Z\d]*[A-Z][A-Z\d]*[ \t-]+|(?<![\w-])[A-Z]+\d[A-Z\d]*[ \t-]+)+$"
)


class PhoneRecognizer(EntityRecognizer):
    """Phone numbers found and validated by Google's libphonenumber, US and international.

    A match inside a longer run of digit groups (tracking numbers), glued to letters, shaped
    like an IPv4 address or after a negative cue is not a phone number.
    """

    REGIONS = ("US", "GB", "IN", "DE")

    def __init__(self) -> None:
        super().__init__(supported_entities=["PHONE"], name="Phone")

    def load(self) -> None:
        pass

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        seen: dict[tuple[int, int], float] = {}
        for region in self.REGIONS:
            for match in phonenumbers.PhoneNumberMatcher(
                text, region, leniency=phonenumbers.Leniency.POSSIBLE
            ):
                start, end, raw = match.start, match.end, match.raw_string
                digits = sum(c.isdigit() for c in raw)
                if digits < 10 and not raw.startswith("+"):
                    continue
                if re.fullmatch(r"[\d.]+", raw) and raw.count(".") == 3:
                    continue
                if re.match(r"[\w/@]|[.-]\w", text[end : end + 2]):
                    continue
                if start and re.match(r"[\w/@.-]", text[start - 1]):
                    continue
                run = re.search(r"[\d][\d \t().-]*$", text[:start])
                run_start = run.start() if run else start
                # Letter-and-digit groups before the digits belong to the same code: UPS's
                # "1Z 84F 921 03 5518 7720" puts its negative cue before "1Z".
                code = _CODE_GROUPS.search(text, max(0, run_start - 30), run_start)
                if code:
                    run_start = code.start()
                tail = re.match(r"[\d \t().-]*", text[end:])
                whole = text[run_start : end + (tail.end() if tail else 0)]
                if sum(c.isdigit() for c in whole) > 15:
                    continue
                # "+55 11 ..." is dialled, not a ticket or order number, whatever precedes it.
                if not raw.startswith("+") and NEGATIVE_CUES.search(
                    text[max(0, run_start - 30) : run_start]
                ):
                    continue
                ext = _EXTENSION.match(text, end)
                if ext:
                    end = ext.end()
                formatted = bool(re.search(r"[ ().+-]", raw))
                score = 0.75 if formatted else 0.45
                if not _phone_grouped(raw):
                    score -= 0.3
                if re.search(
                    r"(?i)\b(?:phone|call|cell|mobile|text|number|reach|tel|landline|fax|whatsapp)",
                    text[max(0, start - 40) : end + 20],
                ):
                    score += 0.1
                if _OTHER_NUMBER_CUE.search(text[max(0, run_start - 20) : run_start]):
                    score -= 0.25
                key = (start, end)
                seen[key] = max(seen.get(key, 0.0), score)
        # A seven-digit local number ("555-0147") is a phone under a phone cue or with an
        # extension; libphonenumber needs an area code to call it one.
        for m in _LOCAL_PHONE.finditer(text):
            cue = _PHONE_CUE.search(text, max(0, m.start() - 40), m.start())
            if not (cue or m.group(1)) or NEGATIVE_CUES.search(
                text[max(0, m.start() - 30) : m.start()]
            ):
                continue
            key = (m.start(), m.end())
            seen[key] = max(seen.get(key, 0.0), 0.7)
        return [RecognizerResult("PHONE", s, e, score) for (s, e), score in seen.items()]


_STOPWORDS = frozenset(
    """
    not no wrong incorrect invalid expired reset changed locked working correct right the a an
    and or but that this it for to on in of was is were be been being had has have did does do
    when which because after before again too also still rejected accepted updated required
    needed forgotten forgot lost unknown blank empty same new old temporary default strong weak
    case sensitive please so then now just never always sent emailed texted set stored saved
    he she they we you i her his their my your our its with without by from via using under
    over into onto at as if will would could should can cannot can't won't didn't doesn't
    isn't wasn't field link fails failed fail hint manager policy requirement requirements
    character characters letter letters digit digits number numbers symbol symbols length there
    here what who how why where one some any all each every someone something nothing verified
    confirmed read given provided shared spelled written typed entered supplied stated said told
    repeated offered asked requested email e-mail password passwords username usernames login
    credentials details info information page screen issue problem attempt attempts account
    portal app website site system tool reset. first then later letter-by-letter aloud out
    back over up down off on twice once again last previous current actual real only usual
    """.split()
)
_CONNECTOR = re.compile(
    r"(?i)^(?:is|was|are|:|=|as|to|reads|read|being|became|now|of|-|–|—|is\s+now|was\s+set\s+to|"
    r"set\s+to|changed\s+to|used\s+to\s+be|will\s+be|should\s+be)$"
)
# A quoted phrase, a code read in groups ("449 210", "30 81 22"), or one token.
_TOKEN = re.compile(
    r"[\"“‘']([^\"”’']{3,64})[\"”’']|(\d{2,4}(?:\s\d{2,4}){1,2}(?![\w-])|"
    r"[a-z]{4}(?:\s[a-z]{4}){3}(?![\w-])|[^\s,;()\[\]]+)"
)


_CUE_COMPOUNDS = frozenset(
    """manager managers reset resets field fields policy policies hint hints requirement
    requirements rules change changes strength box prompt screen page link links recovery
    vault app form process expiry length format attempts attempt history issue issues
    problem problems details credentials screen button error errors session sessions timeout
    flow method option options request requests menu window tab limit lockout""".split()
)
_STOPWORDS |= frozenset(
    "yesterday today tomorrow earlier recently lately tonight this morning afternoon".split()
)
# A cue asked as a question and answered: "My password? It's sunflower_Lagos_77."
_ANSWER = re.compile(r"(?i)\?\s+(?:it's|it\s+is|it\s+was|that's|that\s+is)\s+")
# A second value joined to the one just taken: "from dave1970 to david.okeke".
_NEXT_VALUE = re.compile(r"\s+(?:to|and(?:\s+then)?|then|or)\s+([^\s,;()\[\]]+)")
# A plain word right after a user-name cue and before a verb: "login name fatimaz was taken".
_VERB_AFTER = re.compile(
    r"\s+(?:was|is|has|had|got|gets|isn't|wasn't|belongs|belonged|no\s+longer)\b"
)
_PLAIN_HANDLE = re.compile(r"[a-z][a-z0-9]{2,31}")
# Card words near a digit code make it the card's code, not a sign-in code.
_CARD_WORD = re.compile(
    r"(?i)\b(?:card|cvv2?|cvc2?|amex|american\s+express|visa|mastercard|discover|diners)\b"
)
_CARD_CODE_CUE = re.compile(r"(?i)(?:verification|security)\s+code")
# A reference mark, not a secret: "#INV88412", "#88231-B".
_REFERENCE_MARK = re.compile(r"#[A-Za-z0-9]+")
# Lower-case words joined by hyphens are words ("auto-filled", "sign-up"), not secrets.
_HYPHENATED_WORDS = re.compile(r"[a-z]+(?:-[a-z]+)+")
_KEYISH = re.compile(r"(?i)key|secret|token|access")
# "!" then a capital ends a sentence; "N0rthernL1ghts! at her request" keeps its symbol.
_CLAUSE_END = re.compile(r"[.?](?:\s|$)|!\s+(?![a-z])|;")
_CUE_CONNECTS = re.compile(r"(?i)\b(?:as|with|under)$")
_APPOSED = re.compile(r",\s+([^\s,;()\[\]\"“”]{3,40}),")
# Names of things that are not accounts: a bare handle shape after these is no user name.
_NOT_HANDLE_BEFORE = re.compile(
    r"(?i)\b(?:network|ssid|wi-?fi|hotspot|file|folder|printer|device|host|hostname|server|"
    r"variable|table|column|field|sku|model|promo|coupon|voucher|plan|package|bundle|tier|"
    r"module|script|branch|repo|queue|macro|template|setting|option)\s*(?:name\s*)?"
    r"(?:(?:is|was)\s+)?(?:called|named|:)?\s*$"
)


def _app_password(value: str) -> bool:
    """Four groups of four letters as app-specific passwords are shown ("wxyz lrdv hmfa
    qpzt"): no group a common word, and one with no vowel, as random letters mostly have."""
    groups = value.split(" ")
    return (
        len(groups) == 4
        and all(len(g) == 4 and g.isalpha() and g.lower() not in _STOPWORDS for g in groups)
        and any(not re.search(r"[aeiou]", g, re.I) for g in groups)
    )


def _secretish(value: str) -> bool:
    """Shaped like a credential: letters with digits, or a symbol with letters or digits."""
    letters = any(c.isalpha() for c in value)
    digits = any(c.isdigit() for c in value)
    symbols = any(c in "!@#$%^&*_~+=?|<>-/\\." for c in value)
    return (letters and digits) or (symbols and (letters or digits) and len(value) >= 6)


def _handleish(value: str) -> bool:
    """Shaped like a user name: letters with digits, dots, underscores or colons, or words run
    together in camel case ("BigPapiTacos"; one hump, as in "iPhone", is not enough)."""
    return bool(re.search(r"[A-Za-z]", value)) and (
        bool(re.search(r"[\d._:@-]", value)) or len(_CAMEL_HUMP.findall(value)) >= 2
    )


_CAMEL_HUMP = re.compile(r"[a-z][A-Z]")


class CredentialRecognizer(EntityRecognizer):
    """A credential near its cue: the first credential-shaped token within a few words after
    it ("password used to be Ganesha@108", "login ID as r.tanaka88"), a quoted phrase, a plain
    word right after "is"/":" ("secret word: Hummingbird"), or one right before it
    ("tariq1985, that's the username"). Digits alone count only for one-time codes."""

    def __init__(
        self,
        entity: str,
        cues: Iterable[str],
        shaped: Callable[[str], bool],
        digits_ok: re.Pattern[str] | None = None,
        bare: re.Pattern[str] | None = None,
        bare_ok: Callable[[str], bool] | None = None,
    ) -> None:
        self.entity = entity
        self.cues = _cue(cues)
        self.shaped = shaped
        self.digits_ok = digits_ok
        self.bare, self.bare_ok = bare, bare_ok
        super().__init__(supported_entities=[entity], name=f"{entity.title()}Credential")

    def load(self) -> None:
        pass

    def _take(self, cue: str, value: str, plain_ok: bool) -> bool:
        v = value.rstrip(".?:")
        if " " in v and not v.replace(" ", "").isdigit():
            return self.entity == "PASSWORD" and _app_password(v)
        if len(v) < 3 or v.lower() in _STOPWORDS or v[0] in "{.-/" or "@" in v and "." in v:
            return False
        if v.isupper() and "_" in v or _KEYISH.search(v):
            return False
        if self.entity == "USERNAME" and "/" in v:
            return False  # a link ("github.com/akosua-mensah"), not the name itself
        if _ip_ok(v) or _SCHEME.match(v):
            return False  # an IP address or a URL is its own type
        if v.replace(" ", "").replace("-", "").isdigit():
            digits = len(v.replace(" ", "").replace("-", ""))
            return bool(self.digits_ok and self.digits_ok.search(cue)) and 4 <= digits <= 10
        if self.shaped(v):
            return True
        return plain_ok and v.isalpha()

    def _card_code(self, text: str, cue: re.Match[str], value: str, start: int) -> bool:
        """A digit code after "verification/security code" with a card named near it is the
        card's CVV ("the card's verification code is 5501 ... American Express")."""
        return (
            self.entity == "PASSWORD"
            and value.isdigit()
            and bool(_CARD_CODE_CUE.search(cue.group(0)))
            and bool(_CARD_WORD.search(text, max(0, cue.start() - 40), start + len(value) + 50))
        )

    def _next_value(self, text: str, cue: str, end: int, out: list[RecognizerResult]) -> None:
        """Take a second credential-shaped value joined to the first by "to", "and", "or"."""
        m = _NEXT_VALUE.match(text, end)
        if m is None:
            return
        value = m.group(1).rstrip(".?:!")
        if value and not self.cues.fullmatch(value) and self._take(cue, value, False):
            out.append(RecognizerResult(self.entity, m.start(1), m.start(1) + len(value), 0.85))

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        out: list[RecognizerResult] = []
        for cue in self.cues.finditer(text):
            # "her login ID, jmorales, is locked": a lone word set off by commas.
            apposed = _APPOSED.match(text, cue.end())
            if apposed and self._take(cue.group(0), apposed.group(1), True):
                if not self.cues.fullmatch(apposed.group(1)) and _plain_word_ok(
                    nlp_artifacts.tokens if nlp_artifacts is not None else None, *apposed.span(1)
                ):
                    out.append(RecognizerResult(self.entity, *apposed.span(1), 0.85))
                    continue
            phrase = _spoken_phrase(text, cue, nlp_artifacts) if self.entity == "PASSWORD" else None
            if phrase is not None:
                out.append(RecognizerResult(self.entity, *phrase, 0.85))
                continue
            base = cue.end()
            answer = _ANSWER.match(text, base)
            if answer:
                base = answer.end()
            window = text[base : base + 70]
            # A "!" closing the text may be the secret's own last symbol ("FamilyTime2!").
            stop = _CLAUSE_END.search(window)
            window = window[: stop.start() if stop else len(window)]
            connector, words = bool(answer or _CUE_CONNECTS.search(cue.group(0))), 0
            doc = nlp_artifacts.tokens if nlp_artifacts is not None else None
            for i, tok in enumerate(_TOKEN.finditer(window)):
                raw = tok.group(1) or tok.group(2)
                if i == 0 and raw.lower() in _CUE_COMPOUNDS:
                    break  # "password manager", "username field": the cue names a thing
                if _CONNECTOR.match(raw) or raw.lower() in ("used", "be", "set", "changed"):
                    connector = True
                    continue
                start = base + tok.start(1 if tok.group(1) else 2)
                # A closing "!" is kept: it is more often the password's last symbol than
                # the sentence's ("Olympia2012!, was read out").
                value = raw.rstrip(".?:")
                plain_ok = connector and _plain_word_ok(doc, start, start + len(value))
                if tok.group(1) or self._take(cue.group(0), value, plain_ok):
                    if self.cues.fullmatch(value):
                        break
                    if _HYPHENATED_WORDS.fullmatch(value) and not _nounish(
                        doc, start, start + len(value)
                    ):
                        break  # "was auto-filled": a verb, not "correct-horse-battery"
                    if self._card_code(text, cue, value, start):
                        break
                    out.append(RecognizerResult(self.entity, start, start + len(value), 0.9))
                    self._next_value(text, cue.group(0), start + len(value), out)
                    break
                if (
                    i == 0
                    and self.entity == "USERNAME"
                    and _PLAIN_HANDLE.fullmatch(value)
                    and _VERB_AFTER.match(text, start + len(value))
                    and value not in _STOPWORDS
                    and value not in _CUE_COMPOUNDS
                    and not self.cues.fullmatch(value)
                    and _plain_word_ok(doc, start, start + len(value))
                ):
                    out.append(RecognizerResult(self.entity, start, start + len(value), 0.8))
                    break
                # "Secret word for the account: Hummingbird" - a label's colon introduces.
                connector = raw.endswith(":")
                words += 1
                if words >= 7:
                    break
            before = text[max(0, cue.start() - 60) : cue.start()]
            back = re.search(
                r"([^\s,;()\"“”]{3,64})[\"”’']?,?\s+(?:as|is|was|that's|that\s+is|which\s+is|"
                r"being)\s+(?:(?:his|her|my|their|the|your|a|an|new|old|temporary|work|"
                r"current)\s+){0,3}$",
                before,
            )
            if back and self.shaped(back.group(1)) and back.group(1).lower() not in _STOPWORDS:
                start = cue.start() - len(before) + back.start(1)
                out.append(RecognizerResult(self.entity, start, start + len(back.group(1)), 0.85))
        if self.bare is not None:
            for m in self.bare.finditer(text):
                if _NOT_HANDLE_BEFORE.search(text, max(0, m.start() - 40), m.start()):
                    continue
                if (
                    _REFERENCE_MARK.fullmatch(m.group(0))
                    or re.match(r"-\w", text[m.end() : m.end() + 2])
                    or NEGATIVE_CUES.search(text[max(0, m.start() - 30) : m.start()])
                ):
                    continue
                if self.bare_ok is None or self.bare_ok(m.group(0)):
                    out.append(RecognizerResult(self.entity, m.start(), m.end(), 0.55))
        return out


_PHRASE_CUE = re.compile(r"(?i)pass\s?phrase|(?:secret|security|memorable)\s+phrase")
# A spoken passphrase: two to seven plain words closing the clause after "is", "was" or ":".
_PHRASE = re.compile(
    r"\s*(?:is|was|:|=|reads|being|is\s+now|was\s+set\s+to)\s+[\"“]?"
    r"([A-Za-z']+(?:[ -][A-Za-z']+){1,6})[\"”]?"
    r"(?=\s*(?:[,.;!?)]|$|[-–—]\s|\s(?:he|she|they|I|and)\s+(?:said|says|told|confirmed)))"
)
_NOT_PHRASE_POS = frozenset({"VERB", "AUX", "ADV", "ADP", "DET", "PRON", "PART", "SCONJ", "CCONJ"})


def _spoken_phrase(text: str, cue: re.Match[str], nlp_artifacts: Any) -> tuple[int, int] | None:
    """The words of a passphrase after its cue ("the passphrase is purple elephant dances
    twice"), unless they read as a comment on it ("is not working", "was changed today")."""
    if not _PHRASE_CUE.fullmatch(cue.group(0)):
        return None
    m = _PHRASE.match(text, cue.end())
    if not m:
        return None
    words = m.group(1).lower().split()
    if words[0] in _STOPWORDS or words[-1] in _STOPWORDS and len(words) == 2:
        return None
    doc = nlp_artifacts.tokens if nlp_artifacts is not None else None
    if doc is not None:
        span = doc.char_span(*m.span(1), alignment_mode="expand")
        if span is None or span[0].pos_ in _NOT_PHRASE_POS:
            return None
    return m.span(1)


def _bare_handle_ok(value: str) -> bool:
    """A user-name shape with no cue: digits or an underscore, not a file, domain, version
    string, environment variable or placeholder."""
    return (
        bool(re.search(r"[\d_]", value))
        and not _FILE_EXT.search(value)
        and not domain_ok(value)
        and not re.match(r"(?i)v?\d", value)
        and not (value.isupper() and "_" in value)
        and not re.search(r"(?i)key|secret|token|access", value)
    )


def _nounish(doc: Any, start: int, end: int) -> bool:
    """The last token of the span reads as a noun or name (or spaCy is not there to ask)."""
    if doc is None:
        return True
    span = doc.char_span(start, end, alignment_mode="expand")
    return span is not None and span[-1].pos_ in ("NOUN", "PROPN", "X", "NUM")


def _plain_word_ok(doc: Any, start: int, end: int) -> bool:
    """A dictionary-word credential ("bluebird") only where spaCy reads a noun, not a verb
    or adjective ("left", "incorrect")."""
    if doc is None:
        return True
    span = doc.char_span(start, end, alignment_mode="expand")
    return span is not None and len(span) == 1 and span[0].pos_ in ("NOUN", "PROPN", "X")


_FILE_EXT = re.compile(
    r"(?i)\.(?:pdf|docx?|xlsx?|csv|txt|jpe?g|png|gif|zip|exe|msi|json|xml|html?|mp[34]|mov)$"
)


class RegexRecognizer(EntityRecognizer):
    """One entity from fixed patterns, each with its score and an optional validator."""

    def __init__(
        self,
        entity: str,
        patterns: list[tuple[str, float]],
        validate: Callable[[str], bool] | None = None,
        group: int = 0,
        negatives: bool = False,
        reject: Callable[[str, int, int], bool] | None = None,
    ) -> None:
        self.entity = entity
        self.patterns = [(re.compile(p), score) for p, score in patterns]
        self.validate = validate
        self.reject = reject
        self.group = group
        self.negatives = negatives
        super().__init__(supported_entities=[entity], name=f"{entity.title()}Regex")

    def load(self) -> None:
        pass

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        out = []
        for pattern, score in self.patterns:
            for m in pattern.finditer(text):
                group = self.group if pattern.groups >= self.group else 0
                start, end = m.span(group)
                if self.validate is not None and not self.validate(m.group(group)):
                    continue
                if self.negatives and (
                    NEGATIVE_CUES.search(text[max(0, start - 30) : start])
                    or _NEGATIVE_AFTER.match(text, end)
                ):
                    continue
                if self.reject is not None and self.reject(text, start, end):
                    continue
                out.append(RecognizerResult(self.entity, start, end, score))
        return out


# A dotted number nearer a software or document word than a network word is a version or
# a section ("the firmware on the camera is 1.2.3.4", "chapters go 4.1.2.3").
_VERSION_WORD = re.compile(
    r"(?i)\b(?:firmware|driver|drivers|version|build|release|update|patch|software|bios|"
    r"os|ios|android|app|chapter|chapters|section|sections|paragraph|clause|manual|guide|"
    r"handbook|page|pages|step|steps)\b"
)
_NETWORK_WORD = re.compile(
    r"(?i)\b(?:ip|ipv4|address|server|host|gateway|router|dns|subnet|ping|lan|wan|vpn|proxy|"
    r"connect\w*|logins?|logged|traffic|blocked|whitelist\w*|allowlist\w*|static)\b"
)


_AT_BEFORE = re.compile(r"(?i)\b(?:at|from|via|on)\s+$")


def _not_ip(text: str, start: int, end: int) -> bool:
    """After a negative cue (ticket, version, page...) or in a version context, unless it is
    a private network address that something is reached at ("the admin page at 192.168.8.1"):
    versions and page numbers are not "at" a number."""
    try:
        private = ipaddress.ip_address(text[start:end]).is_private
    except ValueError:
        private = False
    if private and _AT_BEFORE.search(text, max(0, start - 8), start):
        return False
    if NEGATIVE_CUES.search(text[max(0, start - 30) : start]) or _NEGATIVE_AFTER.match(text, end):
        return True
    return _version_context(text, start, end)


def _version_context(text: str, start: int, end: int) -> bool:
    """A dotted quad whose nearest cue in the clause before it is a version word."""
    before = re.split(r"[.;!?](?:\s|$)", text[max(0, start - 60) : start])[-1]
    version = [m.end() for m in _VERSION_WORD.finditer(before)]
    if not version or "." not in text[start:end]:
        return False
    network = [m.end() for m in _NETWORK_WORD.finditer(before)]
    return not network or version[-1] > network[-1]


# An e-mail address read out: "hanna dot virtanen at example dot fi".
_SPELLED_EMAIL = (
    r"(?i)(?<![\w.@])[a-z0-9][a-z0-9_-]*(?:\s+(?:dot|underscore|dash|hyphen)\s+[a-z0-9_-]+)*"
    r"\s+(?:at|\(at\)|\[at\])\s+[a-z0-9][a-z0-9-]*(?:\s+dot\s+[a-z]{2,24})+\b"
)
_SPELLED_WORDS = {"dot": ".", "underscore": "_", "dash": "-", "hyphen": "-"}


_EMAIL_CUE = re.compile(r"(?i)e-?mail|address|inbox|send|sent|write|reach")


def _spelled_email_loose(text: str, start: int, end: int) -> bool:
    """ "met at home dot com" is prose: a spelled address needs a separator word in its local
    part or an e-mail cue before it."""
    local = re.split(r"(?i)\s+(?:at|\(at\)|\[at\])\s+", text[start:end])[0]
    if re.search(r"(?i)\s(?:dot|underscore|dash|hyphen)\s", local):
        return False
    return not _EMAIL_CUE.search(text, max(0, start - 40), start)


def _spelled_email_ok(value: str) -> bool:
    """The spelled address read back as symbols has a real domain."""
    words = value.lower().replace("(at)", "at").replace("[at]", "at").split()
    text = "".join("@" if w == "at" else _SPELLED_WORDS.get(w, w) for w in words)
    return text.count("@") == 1 and domain_ok(text.split("@")[1])


@lru_cache(maxsize=1)
def _tld_extract() -> Any:
    import tldextract

    # The public-suffix snapshot bundled in the package: no list is fetched at run time.
    return tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)


_TEST_TLDS = {"example", "test", "local", "internal"}


def domain_ok(value: str) -> bool:
    host = re.sub(r"(?i)^[a-z]+://", "", value).split("/")[0].split(":")[0].split("@")[-1]
    if host.replace(".", "").isdigit():
        return False
    parts = _tld_extract()(host)
    return bool(parts.domain) and (bool(parts.suffix) or host.rsplit(".", 1)[-1] in _TEST_TLDS)


# File extensions that are also country-code or generic TLDs ("config.sh", "main.py").
_FILE_TLDS = frozenset("sh py md rs pl cc so ps zip mov cs ts js sql yml db log".split())
_SCHEME = re.compile(r"(?i)[a-z]+://")


def _url_ok(value: str) -> bool:
    """A scheme, ``www.`` or a known domain; a bare ``name.ext`` whose extension is a file
    type ("config.sh", "file.py") is a file name, not a URL, unless a path follows it."""
    if _SCHEME.match(value):
        return True
    if "/" not in value and not value.lower().startswith("www."):
        if value.rsplit(".", 1)[-1].lower() in _FILE_TLDS:
            return False
    return domain_ok(value)


def _ip_ok(value: str) -> bool:
    try:
        ip = ipaddress.ip_address(value)
    except ValueError:
        return False
    return not (ip.version == 4 and value.count(".") != 3)


def _secret_ok(value: str) -> bool:
    return (
        any(c.isupper() for c in value)
        and any(c.islower() for c in value)
        and any(c.isdigit() for c in value)
    )


def _driver_ok(value: str) -> bool:
    compact = re.sub(r"[ -]", "", value)
    return sum(c.isdigit() for c in compact) >= 4 and 5 <= len(compact) <= 20


_MONTHS = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|"
    r"Sept?(?:ember)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
)
_DIGITS = r"(?<![\w./:-]){}(?![\w/:]|[.-]\d)"

_NUMBER_WORD = (
    r"(?:(?:twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)(?:[- ](?:one|two|three|four|"
    r"five|six|seven|eight|nine))?|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|"
    r"eighteen|nineteen|one|two|three|four|five|six|seven|eight|nine|a\s+hundred(?:\s+and\s+\w+)?)"
)
_AGE_VALUE = rf"(\d{{1,3}}|{_NUMBER_WORD})"
_NOT_AGE_UNITS = (
    r"(?!\s*(?:%|percent|dollars|bucks|cents|minutes|mins|seconds|days|weeks|months|hours|items|"
    r"orders|times|calls|digits|characters|people|units|pounds|lbs|kg|gb|mb|miles|km|euros|"
    r"rupees|points|stars|o'clock|am|pm|a\.m|p\.m))"
)
# "The account is 15 years old": things that have ages but are not people.
_THING_AGE = re.compile(
    r"(?i)\b(?:account|card|car|vehicle|truck|house|home|building|roof|policy|device|laptop|"
    r"phone|router|modem|company|business|plan|subscription|membership|warranty|it|tv|computer|"
    r"model|boiler|furnace|fridge|appliance|unit|system|machine|battery|tires|order|contract|"
    r"loan|mortgage|store|branch|product|item|bike|boat|printer|app|software|firmware)\b"
    r"(?:\s+\w+){0,2}\s+(?:is|was|are|were|'s)\s+(?:about\s+|almost\s+|nearly\s+|over\s+)?$"
)


_RECORDED = (
    r"(?:confirmed|verified|given|listed|recorded|noted|stated|entered|updated|corrected|shown|"
    r"set|logged|captured)"
)
_PERSON_ROLE = (
    r"customer|caller|client|member|patient|applicant|account\s+holder|policy\s?holder|"
    r"card\s?holder|insured|borrower|tenant|passenger|subscriber|claimant|son|daughter|"
    r"husband|wife|partner|mother|father|nephew|niece|grandson|granddaughter|child"
)
# A person noun right before the verb overrules a thing word further back ("policy holder").
_PERSON_BEFORE_VERB = re.compile(
    r"(?i)\b(?:holder|owner|user|member|customer|caller|insured|applicant|subscriber)\s+"
    r"(?:is|was|are|were|'s)\s+(?:about\s+|almost\s+|nearly\s+|over\s+)?$"
)
# A person named earlier in the clause with "years old" after the number: "the child on the
# account is 9 years old" is the child's age, whatever thing word stands nearer.
_PERSON_NOUN = re.compile(
    r"(?i)\b(?:child|children|kid|son|daughter|baby|boy|girl|teen|teenager|grandson|"
    r"granddaughter|husband|wife|mother|father|mum|mom|dad|customer|caller|holder|member)\b"
    r"[^.;!?]*$"
)
_YEARS_OLD = re.compile(r"(?i)\s+years?\s+old\b|-years?-old\b")
# The number a caller corrects: "I'm 34, not 43" (both are ages), "she's 29 rather than 92".
_AGE_CORRECTION = re.compile(
    r"(?i)\s*,?\s*(?:not|rather\s+than|instead\s+of)\s+(\d{1,3})\b(?!\s*(?:%|percent|\.\d))"
)


# Bedrock's AGE is a quantity with its unit: "72 years" in "72 years old" (not "72-year-old").
_AGE_UNIT = re.compile(r"\s+(?:years?|yrs?)\b")


class AgeRecognizer(EntityRecognizer):
    """AGE: "72 years old", "aged seventy-two", "she's 15", "born in 1958" (the birth year).
    A written unit joins the span ("72 years"), as Bedrock's quantity-and-unit reading has it."""

    PATTERNS = [
        (rf"(?i)\b{_AGE_VALUE}(?:\s*|-)(?:years?|yrs?|yo)(?:[\s-]+old)\b", 0.9),
        (rf"(?i)\b{_AGE_VALUE}-years?-old\b", 0.9),
        (r"(?i)\b(\d{1,3})\s*y/?o\b", 0.85),
        (
            rf"(?i)\b(?:aged?|age\s*(?:is|of|:|was|=)?|age\s+(?:is\s+)?(?:listed|recorded|shown|"
            rf"given|set)\s+as|turned|turning|turns|is\s+only|is\s+just|just\s+turned)"
            rf"\s*:?\s*{_AGE_VALUE}\b{_NOT_AGE_UNITS}",
            0.8,
        ),
        (
            rf"(?i)\b(?:i'?m|i\s+am|(?:he|she|i|they|who|husband|wife|son|daughter|mother|"
            rf"father|mom|dad|mum|child|kid|grandmother|grandfather|grandma|grandpa|customer|"
            rf"caller|patient|member|applicant|holder|spouse|partner|insured|policyholder|"
            rf"beneficiary|borrower|passenger|travell?er|student|tenant|resident|boy|girl|man|"
            rf"woman|baby|niece|nephew|aunt|uncle|cousin|sister|brother|grandson|granddaughter|"
            rf"grandchild)(?:\s+(?:is|was|are|were|am)|'s|'re)|"
            rf"says\s+(?:she|he)\s+is)\s+(?:only\s+|just\s+|nearly\s+|almost\s+|now\s+)?"
            rf"{_AGE_VALUE}\b{_NOT_AGE_UNITS}(?!\s*(?:of\b|on\b|in\s+line|out\b|for\b|to\b|"
            rf"payments|months|behind|late|short|from|away|seconds|plus|\.\d|:\d|/|-))",
            0.65,
        ),
        (rf"(?i)\b{_AGE_VALUE}\s+years?\s+of\s+age\b", 0.9),
        (r"(?i)\b(\d{1,2}\s+(?:months?|weeks?))[\s-]+old\b", 0.85),
        (
            rf"(?i)\b(?:he|she|i|they|who)(?:'ll|\s+will)\s+be\s+{_AGE_VALUE}\s+"
            rf"(?:next|this|in|on|come)\b",
            0.75,
        ),
        (rf"(?:^|[.!?]\s+)(?:At|Being|Aged)\s+{_AGE_VALUE}(?:,|\s+(?:he|she|they|I)\b)", 0.7),
        (
            r"(?i)\b(?:mother|father|mom|dad|mum|grandmother|grandfather|grandma|grandpa|son|"
            r"daughter|husband|wife|child|kid|customer|caller|patient|uncle|aunt|niece|nephew|"
            r"sister|brother|grandson|granddaughter|driver|student|teen|teenager|applicant|"
            r"member|passenger|tenant|policyholder|insured|beneficiary|borrower),\s+(\d{1,3}),",
            0.7,
        ),
        (r"(?i)\bborn\s+(?:in\s+)?(?:\w+\s+(?:\d{1,2},?\s+)?)?((?:19|20)\d{2})\b", 0.8),
        (
            r"(?i)\bin\s+(?:his|her|their|my|your)\s+(?:early\s+|mid[- ]?|late\s+)?"
            r"((?:[1-9]0s)|(?:twenties|thirties|forties|fifties|sixties|seventies|eighties|"
            r"nineties))\b",
            0.75,
        ),
        (
            r"(?i)\bage\s+(?:on\s+(?:file|record|the\s+\w+)|listed|given|recorded|shown)"
            r"\s*(?:is|was|as|:)?\s*(\d{1,3})\b",
            0.8,
        ),
        (
            rf"(?i)\b(?:year\s+of\s+birth|birth\s+year)\s*(?:(?:is|was)\s+)?"
            rf"(?:{_RECORDED}\s+)?(?:as|is|was|:)?\s*((?:19|20)\d{{2}})\b",
            0.85,
        ),
        # "Age was confirmed as 45", "her age is verified at 38".
        (
            rf"(?i)\bage\s+(?:(?:is|was|has\s+been|had\s+been)\s+)?{_RECORDED}\s+"
            rf"(?:as|at|to\s+be|to)?\s*{_AGE_VALUE}\b{_NOT_AGE_UNITS}",
            0.8,
        ),
        # A person set off by commas, then the age: "the customer, Ana Lima, is 52."
        (
            rf"(?i)\b(?:{_PERSON_ROLE}),\s+[^,.;]{{2,40}},\s+(?:is|was)\s+"
            rf"(?:only\s+|just\s+|now\s+|nearly\s+|almost\s+)?{_AGE_VALUE}"
            r"(?=\s*(?:[.,;!?]|$|years?\b|and\b))",
            0.7,
        ),
        # An age in commas after a titled or two-word name: "Mrs. Okafor, 76, wants ...".
        (
            r"\b(?:Mr|Mrs|Ms|Miss|Mx|Dr)\.?\s+(?:[A-Z][\w'’-]+|\{NAME\})(?:\s+[A-Z][\w'’-]+)?"
            r",\s+(\d{1,3})(?=,|\.(?:\s|$)|\s+(?:and|who|wants|has|is|was|lives)\b)",
            0.75,
        ),
        (
            r"\b(?:[A-Z][a-z'’-]+\s+[A-Z][a-z'’-]+|\{NAME\}),\s+(\d{1,3}),\s+(?=[a-z])",
            0.65,
        ),
        # A name and an age in brackets: "Caller (Rustam Nazarov, 67) said ...".
        (r"\((?:[A-Z][\w'’-]+(?:\s+[A-Z][\w'’-]+){0,3}|\{NAME\}),\s*(\d{1,3})\)", 0.7),
        # A second statement of a person's age: "... since she was 20 and is now 60."
        (
            r"(?i)\b(?:she|he|they|i)\b[^.;]{0,60}?\band\s+(?:is|was)\s+(?:now\s+)?(\d{1,3})"
            r"(?:\s+exactly)?(?=\s*(?:[.,;!?]|$))",
            0.7,
        ),
        # A two-digit birth year: "born in '71".
        (r"(?i)\bborn\s+in\s+(['’]\d{2})(?!\w)", 0.75),
    ]

    def __init__(self) -> None:
        self.patterns = [(re.compile(p), score) for p, score in self.PATTERNS]
        super().__init__(supported_entities=["AGE"], name="Age")

    def load(self) -> None:
        pass

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        out = []
        for pattern, score in self.patterns:
            for m in pattern.finditer(text):
                start, end = m.span(1)
                value = m.group(1)
                if value.isdigit() and not (0 < int(value) < 125 or len(value) == 4):
                    continue
                before = text[max(0, start - 40) : start]
                if (
                    _THING_AGE.search(before)
                    and not _PERSON_BEFORE_VERB.search(before)
                    and not (_PERSON_NOUN.search(before) and _YEARS_OLD.match(text, end))
                ):
                    continue
                unit = _AGE_UNIT.match(text, end)
                if unit:
                    end = unit.end()
                out.append(RecognizerResult("AGE", start, end, score))
                fix = _AGE_CORRECTION.match(text, end)
                if fix and 0 < int(fix.group(1)) < 125:
                    out.append(RecognizerResult("AGE", *fix.span(1), score))
        return out


_PASS_KINDS = "boarding bus day season hall guest parking gym ski travel rail visitor festival free"
_PIN_CUES: list[Cue] = [
    r"pin",
    r"pin\s+(?:number|code)",
    r"atm\s+pin",
    r"(?:atm|debit\s+card|card)\s+(?:code|pin)",
    r"pin\s?code",
    r"(?<!one-time\s)(?<!one\stime\s)(?:telephone|phone|account|verbal|security)?\s*passcode",
    r"personal\s+identification\s+number",
    r"(?:voicemail|voice\s+mail)\s+(?:access\s+)?(?:code|pin|passcode|password)",
    r"(?:code|pin)\s+for\s+the\s+(?:phone|handset|voicemail|sim|alarm|door|garage|safe)",
    # Codes people key in at home: "the alarm panel code", "gate keypad code", "key safe code".
    r"(?:alarm|burglar\s+alarm|keypad|gate|door|door\s+entry|entry|garage|key\s?safe|lockbox|"
    r"lock\s?box|intercom)(?:\s+(?:panel|keypad|entry|access))?\s+(?:code|pin|number)",
]
# A digit read as a word ("two five eight one"); "oh" is how callers say zero.
_DIGIT_WORD = r"(?:zero|oh|one|two|three|four|five|six|seven|eight|nine)"
_MONTH_BEFORE = re.compile(rf"(?i)\b{_MONTHS},?\s+(?:of\s+)?$")


def _in_month_year(text: str, start: int, end: int) -> bool:
    """Digits that are the year of a written month ("January 2031"), an expiry date's part."""
    return bool(_MONTH_BEFORE.search(text, max(0, start - 16), start))


_YEAR_AFTER_PREP = re.compile(r"(?i)\b(?:in|since|by|until|from|of|during|before|after)\s+$")


def _year_not_pin(text: str, start: int, end: int) -> bool:
    """A year after a preposition ("the gate code changed in 2024") is no PIN."""
    value = text[start:end]
    return bool(
        re.fullmatch(r"(?:19|20)\d\d", value)
        and _YEAR_AFTER_PREP.search(text, max(0, start - 10), start)
    )


_DEVICE_BEFORE = re.compile(
    r"(?i)\b(?:voicemail|voice\s+mail|phone|handset|sim|alarm|door|garage|safe|lock)\b[^.;]*$"
)


def _not_cvv(text: str, start: int, end: int) -> bool:
    """Digits that are a month's year, or a code for a phone, voicemail or door with no card
    named in the sentence ("the four-digit code for the phone, 6274")."""
    if _in_month_year(text, start, end):
        return True
    sentence = re.split(r"[.;!?](?:\s|$)", text[max(0, start - 60) : start])[-1]
    after = text[end : end + 40]
    return bool(_DEVICE_BEFORE.search(sentence)) and not (
        _CARD_WORD.search(sentence) or _CARD_WORD.search(after)
    )


_PHONE_SHAPE = re.compile(r"\(?\d{3}\)?[-. ]\d{3}[-. ]\d{4}")
_BANK_WORD = re.compile(r"(?i)\b(?:bank|checking|chequing|savings|routing|acct|deposit|iban)\b")


def _phone_not_account(text: str, start: int, end: int) -> bool:
    """A number grouped 3-3-4 as phones are, with no bank word near: "the number on the
    account is 202-555-0164" is the phone on the account."""
    return bool(_PHONE_SHAPE.fullmatch(text[start:end])) and not _BANK_WORD.search(
        text, max(0, start - 60), min(len(text), end + 30)
    )


_EXPIRY_CUES: list[Cue] = [
    r"expir\w*",
    r"exp\.?",
    r"exp(?:iry|iration)?\s+date",
    r"valid[\s-]+(?:thru|through|until|till|to)(?:\s+date)?",
    r"good\s+(?:thru|through|until|till)",
    r"expires?",
    r"runs\s+out",
    r"runs\s+(?:until|till|through|thru|to)",
    r"good\s+(?:to|until|till)",
    r"end\s+date",
    r"date\s+on\s+the\s+(?:front\s+of\s+the\s+)?card",
    r"expiry\s+month\s+and\s+year",
    r"(?:month\s+and\s+)?year\s+on\s+the\s+card",
]
_MONTH_WORD = r"(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)"


def _card_ok(value: str) -> bool:
    """A card number passing Luhn and, when grouped, grouped as cards are printed: fours
    (the last group shorter on 19-digit cards) or Amex/Diners 4-6-5 / 4-6-4. An order
    number "700-2291843-8812" that passes Luhn by chance is grouped otherwise."""
    if not luhn_ok(value):
        return False
    groups = [len(g) for g in re.split(r"[ -]", value)]
    if len(groups) == 1:
        return True
    digits = re.sub(r"\D", "", value)
    # An Amex number (IIN 34/37, 15 digits) read out in any grouping: "375522 629063 447".
    if len(digits) == 15 and digits[:2] in ("34", "37") and min(groups) >= 3:
        return True
    return groups in ([4, 6, 5], [4, 6, 4]) or (
        all(g == 4 for g in groups[:-1]) and 1 <= groups[-1] <= 4
    )


def build_recognizers() -> list[EntityRecognizer]:
    """Every recognizer the local guardrail runs, one or more per Bedrock type."""
    from bedrock_local.guardrail.addresses import AddressRecognizer

    account_cues: list[Cue] = [
        r"(?:bank|checking|chequing|savings|deposit|direct[- ]deposit)\s+(?:account|acct)",
        (r"accounts?", 0.15),
        r"joint\s+accounts?",
        (r"checking|chequing|savings", 0.1),
        r"acct",
        r"a/c",
        r"dda",
        r"account\s+(?:number|no\.?|#)",
        r"IBAN",
    ]
    return [
        CueRecognizer(
            "US_BANK_ACCOUNT_NUMBER",
            _DIGITS.format(r"\d{4,5}"),
            [
                r"(?:bank|checking|chequing|savings)\s+(?:account|acct)\s+(?:number\s+)?"
                r"(?:ending|ends)\s+(?:in|with)",
                r"(?:her|his|my|their|your|the)\s+(?:bank\s+)?account\s+(?:number\s+)?"
                r"(?:ending|ends)(?:\s+(?:in|with))?",
                r"last\s+(?:four|five|4|5)(?:\s+digits)?\s+of\s+(?:(?:his|her|my|their|the|your)\s+)?"
                r"(?:bank|checking|chequing|savings)\s+(?:account|acct)(?:\s+(?:number|no\.?))?"
                r"(?:\s+(?:is|are|was|were))?",
            ],
            before=60,
            after=0,
            near=0.9,
            far=0.85,
        ),
        RegexRecognizer(
            "EMAIL",
            [(r"(?<![\w.+-])[\w.+%'-]+@[\w-]+(?:\.[\w-]+)+(?<![.-])", 0.95)],
            validate=domain_ok,
        ),
        RegexRecognizer(
            "EMAIL",
            [(_SPELLED_EMAIL, 0.85)],
            validate=_spelled_email_ok,
            reject=_spelled_email_loose,
        ),
        RegexRecognizer(
            "URL",
            [
                (r"(?i)\b(?:https?|ftp)://[^\s<>\"'{}]+[^\s<>\"'{}.,;:!?)\]]", 0.9),
                (r"(?i)\bwww\d{0,3}\.[^\s<>\"'{}]+[^\s<>\"'{}.,;:!?)\]]", 0.85),
                (
                    r"(?i)(?<![\w@./-])(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,24}"
                    r"(?::\d{2,5})?(?:/[^\s<>\"'{}]*[^\s<>\"'{}.,;:!?)\]])?(?![\w@-])",
                    0.65,
                ),
            ],
            validate=_url_ok,
        ),
        RegexRecognizer(
            "IP_ADDRESS",
            [
                (r"(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?![\w]|\.\d)", 0.92),
                (
                    r"(?i)(?<![\w:])(?:[0-9a-f]{1,4}:){1,7}(?::|(?::[0-9a-f]{1,4}){1,7}|[0-9a-f]{1,4})"
                    r"(?![\w:])",
                    0.85,
                ),
                (r"(?i)(?<![\w:])::(?:[0-9a-f]{1,4}:){0,6}[0-9a-f]{1,4}(?![\w:])", 0.7),
            ],
            validate=_ip_ok,
            reject=_not_ip,
        ),
        PhoneRecognizer(),
        RegexRecognizer(
            "CREDIT_DEBIT_CARD_NUMBER",
            [(r"(?<![\w+-])\d(?:[ -]?\d){12,18}(?![\w-])", 0.9)],
            validate=_card_ok,
            negatives=True,  # an IMEI passes the Luhn check too
        ),
        CueRecognizer(
            "CREDIT_DEBIT_CARD_CVV",
            _DIGITS.format(r"(?:\d{3,4}|\d(?:[ -]\d){2,3})"),
            [
                r"cvv2?",
                r"cvn2?",
                r"cvc2?",
                r"cid",
                r"csc",
                r"security\s+code",
                r"card\s+verification(?:\s+(?:value|code|number))?",
                r"(?:three|four|3|4)[- ]digits?(?:\s+code)?(?:\s+on\s+the\s+(?:back|front))?",
                r"(?:code|digits|number)\s+on\s+the\s+(?:back|front)(?:\s+of\s+the\s+card)?",
                r"card\s+verification\s+code",
                r"(?<!social\s)(?:verification|security)\s+number",
                r"card'?s?\s+(?:(?:security|verification)\s+)?code",
                r"signature\s+(?:strip|panel|box)",
                r"(?:security|verification)\s+digits",
                (r"code", 0.2),
            ],
            before=45,
            after=35,
            # "... was 452 and on the new one it is 083": a second value after a copula.
            reach=90,
            reject=_not_cvv,
        ),
        CueRecognizer(
            "CREDIT_DEBIT_CARD_EXPIRY",
            r"(?i)(?<![\w/.-])(?:(?:0?[1-9]|1[0-2])\s?[/.-]\s?(?:20)?\d{2}|"
            + r"(?:(?:[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th)?\s+(?:of\s+)?)?"
            + _MONTHS
            + r",?\s+(?:of\s+)?(?:20\d{2}|'\d{2})|(?:20\d{2})[/-](?:0[1-9]|1[0-2])|"
            + r"(?:0[1-9]|1[0-2])\s(?:20\d{2}))(?![\w/])",
            _EXPIRY_CUES,
            before=40,
            after=25,
            reach=90,  # "Expiry 05/29 was entered wrong as 05/26"
        ),
        # Read out in words: "twelve twenty-nine", "oh-four thirty".
        CueRecognizer(
            "CREDIT_DEBIT_CARD_EXPIRY",
            rf"(?i)\b(?:(?:oh|zero)[\s-]+{_DIGIT_WORD}|{_MONTH_WORD})[\s,-]+"
            r"(?:twenty|thirty)(?:[\s-]+(?:one|two|three|four|five|six|seven|eight|nine))?\b",
            _EXPIRY_CUES,
            before=40,
            after=25,
        ),
        # A phone number read out digit by digit: "two-oh-six, five-five-five, ...".
        CueRecognizer(
            "PHONE",
            rf"(?i)\b{_DIGIT_WORD}(?:[\s,-]+{_DIGIT_WORD}){{9,11}}\b",
            [
                r"phone",
                r"number",
                r"cell",
                r"mobile",
                r"landline",
                r"call\s+(?:me|her|him|back)",
                r"reach",
                r"text",
                r"whatsapp",
                r"contact",
            ],
            before=40,
            after=25,
        ),
        RegexRecognizer(
            "US_SOCIAL_SECURITY_NUMBER",
            [(r"(?<![\w-])\d{3}-\d{2}-\d{4}(?![\w-])", 0.8)],
            validate=ssn_ok,
            negatives=True,
        ),
        CueRecognizer(
            "US_SOCIAL_SECURITY_NUMBER",
            _DIGITS.format(r"\d{3}[- .]?\d{2}[- .]?\d{4}"),
            [
                r"ssn",
                r"social(?:\s+security)?(?:\s+(?:number|no\.?|#))?",
                r"ss\s?#",
                r"tax\s?id",
                r"tin",
            ],
            validate=ssn_ok,
            near=0.97,
            far=0.75,
            before=50,
            after=35,
            trust_cue=0.85,
        ),
        CueRecognizer(
            "US_SOCIAL_SECURITY_NUMBER",
            _DIGITS.format(r"\d{4}"),
            [
                r"(?:last|final)\s+(?:four|4)(?:\s+digits)?\s+of\s+(?:(?:his|her|my|their|the|your)\s+)?(?:ssn|social(?:\s+security)?(?:\s+number)?)",
                r"(?:ssn|social(?:\s+security)?(?:\s+number)?)\s+(?:ends|ending)\s+(?:in|with)",
            ],
            before=40,
            after=0,
            near=0.97,
            far=0.9,
        ),
        CueRecognizer(
            "US_BANK_ROUTING_NUMBER",
            _DIGITS.format(r"\d{9}"),
            [
                r"routing",
                r"r/t",
                r"rtn",
                r"aba",
                r"aba\s+(?:number|no\.?|#)",
                r"transit(?:\s+number)?",
                r"bank\s+code",
            ],
            base=0.0,
            validate=aba_ok,
            near=0.98,
            far=0.8,
        ),
        CueRecognizer(
            "US_BANK_ACCOUNT_NUMBER",
            _DIGITS.format(r"\d(?:[ -]?\d){5,16}"),
            account_cues,
            near=0.9,
            far=0.62,
            before=55,
            after=30,
            reject=_phone_not_account,
        ),
        CueRecognizer(
            "PIN",
            _DIGITS.format(r"(?:\d{4,6}|\d(?:[ -]\d){3,5})"),
            _PIN_CUES,
            near=0.96,
            far=0.7,
            before=45,
            after=30,
            reach=90,
            reject=_year_not_pin,
        ),
        CueRecognizer(
            "PIN",
            rf"(?i)\b{_DIGIT_WORD}(?:[\s,-]+{_DIGIT_WORD}){{3,5}}\b",
            _PIN_CUES,
            near=0.96,
            far=0.7,
            before=45,
            after=30,
        ),
        CredentialRecognizer(
            "PASSWORD",
            [
                r"password",
                r"passphrase",
                r"pass\s+phrase",
                r"pass\s?word",
                r"pwd",
                r"pw",
                r"p/w",
                # "pass:" as a label, not a boarding, bus or season pass.
                "".join(rf"(?<!{w}\s)" for w in _PASS_KINDS.split()) + r"pass\s*:",
                r"one[- ]time\s+(?:passcode|password|code|pin)",
                r"passcode",
                r"pass\s+code",
                r"otp",
                r"(?:verification|authentication|2fa|mfa|login|sign[- ]in|security)\s+code",
                r"(?:text|sms|texted|emailed)\s+(?:message\s+)?code",
                r"code\s+(?:texted|sent|emailed|messaged|sms'?d)",
                r"code\s+(?:\w+\s+){0,2}(?:got|received|gets|was\s+sent)\s+(?:by|via|in\s+a)\s+"
                r"(?:text|sms|e-?mail)(?:\s+message)?",
                r"code\s+(?:in|from)\s+the\s+(?:text|sms|e-?mail)(?:\s+message)?",
                r"secret\s+(?:word|phrase|answer)",
                r"access\s+code",
                r"security\s+(?:word|phrase|answer)",
                r"memorable\s+(?:word|phrase)",
                r"wi-?fi\s+(?:key|password|passphrase)",
                r"network\s+key",
                r"wpa2?\s+key",
            ],
            shaped=_secretish,
            digits_ok=re.compile(
                r"(?i)one[- ]time|otp|verification|authentication|2fa|mfa|login|sign|text|sms|e-?mail|sent|messag"
            ),
            bare=re.compile(
                r"(?<![\w@./:-])(?=[^\s]*[A-Za-z])(?=[^\s]*\d)[A-Za-z0-9]*[!#$%^&*][\w!#$%^&*]*(?<![.,!?])(?![\w@])"
                # A word, "@" and digits with no domain after it: "Jasmine@2020".
                r"|(?<![\w@./:-])[A-Za-z][A-Za-z0-9]*@(?=[^\s]*\d)[A-Za-z0-9!#$%^&*]+(?![\w@-]|\.\w)"
            ),
            bare_ok=lambda v: len(v) >= 6,
        ),
        CredentialRecognizer(
            "USERNAME",
            [
                r"user\s?name",
                r"user\s?id",
                r"user",
                r"login(?:\s+(?:id|name))?",
                r"log(?:s|ged|ging)?\s+in\s+(?:as|with)",
                r"sign(?:s|ed|ing)?\s+in\s+(?:as|with)",
                r"handle",
                r"screen\s?name",
                r"gamer\s?tag",
                r"plays?\s+(?:online\s+)?as",
                r"gamer\s?name",
                r"(?:skype|profile|display|account|member)\s+name",
                r"skype(?:\s+(?:id|handle))?",
                r"sign[- ]?in\s+(?:name|id)",
                r"registered\s+(?:as|under)",
                r"(?:online|internet|mobile|web|telephone)\s+banking\s+(?:id|user\s?id|login)",
                r"(?:portal|app|web|online)\s+(?:id|login|user\s?id)",
                r"(?:discord|psn|xbox|steam|twitch|reddit|tiktok|instagram|twitter|snapchat|"
                r"telegram|github|roblox|minecraft)(?:\s+(?:name|id|handle|tag|user\s?name))?",
                r"member\s+id",
                r"customer\s+id",
                r"cid",
                r"alias",
                r"log-?in",
            ],
            shaped=_handleish,
            bare=re.compile(
                r"(?<![\w@./:{-])[A-Za-z][A-Za-z0-9]*(?:[._][A-Za-z0-9]+)+(?![\w@/}-]|\.\w)"
            ),
            bare_ok=_bare_handle_ok,
        ),
        RegexRecognizer("USERNAME", [(r"(?<![\w@.])@[A-Za-z_][\w.]{2,30}(?<!\.)(?![\w@])", 0.6)]),
        CueRecognizer(
            "DRIVER_ID",
            r"(?i)(?<![\w-])(?=[A-Z0-9 -]*\d)(?:(?-i:[A-Z])[ -](?=\d)|[A-Z]{1,2}-(?=\d))?[A-Z]{0,6}\d[A-Z0-9]*(?:[ -][A-Z0-9]*\d[A-Z0-9]*){0,4}(?![\w-])",
            [
                r"driver'?s?\s+licen[cs]e(?:\s+(?:number|no\.?|#|id))?",
                r"driving\s+licen[cs]e",
                r"licen[cs]e\s+(?:number|no\.?|#|id)",
                r"licen[cs]e",
                r"dl",
                r"dl\s+(?:number|no\.?|#)",
                r"dln",
                r"cdl(?:\s+(?:number|no\.?|#))?",
                r"commercial\s+driver'?s?\s+licen[cs]e",
                r"driver\s+id",
                r"state\s+id",
                r"dmv\s+(?:id|number)",
                r"(?:driver'?s?\s+|learner'?s?\s+)?permit(?:\s+(?:number|no\.?|#|id))?",
            ],
            validate=_driver_ok,
            near=0.97,
            far=0.72,
            before=50,
            after=45,  # "D8812404 — the customer misread her licence"
            flags=re.I,
        ),
        AgeRecognizer(),
        RegexRecognizer(
            "AWS_ACCESS_KEY",
            [
                (
                    r"(?<![A-Z0-9])(?:AKIA|ASIA|AIDA|AROA|AIPA|ANPA|ANVA|AGPA|ABIA|ACCA)[A-Z0-9]{16}(?![A-Z0-9])",
                    0.98,
                )
            ],
        ),
        RegexRecognizer(
            "AWS_SECRET_KEY",
            [(r"(?<![A-Za-z0-9/+])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])", 0.9)],
            validate=_secret_ok,
        ),
        AddressRecognizer(),
        NameRecognizer(),
    ]
