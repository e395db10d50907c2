"""Word lists for the grounding check, written for call-center summaries.

- ``STOP`` and ``NEGATION``: function words, and the cues that flip what follows.
- ``LIGHT``: the vocabulary a summary uses *about* a call ("the agent explained the issue"),
  which is evidence of nothing, so it weighs little when the call words it otherwise.
- ``PROCEDURAL``: what a courtesy sentence is made of ("The agent thanked the customer and
  ended the call."); a sentence of nothing else states no fact and is not scored.
- ``KEY``: words a one-word change turns into a different claim (a product, a role, an
  outcome, a remedy, a promise); one absent from the call is a fact the call does not state.
- ``SYNONYMS``: groups a paraphrase moves between ("reimbursed" for "refunded"); every word
  of a group compares as the group's first word.
"""

from __future__ import annotations

import re

import snowballstemmer

_stemmer = snowballstemmer.stemmer("english")


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


SYNONYMS: tuple[str, ...] = (
    "refund refunds refunded reimburse reimbursed reimbursement repay repaid",
    "order orders ordered purchase purchased purchases buy bought",
    "item items product products merchandise goods",
    "package packages parcel parcels shipment shipments",
    "arrive arrived arrival arrives deliver delivered delivery deliveries receive received get got",
    "ship shipped shipping send sent mail mailed dispatch dispatched",
    "damaged damage broken cracked crack defective faulty malfunctioning shattered",
    "discount discounts reduction markdown",
    "promo promotion promotional coupon voucher",
    "frustrated frustration upset angry annoyed irritated exasperated aggravated mad unhappy "
    "displeased disappointed dissatisfied",
    "happy pleased satisfied glad delighted relieved content",
    "grateful thankful appreciative",
    "help helped assist assisted support supported aid",
    "verify verified verification authenticate authenticated validate validated",
    "problem problems issue issues trouble difficulty difficulties",
    "glitch glitches error errors bug bugs outage malfunction",
    "charge charged charges fee fees cost costs price bill billed",
    "pay paid payment payments",
    "expedite expedited rush rushed prioritize prioritized prioritise prioritised upgrade upgraded",
    "follow callback",
    "carrier courier",
    "website site online web",
    "customer caller client shopper buyer",
    "agent representative rep associate advisor",
    "cancel cancelled canceled cancellation terminate terminated",
    "approve approved approval authorize authorized grant granted",
    "deny denied denial reject rejected decline declined refuse refused",
    "replace replaced replacement replacements",
    "wrong incorrect",
    "delay delayed late",
    "quick quickly fast promptly soon swift",
    "email emails e-mail",
    "password passcode otp",
    "headphones headphone headset earphones earbuds",
    "tv television",
    "phone smartphone cellphone",
    "couch sofa",
    "bike bicycle",
    "fridge refrigerator",
    "sneakers shoes",
    "hold wait waited waiting",
    "talk speak spoke spoken",
    # Fixing a glitch is resolving it; a repair outcome stays checked against replace/refund.
    "fix fixed fixing repair repaired resolve resolved resolution solution sort sorted",
    "free complimentary",
    "start begin initiate initiated started began",
    "finish complete completed finished",
    "return returns returned",
    "mistake error",
    "extra additional",
    "connection connections line lines signal reception",
    "expire expired expiry expiration",
    "succeed succeeded success successful successfully",
    "arrange arranged schedule scheduled",
    "option options choice choices choose chose chosen select selected prefer preferred pick",
    "store shop location outlet",
    "poor bad spotty choppy weak terrible",
    "unsure uncertain confused",
    "try tried retry retried attempt attempted",
    "add added apply applied",
    "flag flagged mark marked",
    "neighbor neighbors neighbour neighbours",
    "apologize apologized apologise apologised",
    "recognize recognized recognise recognised",
    "realize realized realise realised",
    "authorize authorized authorise authorised",
    "organize organized organise organised",
    "jewelry jewellery",
    "color colour",
    "favor favour",
    "behavior behaviour",
    "center centre",
    "january jan",
    "february feb",
    "march mar",
    "april apr",
    "june jun",
    "july jul",
    "august aug",
    "september sep sept",
    "october oct",
    "november nov",
    "december dec",
    "monday mon",
    "tuesday tue tues",
    "wednesday wed",
    "thursday thu thur thurs",
    "friday fri",
)


