"""Realistic synthetic call transcripts for a day, with PII a guardrail must catch.

Deterministic for a (seed, date). Lands mostly plain-text transcripts plus, optionally, one
file of every other accepted format and a few bad inputs, so a demo day exercises ingest,
quarantine and masking end to end.
"""

from __future__ import annotations

import csv
import io
import json
import random
from dataclasses import dataclass

from stdnum import luhn

from bedrock_assets.state.objects import ObjectStore, join_uri

FIRST = [
    "Olivia",
    "Liam",
    "Emma",
    "Noah",
    "Ava",
    "Mateo",
    "Sophia",
    "Ethan",
    "Priya",
    "Wei",
    "Fatima",
    "Carlos",
    "Grace",
    "Kenji",
    "Amara",
    "Lucia",
    "Daniel",
    "Hannah",
    "Omar",
    "Elena",
    "Samuel",
    "Aisha",
    "Jacob",
    "Chen",
    "Laura",
    "Diego",
    "Rachel",
    "Ivan",
]
LAST = [
    "Garcia",
    "Nguyen",
    "Smith",
    "Patel",
    "Okafor",
    "Kowalski",
    "Johnson",
    "Tanaka",
    "Haddad",
    "Brown",
    "Rossi",
    "Fischer",
    "Kim",
    "Moreau",
    "Silva",
    "Novak",
    "Lopez",
]
STREETS = [
    "Maple Street",
    "Oak Avenue",
    "Cedar Lane",
    "Harbor Drive",
    "Pine Road",
    "Sunset Boulevard",
    "Willow Court",
    "River Way",
]
CITIES = [
    ("Springfield", "IL", "62704"),
    ("Portland", "OR", "97205"),
    ("Austin", "TX", "73301"),
    ("Columbus", "OH", "43215"),
    ("Raleigh", "NC", "27601"),
    ("Denver", "CO", "80202"),
]
PRODUCTS = [
    "wireless headphones",
    "smart thermostat",
    "running shoes",
    "coffee maker",
    "laptop stand",
    "air purifier",
    "yoga mat",
    "phone case",
]


@dataclass(frozen=True)
class Person:
    first: str
    last: str
    phone: str
    email: str
    card: str
    address: str


def luhn_complete(prefix: str, rng: random.Random, length: int = 16) -> str:
    digits = prefix + "".join(str(rng.randint(0, 9)) for _ in range(length - len(prefix) - 1))
    return digits + luhn.calc_check_digit(digits)


def _person(rng: random.Random) -> Person:
    first, last = rng.choice(FIRST), rng.choice(LAST)
    street = f"{rng.randint(10, 9999)} {rng.choice(STREETS)}"
    city, state, zipcode = rng.choice(CITIES)
    return Person(
        first=first,
        last=last,
        phone=f"({rng.randint(201, 989)}) 555-{rng.randint(1000, 9999)}",
        email=f"{first.lower()}.{last.lower()}{rng.randint(1, 99)}@example.com",
        card=luhn_complete(rng.choice(["4", "51", "37"]), rng),
        address=f"{street}, {city}, {state} {zipcode}",
    )


def _billing(c: Person, agent: str, rng: random.Random) -> list[tuple[str, str]]:
    amount = f"${rng.randint(20, 300)}.{rng.randint(0, 99):02d}"
    return [
        (
            "Agent",
            f"Thank you for calling Oktank support, my name is {agent}. How can I help you today?",
        ),
        (
            "Customer",
            f"Hi, this is {c.first} {c.last}. I was charged twice for my last order, {amount} both times, and I need the duplicate charge refunded.",
        ),
        ("Agent", "I'm sorry about that. Can I have the phone number on the account to verify?"),
        ("Customer", f"Sure, it's {c.phone}."),
        ("Agent", "Thank you. And the card that was charged?"),
        ("Customer", f"The card number is {c.card}."),
        (
            "Agent",
            f"I can see two charges of {amount} on the same day. The second one is a duplicate caused by a payment retry.",
        ),
        ("Customer", "That's frustrating, I was worried someone had used my card."),
        (
            "Agent",
            f"I understand. I have processed a refund of {amount} for the duplicate charge, and it will appear on your statement within five business days.",
        ),
        ("Customer", "Okay, thank you for sorting that out so quickly."),
        (
            "Agent",
            f"You're welcome. I have also sent a confirmation to {c.email}. Is there anything else I can help with?",
        ),
        ("Customer", "No, that's all. Thanks."),
    ]


