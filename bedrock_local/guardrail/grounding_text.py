"""Text normalisation for the grounding check: words to comparable tokens, and which tokens
are checkable facts.

A summary paraphrases its call, so tokens are compared after: spelled numbers to digits
(text2num: "forty dollars" = "$40", "June fifth" = "June 5th" = "June 5"), money and
ordinal marks dropped, contractions split ("haven't" -> have + not), Snowball stemming
("refunded" = "refund"), and call-center synonym groups folded onto one stem ("reimburse" =
"refund"). Each token keeps whether a negation governs it, so "was not approved" and "was
approved" do not read alike.
"""

from __future__ import annotations

import functools
import re
import threading
from dataclasses import dataclass

from lemminflect import getAllLemmas
from text_to_num import alpha2digit

from bedrock_local.guardrail import grounding_lexicon as lex

# Token kinds: FACT kinds are checked one by one against the call; WORD tokens only count
# towards how much of a sentence the call covers.
NUMBER = "number"  # a quantity, amount, date number or id: 40, 12345, 2.5
TIME = "time"  # month, weekday, today/tomorrow, time units (days, weeks)
CODE = "code"  # a letters-and-digits code: OKTANK25, ORD-123
DATE = "date"  # a month and its day together: "march 15"
NAME = "name"  # a capitalised word inside a sentence (product, brand, person, place)
KEY = "key"  # a word from the lexicon of checkable claims: products, roles, outcomes
WORD = "word"
FACT_KINDS = frozenset({NUMBER, TIME, CODE, DATE, NAME, KEY})


@dataclass(frozen=True)
class Token:
    stem: str  # canonical form compared across summary and call
    kind: str
    scope: int  # 0, or which negation cue ("not", "never", "no", "n't") governs the token
    light: bool  # summary meta-vocabulary ("explained", "issue"): little evidence either way

    @property
    def negated(self) -> bool:
        return self.scope > 0


_PHRASES = [(re.compile(rf"(?<!\w)(?:{p})(?!\w)", re.IGNORECASE), r) for p, r in lex.PHRASES]
_PLACEHOLDER = re.compile(r"\{[A-Z_]+\}|\[[a-z ]+\]")  # {NAME}, [product name]
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}\b)")
_RAW = re.compile(
    r"(?P<ord>\d+(?:st|nd|rd|th))\b"
    r"|(?P<code>(?=[A-Za-z0-9]*[A-Za-z])(?=[A-Za-z0-9]*\d)[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*)"
    r"|(?P<num>\d+(?:\.\d+)?)"
    r"|(?P<word>[A-Za-z]+(?:['\u2019][A-Za-z]+)?)"
    r"|(?P<ellipsis>\.\.+|\u2026)"
    r"|(?P<stop>[.;:!?,()\u2014\u2013]|\s-\s|\s--\s)"
)
_NEGATION_SCOPE = 5  # content tokens after a cue that it governs, up to a clause boundary
_WITHOUT_SCOPE = 1  # "without" governs its object only
# ("not a discount or credit" negates both: "or" does not end the scope)
_CLAUSE_BREAK = frozenset(
    "but although though however while whereas yet and so because since when after before "
    "if unless until which that who where instead".split()
)


_STEM_LOCK = threading.Lock()  # the guardrail answers ApplyGuardrail calls from threads


@functools.lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """The canonical stem of a lower-case word: irregular forms to their lemma (lemminflect's
    lookup table: "gone" -> "go", "bought" -> "buy"), Snowball, then the synonym groups."""
    with _STEM_LOCK:  # a Snowball stemmer keeps state; lemminflect loads its table once
        lemmas = getAllLemmas(word)
        nouns = lemmas.get("NOUN", ())
        if "VERB" in lemmas and word not in nouns:
            word = lemmas["VERB"][0]
        elif nouns:
            word = nouns[0]
        return lex.canonical_stem(word)


def _number(text: str) -> str:
    value = text.replace(",", "")
    if "." in value:
        value = value.rstrip("0").rstrip(".")
    return value.lstrip("0") or "0"


def _split_contraction(word: str) -> tuple[str, bool]:
    """("haven't" -> "have", negated); other clitics ("I'm", "customer's") dropped."""
    w = word.lower().replace("\u2019", "'")
    if w.endswith("n't"):
        base = w[:-3]
        return {"ca": "can", "wo": "will", "sha": "shall"}.get(base, base), True
    return (w.split("'", 1)[0] if "'" in w else w), False


def normalise(text: str) -> str:
    """Placeholders out, numbers as digits, ordinals and thousands separators dropped."""
    text = _PLACEHOLDER.sub(" ", text)
    try:
        text = alpha2digit(text, "en", threshold=0)
    except Exception:  # noqa: BLE001 -- text2num rejects some odd inputs; keep the words
        pass
    text = _THOUSANDS.sub("", text)
    for pattern, replacement in _PHRASES:
        text = pattern.sub(replacement, text)
    return text


@functools.lru_cache(maxsize=4096)
def normalise_sentence(text: str) -> str:
    """``normalise`` for a summary sentence, remembered: one sentence is tokenised several
    times while it is scored (its features, its choices)."""
    return normalise(text)


