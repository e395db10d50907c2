"""Person names: spaCy's PERSON entities, titles, introductions and repeats, not a name list.

spaCy's English NER finds most names in running text whatever their origin; titles ("Ms.
Okonkwo"), introductions ("this is Dana speaking", "my name is priya") and roles ("agent
Tomás") catch the ones it misses, including lower-case and accented names. Places and
products it tags as GPE/ORG/PRODUCT/LOC never become NAME, and a PERSON followed by a
product word or sitting in a place phrase ("Jordan sneakers", "in Virginia") is dropped.
Once a name is found, its other mentions in the same text are masked too.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from functools import lru_cache
from typing import Any

from presidio_analyzer import EntityRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

_WORD = r"[^\W\d_][\w'’.-]*"
_CAP_WORD = r"(?:[A-ZÀ-ÖØ-ÞĀ-Ž]|Mc|O')[\w'’-]*"
_PARTICLE = r"(?:de|da|del|della|di|van|von|der|den|le|la|bin|binti|al|el|ibn|dos|das|du|ter)"
_CAP_NAME = rf"{_CAP_WORD}(?:\s+(?:{_PARTICLE}\s+)?{_CAP_WORD}){{0,3}}"

_TITLES = (
    r"(?:Mr|Mrs|Ms|Miss|Mx|Dr|Prof|Professor|Sir|Madam|Mister|Dame|Lord|Lady|Rev|Fr|Sr|Sra|"
    r"Srta|Herr|Frau|Mme|Mlle|M|Monsieur|Madame|Señor|Señora|Sgt|Capt|Officer|Judge)"
)
_TITLE_NAME = re.compile(rf"\b{_TITLES}\.?\s+({_CAP_NAME})")
_LETTERS = r"[^\W\d_]+(?:[-'’][^\W\d_]+)*"
# Explicit introductions: the name may be lower-case ("my name is priya sharma").
_INTRO = re.compile(
    rf"(?i:\b(?:my\s+name\s+is|my\s+name's|(?:my|her|his|their|your)\s+name\s+(?:is|was)|name's|"
    rf"i\s+am\s+called|goes\s+by|(?:my|her|his|their|your|the)\s+name\s+as|"
    rf"name\s+on\s+the\s+(?:account|card|order|booking|policy|reservation|file)\s*(?:is|:))"
    # "his name is on the lease": a preposition or article after the cue starts no name.
    rf"\s*,?\s+)(?!(?i:on|in|under|not|the|a|an|also|still|spelled|listed|missing|wrong)\b)"
    rf"({_LETTERS}(?:\s+(?:{_PARTICLE}\s+)?{_LETTERS}){{0,2}})"
)
# Cue phrases and roles; the name must be capitalised and read as a proper noun.
_ROLE = re.compile(
    rf"(?i:\b(?:this\s+is|it's|it\s+is|i'm|i\s+am|speaking\s+(?:with|to)|spoke\s+(?:with|to)|"
    rf"speak\s+(?:with|to)|talking\s+(?:with|to)|talked\s+(?:with|to)|ask\s+for|asked\s+for|"
    rf"calling\s+for|transferred\s+to|hello|hi|hey|dear|thanks|thank\s+you|welcome(?:\s+back)?|"
    rf"agent|rep|representative|advisor|adviser|specialist|supervisor|manager|technician|tech|"
    rf"engineer|caller|customer|client|member|patient|colleague|associate|operator|courier|"
    rf"driver|spouse|wife|husband|partner|son|daughter|mother|father|mom|dad|brother|sister|"
    rf"grandson|granddaughter|friend|neighbou?r|landlord|tenant|named|"
    rf"name(?:\s*:|\s+is|\s+was)|name\s+(?:on\s+the\s+\w+|was\s+confirmed)\s+(?:is|as)|"
    rf"(?:in|under)\s+the\s+name\s+of|identified\s+(?:herself|himself|themselves)\s+as|"
    rf"account\s+holder(?:\s+is)?|card\s?holder(?:\s+is)?|(?:listed|confirmed|registered)\s+as|"
    rf"attention|attn|signed)\s*[,:]?\s+)({_CAP_NAME})"
)
# Phrases that only a person follows: the capitalised follower is a name unless spaCy or
# the place list says otherwise (spaCy's small model often tags a lone given name NOUN).
_PERSON_CUE = re.compile(
    rf"(?i:\b(?:(?:helped|served|assisted|handled|supported|visited|approved|signed|referred)\s+by|"
    rf"belongs?\s+to|belonging\s+to|owned\s+by|registered\s+to|addressed\s+to|"
    rf"co-?signer|authori[sz]ed\s+user|(?:you're|you\s+are|put)\s+through\s+to|"
    rf"(?:called|rung|phoned|rang)\s+back\s+by|(?:call|callback|call-back)\s+from|"
    rf"transferred\s+from|handed\s+over\s+(?:from|by)|thanks\s+to|identity\s+of|"
    rf"(?:agent|rep|representative|advis[eo]r|specialist|supervisor|technician|woman|man|lady|"
    rf"gentleman|guy|person|someone|somebody)\s+(?:called|named))\s*,?\s+)"
    rf"({_CAP_NAME})"
)
# One capitalised word opening a sentence before a reporting verb ("Kofi said ..."); it
# must read as a proper noun that spaCy does not tag as a company or place.
_SUBJECT_ONE = re.compile(
    rf"(?:^|(?<=[.!?;]\s))({_CAP_WORD})\s+(?:also\s+|then\s+|later\s+)?"
    r"(?:asked|said|says|told|explained|mentioned|complained|insisted|wanted|wants|"
    r"thanked|apologi[sz]ed|hung\s+up|logged\s+in|signed\s+in)\b"
)
# A capitalised phrase followed by a model number or a common noun it modifies at the
# start of a sentence is a product or brand ("Pixel 8", "Marshall amplifiers").
_MODEL_AFTER = re.compile(r"\s+\d")
_DETERMINER_BEFORE = re.compile(r"(?i)\b(?:a|an|the|this|that|these|those)\s+$")
# A sentence opening on two capitalised words and a verb only people do ("Chiamaka Obi
# asked ..."); places and companies spaCy tags as such are still dropped.
_SUBJECT = re.compile(
    rf"(?:^|(?<=[.!?;:]\s)|(?<=\band\s)|(?<=\bbut\s)|(?<=\bso\s)|(?<=\bthen\s))"
    rf"({_CAP_WORD}\s+(?:{_PARTICLE}\s+)?{_CAP_WORD})\s+(?:also\s+|then\s+|later\s+)?"
    r"(?:asked|called|phoned|rang|said|says|told|requested|complained|explained|mentioned|"
    r"agreed|refused|declined|wanted|wants|needs|needed|emailed|wrote|spoke|paid|moved|"
    r"reported|disputed|insisted|confirmed|would\s+like|thanked|apologi[sz]ed|hung\s+up)\b"
)
# A sentence opening on one capitalised word and a verb only a person does: "Rohan logged
# in as ...". spaCy's ORG or GPE reading of an unfamiliar name is overruled here.
_PERSON_VERB_ONE = re.compile(
    rf"(?:^|(?<=[.!?;]\s))({_CAP_WORD})\s+(?:(?:also|then|later)\s+)?"
    r"(?:logged\s+in|signed\s+in|hung\s+up)\b"
)
# A staff role right before one capitalised word: "asked for agent Dolores". spaCy's small
# model often reads an unfamiliar given name there as a plural common noun.
_ROLE_NOUN = re.compile(
    r"(?i:\b(?:agent|rep|representative|advis[eo]r|specialist|supervisor|technician|"
    r"engineer|operator|courier|colleague|associate)\s+)"
    r"((?:[A-ZÀ-ÖØ-Þ][a-zà-öø-ÿ'’-]+))\b(?!\s+[A-Z\d])"
)
# Prepositions and conjunctions: the follower counts only if nothing says it is a place.
# "by" and "with" are weak too: "billed by Comcast", "signed up with Verizon".
_WEAK = re.compile(
    rf"(?i:\b(?:from|for|to|and|cc|contact|ask|of|or|per|via|by|with)\s+)({_CAP_NAME})"
)
_SPEAKING = re.compile(rf"\b({_CAP_NAME})\s+(?:speaking|here)\b(?!\s+(?:is|are|was|were|to|at))")
# "Rahul, the field engineer, ..." - a name set off by an appositive role.
_APPOSITIVE = re.compile(
    rf"\b({_CAP_NAME}),\s+(?:the|our|your|his|her|a|an)\s+(?:\w+\s+){{0,2}}"
    rf"(?:agent|engineer|technician|rep|representative|manager|supervisor|driver|customer|caller|"
    rf"owner|holder|advisor|specialist|courier|nurse|doctor|tenant|landlord|son|daughter|wife|husband)\b"
)

# A possessor of something only people have: "Ahanu's one-time passcode", "Callum's login".
# Shops and brands own cards, accounts, orders and phone lines, so those are not on the list.
_POSSESSOR = re.compile(
    rf"\b({_CAP_WORD}(?:\s+{_CAP_WORD})?)['’]s\s+(?:[\w-]+\s+){{0,2}}?"
    r"(?:login|log-in|password|passcode|passphrase|pin|username|user\s?name|daughter|son|"
    r"husband|wife|mother|father|mum|mom|dad|partner|children|kids|date\s+of\s+birth|"
    r"birthday|licen[cs]e|ssn|signature|payslip|salary|passport|surname|first\s+name|"
    r"last\s+name)\b(?!\s+(?:page|portal|screen|support|team|site|website|app|system|"
    r"polic(?:y|ies)|requirements?|rules|reset|form|process|server|service|desk|line))"
)
# A role set off by commas around a name, which may be lower-case: "the customer, ximena
# quispe, lives at ...".
_ROLE_APPOSED = re.compile(
    rf"(?i:\b(?:customer|caller|client|member|patient|account\s+holder|card\s?holder|"
    rf"policy\s?holder|applicant|tenant|subscriber|claimant),\s+)"
    rf"({_LETTERS}(?:\s+(?:{_PARTICLE}\s+)?{_LETTERS}){{1,2}}),"
)
# A name part the caller labels: "Wojciechowski, that's the surname".
_LABELLED_PART = re.compile(
    rf"((?=[A-ZÀ-Þ]){_LETTERS}),?\s+(?i:(?:that's|that\s+is|which\s+is|is)\s+(?:the|my|his|her|their)\s+"
    rf"(?:surname|last\s+name|family\s+name|first\s+name|given\s+name|middle\s+name))\b"
)
# Two lower-case words after "for" and before a verb: "the form for darius farahani listed".
_LOWER_FOR = re.compile(
    r"(?<![\w-])for\s+([a-z][a-z'’-]+\s+[a-z][a-z'’-]+)(?=\s+(?:listed|was|is|has|had|shows?|"
    r"showed|says|said|wants|needs|asked|called|\w+ed)\b)"
)
# A title typed in lower case before a lower-case surname: "mr okafor-bello said ...".
_LOWER_TITLE = re.compile(
    r"(?<![\w.])(?:mr|mrs|ms|mx)\.?\s+(?!(?:teams|word|excel|office|outlook|access|paint|"
    r"edge|dos|sql|project|forms)\b)([a-z][\w'’]*(?:-[\w'’]+)*)"
)
# Person contexts for names spaCy's small model does not know (rare given names): the
# context offers a capitalised word, and the word counts when it passes the place and
# product guards (and, for the weaker contexts, is on the name gazetteer).
# Vocative at the end of a greeting or thanks: "Thanks so much, Makoa, ...", "Bye, Magnus."
_VOCATIVE = re.compile(
    rf"(?i:\b(?:thanks|thank\s+you|bye|goodbye|cheers|hi|hello|hey|morning|evening)\b"
    rf"(?:\s+(?:so|very|again|much|for|waiting|your|patience|now|and|calling|holding)){{0,3}}"
    rf"\s*,\s+)({_CAP_WORD}(?:\s+{_CAP_WORD})?)(?=\s*(?:[,.!?;]|$))"
)
# A person from a team: "this is Astrid from accounts", "Kekoa from the second-line team".
_FROM_TEAM = re.compile(
    rf"\b({_CAP_WORD})\s+(?:from|in|on)\s+(?:(?:our|the|your)\s+)?(?:[a-z][\w-]*\s+){{0,2}}?"
    r"(?:team|department|dept|desk|accounts|billing|payments|retentions|collections|"
    r"support|sales|complaints|fraud|escalations|dispatch|tier\s+\w+)\b"
)
# Hand-offs and "is this X?": "passed from Shirin to ...", "hand-off note for Shoira",
# "handed the call over to Solveig", "Is this Anahí Quispe Mamani?", "signed off as 'X'".
_HANDOFF = re.compile(
    rf"(?i:\b(?:(?:passed|handed|transferred|escalated|put)\s+(?:the\s+(?:call|case|customer)\s+)?"
    rf"(?:over\s+|back\s+)?(?:from|to)|hand-?(?:off|over)\s+(?:to|from)|(?:[\w-]+\s+)?note\s+for|"
    rf"is\s+(?:this|that)|signed\s+off\s+as|signs\s+off\s+as|known\s+as)\s+)['‘\"“]?"
    rf"({_CAP_NAME})(?=['’\"”]?\s*(?:[,.!?;:]|$|\s+(?:to|in|at|from|on|for|and|who)\b))"
)
# A capitalised word joined by "and"/"or" to a name or a {NAME}: "{NAME} and Caoimhe".
_LIST_AFTER = re.compile(rf"\s+(?:and|or|&)\s+({_CAP_WORD})\b(?![\w-])")
_LIST_BEFORE = re.compile(rf"\b({_CAP_WORD})\s+(?:and|or|&)\s+$")
# A subject and a verb people do, at a sentence or clause start: "Caoimhe will stay as ...",
# "that Mirela would try", "Farhan runs a small shop", "Oksana says". Gazetteer words only.
_SUBJECT_GAZ = re.compile(
    rf"(?:^|(?<=[.!?;:]\s)|(?<=\bthat\s)|(?<=\bso\s)|(?<=\band\s)|(?<=\bbut\s))({_CAP_WORD})"
    r"\s+(?:will|would|says|said|runs|ran|wants|needs|agreed|asked|told|lives|works|called|"
    r"is\s+(?:the|a|an|my|his|her|our)\s+\w+)\b"
)
# A sentence opening on a name set off by a role on both sides: "Pania, the store manager,
# said ...". ("Scotland, the customer joked" lacks the closing comma.)
_APPOSITIVE_OPENING = re.compile(
    rf"(?:^|(?<=[.!?;]\s))({_CAP_NAME}),\s+(?:the|our|your|his|her|their)\s+(?:[\w-]+\s+){{0,2}}"
    r"(?:agent|engineer|technician|rep|representative|manager|supervisor|driver|owner|"
    r"advisor|adviser|specialist|courier|nurse|doctor|tenant|landlord|accountant|director|"
    r"lead|assistant|son|daughter|wife|husband|partner),"
)
# A possessor that is a known given name: "Solveig's card", "Sung-min Park's assistant".
_POSSESSOR_GAZ = re.compile(
    rf"(?<!\bSt\.\s)(?<!\bSt\s)(?<!\bSaint\s)(?<!\bof\s)\b({_CAP_WORD}(?:\s+{_CAP_WORD})?)['’]s\s+"
    r"(?!(?:\w+\s+)?(?:store|shop|team|website|app|brand|policy|office|branch|outlet|"
    r"restaurant|cafe|product|range|bottle|day|eve)\b)(?=[a-z])(?!(?:for|to|of|in|on|at|and|or|"
    r"with|from|is|was|are|were|has|had|the|a|an)\b)"
)
# Relatives and roles set off by commas: "her nephew, Emeka Nwachukwu, ...".
_RELATIVE_APPOSED = re.compile(
    rf"(?i:\b(?:nephew|niece|cousin|uncle|aunt|partner|husband|wife|son|daughter|mother|"
    rf"father|brother|sister|grandson|granddaughter|carer|caregiver|flatmate|housemate|"
    rf"assistant|accountant|landlord|tenant|friend|neighbou?r|attorney|solicitor)\s*,\s+)"
    rf"({_CAP_NAME})(?=\s*[,.;])"
)
# "(Rustam Nazarov, 67)": a name and an age in brackets.
_NAME_AGE = re.compile(rf"\(({_CAP_NAME}),\s*\d{{1,3}}\s*\)")
# Lower-case names after a strong cue: "it's lerato mokoena", "cust is rahim chowdhury".
_LOWER_CUE = re.compile(
    r"(?i:\b(?:it's|its|it\s+is|this\s+is|cust(?:omer)?\s+is|caller\s+is|spoke\s+(?:to|with)|"
    r"talked\s+to|speaking\s+(?:to|with))\s+)([a-z][a-z'’-]+(?:\s+[a-z][a-z'’-]+)?)\b"
)
# The strongest lower-case cue: "cust is rahim chowdhury".
_CUSTOMER_IS = re.compile(r"(?i)\b(?:cust|customer|caller|client)\s+is\s+$")
# Two to four ALL-CAPS words, e.g. the name as printed on a card: "DEV PRAKASH SHARMA".
_ALL_CAPS = re.compile(r"\b([A-Z][A-Z'’-]+(?:\s+[A-Z][A-Z'’-]+){1,3})\b")
# A unit after a number ("0.3 ms jitter") is no title.
_AFTER_NUMBER = re.compile(r"\d[\d.,]*\s*$")
# A place after "the store in", "a branch at", ...: "The store in Galway had no stock".
_VENUE_BEFORE = re.compile(
    r"(?i)\b(?:store|shop|branch|outlet|office|depot|warehouse|site|hub|centre|center|"
    r"clinic|hospital|hotel|airport|mall|restaurant|stores|shops|branches|offices)\s+"
    r"(?:in|at|near|on|outside)\s+$"
)

_NOT_NAME_POS = frozenset(
    {"VERB", "AUX", "ADV", "ADP", "DET", "PRON", "CCONJ", "SCONJ", "PART", "NUM"}
)
# Menu paths ("Settings, then Display, then Advanced") and a unit after a number.
_MENU_BEFORE = re.compile(r"(?i)(?:,\s+then|>|→|\b(?:tap|click|select|choose|press))\s*$")
_MENU_AFTER = re.compile(r"\s*(?:,\s+then\b|>|→)")
_NUMBER_BEFORE = re.compile(r"\d\s*$")

# Words that follow a capitalised product or place, or are never names themselves.
_PRODUCT_WORDS = re.compile(
    r"(?i)^\s*(?:sneakers?|shoes?|boots?|jeans|jacket|shirt|phone|laptop|tablet|watch|tv|"
    r"console|plan|card|account|app|brand|series|model|edition|pro|max|plus|mini|ultra|"
    r"router|modem|speaker|headphones|earbuds|store|outlet|mall|airport|street|avenue|road|"
    r"county|city|state|beach|bay|river|lake|park|university|college|hospital|bank|"
    r"insurance|energy|airlines?|motors|inc|llc|ltd|corp|co|support|service|services|"
    r"pier|harbou?r|bridge|tower|museum|zoo|stadium|arena|hall|church|cathedral|station|"
    r"memorial|monument|island|mountains?|falls|valley|canyon|forest|resort|hotel|inn|"
    r"casino|theat(?:re|er)|almonds?|chocolates?|cookies|candy|sauce|coffee|wines?|beer|"
    r"whiskey|power|gas|water|electric|telecom|wireless|mobile|cable|pharmacy|foods?|"
    r"market|clinic|school|academy|hotels|group|holdings|partners|day|eve|weekend|gift)\b"
)
# Last words that make a capitalised phrase a thing or a landmark, never a surname.
_THING_LAST = re.compile(
    r"(?i)(?:sneakers?|shoes?|boots?|jeans|pier|museum|zoo|stadium|arena|cathedral|memorial|"
    r"monument|canyon|resort|casino|almonds?|chocolates?|cookies|candy|sauce|whiskey|pharmacy|"
    r"airlines?|motors|inc|llc|ltd|corp|insurance|energy|telecom|wireless)$"
)
# First words of place names ("Santa Monica", "Fort Worth", "Port Louis").
_PLACE_FIRST = frozenset("santa san saint fort port mount lake new los las".split())
_PLACE_BEFORE = re.compile(r"(?i)\b(?:in|from|to|at|near|into|across|around|visiting|outside)\s+$")
_NOT_NAMES = frozenset(
    """
    i i'm i'll a an the this that it he she they we you hi hello hey thanks thank okay ok yes
    no sure please sorry good great well so just also agent customer caller rep representative
    supervisor manager team support service billing account card order refund mr mrs ms dr
    monday tuesday wednesday thursday friday saturday sunday january february march april may
    june july august september october november december today tomorrow yesterday morning
    afternoon evening oktank anybody somebody someone everyone nobody there here calling
    speaking writing checking looking trying going happy glad sad not now then later again
    also still really very much calling called call unable able going back about with from
    and or but if when while for to of on in at by via as is was are were be been being
    has have had do does did will would could should can may might must shall mine yours his
    hers theirs ours its who whom whose which what where why how customer's agent's name
    names whatever name's english spanish french german chinese hindi arabic portuguese
    american canadian british indian mexican visa mastercard amex discover paypal apple google
    amazon microsoft samsung iphone android windows chrome usps ups fedex dhl zelle venmo
    covid ssn pin cvv id dob usa us uk eu un nyc la sf dc ny ca tx fl
    email e-mail emails expiry expiration exp expires password passwords passcode passphrase
    username usernames login logins address addresses phone mobile cell zip postcode dob
    birthday license licence dl routing iban cvc code codes key keys secret token url
    website ip otp number numbers block phase sector plot flat unit suite apt apartment floor
    terminal gate dock platform building level zone aisle pay wallet sales marketing finance
    hr accounts operations engineering legal collections retentions procurement payroll
    mbps kbps gbps mb kb gb tb ghz mhz kwh mph kph mx you're we're they're i've we've
    portal dashboard settings console toolbar inbox queue hmm hm umm um uh ah place
    """.split()
)
# A state before a document word is the issuing state ("Texas DL", "Ohio license").
_DOCUMENT_AFTER = re.compile(r"(?i)\s+(?:dl|license|licence|id|plates?|permit|driver)\b")
# A candidate glued to a symbol or digit, or a field label ("Expiry:").
_GLUED_AFTER = re.compile(r"[\w#@$%&*+=/:_]|-[A-Z\d](?![a-z])")
_GLUED_BEFORE = re.compile(r"[\w@#_./:-]")
_PLACE_AFTER = re.compile(r"\s*,\s*[A-Z]")
_COMMA_BEFORE = re.compile(r",\s*$")
_PLACEHOLDER_NAME = re.compile(r"\{NAME\}")
# A name part right after or before a found name or a {NAME} placeholder: "Adeyemi-Cole"
# in "{NAME} Adeyemi-Cole" is the surname of the masked first name.
_NEXT_PART = re.compile(rf"\s+(?:{_PARTICLE}\s+)?({_CAP_WORD})")
_PREV_PART = re.compile(rf"({_CAP_WORD})\s+$")
_PART = re.compile(r"[^\W\d_][\w'’-]+")
_POSSESSIVE = re.compile(r"['’]s$")
_STATES = frozenset(
    """
    alabama alaska arizona arkansas california colorado connecticut delaware florida georgia
    hawaii idaho illinois indiana iowa kansas kentucky louisiana maine maryland massachusetts
    michigan minnesota mississippi missouri montana nebraska nevada ohio oklahoma oregon
    pennsylvania tennessee texas utah vermont virginia washington wisconsin wyoming dakota
    carolina jersey hampshire mexico york austin dallas houston phoenix denver boston chicago
    seattle portland atlanta miami orlando tampa charlotte jackson madison lincoln columbus
    cleveland detroit memphis nashville raleigh richmond savannah sydney london paris berlin
    dublin toronto vancouver montreal mumbai delhi chennai lagos nairobi cairo tokyo
    """.split()
)


_NON_SPACE = re.compile(r"\S+")


def _clean(text: str, start: int, end: int) -> tuple[int, int]:
    """Trim possessives, trailing punctuation and non-name words from a candidate span."""
    words = list(_NON_SPACE.finditer(text, start, end))

    def norm(m: re.Match[str]) -> str:
        return m.group(0).lower().strip(".,;:!?'’\"")

    while words and norm(words[-1]) in _NOT_NAMES:
        words.pop()
    while words and norm(words[0]) in _NOT_NAMES:
        words.pop(0)
    if not words:
        return start, start
    s, e = words[0].start(), words[-1].end()
    value = _POSSESSIVE.sub("", text[s:e]).rstrip(".,;:!?-'’\" ")
    return s, s + len(value)


class NameRecognizer(EntityRecognizer):
    """NAME from spaCy PERSON entities plus titles, introductions, roles and repeats."""

    def __init__(self) -> None:
        super().__init__(supported_entities=["NAME"], name="Name")

    def load(self) -> None:
        """Read the name gazetteer with the analyzer (~0.3 s), not on the first text."""
        gazetteer()

    def _person_ok(
        self, text: str, start: int, end: int, label_of: dict[str, str], clause: bool = False
    ) -> bool:
        """Guards against places, products, units and labels. ``clause``: the context itself
        ends in "that"/"this" ("agreed that Mirela would", "is this Anahí?") or a note
        label ("note for Shoira:"), so neither a determiner before nor a colon after counts."""
        value = text[start:end]
        lower = value.lower()
        if not any(c.isalpha() for c in value) or any(c in value for c in "{@/"):
            return False
        if lower in _NOT_NAMES or any(c.isdigit() for c in value) or len(value) < 2:
            return False
        if _MODEL_AFTER.match(text, end) or _NUMBER_BEFORE.search(text, max(0, start - 3), start):
            return False
        if _MENU_BEFORE.search(text, max(0, start - 12), start) or _MENU_AFTER.match(text, end):
            return False
        # "owns a Honda Civic", "the Lincoln Navigator": a determiner introduces a thing.
        if not clause and _DETERMINER_BEFORE.search(text, max(0, start - 8), start):
            return False
        if " " in lower and lower.split()[0] in _PLACE_FIRST:
            return False
        if " " in value and _THING_LAST.match(value.rsplit(" ", 1)[1]):
            return False
        if _PRODUCT_WORDS.match(text[end : end + 25]):
            return False
        if _VENUE_BEFORE.search(text, max(0, start - 30), start):
            return False
        # Glued to digits or symbols ("Kilimanjaro#1", "live:amina") or a label ("Expiry:").
        glued = _GLUED_AFTER.match(text, end)
        if (glued and not (clause and glued.group(0) == ":")) or (
            start and _GLUED_BEFORE.match(text, start - 1)
        ):
            return False
        if label_of.get(lower) in ("GPE", "LOC", "ORG", "PRODUCT", "FAC", "NORP"):
            return False
        if lower in _STATES:
            before = text[max(0, start - 15) : start]
            if (
                _PLACE_BEFORE.search(before)
                or _PLACE_AFTER.match(text, end)
                or _COMMA_BEFORE.search(before)
                or _DOCUMENT_AFTER.match(text, end)
            ):
                return False
        return True

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        spans: list[tuple[int, int, float]] = []
        doc = nlp_artifacts.tokens if nlp_artifacts is not None else None
        label_of: dict[str, str] = {}
        if doc is not None:
            for ent in doc.ents:
                if ent.label_ != "PERSON":
                    label_of.setdefault(ent.text.lower(), ent.label_)
            for ent in doc.ents:
                if ent.label_ != "PERSON":
                    continue
                start, end = _clean(text, ent.start_char, ent.end_char)
                if (
                    end > start
                    and self._person_ok(text, start, end, label_of)
                    and not _modifies_noun(doc, start, end)
                    and not _after_place(doc, start)
                ):
                    spans.append((start, end, 0.8))
        # check: "strict" = person-like and read as a proper noun; "labels" = person-like
        # and no place or company by spaCy's entities; "cue" = person-like (spaCy's tags
        # are not asked: it reads many unfamiliar names as GPE or ORG); "" = the cue decides.
        for pattern, score, check in (
            (_TITLE_NAME, 0.9, ""),
            (_INTRO, 0.85, ""),
            (_ROLE, 0.7, "strict"),
            (_ROLE_NOUN, 0.7, "noun"),
            (_SPEAKING, 0.8, ""),
            (_APPOSITIVE, 0.75, "strict"),
            (_APPOSITIVE_OPENING, 0.75, "cue"),
            (_PERSON_CUE, 0.75, "cue"),
            (_SUBJECT, 0.7, "cue"),
            (_SUBJECT_ONE, 0.65, "strict-weak"),
            (_WEAK, 0.6, "strict"),
            (_POSSESSOR, 0.7, "proper"),
            (_PERSON_VERB_ONE, 0.7, "proper"),
            (_ROLE_APPOSED, 0.75, "lower-proper"),
            (_LOWER_FOR, 0.7, "lower-proper"),
            (_LABELLED_PART, 0.8, "lower"),
            (_LOWER_TITLE, 0.8, "lower"),
            (_VOCATIVE, 0.7, "cue"),
            (_FROM_TEAM, 0.7, "cue"),
            (_HANDOFF, 0.7, "cue"),
            (_RELATIVE_APPOSED, 0.75, "cue"),
            (_NAME_AGE, 0.75, "cue"),
            (_SUBJECT_GAZ, 0.7, "gaz"),
            (_POSSESSOR_GAZ, 0.7, "gaz"),
            (_LOWER_CUE, 0.7, "lower-gaz"),
            (_ALL_CAPS, 0.7, "caps-gaz"),
        ):
            for m in pattern.finditer(text):
                start, end = _clean(text, *m.span(1))
                if end <= start:
                    continue
                if pattern in (_TITLE_NAME, _LOWER_TITLE) and (
                    # "0.3 ms jitter" is a unit; "Dr. Martens boots" a product.
                    _AFTER_NUMBER.search(text, max(0, m.start() - 12), m.start())
                    or _PRODUCT_WORDS.match(text[end : end + 25])
                ):
                    continue
                if check and not self._person_ok(
                    text,
                    start,
                    end,
                    label_of if check == "labels" else {},
                    clause=pattern in (_SUBJECT_GAZ, _HANDOFF, _FROM_TEAM),
                ):
                    continue
                if check == "gaz":
                    # A weak context: the word must be a known name, read as no place.
                    if _known_name(text[start:end]) and not _modifies_noun(doc, start, end):
                        spans.append((start, end, score))
                    continue
                if check == "lower-gaz":
                    words = text[start:end].split()
                    if (
                        len(words) == 2
                        and text[start:end].islower()
                        and _plain_name_words(doc, text, start, end)
                        and any(in_gazetteer(w) for w in words)
                        # Both parts known, or one known and spaCy reads a proper noun.
                        and (
                            all(in_gazetteer(w) for w in words)
                            or _proper_reading(doc, start, end)
                            or _CUSTOMER_IS.search(text, max(0, start - 16), start)
                        )
                    ):
                        spans.append((start, end, score))
                    continue
                if check == "caps-gaz":
                    if _caps_name(text[start:end]):
                        spans.append((start, end, score))
                    continue
                if check == "noun":
                    # Read as a noun of any kind, not a verb or adjective ("agent Dolores").
                    if not _modifies_noun(doc, start, end) and _noun_reading(doc, start, end):
                        spans.append((start, end, score))
                    continue
                if check == "proper":
                    # A place cannot own a husband or a passcode: spaCy's GPE/LOC reading
                    # of an unfamiliar name is overruled, its common-noun reading is not.
                    if _proper_noun(doc, start, end):
                        spans.append((start, end, score))
                    continue
                if check.startswith("lower"):
                    if not _plain_name_words(doc, text, start, end):
                        continue
                    if check == "lower-proper" and not _proper_reading(doc, start, end):
                        continue
                    spans.append((start, end, score))
                    continue
                if check and _modifies_noun(doc, start, end):
                    continue
                if check.startswith("strict") and not _looks_like_person(
                    doc, start, end, weak=pattern is _WEAK or check == "strict-weak"
                ):
                    continue
                spans.append((start, end, score))
        spans = [self._grow(text, doc, s, e, score) for s, e, score in spans]
        spans += self._listed(text, doc, spans)
        for m in _PLACEHOLDER_NAME.finditer(text):
            s, e, _ = self._grow(text, doc, m.start(), m.end(), 0.75)
            if s < m.start():
                spans.append((s, m.start() - 1, 0.75))
            if e > m.end():
                spans.append((m.end() + 1, e, 0.75))
        # Repeats: a found name's parts elsewhere in the text, capitalised as names are.
        parts = {
            w
            for s, e, _ in spans
            for w in _PART.findall(text, s, e)
            if len(w) > 2 and w[0].isupper() and w.lower() not in _NOT_NAMES
        }
        if parts:
            for m in _PART.finditer(text):
                word = m.group(0)
                if word not in parts:
                    word = _POSSESSIVE.sub("", word)
                if word in parts and not _GLUED_AFTER.match(text, m.start() + len(word)):
                    spans.append((m.start(), m.start() + len(word), 0.7))
        return [RecognizerResult("NAME", s, e, score) for s, e, score in spans]

    def _listed(
        self, text: str, doc: Any, spans: list[tuple[int, int, float]]
    ) -> list[tuple[int, int, float]]:
        """Capitalised words joined by "and"/"or" to a found name or a {NAME} placeholder
        ("{NAME} and Caoimhe share the flat"), when they are known names or proper nouns."""
        anchors = [(s, e) for s, e, _ in spans]
        anchors += [(m.start(), m.end()) for m in _PLACEHOLDER_NAME.finditer(text)]
        out: list[tuple[int, int, float]] = []
        for s, e in anchors:
            found = [_LIST_AFTER.match(text, e), _LIST_BEFORE.search(text, max(0, s - 40), s)]
            for m in found:
                if m is None:
                    continue
                start, end = m.span(1)
                if self._person_ok(text, start, end, {}) and (
                    _known_name(text[start:end]) or _proper_noun(doc, start, end)
                ):
                    out.append((start, end, 0.7))
        return out

    def _part_ok(self, text: str, doc: Any, start: int, end: int) -> bool:
        """A capitalised word next to a name is another part of it when it is no known
        non-name, place or label and spaCy reads it as a proper noun or a person."""
        word = text[start:end].lower().strip("'’")
        if word in _NOT_NAMES or word in _STATES or text_is_acronym(text[start:end]):
            return False
        if word in _PLACE_FIRST or _THING_LAST.match(word):
            return False
        if _PRODUCT_WORDS.match(text, end) or _GLUED_AFTER.match(text, end):
            return False
        if doc is None:
            return True
        span = doc.char_span(start, end, alignment_mode="expand")
        if span is None or any(t.ent_type_ in _THING_LABELS for t in span):
            return False
        return span[0].pos_ == "PROPN" or any(t.ent_type_ == "PERSON" for t in span)

    def _grow(
        self, text: str, doc: Any, start: int, end: int, score: float
    ) -> tuple[int, int, float]:
        """The span widened over name parts on either side (at most two each way), so a
        surname is not left beside a masked first name."""
        for _ in range(2):
            m = _NEXT_PART.match(text, end)
            if not m or not self._part_ok(text, doc, *m.span(1)):
                break
            end = m.end(1)
        for _ in range(2):
            m = _PREV_PART.search(text, max(0, start - 40), start)
            if not m or not self._part_ok(text, doc, *m.span(1)):
                break
            start = m.start(1)
        return start, end, score


def _known_name(value: str) -> bool:
    """A capitalised candidate whose first word is on the name gazetteer (no state or
    non-name word): "Caoimhe", "Sung-min Park" (surname known), not "Virginia"."""
    words = value.split()
    if not words or any(w.lower() in _STATES or w.lower() in _NOT_NAMES for w in words):
        return False
    return any(in_gazetteer(w) for w in words) and not text_is_acronym(value)


def _caps_name(value: str) -> bool:
    """An ALL-CAPS run reads as a name when every word is on the gazetteer, the first as a
    given name and the last as a surname ("DEV PRAKASH SHARMA", not "JORDAN SNEAKERS")."""
    words = value.split()
    if len(words) < 2 or any(len(w) < 2 or w.lower() in _NOT_NAMES for w in words):
        return False
    if any(w.lower() in _STATES for w in words):
        return False
    return (
        in_gazetteer(words[0], "first")
        and in_gazetteer(words[-1], "last")
        and all(in_gazetteer(w) for w in words)
    )


def _plain_name_words(doc: Any, text: str, start: int, end: int) -> bool:
    """Words a cue offers as a name, in any case, that are no known non-name and that spaCy
    does not read as a verb, adverb or function word ("the customer, visibly upset, ...")."""
    words = text[start:end].lower().split()
    if end - start < 2 or any(w.strip("'’") in _NOT_NAMES for w in words):
        return False
    if doc is None:
        return True
    span = doc.char_span(start, end, alignment_mode="expand")
    return span is not None and not any(
        t.pos_ in _NOT_NAME_POS and not t.text[0].isupper() for t in span
    )


def _noun_reading(doc: Any, start: int, end: int) -> bool:
    """spaCy reads the word as a noun of any kind, not a verb, adjective or place."""
    if doc is None:
        return True
    span = doc.char_span(start, end, alignment_mode="expand")
    if span is None or len(span) != 1 or text_is_acronym(span.text):
        return False
    tok = span[0]
    # Not ORG or PRODUCT: after a staff role spaCy reads many given names so ("Agnes").
    if tok.ent_type_ in ("GPE", "LOC", "FAC", "NORP", "DATE", "EVENT"):
        return False
    return tok.tag_ in ("NN", "NNS", "NNP", "NNPS")


def _proper_noun(doc: Any, start: int, end: int) -> bool:
    """Capitalised words spaCy reads as proper nouns ("Ahanu"), not "Employee" or "ATM"."""
    if doc is None:
        return True
    span = doc.char_span(start, end, alignment_mode="expand")
    return (
        span is not None
        and not text_is_acronym(span.text)
        and all(t.pos_ == "PROPN" or t.ent_type_ == "PERSON" for t in span)
    )


def _proper_reading(doc: Any, start: int, end: int) -> bool:
    """Lower-case words offered as a name: spaCy tags one a proper noun or a person, and none
    an adjective or a plural ("ximena quispe", not "retired teacher" or "paper statements")."""
    if doc is None:
        return True
    span = doc.char_span(start, end, alignment_mode="expand")
    if span is None or any(t.tag_ in ("JJ", "NNS") and t.text.islower() for t in span):
        return False
    return any(t.tag_ in ("NNP", "NNPS") or t.ent_type_ == "PERSON" for t in span)


def _looks_like_person(doc: Any, start: int, end: int, weak: bool = False) -> bool:
    """A cue's capitalised follower counts if spaCy reads it as a proper noun that is not
    wholly a place (or, after a preposition, wholly any non-person entity)."""
    if doc is None:
        return True
    span = doc.char_span(start, end, alignment_mode="expand")
    if span is None or text_is_acronym(span.text):
        return False
    places = {"GPE", "LOC", "FAC", "NORP", "PRODUCT", "DATE", "EVENT", "LAW", "LANGUAGE"}
    if weak:
        places |= {"ORG", "WORK_OF_ART", "MONEY", "CARDINAL"}
    if all(t.ent_type_ in places for t in span):
        return False
    if weak and any(t.text.lower() in _STATES or text_is_acronym(t.text) for t in span):
        return False
    return any(t.ent_type_ == "PERSON" for t in span) or span[0].pos_ == "PROPN"


# Entity labels that keep a neighbouring word out of a name ("Honda" before "Civic"); GPE
# is not among them, as spaCy's small model reads many unfamiliar surnames as places.
_THING_LABELS = frozenset({"ORG", "FAC", "PRODUCT", "EVENT"})
_DETERMINERS = frozenset("the a an this that these those our your their its".split())


def _modifies_noun(doc: Any, start: int, end: int) -> bool:
    """A capitalised phrase opening a sentence (or after a determiner) and running straight
    into a common noun names a brand or thing: "Marshall amplifiers are on sale", "the
    Aurora Borealis tours"."""
    if doc is None:
        return False
    span = doc.char_span(start, end, alignment_mode="expand")
    if span is None or span.end >= len(doc):
        return False
    after = doc[span.end]
    if after.pos_ != "NOUN" or after.idx != end + 1:
        return False
    if span.start == 0:
        return True
    before = doc[span.start - 1]
    return before.text in (".", "!", "?", ";") or before.lower_ in _DETERMINERS


