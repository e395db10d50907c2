"""Negative context and type disambiguation in the PII engine, in fresh phrasing: numbers
that label things, brands and landmarks shaped like names, cue words that name a field or
a tool, and values whose type the neighbouring words decide."""

import pytest

from bedrock_local.guardrail.pii import detect_pii


def found(text: str) -> list[tuple[str, str]]:
    return [(s.type, text[s.start : s.end]) for s in detect_pii(text)]


@pytest.mark.parametrize(
    "text",
    [
        "The waybill 5520 7781 3349 was scanned at the hub.",
        "Her gas meter number 4471902235 was read in March.",
        "Roll the controller back to 2.4.6.8 build before retrying.",
        "The guest network is called CafeNet_5G.",
        "The password manager auto-filled an old entry.",
        "The password was auto-filled by the browser.",
        "Pixel 7 owners report the same fault.",
        "Marshall amplifiers ship from the Leeds depot.",
        "Santa Monica Pier was the pickup point.",
        "Jordan Almonds were left out of the hamper.",
    ],
)
def test_things_that_only_look_like_pii(text: str) -> None:
    assert detect_pii(text) == []


@pytest.mark.parametrize(
    ("text", "etype", "value"),
    [
        ("The account ID for the bank is 5512 8830 17.", "US_BANK_ACCOUNT_NUMBER", "5512 8830 17"),
        ("Bank account ending in 30917 was debited twice.", "US_BANK_ACCOUNT_NUMBER", "30917"),
        ("The Discord name he gave was lanternfish#4410.", "USERNAME", "lanternfish#4410"),
        ("The SMS code she read back was 604 117.", "PASSWORD", "604 117"),
        ("The code in the text message was 7730.", "PASSWORD", "7730"),
        ("I tried logging in as qmorrow but it failed.", "USERNAME", "qmorrow"),
        ("Her login ID, pnakamura, is locked out.", "USERNAME", "pnakamura"),
        ("Her social ends in 8812.", "US_SOCIAL_SECURITY_NUMBER", "8812"),
        ("The card runs until 04/29, she said.", "CREDIT_DEBIT_CARD_EXPIRY", "04/29"),
        ("She read out 552 from the signature strip.", "CREDIT_DEBIT_CARD_CVV", "552"),
        ("Her uncle, 83, lives with her.", "AGE", "83"),
        ("She said she is in her late forties.", "AGE", "forties"),
    ],
)
def test_the_neighbouring_words_decide_the_type(text: str, etype: str, value: str) -> None:
    assert (etype, value) in found(text)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("I was helped by Saoirse earlier today.", "Saoirse"),
        ("The account belongs to Wairimu Njoroge.", "Wairimu Njoroge"),
        ("Adaeze Nwosu asked about the late fee.", "Adaeze Nwosu"),
        ("Good morning, you're through to Cathal.", "Cathal"),
        ("She said her name was Liesel Vogt.", "Liesel Vogt"),
    ],
)
def test_names_after_person_only_cues(text: str, value: str) -> None:
    assert ("NAME", value) in found(text)


@pytest.mark.parametrize(
    ("text", "etype", "value"),
    [
        ("Open http://10.0.0.7:8443/setup to finish.", "URL", "http://10.0.0.7:8443/setup"),
        ("Her profile: linkedin.com/in/oona-lehtonen", "URL", "linkedin.com/in/oona-lehtonen"),
        (
            "Odd logins came from 2a02:c7f:88aa:5600::1 overnight.",
            "IP_ADDRESS",
            "2a02:c7f:88aa:5600::1",
        ),
        ("Her ATM code is 6021.", "PIN", "6021"),
    ],
)
def test_a_container_or_a_specific_cue_names_the_value(text: str, etype: str, value: str) -> None:
    assert found(text) == [(etype, value)]


@pytest.mark.parametrize(
    "text",
    [
        "The IMEI 490154203237518 is on the blocklist.",
        "He drives a Lincoln Continental now.",
    ],
)
def test_an_imei_and_a_thing_after_a_determiner_are_not_pii(text: str) -> None:
    assert detect_pii(text) == []