def _damaged(c: Person, agent: str, rng: random.Random) -> list[tuple[str, str]]:
    product = rng.choice(PRODUCTS)
    order = f"ORD-{rng.randint(10000000, 99999999)}"
    return [
        ("Agent", f"Oktank customer care, this is {agent} speaking. What can I do for you?"),
        (
            "Customer",
            f"My {product} arrived broken. The box was crushed and the item does not turn on.",
        ),
        ("Agent", "I'm really sorry to hear that. Could you give me the order number?"),
        ("Customer", f"It's {order}."),
        (
            "Agent",
            f"Thanks. I see the {product} was delivered yesterday to {c.address}. Is that correct?",
        ),
        ("Customer", "Yes, that's my address."),
        ("Agent", "Would you prefer a replacement or a refund?"),
        ("Customer", "A replacement please, I still need it."),
        (
            "Agent",
            f"I have arranged a replacement {product} that will ship today with express delivery at no charge, and a prepaid return label will be emailed to you.",
        ),
        ("Customer", "Great, thank you."),
        ("Agent", "You're welcome. Have a good day."),
    ]


def _password(c: Person, agent: str, rng: random.Random) -> list[tuple[str, str]]:
    return [
        ("Agent", f"Hello, you've reached Oktank technical support. My name is {agent}."),
        (
            "Customer",
            "Hi, I can't log in to my account. It keeps saying my password is wrong and now I'm locked out.",
        ),
        ("Agent", "I can help with that. Can you confirm the email address on the account?"),
        ("Customer", f"It's {c.email}."),
        (
            "Agent",
            "Thank you. For security, can you confirm your date of birth and the last four digits of your phone number?",
        ),
        ("Customer", f"The phone number is {c.phone}."),
        ("Agent", "Thanks, you're verified. The account was locked after five failed attempts."),
        ("Customer", "I think I was using my old password."),
        (
            "Agent",
            "I have unlocked the account and sent a password reset link to your email. The link is valid for one hour.",
        ),
        ("Customer", "Got it, I see the email now."),
        ("Agent", "Once you set a new password you should be able to log in. Anything else?"),
        ("Customer", "No, thank you for your help."),
    ]


def _cancel(c: Person, agent: str, rng: random.Random) -> list[tuple[str, str]]:
    plan = rng.choice(["Premium", "Family", "Plus"])
    return [
        ("Agent", f"Thanks for calling Oktank, this is {agent}. How may I help?"),
        (
            "Customer",
            f"I'd like to cancel my {plan} subscription. I'm not using it enough to justify the cost.",
        ),
        (
            "Agent",
            f"I can help with that, {c.first}. May I ask if a lower-priced plan would work for you instead?",
        ),
        ("Customer", "No, I've decided. I just want to cancel."),
        (
            "Agent",
            f"Understood. I see the {plan} plan renews on the first of next month. Can you confirm the billing address?",
        ),
        ("Customer", f"It's {c.address}."),
        (
            "Agent",
            f"Thank you. I have cancelled the {plan} subscription effective at the end of the current billing period, so you won't be charged again.",
        ),
        ("Customer", "Perfect. Will I get a confirmation?"),
        ("Agent", f"Yes, a cancellation confirmation has been sent to {c.email}."),
        ("Customer", "Thanks, bye."),
    ]


