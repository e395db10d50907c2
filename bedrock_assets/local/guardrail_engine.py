"""A local guardrail engine answering ``ApplyGuardrail`` in Bedrock's response shape.

Driven by ``guardrail_policy.json`` (the same file the AWS guardrail is built from). Detectors
are deterministic: regexes with checksums (Luhn for cards, ABA for routing numbers), cue
phrases for context-dependent entities (PIN, password, CVV, account numbers) and a name
detector (cue phrases, titles and a given-name list). It is a stand-in for the managed
service, not a replica of its ML detectors.
"""

from __future__ import annotations

import functools
import json
import math
import re
from dataclasses import dataclass
from importlib import resources
from typing import Any

import phonenumbers

from bedrock_assets.local.validation import client_error, validate_request

TEXT_UNIT_CHARS = 1000
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
_PLACEHOLDER = re.compile(r"\{[A-Z_]+\}")
_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9'$.%-]*[A-Za-z0-9%]|[A-Za-z0-9]")
_STOP = frozenset(
    """
a an the and or but if of to in on at by for with about as is are was were be been being it its
this that these those i you he she they we me him her them my your his their our there here
from into out up down over under again then than so very can could would should will shall may
might must do does did done have has had having not no yes please thank thanks just also
call called calling caller customer agent summary summarized following responded ended saying
said says asked explained mentioned discussed regarding which who whom what when where why how
""".split()
)


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    type: str


def luhn_ok(digits: str) -> bool:
    nums = [int(c) for c in digits if c.isdigit()]
    if not 13 <= len(nums) <= 19:
        return False
    total = 0
    for i, n in enumerate(reversed(nums)):
        if i % 2:
            n = n * 2 - 9 if n > 4 else n * 2
        total += n
    return total % 10 == 0


def aba_ok(digits: str) -> bool:
    d = [int(c) for c in digits]
    return (
        len(d) == 9
        and (3 * (d[0] + d[3] + d[6]) + 7 * (d[1] + d[4] + d[7]) + (d[2] + d[5] + d[8])) % 10 == 0
    )


@functools.lru_cache(maxsize=4)
def load_policy(path: str | None = None) -> dict[str, Any]:
    """The guardrail policy (the package's ``guardrail_policy.json`` unless a path is given)."""
    if path:
        with open(path, encoding="utf-8") as fh:
            return json.load(fh)
    text = resources.files("bedrock_assets").joinpath("guardrail_policy.json").read_text("utf-8")
    return json.loads(text)


def grounding_threshold(policy: dict[str, Any] | None = None) -> float | None:
    """The policy's contextual-grounding threshold (None when the filter is off)."""
    policy = policy or load_policy()
    filters = policy.get("contextualGroundingPolicyConfig", {}).get("filtersConfig", [])
    return next((f["threshold"] for f in filters if f["type"] == "GROUNDING"), None)


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
        for m in phonenumbers.PhoneNumberMatcher(
            text, PHONE_REGION, leniency=phonenumbers.Leniency.POSSIBLE
        ):
            spans.append(Span(m.start, m.end, "PHONE"))
    if types is None or "NAME" in types:
        for m in _GIVEN_NAME.finditer(text):
            if m.group(1).lower() in _NAME_SET:
                spans.append(Span(m.start(), m.end(), "NAME"))
    spans.sort(key=lambda s: (s.start, -(s.end - s.start)))
    out: list[Span] = []
    for span in spans:
        if out and span.start < out[-1].end:
            continue
        if _PLACEHOLDER.fullmatch(text[span.start : span.end]):
            continue
        out.append(span)
    return out


def mask_pii(text: str, types: set[str] | None = None) -> str:
    """``text`` with every detected entity replaced by Bedrock's ``{TYPE}`` placeholder."""
    for span in reversed(detect_pii(text, types)):
        text = text[: span.start] + "{" + span.type + "}" + text[span.end :]
    return text


def content_tokens(text: str) -> list[str]:
    text = _PLACEHOLDER.sub(" ", text)
    return [w.lower().strip(".") for w in _WORD.findall(text) if w.lower() not in _STOP]


_SENTENCE_SPLIT = re.compile(r"(?<=[.!?])\s+|\n+")
_PROPER = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][a-z]{2,}\b")
UNSUPPORTED_FACT_CAP = 0.4


def _sentence_score(sentence: str, source_tokens: set[str], source_lower: str) -> float | None:
    tokens = content_tokens(sentence)
    if not tokens:
        return None
    weight = found = 0.0
    unsupported_fact = False
    for tok in tokens:
        numeric = any(c.isdigit() for c in tok)
        w = 3.0 if numeric else 1.0
        weight += w
        if tok in source_tokens:
            found += w
        elif numeric:
            unsupported_fact = True
    for proper in _PROPER.findall(_PLACEHOLDER.sub(" ", sentence)):
        if proper.lower() not in source_lower and proper.lower() not in _STOP:
            unsupported_fact = True
    score = found / weight
    return min(score, UNSUPPORTED_FACT_CAP) if unsupported_fact else score