def _after_place(doc: Any, start: int) -> bool:
    """A PERSON reading glued to a place or company before it is a team or brand ("Denver
    Broncos", "Samsung Pay"), not a person."""
    if doc is None:
        return False
    span = doc.char_span(start, start + 1, alignment_mode="expand")
    if span is None or span.start == 0:
        return False
    before = doc[span.start - 1]
    return before.ent_type_ in ("GPE", "ORG") and before.idx + len(before) + 1 == start


def text_is_acronym(value: str) -> bool:
    return value.isupper() and len(value) > 1


# Cyrillic given names and surnames (Russian, Ukrainian, Bulgarian, Uzbek ...) written the
# way English summaries spell them: "Оксана" -> "oksana", "Назаров" -> "nazarov".
_CYRILLIC = dict(
    zip(
        "абвгдеёжзийклмнопрстуфхцчшщъыьэюяієїґў",
        "a b v g d e e zh z i y k l m n o p r s t u f kh ts ch sh shch _ y _ e yu ya i ye yi g u".split(),
        strict=True,
    )
)
_LATIN = re.compile(r"^[a-zà-öø-ɏḀ-ỿ'’ -]+$")


@lru_cache(maxsize=1)
def gazetteer() -> tuple[frozenset[str], frozenset[str]]:
    """Given names and surnames from Faker's person providers, every locale, lower-case.

    Faker (pinned, MIT, pure Python) keeps first- and last-name lists for ~80 locales in
    its wheel; Latin-script lists are read as they are and Cyrillic ones transliterated,
    so Nordic, Irish, Andean, Nigerian, Indian and Central Asian names are known without a
    download. A hit alone never masks ("Jordan", "Virginia" are on the lists): it only
    confirms a candidate that a person context or the casing rules already offer.
    """
    from faker.providers import person

    first: set[str] = set()
    last: set[str] = set()
    for info in pkgutil.iter_modules(person.__path__):
        module = importlib.import_module(f"{person.__name__}.{info.name}")
        provider = getattr(module, "Provider", None)
        for attr in dir(provider) if provider is not None else ():
            if not attr.startswith(("first_names", "last_names")):
                continue
            values = getattr(provider, attr)
            if not isinstance(values, (tuple, list, dict)):
                continue
            target = first if attr.startswith("first") else last
            for value in values:
                if not isinstance(value, str):
                    continue
                word = value.lower()
                if not _LATIN.match(word):
                    word = "".join(_CYRILLIC.get(c, c) for c in word).replace("_", "")
                    if not _LATIN.match(word):
                        continue
                target.update(p for p in word.split() if len(p) > 1)
    return frozenset(first - _NOT_NAMES), frozenset(last - _NOT_NAMES)


def in_gazetteer(value: str, part: str = "any") -> bool:
    """Whether a word (any case, possessive trimmed) is a known given name or surname."""
    first, last = gazetteer()
    word = _POSSESSIVE.sub("", value.lower())
    if part == "first":
        return word in first
    if part == "last":
        return word in last
    return word in first or word in last