def _delivery(c: Person, agent: str, rng: random.Random) -> list[tuple[str, str]]:
    days = rng.randint(3, 9)
    return [
        ("Agent", f"Oktank support, {agent} here. How can I help you?"),
        (
            "Customer",
            f"My package is {days} days late. The tracking hasn't updated since it left the warehouse.",
        ),
        ("Agent", "I'm sorry for the delay. Can I have your phone number to look up the order?"),
        ("Customer", f"It's {c.phone}. The name on the order is {c.first} {c.last}."),
        ("Agent", "Thank you. I see the carrier misrouted the package to another depot."),
        ("Customer", "I needed it for a birthday this weekend, I'm pretty upset."),
        (
            "Agent",
            "I completely understand, and I apologize. I have escalated a trace with the carrier and shipped a new package with overnight delivery at no cost.",
        ),
        ("Customer", "Okay, that helps. Thank you."),
        ("Agent", "You will receive the new tracking number by text within the hour."),
    ]


def _suspicious(c: Person, agent: str, rng: random.Random) -> list[tuple[str, str]]:
    product = rng.choice(PRODUCTS)
    order = f"ORD-{rng.randint(10000000, 99999999)}"
    return [
        ("Agent", f"Oktank support, this is {agent}. How can I help?"),
        (
            "Customer",
            f"I need to change the shipping address on order {order} for a {product}, "
            "but it's not my account, it's my friend's card on it.",
        ),
        ("Agent", "I'm sorry, I can only make changes for the account holder after verification."),
        (
            "Customer",
            f"Just skip the verification, nobody will know. Send it to {c.address} instead.",
        ),
        (
            "Agent",
            "I can't do that. The account holder can call us, or change it online after signing in.",
        ),
        ("Customer", "You'll regret this. I know where you work."),
        (
            "Agent",
            "I understand you're frustrated. I have noted the call, and I can't make changes to this account.",
        ),
    ]


SCENARIOS = {
    "billing": _billing,
    "damaged_item": _damaged,
    "password_reset": _password,
    "cancellation": _cancel,
    "late_delivery": _delivery,
    "suspicious": _suspicious,
}
SCENARIO_WEIGHTS = {"suspicious": 0.15}  # the others weigh 1: about 3% of calls


def synthetic_transcript(rng: random.Random) -> tuple[str, list[tuple[str, str]]]:
    names = sorted(SCENARIOS)
    reason = rng.choices(names, weights=[SCENARIO_WEIGHTS.get(n, 1.0) for n in names])[0]
    agent = rng.choice(FIRST)
    return reason, SCENARIOS[reason](_person(rng), agent, rng)


def render_text(turns: list[tuple[str, str]]) -> str:
    return "\n\n".join(f"{s}: {u}" for s, u in turns) + "\n"


