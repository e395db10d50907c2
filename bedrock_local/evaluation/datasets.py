"""Loader for the hand-written evaluation sets in ``evaluation/data`` (see its README.md).

The sets were written without reading the detectors, so they measure the engines on phrasing
nobody tuned them for. Builders tune on ``dev``; figures are published on ``test``. PII also
has ``holdout`` and ``holdout2`` and grounding ``holdout``, ``holdout2`` and ``holdout3``, each
kept for one final measurement of an engine nobody tuned on it (see the data README).
Grounding rows reference corpus calls by their file name inside the corpus zip; the
transcripts are read from the zip at load time and never copied into the repository.
"""

from __future__ import annotations

import json
import os
import zipfile
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Literal

Split = Literal["dev", "test", "holdout", "holdout2"]
#: PII splits; each holdout was written by a separate author and scored once, held out.
PII_SPLITS: tuple[Split, ...] = ("dev", "test", "holdout", "holdout2")
GroundingSplit = Literal["dev", "test", "holdout", "holdout2", "holdout3"]
#: ``test`` was measured once by an engine that then changed, and ``holdout`` is promised to the
#: engine that followed; ``holdout2`` (another author, other calls) is for the engine after that,
#: and ``holdout3`` (a fourth author, other calls again) is the single final measurement of the
#: engine tuned on dev, test, holdout and holdout2.
GROUNDING_SPLITS: tuple[GroundingSplit, ...] = ("dev", "test", "holdout", "holdout2", "holdout3")

#: Bedrock Guardrails' names for the PII entity types the sets label.
PII_TYPES: tuple[str, ...] = (
    "NAME",
    "EMAIL",
    "PHONE",
    "ADDRESS",
    "CREDIT_DEBIT_CARD_NUMBER",
    "CREDIT_DEBIT_CARD_CVV",
    "CREDIT_DEBIT_CARD_EXPIRY",
    "US_SOCIAL_SECURITY_NUMBER",
    "US_BANK_ACCOUNT_NUMBER",
    "US_BANK_ROUTING_NUMBER",
    "PIN",
    "PASSWORD",
    "IP_ADDRESS",
    "URL",
    "USERNAME",
    "DRIVER_ID",
    "AGE",
    "AWS_ACCESS_KEY",
    "AWS_SECRET_KEY",
)

TAMPER_KINDS: tuple[str, ...] = (
    "amount",
    "date",
    "product",
    "outcome",
    "promise",
    "person",
    "contradiction",
    "invented",
)

CORPUS_ZIP_ENV = "BEDROCK_ASSETS_CORPUS_ZIP"


@dataclass(frozen=True)
class PiiSpan:
    start: int
    end: int
    type: str


@dataclass(frozen=True)
class PiiExample:
    """One sentence; ``kind`` is ``positive`` (has spans), ``negative`` (a false-positive
    trap, ``trap`` names what kind) or ``plain`` (ordinary text without PII)."""

    id: str
    text: str
    spans: tuple[PiiSpan, ...]
    kind: str
    trap: str | None = None

    def values(self) -> list[tuple[str, str]]:
        """(type, raw value) pairs, for raw-survives checks."""
        return [(s.type, self.text[s.start : s.end]) for s in self.spans]


@dataclass(frozen=True)
class GroundingExample:
    """A faithful abstractive summary of one corpus call and a copy with one fact changed."""

    id: str
    call: str
    faithful: str
    tampered: str
    tamper_kind: str
    changed: str
    transcript: str | None = None


def _data_text(name: str) -> str:
    return resources.files("bedrock_local.evaluation").joinpath("data", name).read_text("utf-8")


def _rows(name: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in _data_text(name).splitlines() if line.strip()]


def _check_split(split: str, allowed: tuple[str, ...] = PII_SPLITS) -> None:
    if split not in allowed:
        raise ValueError(f"split must be one of {allowed}, got {split!r}")


def load_pii(split: Split) -> list[PiiExample]:
    """The labelled PII sentences of one split, in file order."""
    _check_split(split)
    return [
        PiiExample(
            id=r["id"],
            text=r["text"],
            spans=tuple(PiiSpan(s["start"], s["end"], s["type"]) for s in r["spans"]),
            kind=r.get("kind", "positive" if r["spans"] else "negative"),
            trap=r.get("trap"),
        )
        for r in _rows(f"pii_{split}.jsonl")
    ]


def default_corpus_zip() -> Path:
    """``$BEDROCK_ASSETS_CORPUS_ZIP``, else ``../shared/data/...zip`` beside the repository."""
    env = os.environ.get(CORPUS_ZIP_ENV)
    if env:
        return Path(env)
    repo = Path(__file__).resolve().parents[2]
    return repo.parent / "shared" / "data" / "synthetic_call_transcript_data.zip"


def read_transcripts(calls: list[str], corpus_zip: Path | str | None = None) -> dict[str, str]:
    """Transcript text of each call id (a member name inside the corpus zip)."""
    path = Path(corpus_zip) if corpus_zip is not None else default_corpus_zip()
    with zipfile.ZipFile(path) as zf:
        return {c: zf.read(c).decode("utf-8") for c in dict.fromkeys(calls)}


def load_grounding(
    split: GroundingSplit, corpus_zip: Path | str | None = None, *, with_transcripts: bool = True
) -> list[GroundingExample]:
    """The grounding pairs of one split; transcripts are read from ``corpus_zip``
    (default :func:`default_corpus_zip`) unless ``with_transcripts`` is false."""
    _check_split(split, GROUNDING_SPLITS)
    rows = _rows(f"grounding_{split}.jsonl")
    texts = read_transcripts([r["call"] for r in rows], corpus_zip) if with_transcripts else {}
    return [
        GroundingExample(
            id=r["id"],
            call=r["call"],
            faithful=r["faithful"],
            tampered=r["tampered"],
            tamper_kind=r["tamper_kind"],
            changed=r["changed"],
            transcript=texts.get(r["call"]),
        )
        for r in rows
    ]