# Multi-word paraphrases, rewritten before tokenising (case-insensitive, whole words).
PHRASES: tuple[tuple[str, str], ...] = (
    (
        r"free of charge|at no (?:additional |extra )?(?:cost|charge)(?: to (?:you|them|him|her))?"
        r"|without (?:any )?(?:cost|charge)|for free|complimentary|on the house|free",
        "free",
    ),
    (r"(\d+(?:\.\d+)?)\s*(?:%|percent|per cent)\s+off\b", r"\1 percent discount"),
    (r"(\d+(?:\.\d+)?)\s*%", r"\1 percent"),
    (r"\$\s?(\d+(?:\.\d+)?)", r"\1 dollars"),
    (r"bucks|usd", "dollars"),
    (r"money back", "refund"),
    (r"half an hour|half-hour", "30 minutes"),
    # "due the following day" is the next day; "a refund to follow", "an email would follow",
    # "hard to follow" say later or understand, not a follow-up (run before the callback rule).
    (r"(?:on |by )?the following (?:day|morning)", "nextday"),
    (r"(?<=\bhard )to follow|(?:to|would|will|should) follow(?![- ]up)", "later"),
    # "Following verification, ..." is "after", not a follow-up.
    (r"following(?= (?:the|a|an|his|her|their|this|that|verification|confirmation)\b)", "after"),
    (r"(\d+(?::\d\d)?)\s*(?:[ap]\.m\.|[ap]m)(?!\w)", r"\1"),  # "8 PM", "8 p.m." = "8"
    (r"phone numbers?|telephone numbers?|contact numbers?", "number"),
    (
        r"return(?:s|ed|ing)? to ((?:the )?(?:checkout|cart|page|site|website|screen|app))",
        r"go back to \1",
    ),
    (r"(?:exchanged|exchanging) thanks|thanks were exchanged", "thanked"),
    (r"\bin full\b|\bfull of\b", ""),
    (r"(?:go|goes|went|gone|going) through", "succeeded"),
    (r"show(?:s|ed)? up|turn(?:s|ed)? up", "arrived"),
    (
        r"call(?:s|ed)? (?:you |them |him |her )?back|call-?back|follow(?:s|ed)?[- ]up"
        r"|check(?:s|ed)? in",
        "follow",
    ),
    (r"store credit", "credit"),
    # Calling in is no product: "phoned" / "rang" / "over the phone" read as the call.
    (r"phoned|phoning|rang", "called"),
    (r"(?:over|by|on) the phone|by phone", "on the call"),
    (r"shipping company|delivery company|shipping carrier", "carrier"),
    (r"promo(?:tional)? code|coupon code|discount code", "promo code"),
    (r"business days?|working days?", "days"),
    # When it happens, one token each: checked against the call near the sentence.
    (r"next[- ]day|overnight|tomorrow|by the following day", "nextday"),
    (r"same[- ]day|later today|by today|this afternoon|this evening", "sameday"),
    (r"right away|straight away|immediately|instantly|at once|on the spot", "immediately"),
)


def _canonical() -> dict[str, str]:
    table: dict[str, str] = {}
    for group in SYNONYMS:
        words = group.split()
        head = _stemmer.stemWord(words[0])
        for w in words:
            table.setdefault(w, head)
            table.setdefault(_stemmer.stemWord(w), head)
    return table


CANONICAL = _canonical()


def canonical_stem(word: str) -> str:
    """Snowball's stem of a lower-case word, folded onto its synonym group's."""
    s = _stemmer.stemWord(word)
    return CANONICAL.get(word, CANONICAL.get(s, s))


def _stems(text: str) -> frozenset[str]:
    return frozenset(canonical_stem(w) for w in text.split())


STOP = _words(
    """
itself himself herself themselves myself yourself ourselves
a an the and or if of to in on at by for with about as is are was were be been being it its
this that these those i you he she they we me him her them my your his their our us there here
from into out up down over under again then than so very can could would should will shall may
might must do does did done doing have has had having yes ok okay oh um uh hmm ah well also
just such some any each every both all own same other another which who whom whose what when
where why how too more most much many lot lots am im ive id ill youre hes shes theyre weve
whats thats theres via per upon off onto within during before after because since until till
through while s t d ll re ve let lets like even only still already yet ever quite rather
really actually maybe perhaps please sure right thing things something anything everything way
"""
)

NEGATION = _words("not no never nothing none nobody nor neither without cannot unable nowhere")