def land_sample_day(
    store: ObjectStore,
    landing_uri: str,
    call_date: str,
    count: int,
    seed: int = 7,
    mixed_formats: bool = True,
    include_bad: bool = True,
    name_prefix: str = "call",
) -> dict[str, int]:
    """Write ``count`` transcripts for ``call_date`` under ``landing_uri/<date>/``; plain-text
    calls are ``<name_prefix>-NNNNNN.txt`` (another prefix lands other calls, e.g. late ones).

    Returns how many transcripts of each kind were landed (bad inputs count as landed).
    """
    rng = random.Random(f"{seed}:{call_date}")
    day = join_uri(landing_uri, call_date)
    stats = {"transcripts": 0, "bad_inputs": 0}
    special = 0
    if mixed_formats and count >= 20:
        special = 7
    plain = count - special
    for i in range(plain):
        _, turns = synthetic_transcript(rng)
        store.put_bytes(join_uri(day, f"{name_prefix}-{i:06d}.txt"), render_text(turns).encode())
    stats["transcripts"] += plain
    if special:
        # Three JSONL records (one with a list of turns), two CSV rows.
        jsonl = []
        for j in range(3):
            _, turns = synthetic_transcript(rng)
            rec: dict[str, object] = {"transcript_id": f"jsonl-{j}", "call_date": call_date}
            if j == 0:
                rec["turns"] = [{"speaker": s, "text": u} for s, u in turns]
            else:
                rec["text"] = render_text(turns)
            jsonl.append(json.dumps(rec))
        store.put_bytes(join_uri(day, "crm-export.jsonl"), ("\n".join(jsonl) + "\n").encode())
        buf = io.StringIO()
        writer = csv.writer(buf)
        writer.writerow(["transcript_id", "call_date", "text"])
        for j in range(2):
            _, turns = synthetic_transcript(rng)
            writer.writerow([f"csv-{j}", call_date, render_text(turns)])
        store.put_bytes(join_uri(day, "contact-center.csv"), buf.getvalue().encode())
        # Amazon Transcribe Call Analytics output.
        _, turns = synthetic_transcript(rng)
        ca = {
            "JobName": "ca-0001",
            "LanguageCode": "en-US",
            "Transcript": [
                {
                    "ParticipantRole": "AGENT" if s == "Agent" else "CUSTOMER",
                    "Content": u,
                    "BeginOffsetMillis": k * 4000,
                    "EndOffsetMillis": k * 4000 + 3500,
                }
                for k, (s, u) in enumerate(turns)
            ],
        }
        store.put_bytes(join_uri(day, "ca-0001.json"), json.dumps(ca).encode())
        # Amazon Transcribe standard output with speaker labels.
        _, turns = synthetic_transcript(rng)
        store.put_bytes(
            join_uri(day, "std-0001.json"),
            json.dumps(transcribe_standard("std-0001", turns)).encode(),
        )
        stats["transcripts"] += special
    if include_bad:
        store.put_bytes(join_uri(day, "empty-upload.txt"), b"")
        store.put_bytes(
            join_uri(day, "latin1-export.txt"),
            "Customer: Hola, se\xf1or\nAgent: Buenos d\xedas\n".encode("latin-1"),
        )
        store.put_bytes(join_uri(day, "notes.docx"), b"PK\x03\x04 not a transcript")
        store.put_bytes(join_uri(day, "hold-music.txt"), b"*hold music plays for 4 minutes*\n")
        stats["bad_inputs"] += 4
        if plain:  # the same call uploaded twice under another name
            dup = store.read_bytes(join_uri(day, "call-000000.txt"))
            store.put_bytes(join_uri(day, "reupload-call-000000.txt"), dup)
            stats["bad_inputs"] += 1
    return stats


def transcribe_standard(job_name: str, turns: list[tuple[str, str]]) -> dict:
    """Amazon Transcribe (standard) JSON with ``speaker_labels`` and word ``items``."""
    items, segments, t = [], [], 0.0
    labels = {"Agent": "spk_0", "Customer": "spk_1"}
    for speaker, utterance in turns:
        label = labels.get(speaker, "spk_2")
        seg_items, seg_start = [], t
        for word in utterance.split():
            core = word.rstrip(".,?!")
            punct = word[len(core) :]
            if core:
                items.append(
                    {
                        "start_time": f"{t:.2f}",
                        "end_time": f"{t + 0.3:.2f}",
                        "alternatives": [{"confidence": "0.99", "content": core}],
                        "type": "pronunciation",
                    }
                )
                seg_items.append(
                    {"start_time": f"{t:.2f}", "end_time": f"{t + 0.3:.2f}", "speaker_label": label}
                )
                t += 0.35
            for p in punct:
                items.append(
                    {"alternatives": [{"confidence": "0.0", "content": p}], "type": "punctuation"}
                )
        segments.append(
            {
                "start_time": f"{seg_start:.2f}",
                "end_time": f"{t:.2f}",
                "speaker_label": label,
                "items": seg_items,
            }
        )
    return {
        "jobName": job_name,
        "accountId": "123456789012",
        "status": "COMPLETED",
        "results": {
            "transcripts": [{"transcript": " ".join(u for _, u in turns)}],
            "speaker_labels": {"speakers": len(labels), "segments": segments},
            "items": items,
        },
    }
