"""Postal addresses: a street, PO box or postcode core, grown to take in unit, city and code.

A street number with a street-type word (US and UK suffixes, with directionals), a unit or
flat before or after it, a PO box, a German "Straße 5", a French "12 rue ..."; or a UK,
Canadian, Indian or US postcode under an address cue. The span then runs on over ", City",
", ST", a postcode and a country, so the city and postcode are masked with the street.
A place alone ("Austin, Texas") is no address.
"""

from __future__ import annotations

import re

from presidio_analyzer import EntityRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

_SUFFIX = (
    r"(?:Street|St|Avenue|Ave|Av|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Dr|Court|Ct|Way|Wy|"
    r"Place|Pl|Terrace|Ter|Terr|Circle|Cir|Parkway|Pkwy|Highway|Hwy|Square|Sq|Trail|Trl|"
    r"Crescent|Cres|Close|Grove|Gardens|Gdns|Row|Mews|Hill|Loop|Run|Path|Pike|Alley|Aly|"
    r"Plaza|Plz|Expressway|Expy|Freeway|Fwy|Walk|View|Heights|Hts|Point|Pt|Ridge|Crossing|"
    r"Xing|Landing|Marg|Nagar|Cove|Bend|Commons|Glen|Hollow|Meadow|Meadows|Pass|Brook|"
    r"Estates|Turnpike|Tpke|Causeway|Wharf|Quay|Rise|Esplanade|Broadway|Center|Centre|"
    r"Parade|Pde|Promenade|Embankment)"
)
_DIRECTION = (
    r"(?:N|S|E|W|NE|NW|SE|SW|North|South|East|West|Northeast|Northwest|Southeast|Southwest)"
)
_NAME_WORD = r"(?:[A-Z][\w'’.-]*|\d+(?:st|nd|rd|th)|[A-Z]\.)"
# Unit words, also typed in lower case ("unit 2, 33 Ring Road"), and Plot / apto abroad.
_UNIT = (
    r"(?:Apt|Apartment|Suite|Ste|Unit|Flat|Fl|Floor|Room|Rm|Bldg|Building|Block|Lot|Space|"
    r"Plot|apt|apartment|suite|unit|flat|apto|Apto|#)"
)
_UNIT_VALUE = r"\.?\s*(?:No\.?\s*)?#?\s*[A-Z0-9][\w-]{0,5}"
_STATE_CODES = (
    r"(?:AL|AK|AZ|AR|CA|CO|CT|DE|DC|FL|GA|HI|ID|IL|IN|IA|KS|KY|LA|ME|MD|MA|MI|MN|MS|MO|MT|NE|"
    r"NV|NH|NJ|NM|NY|NC|ND|OH|OK|OR|PA|RI|SC|SD|TN|TX|UT|VT|VA|WA|WV|WI|WY|PR|"
    r"ON|QC|BC|AB|MB|SK|NS|NB|NL|PE|YT|NT|NU)"
)
_STATE_NAMES = (
    r"(?:Alabama|Alaska|Arizona|Arkansas|California|Colorado|Connecticut|Delaware|Florida|"
    r"Georgia|Hawaii|Idaho|Illinois|Indiana|Iowa|Kansas|Kentucky|Louisiana|Maine|Maryland|"
    r"Massachusetts|Michigan|Minnesota|Mississippi|Missouri|Montana|Nebraska|Nevada|"
    r"New Hampshire|New Jersey|New Mexico|New York|North Carolina|North Dakota|Ohio|Oklahoma|"
    r"Oregon|Pennsylvania|Rhode Island|South Carolina|South Dakota|Tennessee|Texas|Utah|"
    r"Vermont|Virginia|Washington|West Virginia|Wisconsin|Wyoming|Ontario|Quebec|"
    r"British Columbia|Alberta|Manitoba|Nova Scotia|Maharashtra|Karnataka|Tamil Nadu|"
    r"Kerala|Delhi|Bavaria|Bayern|England|Scotland|Wales)"
)
_UK_POSTCODE = r"(?:GIR\s?0AA|[A-Z]{1,2}\d[A-Z\d]?\s?\d[A-Z]{2})"
_CA_POSTCODE = r"(?:[ABCEGHJ-NPRSTVXY]\d[ABCEGHJ-NPRSTV-Z]\s?\d[ABCEGHJ-NPRSTV-Z]\d)"
_EIRCODE = r"(?:[AC-FHKNPRTV-Y]\d{2}|D6W)\s?[AC-FHKNPRTV-Y0-9]{4}"
_POSTCODE = rf"(?:\d{{5}}(?:-\d{{4}}|-\d{{3}})?|{_UK_POSTCODE}|{_CA_POSTCODE}|{_EIRCODE}|\d{{3}}\s?\d{{3}}|\d{{4}})"
_COUNTRY = (
    r"(?:USA|U\.S\.A?\.?|United States|US|UK|United Kingdom|Canada|Germany|Deutschland|"
    r"India|France|Ireland|Australia|Mexico|Spain|Italy|Netherlands|England|Scotland|Wales|"
    r"Northern Ireland|New Zealand|South Africa|Nigeria|Kenya|Ghana|Uganda|Tanzania|Japan|"
    r"Brazil|Brasil|Malaysia|Singapore|Philippines|Belgium|Switzerland|Austria|Portugal|"
    r"Poland|Sweden|Norway|Denmark|Finland)"
)
# A place of up to four words, with particles between them ("Stratford-upon-Avon", "Dar es
# Salaam"). Bounded and unambiguous: a run of capitalised words ("ABC DEF ABC ...") must not
# make the city-and-code patterns backtrack without end (it took 55 s on 4,000 characters).
_PARTICLE = r"(?:upon|on|de|la|le|am|an|der|es|el|al|do|da|di|du)"
_PLACE_WORD = r"[A-Z][\w'’.]*(?:-[A-Z][\w'’.]*){0,3}"  # "Saint-Denis", "Aix-En-Provence"
_PLACE = (
    rf"{_PLACE_WORD}(?:(?: (?:{_PARTICLE} ){{0,2}}|-(?:{_PARTICLE}-){{1,2}}){_PLACE_WORD}){{0,3}}"
)
_NOT_PLACE = (
    r"(?!(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|January|February|March|"
    r"April|June|July|August|September|October|November|December|Today|Tomorrow|Please|"
    r"Thanks|The|She|He|They|We|I|It|Customer|Agent|Caller)\b)"
)
# The city after a continental postcode ("80336 München", "13002 Marseille").
_CODE_CITY = r"(?:\s+[A-ZÀ-Ý][\w'’-]+(?:\s[A-ZÀ-Ý][\w'’-]+)?)"