MONTHS = _words(
    "january february march april may june july august september october november december "
    "jan feb mar apr jun jul aug sep sept oct nov dec"
)
WEEKDAYS = _words(
    "monday tuesday wednesday thursday friday saturday sunday mon tue tues wed thu thur thurs fri"
)
TIME_WORDS = (MONTHS | WEEKDAYS | _words("today tonight tomorrow yesterday weekend")) - _words(
    "may"
)  # "may" is a verb far more often than the month
MONTH_STEMS = _stems(" ".join(MONTHS))
TIME_STEMS = _stems("day days week weeks month months year years hour hours minute minutes")

_PRODUCTS = """
laptop laptops computer computers desktop notebook tablet tablets ipad phone phones smartphone
cellphone headphones headphone headset earbuds earphones speaker speakers soundbar monitor
monitors tv television camera cameras printer printers keyboard charger cable cables
battery batteries smartwatch console router modem blender toaster microwave vacuum
refrigerator fridge freezer dishwasher washer dryer oven stove kettle grinder mixer juicer
espresso coffee maker sweater sweaters shirt shirts jacket jackets dress dresses shoes shoe
sneakers boots sandals pants jeans coat hoodie scarf hat gloves bag bags backpack handbag
purse wallet jewelry necklace bracelet earrings toy toys furniture chair chairs sofa
couch desk mattress pillow blanket lamp rug curtains bike bicycle scooter drone appliance
subscription membership warranty insurance software screen lens cord mower grill tent
stroller crib perfume cosmetics makeup skincare shampoo vitamins supplements cookware knife
knives sunglasses sleeve adapter dock tripod
"""
_ROLES = """
supervisor manager technician specialist engineer courier driver department team husband wife
daughter son mother father mom dad sister brother boss colleague coworker neighbor neighbour
grandmother grandfather child children kids lawyer landlord
"""
_OUTCOMES = """
deny denied denial reject rejected rejection decline declined refuse refused refusal cancel
cancelled canceled cancellation refund refunded replacement replace replaced exchange exchanged
repair repaired credit credited voucher coupon discount gift free waive waived fee fees full
partial expedite expedited downgrade escalate escalated transfer transferred
damaged damage cracked crack broken defective faulty missing wrong late delayed delay lost
stolen twice double overcharged duplicate return returned returns subscribe unsubscribe renew
renewed reinstate reactivate deactivate suspend suspended lock locked unlock unlocked reset
compensation compensate promo
promotion promotional label prepaid shipping overnight express priority arrive deliver receive
"""
KEY_STEMS = _stems(_PRODUCTS + _ROLES + _OUTCOMES)
ITEM_STEMS = _stems(_PRODUCTS + _ROLES)  # things and people; the rest are outcome words
# A decision the call reports: a positive word is supported by any positive word of the call
# ("approved" by "we can initiate a full refund"), but not where the call says it was denied.
# "accept" is the customer's word as often as the company's ("which the caller accepted").
POSITIVE_OUTCOME = _stems("approve grant authorize agree honor allow")
NEGATIVE_OUTCOME = _stems("deny reject decline refuse")
REFUSAL = re.compile(
    r"\b(?:can(?:no|'|\u2019)?t|cannot|could(?:n'|n\u2019| no)t|unable|not able|won'?t be able"
    r"|not possible|isn'?t possible|(?:I'?m|I am) afraid|not eligible|ineligible|invalid"
    r"|(?:has|had|have) expired|no longer (?:valid|available)|not (?:allowed|permitted))\b",
    re.IGNORECASE,
)
GRANTED = _stems("approve grant authorize")  # the company's yes, not the customer's