def grounding_score(response: str, source: str) -> float:
    """How well the least-supported sentence of ``response`` is supported by ``source``.

    Per sentence: the share of content words found in the source (numbers weigh triple);
    a sentence stating a number, amount, date, id or proper name absent from the source is
    capped at 0.4. The response scores as its weakest sentence, so one invented fact is
    enough to fall below a grounding threshold.
    """
    source_tokens = set(content_tokens(source))
    source_lower = source.lower()
    scores = [
        score
        for sentence in _SENTENCE_SPLIT.split(response)
        if (score := _sentence_score(sentence, source_tokens, source_lower)) is not None
    ]
    return round(min(scores), 4) if scores else 1.0


def relevance_score(response: str, query: str, source: str) -> float:
    """How much of the response is about the conversation the query asks to summarize."""
    tokens = content_tokens(response)
    if not tokens:
        return 0.0
    context = set(content_tokens(query)) | set(content_tokens(source))
    return round(min(1.0, sum(t in context for t in tokens) / len(tokens) * 1.1), 4)


# A filter of strength S blocks content whose confidence is at least _BLOCKS_FROM[S].
_CONFIDENCE = {"NONE": 0, "LOW": 1, "MEDIUM": 2, "HIGH": 3}
_BLOCKS_FROM = {"NONE": 4, "LOW": 3, "MEDIUM": 2, "HIGH": 1}


def _has_phrase(text: str, phrase: str) -> bool:
    return re.search(rf"(?<![a-z]){re.escape(phrase)}(?![a-z])", text) is not None


def _units(chars: int) -> int:
    return math.ceil(chars / TEXT_UNIT_CHARS) if chars else 0