_STREET = (
    rf"(?:(?:{_UNIT}{_UNIT_VALUE}),?\s+)?"  # Flat 4B, ...
    rf"(?:(?:Plot|Lot|Stand|Erf|House)\s+)?"  # "Plot 5, Kololo Hill Drive"
    rf"\d{{1,6}}[A-Za-z]?(?:[-/]\d{{1,5}}[A-Za-z]?)?,?\s+"
    rf"(?:{_DIRECTION}\.?\s+)?(?:{_NAME_WORD}\s+){{0,4}}?{_SUFFIX}\b\.?"
    rf"(?:\s+{_SUFFIX}\b\.?)?"  # "Ocean View Rd": a suffix word inside the name
    rf"(?:\s+(?:{_DIRECTION}|Central|Extension)\b\.?)?"
)
_POBOX = (
    r"(?i:\b(?:(?:RR|R\.R\.|Rural\s+Route|HC|Star\s+Route)\s*\d{1,4},?\s+)?"
    r"(?:P\.?\s?O\.?\s?Box|Post\s+Office\s+Box|PO\s+Box|POB|Box|Apartado(?:\s+de\s+Correos)?|"
    r"Apdo\.?|Caixa\s+Postal|Postfach|Casella\s+Postale)\s*#?\s*\d{1,7})"
)
_DE_STREET = (
    r"\b[A-ZÄÖÜ][\wäöüß-]*(?:straße|strasse|str\.|weg|allee|platz|gasse|ring|damm|ufer)"
    r"\s+\d{1,4}[a-z]?"
)
_FR_STREET = (
    r"(?i:\b\d{1,4}(?:\s?(?:bis|ter))?,?\s+(?:rue|avenue|av\.|boulevard|bd|place|chemin|"
    r"allée|impasse|quai|route|cours)\s+(?:(?:de|du|des|la|le|l'|d')\s*)*)"
    r"[A-ZÀ-Ý][\w'’-]+(?:[ -][A-ZÀ-Ý][\w'’-]+){0,3}"
)
_ROUTE = (
    r"\d{1,6}\s+(?:County\s+Road|County\s+Rd|State\s+Route|Route|Rte|Highway|Hwy|"
    r"Farm\s+to\s+Market\s+Road|FM|Rural\s+Route|RR)\s+\d{1,5}[A-Z]?"
)
_DE_NUMBER_FIRST = (
    r"\d{1,4}[a-z]?\s+[A-ZÄÖÜ][\wäöüß-]*(?:straße|strasse|str\.|weg|allee|platz|gasse|damm|ufer)\b"
)
_DE_HYPHEN = (
    r"\d{1,6}[a-z]?\s+[A-ZÄÖÜ][\wäöüß-]*-(?:Allee|Straße|Strasse|Weg|Platz|Ring|Damm|Gasse|Ufer)"
)
_ES_STREET = (
    # A house number may come first, as in Malaysia: "19 Jalan Telawi 3".
    r"(?:\b\d{1,5}[A-Za-z]?,?\s+)?"
    r"\b(?:Calle|Avenida|Av\.|Rua|Via|Viale|Carrer|Paseo|Praça|Plaza|Piazza|Corso|Largo|"
    r"Travessa|Camino|Carretera|Jalan|Jln\.?|Lorong|Persiaran)\s+(?:[\w'’.-]+\s+){0,4}?\d{1,5}[A-Za-z]?"
)
# Nordic and Dutch streets, name then number: "Storgata 14", "Kungsgatan 22", "Keizersgracht 5".
_NORDIC_STREET = (
    r"\b[A-ZÆØÅÄÖÜ][\wæøåäöüéß-]*(?:gata|gatan|gate|gaten|gade|vegen|veien|vei|veg|vägen|väg|vej|"
    r"stræde|torget|torg|straat|laan|gracht|kade|plein|katu|tie|polku|kuja)\s+\d{1,4}[A-Za-z]?"
)
_PARTICLE_WORD = r"(?:de|la|le|van|der|den|di|del|da|von|am|an|do|dos|das|du|des)"
# Any "Name 14, 0184 City" form: a street name and number, then a 4- or 5-digit postcode and
# its city, as most of continental Europe writes it.
_EU_STREET_CODE = re.compile(
    rf"\b{_NOT_PLACE}(?!(?:Version|Order|Ticket|Case|Chapter|Page|Step|Room|Item|Model|Build|"
    rf"Invoice|Flight|Gate|Seat|Platform|Level|Size|Series|Part|Article|Section)\b)"
    rf"[A-ZÀ-Þ][\w'’.-]+(?:\s+(?:[A-ZÀ-Þ][\w'’.-]+|{_PARTICLE_WORD})){{0,3}}\s+\d{{1,4}}[A-Za-z]?,"
    r"\s*\d{4,5}\s+[A-ZÀ-Þ][\w'’-]+(?:[ -][A-ZÀ-Þ][\w'’-]*)?(?=\s*(?:[,.;!?)]|$))"
)
_UNIT_AFTER = rf"(?:,?\s+{_UNIT}{_UNIT_VALUE}\b)"
_TAIL = (
    rf"(?:{_UNIT_AFTER})?"
    # Districts and cities set off by commas ("Ngong Road, Nairobi,", "Ikeja, Lagos.").
    rf"(?:,\s+{_NOT_PLACE}{_PLACE}(?=\s*(?:[,;!?)]|\.(?:\s|$)|$))|"
    rf",\s+{_NOT_PLACE}{_PLACE}(?=,?\s+(?:{_EIRCODE}|{_UK_POSTCODE}|{_CA_POSTCODE})\b))"
    rf"{{0,3}}"
    rf"(?:,?\s+(?:{_PLACE})(?=,?\s+(?:{_STATE_CODES}\b|{_STATE_NAMES}\b|{_POSTCODE}\b)))?"
    rf"(?:,?\s+(?:{_STATE_CODES}|{_STATE_NAMES})\b)?"
    rf"(?:,?\s+{_POSTCODE}\b(?:(?<=\d)(?<!\d{{5}}-\d{{4}}){_NOT_PLACE}{_CODE_CITY})?)?"
    rf"(?:,?\s+(?:{_PLACE})(?=\s*(?:[.;!?)]|$|,\s+{_COUNTRY}\b)))?"
    rf"(?:,\s*\d{{4,5}}\s+[A-ZÀ-Ý][\w'’-]+(?:[ -][A-ZÀ-Ý][\w'’-]+)?)?"
    rf"(?:,\s+Dublin\s+\d{{1,2}}W?\b)?"  # Dublin's postal districts: "Dublin 4", "Dublin 6W"
    rf"(?:,\s+{_COUNTRY}\b)?"
)
_CORE = re.compile(
    rf"(?:(?:{_UNIT}{_UNIT_VALUE}|\d+(?:st|nd|rd|th)\s+floor),?\s+)?"
    rf"(?:{_ROUTE}|{_STREET}|{_POBOX}|{_DE_STREET}|{_DE_NUMBER_FIRST}|{_DE_HYPHEN}|{_FR_STREET}|"
    rf"{_ES_STREET}|"
    rf"{_NORDIC_STREET}|General\s+Delivery\b){_TAIL}"
)
# Comma-separated parts ending in a postcode: Indian, Japanese, Brazilian, German forms.
_SEGMENT = r"[A-Z0-9][\w'’.-]*(?:\s+[\w'’.-]+){0,3}?"
_LIST = re.compile(
    rf"(?:\b(?:No\.|Plot|House|H\.?\s?No\.?|Door|Flat|Shop|Unit|Block|(?:P\.?\s?O\.?\s?)?Box)"
    rf"\s*\d+(?:[-/]\d+)*[A-Z]?|"
    rf"(?<![\w-])\d+[-/\d]*[A-Z]?\s+[A-Z][\w'’-]*(?:\s+[A-Z][\w'’-]*){{0,3}}|"
    # A block-lettered house number opening the list: "C-42, Defence Colony, New Delhi".
    rf"(?<![\w-])[A-Z]{{1,2}}-\d{{1,4}}[A-Z]?(?=,))"
    rf"(?:(?:,\s*{_SEGMENT}){{1,5}},?\s*|,\s*)"
    rf"(?:\d{{6}}|\d{{3}}\s\d{{3}}|\d{{3}}-\d{{4}}|\d{{5}}-\d{{3}}|\d{{5}}(?:-\d{{4}})?|"
    rf"{_UK_POSTCODE}|{_CA_POSTCODE}|{_EIRCODE})\b"
    rf"(?:(?<=\d){_NOT_PLACE}{_CODE_CITY}(?=\s*(?:[,.;!?)]|$)))?"
    rf"(?:,\s+{_COUNTRY}\b)?"
)
_LOWER = re.compile(
    rf"(?i)\b\d{{1,6}}\s+(?:[a-z0-9]+\s+){{1,3}}?{_SUFFIX}\b\.?"
    rf"(?:,?\s+(?:apt|unit|suite|ste|#)\.?\s*#?\w+)?(?:,?\s+[a-z]+){{1,3}}?,?\s+"
    # US and Canadian state codes with a ZIP, or an Australian state with its 4-digit code.
    rf"(?:{_STATE_CODES},?\s+\d{{5}}(?:-\d{{4}})?|(?:NSW|VIC|QLD|WA|SA|TAS|ACT|NT),?\s+\d{{4}})\b"
)
# A postcode with its city, or a code under an address cue.
_CITY_CODE = re.compile(
    rf"\b(?:{_PLACE}),?\s+(?:{_STATE_CODES}\s+\d{{5}}(?:-\d{{4}})?|{_UK_POSTCODE}|{_CA_POSTCODE}|"
    rf"{_EIRCODE})\b(?:,\s+{_COUNTRY}\b)?"
    rf"|\b\d{{5}}\s+(?:{_PLACE})(?=\s*(?:[.,;!?)]|$))"
    rf"|\b[A-Z][a-z]+(?:\s[A-Z][a-z]+)?\s*[-–]\s*\d{{3}}\s?\d{{3}}\b"
)
_BARE_CODE = re.compile(rf"\b(?:{_UK_POSTCODE}|{_CA_POSTCODE})\b")
_CODE_CUE = re.compile(
    r"(?i)\b(?:zip|zip\s+code|postcode|postal\s+code|post\s+code|pin\s+code)\s*(?:is|was|:)?\s*"
    r"(\d{5}(?:-\d{4})?|\d{6}|\d{3}\s\d{3}|" + _UK_POSTCODE + "|" + _CA_POSTCODE + r")\b"
)
_CUE_BEFORE = re.compile(
    r"(?i)\b(?:address|ship(?:ped|ping)?\s+to|deliver(?:ed|y)?\s+to|mail(?:ed)?\s+to|"
    r"lives?\s+at|living\s+at|moved\s+to|located\s+at|billing|shipping|mailing|residence)\b"
)