LIGHT_STEMS = _stems(
    """
customer customers caller client agent representative rep call called calls calling phone
contact contacted explain explained ask asked want wanted need needed request requested say
said tell told mention mentioned note noted state stated discuss discussed describe described
provide provided inform informed advise advised assure assured reassure reassured apologize
apologized apology thank thanked help helped assist assisted support supported issue issues
problem problems concern concerns situation experience matter process processed handle handled
able detail details information inquiry question questions regarding conversation summary
overall express expressed feel felt seem seemed appear appeared make made take took give gave
get got go went come came use used know knew think thought look looked check checked find
found start started begin began end ended close closed conclude concluded wrap try tried work
worked well sure update updated confirm confirmed time times one going clear clearly able
information reason offer offered agree agreed accept accepted usual usually normal normally
typical typically general generally eventual eventually reluctant reluctantly initial
initially first finally instead immediately shortly see saw set read move moved due long
earlier response big possible impossible able available unavailable promise promised brief
briefly whole around away further somewhat simple simply put company
suggest suggested propose proposed recommend recommended report reported respond responded
reply replied acknowledge acknowledged admit admitted share shared remain remained listen
listened walk walked guide guided outline outlined
"""
    # Narration: how a summary tells the call (who felt, noticed or went on to do what), not
    # what the call states; a paraphrase brings these words in without adding a fact.
    + """
complain complained complaint despite although several later earlier sooner soon whether
remember remembered remind reminded direct directed directions open opened add added allow
allowed insist insisted insistence repeat repeated bring brought spend spent small little
struggle struggled consult consulted suspect suspected judge judged judging realize realized
notice noticed discover discovered learn learned wonder wondered seek sought press pressed
deal dealt anyway apparent apparently plenty length side outside close closer fast faster slow
slower left leave manage managed plan planned hope hoped worry worried anxious relief relieved
review reviewed investigate investigation trace traced determine determined identify identified
establish established include included including involve involved regard regarding step steps
case hassle trouble difficulty arrangement arrangements outcome result reason cause caused
point pointed clarify clarified emphasize emphasized stress stressed insist keen willing
prompt prompted lead led result resulted turn turned instead meantime meanwhile throughout
"""
)
PROCEDURAL_STEMS = LIGHT_STEMS | _stems(
    """
greet greeted welcome welcomed goodbye farewell wish wished pleasant courteous polite politely
friendly warm warmly empathetic empathy calm calmly reassurance understanding understood
sympathy sympathized patience patient patiently sincere sincerely rest nice great wonderful
pleasure appreciate appreciated appreciation grateful gratitude thanks day professional
professionally kind kindly kindness cooperation tone satisfaction hold wait waiting loyal
praise praised compliment complimented warm
loyalty valued value verify verified verification identity account security secure
"""
)
COMMON_CAPITALS = _words("i mr mrs ms dr english oktank") - frozenset({"oktank"})
# Scope words a summary may overstate ("all future purchases" for a one-time code).
QUANTIFIERS = _words(
    "all every each always any entire whole only both either never forever permanent "
    "permanently future unlimited lifetime nextday sameday immediately"
)
AGENT_WORDS = _words("agent representative rep")
# Choosing is the customer's part even where the agent says "I can offer you two options":
# who chose is no actor claim to check against the call's "I".
CHOICE = _stems("choose option select prefer pick opt decide")
# Neighbouring words (WordNet-style "see also", not synonyms): a key word of a sentence whose
# neighbour the call uses is no new fact, only a looser word. Symmetric.
_RELATED_GROUPS = (
    "charge pay transaction",
    "damage dent dented scratch scratched scuffed crush crushed",
    "wrong problem",
    "miss forgot forget overlook overlooked",
    "twice double duplicate",
)


def _related() -> dict[str, frozenset[str]]:
    table: dict[str, set[str]] = {}
    for group in _RELATED_GROUPS:
        stems = {canonical_stem(w) for w in group.split()}
        for s in stems:
            table.setdefault(s, set()).update(stems - {s})
    return {k: frozenset(v) for k, v in table.items()}


RELATED = _related()
# Steps both sides take in a call (the customer orders and ships back, the agent orders and
# ships a replacement; either can turn a request down): no actor claim.
SHARED_ACTIONS = _stems("order ship send mail return deny expect restore")
# A summary's "chose / opted for / went with X" (the customer's choice: "the agent agreed to" is
# no choice), and the customer's "I'll go with ...", "... would be great" in a call.
CHOSE = re.compile(
    r"\b(?:cho(?:se|sen|oses?)|opt(?:s|ed)? for|opted|picked|pick(?:s)?|went (?:with|for)|goes with"
    r"|preferred|decided on|settled on|selected|took up)\b",
    re.IGNORECASE,
)
# Where the chosen option's words end: a clause break after the choice.
CHOICE_END = re.compile(
    r"[,.;:!?\u2014]|\b(?:and|which|but|rather|instead|so|because|while|as|since)\b", re.I
)
CHOOSES = re.compile(
    r"\b(?:I'?ll (?:take|go with|go for|do|choose|pick|stick with)|I think I'?ll"
    r"|I guess (?:a|the|that)|let'?s (?:do|go with|go for|try)"
    r"|I(?:'d| would) (?:prefer|rather|like|go with|choose)|I (?:prefer|choose|pick|want the)"
    r"|would be (?:great|best|the easiest|easiest|better|perfect)"
    r"|(?:sounds|seems) (?:good|better|more reasonable|great)|works (?:better|for me)"
    r"|that'?s better|go ahead with)\b",
    re.IGNORECASE,
)