# Classes of misses a fresh author's holdout exposed, pinned in new phrasing of our own.
@pytest.mark.parametrize(
    ("text", "etype", "value"),
    [
        # AGE: confirmation verbs, an appositive after a name, "years of age" after a holder,
        # a birth year "given as", and the number a caller corrects.
        ("His age was verified as 38 before the quote went out.", "AGE", "38"),
        ("Our member, Bongani Dlamini, is 67.", "AGE", "67"),
        ("The account holder is 59 years of age and lives alone.", "AGE", "59 years"),
        ("Mr. Haddad, 81, asked for large-print letters.", "AGE", "81"),
        ("Birth year recorded as 1964 on the application.", "AGE", "1964"),
        ("She is 29, not 92, whatever the form says.", "AGE", "92"),
        # PASSWORD: short cues, a spoken passphrase, a one-time code read in pairs.
        ("Her pw was Malibu2019 for years.", "PASSWORD", "Malibu2019"),
        ("Texted me this - pass: Ruma-77-Kite - by mistake.", "PASSWORD", "Ruma-77-Kite"),
        (
            "Her pass phrase was seven blue horses jumping, she told me.",
            "PASSWORD",
            "seven blue horses jumping",
        ),
        ("The one time passcode he read out was 47 19 03.", "PASSWORD", "47 19 03"),
        # PIN: digits read one at a time, spelled out, or well after the cue.
        ("Her card PIN is 6 2 0 4, she said.", "PIN", "6 2 0 4"),
        ("PIN given verbally: nine three three seven.", "PIN", "nine three three seven"),
        (
            "The app PIN failed twice this morning and he now believes it is 7316.",
            "PIN",
            "7316",
        ),
        # CVV, driver id, account and routing under their trade abbreviations.
        ("CVN 518 was declined by the gateway.", "CREDIT_DEBIT_CARD_CVV", "518"),
        ("She gave 7-4-1 as the code from the back.", "CREDIT_DEBIT_CARD_CVV", "7-4-1"),
        ("His CDL is K2209381 from the Ohio BMV.", "DRIVER_ID", "K2209381"),
        ("Payroll goes to DDA 4410982273 each Friday.", "US_BANK_ACCOUNT_NUMBER", "4410982273"),
        ("R/T number 021000021 for the wire.", "US_BANK_ROUTING_NUMBER", "021000021"),
        # Phones with an extension and a Brazilian mobile; a spelled e-mail; a Nordic address.
        ("Her work number is 555-0182 ext. 9, not her mobile.", "PHONE", "555-0182 ext. 9"),
        ("Her cell in São Paulo is +55 21 98877-4410.", "PHONE", "+55 21 98877-4410"),
        (
            "Send it to aino dot korhonen at example dot fi please.",
            "EMAIL",
            "aino dot korhonen at example dot fi",
        ),
        (
            "The box went to Kungsgatan 22, 11156 Stockholm, Sweden last week.",
            "ADDRESS",
            "Kungsgatan 22, 11156 Stockholm, Sweden",
        ),
        (
            "Post it to Vesterbrogade 12, 1620 København V, Denmark.",
            "ADDRESS",
            "Vesterbrogade 12, 1620 København V, Denmark",
        ),
        # USERNAME: a camel-case gamer tag after its cue.
        ("His gamertag BlueMantaRay shows as offline.", "USERNAME", "BlueMantaRay"),
    ],
)
def test_holdout_miss_classes_in_fresh_phrasing(text: str, etype: str, value: str) -> None:
    assert (etype, value) in found(text)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("Tamati's daughter rang about the bill.", "Tamati"),
        ("Spoke with Marguerite's husband about the bill.", "Marguerite"),
        ("I was called back by Oyelaran within the hour.", "Oyelaran"),
        ("Transferred from Aroha in sales; the caller was annoyed.", "Aroha"),
        ("Special thanks to Ilkka for staying late.", "Ilkka"),
        ("Identity of Haukur Sigurdsson was confirmed at the branch.", "Haukur Sigurdsson"),
        ("The caller, ingrid solberg, wants paper statements.", "ingrid solberg"),
        ("She spelled her name as aoife ní dhomhnaill twice.", "aoife ní dhomhnaill"),
        ("Name on the account: BERIT LINDQVIST.", "BERIT LINDQVIST"),
        ("Szczepańska, that's the surname, with a z after the S.", "Szczepańska"),
        ("mr obi-wachukwu wants a refund.", "obi-wachukwu"),
        ("The loyalty card for sunita rao was cancelled.", "sunita rao"),
    ],
)
def test_name_cue_classes_in_fresh_phrasing(text: str, value: str) -> None:
    assert ("NAME", value) in found(text)