# A street named without a number after a residence cue ("lives on Elm Street").
_LIVES_ON = re.compile(
    rf"(?i:\b(?:lives?|living|located|moved|moving|resides?|residing|stays?)\s+(?:on|at|to)\s+)"
    rf"((?:{_NAME_WORD}\s+){{1,3}}{_SUFFIX}\b\.?)"
)


_COUNT_ONLY = re.compile(rf"\d+\s+{_SUFFIX}\.?")
_BOX = re.compile(r"(?i)box\s*#?\s*\d")
_JOIN = re.compile(r"[,\s]*")
_HAS_DIGIT = re.compile(r"\d")
_HAS_UPPER = re.compile(r"[A-Z]")
# A sentence's full stop after a city is not part of the address; "St." and "Ave." are.
_FULL_STOP = re.compile(r"(?<=[^\W\d_]{4})\.$")


class AddressRecognizer(EntityRecognizer):
    """ADDRESS spans from street, PO box and postcode cores, city and code included."""

    def __init__(self) -> None:
        super().__init__(supported_entities=["ADDRESS"], name="Address")

    def load(self) -> None:
        pass

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        out: list[tuple[int, int, float]] = []
        for m in _LIST.finditer(text):
            out.append((m.start(), m.end(), 0.92))
        for m in _LOWER.finditer(text):
            out.append((m.start(), m.end(), 0.9))
        for m in _CORE.finditer(text):
            value = m.group(0)
            # "3 Drive" or "2 Way" alone reads like a count; a street needs a name word.
            if _COUNT_ONLY.fullmatch(value):
                continue
            if _BOX.match(value) and not _CUE_BEFORE.search(
                text[max(0, m.start() - 40) : m.start()]
            ):
                continue
            out.append((m.start(), m.end(), 0.92))
        for m in _EU_STREET_CODE.finditer(text):
            country = re.match(rf",\s+{_COUNTRY}\b", text[m.end() :])
            out.append((m.start(), m.end() + (country.end() if country else 0), 0.9))
        for m in _CITY_CODE.finditer(text):
            out.append((m.start(), m.end(), 0.88))
        for m in _BARE_CODE.finditer(text):
            if _HAS_DIGIT.search(m.group(0)) and _HAS_UPPER.search(m.group(0)):
                out.append((m.start(), m.end(), 0.6))
        for m in _LIVES_ON.finditer(text):
            out.append((*m.span(1), 0.8))
        for m in _CODE_CUE.finditer(text):
            out.append((*m.span(1), 0.75))
        # Parts of one address found by different patterns join into one span.
        merged: list[list[float]] = []
        for start, end, score in sorted(out):
            if merged and _JOIN.fullmatch(
                text[int(merged[-1][1]) : start] if start > merged[-1][1] else ""
            ):
                merged[-1][1] = max(merged[-1][1], end)
                merged[-1][2] = max(merged[-1][2], score)
            else:
                merged.append([start, end, score])
        return [
            RecognizerResult(
                "ADDRESS", int(s), int(e) - bool(_FULL_STOP.search(text, 0, int(e))), sc
            )
            for s, e, sc in merged
        ]