class LocalGuardrailClient:
    """Drop-in for ``boto3.client("bedrock-runtime").apply_guardrail``."""

    def __init__(self, policy: dict[str, Any] | None = None) -> None:
        self.policy = policy or load_policy()
        sens = self.policy.get("sensitiveInformationPolicyConfig", {})
        self.pii_actions = {e["type"]: e["action"] for e in sens.get("piiEntitiesConfig", [])}
        self.regexes = [
            (r["name"], re.compile(r["pattern"]), r["action"])
            for r in sens.get("regexesConfig", [])
        ]
        self.topics = self.policy.get("topicPolicyConfig", {}).get("topicsConfig", [])
        self.topic_keywords = self.policy.get("localEngine", {}).get("topicKeywords", {})
        self.grounding = {
            f["type"]: f["threshold"]
            for f in self.policy.get("contextualGroundingPolicyConfig", {}).get("filtersConfig", [])
        }
        local = self.policy.get("localEngine", {})
        self.content_filters = {
            f["type"]: (f.get("inputStrength", "NONE"), f.get("outputStrength", "NONE"))
            for f in self.policy.get("contentPolicyConfig", {}).get("filtersConfig", [])
        }
        self.lexicon = local.get("contentLexicon", {})
        words = self.policy.get("wordPolicyConfig", {})
        self.custom_words = [w["text"] for w in words.get("wordsConfig", [])]
        self.profanity = (
            local.get("profanity", [])
            if any(m.get("type") == "PROFANITY" for m in words.get("managedWordListsConfig", []))
            else []
        )
        self.blocked_output = self.policy["blockedOutputsMessaging"]
        self.blocked_input = self.policy["blockedInputMessaging"]

    def apply_guardrail(self, **params: Any) -> dict[str, Any]:
        op = "ApplyGuardrail"
        validate_request("bedrock-runtime", op, params)
        guard, grounding_src, query = [], [], []
        for block in params["content"]:
            if "text" not in block:
                raise client_error("ValidationException", "Only text content is supported.", op)
            quals = block["text"].get("qualifiers") or ["guard_content"]
            text = block["text"]["text"]
            if "grounding_source" in quals:
                grounding_src.append(text)
            elif "query" in quals:
                query.append(text)
            else:
                guard.append(text)
        text = "\n".join(guard)
        blocked = False
        intervened = False
        assessment: dict[str, Any] = {}

        # Sensitive information: mask from the end so offsets stay valid.
        entities, masked = [], text
        for span in reversed(detect_pii(text, set(self.pii_actions))):
            action = self.pii_actions[span.type]
            if action == "NONE":
                entities.append(
                    {
                        "match": text[span.start : span.end],
                        "type": span.type,
                        "action": "NONE",
                        "detected": True,
                    }
                )
                continue
            intervened = True
            entities.append(
                {
                    "match": text[span.start : span.end],
                    "type": span.type,
                    "action": "ANONYMIZED" if action == "ANONYMIZE" else "BLOCKED",
                    "detected": True,
                }
            )
            if action == "BLOCK":
                blocked = True
            masked = masked[: span.start] + "{" + span.type + "}" + masked[span.end :]
        regex_hits = []
        for name, pattern, action in self.regexes:
            for m in list(pattern.finditer(masked))[::-1]:
                intervened = True
                regex_hits.append(
                    {
                        "name": name,
                        "match": m.group(0),
                        "regex": pattern.pattern,
                        "action": "ANONYMIZED" if action == "ANONYMIZE" else "BLOCKED",
                        "detected": True,
                    }
                )
                if action == "BLOCK":
                    blocked = True
                masked = masked[: m.start()] + "{" + name + "}" + masked[m.end() :]
        if entities or regex_hits:
            assessment["sensitiveInformationPolicy"] = {
                "piiEntities": entities[::-1],
                "regexes": regex_hits[::-1],
            }

        # Denied topics.
        lowered = text.lower()
        topics = []
        for topic in self.topics:
            if any(k in lowered for k in self.topic_keywords.get(topic["name"], [])):
                topics.append(
                    {"name": topic["name"], "type": "DENY", "action": "BLOCKED", "detected": True}
                )
                blocked = intervened = True
        if topics:
            assessment["topicPolicy"] = {"topics": topics}

        # Content filters: the highest lexicon confidence per category against its strength.
        content = []
        for ftype, strengths in self.content_filters.items():
            strength = strengths[0 if params["source"] == "INPUT" else 1]
            confidence = "NONE"
            for level in ("HIGH", "MEDIUM", "LOW"):
                if any(term in lowered for term in self.lexicon.get(ftype, {}).get(level, [])):
                    confidence = level
                    break
            hit = _CONFIDENCE[confidence] >= _BLOCKS_FROM[strength] and confidence != "NONE"
            if confidence != "NONE":
                content.append(
                    {
                        "type": ftype,
                        "confidence": confidence,
                        "filterStrength": strength,
                        "action": "BLOCKED" if hit else "NONE",
                        "detected": hit,
                    }
                )
            if hit:
                blocked = intervened = True
        if content:
            assessment["contentPolicy"] = {"filters": content}

        # Word filters: custom words and the managed profanity list, whole words.
        custom = [
            {"match": w, "action": "BLOCKED", "detected": True}
            for w in self.custom_words
            if _has_phrase(lowered, w.lower())
        ]
        managed = [
            {"match": w, "type": "PROFANITY", "action": "BLOCKED", "detected": True}
            for w in self.profanity
            if _has_phrase(lowered, w)
        ]
        if custom or managed:
            assessment["wordPolicy"] = {"customWords": custom, "managedWordLists": managed}
            blocked = intervened = True

        # Contextual grounding (only with a grounding source, as in Bedrock).
        grounding_units = 0
        if self.grounding and grounding_src and params["source"] == "OUTPUT":
            source = "\n".join(grounding_src)
            filters = []
            scores = {
                "GROUNDING": grounding_score(text, source),
                "RELEVANCE": relevance_score(text, "\n".join(query), source),
            }
            for ftype, threshold in self.grounding.items():
                score = scores[ftype]
                hit = score < threshold
                filters.append(
                    {
                        "type": ftype,
                        "threshold": threshold,
                        "score": score,
                        "action": "BLOCKED" if hit else "NONE",
                        "detected": hit,
                    }
                )
                if hit:
                    blocked = intervened = True
            assessment["contextualGroundingPolicy"] = {"filters": filters}
            grounding_units = _units(len(text)) + _units(len(source)) + _units(len("".join(query)))

        units = _units(len(text))
        message = self.blocked_output if params["source"] == "OUTPUT" else self.blocked_input
        output_text = message if blocked else masked
        full = params.get("outputScope") == "FULL"
        return {
            "usage": {
                "topicPolicyUnits": units if self.topics else 0,
                "contentPolicyUnits": units if self.content_filters else 0,
                "wordPolicyUnits": units if self.custom_words or self.profanity else 0,
                "sensitiveInformationPolicyUnits": units if self.pii_actions else 0,
                "sensitiveInformationPolicyFreeUnits": 0,
                "contextualGroundingPolicyUnits": grounding_units,
            },
            "action": "GUARDRAIL_INTERVENED" if intervened else "NONE",
            "actionReason": "Guardrail blocked."
            if blocked
            else ("Guardrail masked." if intervened else "No action."),
            "outputs": [{"text": output_text}] if intervened or full else [],
            "assessments": [assessment] if assessment or full else [],
            "guardrailCoverage": {"textCharacters": {"guarded": len(text), "total": len(text)}},
            "ResponseMetadata": {"HTTPStatusCode": 200},
        }