@pytest.mark.parametrize(
    "text",
    [
        "The firmware on the thermostat is 3.10.2.7, which is old.",
        "Install display driver 27.21.14.5 from the vendor page.",
        "Section numbers in the guide run 4.1.2.3 for pairing.",
        "Download hit 212.5 Mbps down and 30.1 up.",
        "Tap Settings, then Display, then Brightness.",
    ],
)
def test_versions_units_and_menu_words_are_not_pii(text: str) -> None:
    assert detect_pii(text) == []


@pytest.mark.parametrize(
    "text",
    [
        "The customer, retired teacher, said the letter never came.",
        "The refund for apple pay failed twice.",
        "Her boarding pass: gate B12, seat 14C.",
        "We met at home dot com headquarters.",
        "Employee's badge photo was updated.",
        "Verizon's password reset page was down.",
        "The PIN pad was swapped; the store says the unit was 2019.",
        "Version 14, 2023 Edition is on the shelf.",
        "The policy is 12 years old.",
    ],
)
def test_the_new_cues_keep_to_their_edges(text: str) -> None:
    """Edges of the rules above (lower-case names need a proper-noun reading, "pass:" is no
    boarding pass, a spelled address needs a cue): these pass before and after the fix."""
    assert detect_pii(text) == []


# Classes of the test split's misses (released for tuning), each in fresh phrasing: a name
# after a staff role that spaCy reads as a noun or a product, a second value joined to the
# first or further along the sentence after a copula, cue synonyms ("valid to", "gamer tag",
# "code sent to"), a password with "@" and no domain, an app password in letter groups, a
# question answered ("password? It's ..."), a private address something is reached "at",
# and the words that decide between CVV, PIN, PASSWORD, PHONE and a bank account.
@pytest.mark.parametrize(
    ("text", "etype", "value"),
    [
        ("Ask the supervisor Agnes about the credit.", "NAME", "Agnes"),
        ("She wants to talk to agent Ines about the bill.", "NAME", "Ines"),
        ("Tariku signed in with his new phone and the balance was wrong.", "NAME", "Tariku"),
        ("The refund was approved by Olamide on Tuesday.", "NAME", "Olamide"),
        ("She wants the technician called Oluwaseun to come back.", "NAME", "Oluwaseun"),
        ("He was put on hold and then a rep called Tendai answered.", "NAME", "Tendai"),
        (
            "The new card is valid to 11/29 according to the caller.",
            "CREDIT_DEBIT_CARD_EXPIRY",
            "11/29",
        ),
        (
            "The expiry month and year 04/27 was read back by the agent wrongly as 04/21.",
            "CREDIT_DEBIT_CARD_EXPIRY",
            "04/21",
        ),
        (
            "Expiry on the new card is January 2032 and the CVV is 318.",
            "CREDIT_DEBIT_CARD_EXPIRY",
            "January 2032",
        ),
        (
            "The CVV on the first card was 771 and for the second one it is 309.",
            "CREDIT_DEBIT_CARD_CVV",
            "309",
        ),
        ("Her card's verification code is 9042, she said.", "CREDIT_DEBIT_CARD_CVV", "9042"),
        (
            "The joint accounts 4410293857 and 4410293865 were frozen.",
            "US_BANK_ACCOUNT_NUMBER",
            "4410293857",
        ),
        (
            "The joint accounts 4410293857 and 4410293865 were frozen.",
            "US_BANK_ACCOUNT_NUMBER",
            "4410293865",
        ),
        ("The phone on the account is 312-555-0148 as of today.", "PHONE", "312-555-0148"),
        ("He tried Monsoon@1987 twice before calling us.", "PASSWORD", "Monsoon@1987"),
        ("The code sent to his phone, 448201, was read out by mistake.", "PASSWORD", "448201"),
        ("The code she received by SMS was 9921 07.", "PASSWORD", "9921 07"),
        ("The app password he created is mqzt vbkw rhlp xyda.", "PASSWORD", "mqzt vbkw rhlp xyda"),
        ("His password? It's Harbour_Lights_9.", "PASSWORD", "Harbour_Lights_9"),
        ("His gamer tag NightOwlRider was reported for cheating.", "USERNAME", "NightOwlRider"),
        (
            "She changed her username from kofi_b to kofi.boateng yesterday.",
            "USERNAME",
            "kofi.boateng",
        ),
        ("The user name mwangik is locked after three tries.", "USERNAME", "mwangik"),
        ("The router's settings page at 10.0.0.138 would not load.", "IP_ADDRESS", "10.0.0.138"),
        ("The son on the policy is 12 years old.", "AGE", "12 years"),
        ("Her voicemail access code 1208 was reset by the agent.", "PIN", "1208"),
        ("The four-digit code for the alarm, 5530, was read out.", "PIN", "5530"),
        # Guards: an e-mail is no "@" password, a phone after "voicemail" no PIN.
        ("Email the receipt to ops@example.com today.", "EMAIL", "ops@example.com"),
        (
            "He left a voicemail from +1 604 555 0172 asking about the upgrade.",
            "PHONE",
            "+1 604 555 0172",
        ),
    ],
)
def test_test_split_miss_classes_in_fresh_phrasing(text: str, etype: str, value: str) -> None:
    assert (etype, value) in found(text)