def tokens(text: str, mark_names: bool = False, normalised: bool = False) -> list[Token]:
    """The content tokens of ``text`` in order, with their kinds and negation scope.

    ``mark_names``: capitalised words inside a sentence are NAME facts. ``normalised``: the
    text has been through ``normalise`` already (a whole call is, once).
    """
    out: list[Token] = []
    left = 0  # content tokens the current negation cue still governs
    cue = 0  # how many cues so far: tokens under the same cue share its number
    ordinals: list[int] = []
    sentence_start = True

    def add(stem_: str, kind: str, light: bool) -> None:
        nonlocal left
        out.append(Token(stem_, kind, cue if left > 0 else 0, light))
        left = max(0, left - 1)

    for m in _RAW.finditer(text if normalised else normalise_sentence(text)):
        if m.group("ellipsis"):  # a trailing-off, not the end of the clause
            continue
        if m.group("stop"):
            left = 0
            sentence_start = m.group("stop") in ".!?"
            continue
        was_start, sentence_start = sentence_start, False
        if ordinal := m.group("ord"):
            ordinals.append(len(out))
            add(_number(ordinal[:-2]), NUMBER, False)
            continue
        if code := m.group("code"):
            add(code.lower(), CODE, False)
            continue
        if num := m.group("num"):
            value = _number(num)
            kind = WORD if value in ("0", "1") else NUMBER  # "one moment", "no one"
            add(value, kind, kind == WORD)
            continue
        raw = m.group("word")
        word, contracted_not = _split_contraction(raw)
        if contracted_not or word in lex.NEGATION:
            cue += 1
            # "didn't get" -> "get" negated; "without" takes only its object ("arrived without
            # one of the items ordered" does not deny the order).
            left = _WITHOUT_SCOPE if word == "without" else _NEGATION_SCOPE
            if not contracted_not:
                continue
        if word in _CLAUSE_BREAK:
            left = 0
            continue
        if word in lex.STOP or len(word) < 2:
            continue
        s = word if raw.isupper() and len(raw) > 1 else stem(word)  # UPS, HP, TV as written
        if word in lex.TIME_WORDS or s in lex.TIME_STEMS:
            kind = TIME
        elif s in lex.KEY_STEMS:
            kind = KEY
        elif (
            mark_names
            and not was_start
            and raw[0].isupper()
            and word not in lex.COMMON_CAPITALS
            and s not in lex.LIGHT_STEMS
        ):
            kind = NAME
        else:
            kind = WORD
        add(s, kind, kind == WORD and s in lex.LIGHT_STEMS)
    for i in ordinals:  # "June 5th" is a date; "the second card", "third time" are not facts
        if not any(t.stem in lex.MONTH_STEMS for t in out[max(0, i - 1) : i + 2]):
            out[i] = Token(out[i].stem, WORD, out[i].scope, False)
    return _with_dates(out)


def _with_dates(toks: list[Token]) -> list[Token]:
    """A month next to a day number also yields the date as one fact ("march 15"), so "March
    25" is not supported by a call that says "March 15" and, elsewhere, "25% off"."""
    out: list[Token] = []
    for i, t in enumerate(toks):
        out.append(t)
        if t.stem not in lex.MONTH_STEMS:
            continue
        for j in (i + 1, i - 1):
            if 0 <= j < len(toks) and toks[j].kind == NUMBER and toks[j].stem.isdigit():
                if 1 <= int(toks[j].stem) <= 31:
                    out.append(Token(f"{t.stem} {toks[j].stem}", DATE, t.scope, False))
                    break
    return out


_SENTENCE = re.compile(
    r"(?<!\bMr)(?<!\bMrs)(?<!\bMs)(?<!\bDr)(?<!\bSt)(?<!\be\.g)(?<!\bi\.e)(?<!\bvs)"
    r"(?<!\.\.)(?<=[.!?])[\"')\]]*\s+(?=[\"'(\[]?[A-Z0-9{*-])|\n+|(?<=;)\s+|^\s*[-*\u2022]\s+",
    re.MULTILINE,
)


def sentences(text: str) -> list[str]:
    """Sentences (and bullet items, and semicolon clauses) of a summary or a call."""
    return [s.strip() for s in _SENTENCE.split(text) if s and s.strip()]


_SPEAKER = re.compile(r"^\s*([A-Za-z][A-Za-z ]{0,20}):\s*")
_FIRST_PERSON = re.compile(r"\b(?:I|I'(?:ll|ve|m|d)|let me|we(?:'ll| will|'ve))\b")


@dataclass(frozen=True)
class Unit:
    """One sentence of the call and who said it (lines without a label continue a turn)."""

    text: str
    speaker: str  # "agent", "customer", another label lower-cased, or "" if unlabelled
    first_person: bool  # "I'll ...", "let me ...": the speaker says they do it


def source_units(source: str) -> list[Unit]:
    """The call as sentences, speaker labels off ("Agent: ..." -> "...")."""
    units: list[Unit] = []
    speaker = ""
    for line in source.splitlines():
        if m := _SPEAKER.match(line):
            speaker = m.group(1).strip().lower()
            line = line[m.end() :]
        units.extend(Unit(s, speaker, bool(_FIRST_PERSON.search(s))) for s in sentences(line))
    return units