@pytest.mark.parametrize(
    "text",
    [
        "The agent called back twice on Monday.",
        "She was charged twice by Vodafone and wants it fixed.",
        "He signed up with Verizon last spring.",
        "The agent Chrome extension crashed.",
        "She opened the agent Portal to check.",
        "The password they gave them also fails.",
        "The login button was greyed out on the app.",
        "The username box was empty when she tried again.",
        "The login email was updated yesterday to a new one.",
        "Version 10.2.0.1 of the driver fixed the crash.",
        "The laptop on the account is 4 years old.",
        "Rows B-12 and C-14 are reserved for the event.",
        "The expiry was not the problem; the refund posted on 06/25.",
    ],
)
def test_the_test_split_rules_keep_to_their_edges(text: str) -> None:
    """Guards of the rules above: a role word before a product or a verb, four common words
    after a password cue, a private address after a version word, a thing's age, lettered
    row numbers without a postcode."""
    assert detect_pii(text) == []


# Rare given names spaCy's small model does not know, in person contexts (fresh phrasing).
@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("Cheers for holding, Ingvild, the refund is on its way.", ["Ingvild"]),
        ("Goodbye and thanks again, Dagrun.", ["Dagrun"]),
        ("Hello, this is Sigrun from billing, returning your call.", ["Sigrun"]),
        ("Tadhg from our fraud team will phone her on Monday.", ["Tadhg"]),
        ("The case was passed from Ragnhild to the night shift.", ["Ragnhild"]),
        ("Escalation note for Eilidh: the modem was swapped twice.", ["Eilidh"]),
        ("Is this Grainne Ni Bhriain? I have your order here.", ["Grainne Ni Bhriain"]),
        ("Agreed that Niamh would post the form back by Friday.", ["Niamh"]),
        ("Oisin will keep the contract in his own name.", ["Oisin"]),
        ("Her brother, Chinedu Okafor, is the second contact.", ["Chinedu Okafor"]),
        ("Caller (Temitope Adebayo, 58) asked to close the account.", ["Temitope Adebayo"]),
        ("The account is shared by {NAME} and Siobhan, who pays the bill.", ["Siobhan"]),
        ("Ingrid's card keeps declining at the pump.", ["Ingrid"]),
        ("Chat: hi its aoife byrne, the parcel never came", ["aoife byrne"]),
        ("spoke with tomas gutierrez about the late fee", ["tomas gutierrez"]),
        ("SIOBHAN MARIE KELLY is printed on the card.", ["SIOBHAN MARIE KELLY"]),
        ("Tiihu, the branch manager, approved the swap.", ["Tiihu"]),
    ],
)
def test_rare_given_names_in_person_contexts_are_masked(text: str, names: list[str]) -> None:
    assert [v for t, v in found(text) if t == "NAME"] == names


# Gazetteer words that are places, products, units and brands: no context, no mask.
@pytest.mark.parametrize(
    "text",
    [
        "Jordan trainers were the most returned item this month.",
        "Virginia has a different cooling-off period.",
        "Dr. Martens boots are out of stock in size 8.",
        "The shop in Killarney had no chargers left.",
        "Latency was 14 ms jitter-free after the reset.",
        "Round-trip time: 9.2 ms Jitter stayed under 1 ms.",
        "The Kia EV6 and Hyundai Ioniq-5 both charge on the same cable.",
        "The Polestar-2 charging cable was sent to the wrong depot.",
        "GRAND TOTAL DUE is shown at the bottom of the invoice.",
        "Thanks, Billing will send the letter.",
        "It's working now, the customer said.",
        "She said its paper statements are too small to read.",
    ],
)
def test_name_lookalikes_without_a_person_context_stay(text: str) -> None:
    assert [v for t, v in found(text) if t == "NAME"] == []
