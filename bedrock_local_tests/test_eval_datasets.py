"""The hand-written evaluation sets are well formed: offsets land exactly on the values, types
are Bedrock's, every type has enough spans, card and routing numbers are checksum-valid, and
grounding rows point at real corpus calls. A bad edit to a data file fails here, not as a
silently wrong benchmark figure."""

import os
import re
import zipfile
from collections import Counter
from importlib import resources

import pytest
from stdnum import luhn
from stdnum.us import rtn

from bedrock_local.evaluation import datasets
from bedrock_local.evaluation.datasets import GROUNDING_SPLITS, PII_SPLITS, PII_TYPES, TAMPER_KINDS

MIN_SPANS = {t: 60 if t in ("NAME", "ADDRESS") else 25 for t in PII_TYPES}
MIN_NEGATIVES_PER_SPLIT = 100
# The PII holdouts are single final measurements, smaller than dev and test: >= 20 of a type.
MIN_SPANS_HOLDOUT = {t: 60 if t == "NAME" else 30 if t == "ADDRESS" else 20 for t in PII_TYPES}
PII_HOLDOUT_ID_PREFIXES = ("hold-", "h2-")
MIN_SPANS_TOTAL = 700
MIN_NEGATIVES_TOTAL = 200
MIN_GROUNDING_PER_SPLIT = 40
# The holdout splits are balanced: this many pairs of every tamper kind; ids carry the prefix.
HOLDOUT_PER_KIND = 6
HOLDOUT_ID_PREFIX = {"holdout": "ghold-", "holdout2": "gh2-", "holdout3": "gh3-"}
# Splits whose tampered copy changes one contiguous passage, at most this many sentences long.
ONE_CHANGE_SPLITS = ("holdout2", "holdout3")
MAX_CHANGED_SENTENCES = 2
# Abstractive means paraphrased: no run of this many words copied from the transcript.
MAX_COPIED_WORDS = 12
# Sentence punctuation that must not open or close a labelled value; a phone may open with
# "(", an IPv6 address with "::", a short birth year with "'", and a password may end with "!":
# there they belong to the value.
EDGE = set(".,;:!?\"'()[]{}")
EDGE_ALLOWED = {
    ("PHONE", "start", "("),
    ("IP_ADDRESS", "start", ":"),
    ("PASSWORD", "end", "!"),
    ("AGE", "start", "'"),  # a birth year said short: "born in '71"
}


def data_file(name: str) -> bool:
    return resources.files("bedrock_local.evaluation").joinpath("data", name).is_file()


@pytest.fixture(scope="module", params=PII_SPLITS)
def pii(request: pytest.FixtureRequest) -> list[datasets.PiiExample]:
    return datasets.load_pii(request.param)


@pytest.mark.parametrize(
    "name",
    [f"pii_{s}.jsonl" for s in PII_SPLITS] + [f"grounding_{s}.jsonl" for s in GROUNDING_SPLITS],
)
def test_every_split_file_is_present(name: str) -> None:
    assert data_file(name), name


def test_spans_sit_exactly_on_values(pii: list[datasets.PiiExample]) -> None:
    for ex in pii:
        ends = 0
        for s in ex.spans:
            value = ex.text[s.start : s.end]
            assert 0 <= s.start < s.end <= len(ex.text), ex.id
            assert s.start >= ends, f"{ex.id}: spans overlap or are out of order"
            ends = s.end
            assert value == value.strip(), ex.id
            assert s.type in PII_TYPES, (ex.id, s.type)
            for side, ch in (("start", value[0]), ("end", value[-1])):
                if ch in EDGE:
                    assert (s.type, side, ch) in EDGE_ALLOWED, (ex.id, value)
            # A value glued to a neighbouring letter or digit would be a cut-off label.
            before = ex.text[s.start - 1] if s.start else " "
            after = ex.text[s.end] if s.end < len(ex.text) else " "
            assert not (before.isalnum() and value[0].isalnum()), (ex.id, value)
            assert not (after.isalnum() and value[-1].isalnum()), (ex.id, value)


def test_kinds_agree_with_spans(pii: list[datasets.PiiExample]) -> None:
    for ex in pii:
        assert ex.kind in ("positive", "negative", "plain"), ex.id
        assert bool(ex.spans) == (ex.kind == "positive"), ex.id
        assert (ex.trap is not None) == (ex.kind == "negative"), ex.id


def test_every_type_meets_its_minimum(pii: list[datasets.PiiExample]) -> None:
    counts = Counter(s.type for ex in pii for s in ex.spans)
    minimum = MIN_SPANS_HOLDOUT if pii[0].id.startswith(PII_HOLDOUT_ID_PREFIXES) else MIN_SPANS
    short = {t: counts[t] for t, need in minimum.items() if counts[t] < need}
    assert not short
    negatives = sum(ex.kind == "negative" for ex in pii)
    assert negatives >= MIN_NEGATIVES_PER_SPLIT


def test_structured_values_are_valid(pii: list[datasets.PiiExample]) -> None:
    for ex in pii:
        for kind, value in ex.values():
            digits = re.sub(r"[ -]", "", value)
            if kind == "CREDIT_DEBIT_CARD_NUMBER":
                assert digits.isdigit() and len(digits) in (15, 16), value
                assert luhn.is_valid(digits), value
            elif kind == "US_BANK_ROUTING_NUMBER":
                assert rtn.is_valid(value), value
            elif kind == "AWS_ACCESS_KEY":
                assert re.fullmatch(r"(AKIA|ASIA)[A-Z2-7]{16}", value), value
            elif kind == "AWS_SECRET_KEY":
                assert re.fullmatch(r"[A-Za-z0-9/+]{40}", value), value


def test_totals_across_splits() -> None:
    rows = [ex for split in PII_SPLITS for ex in datasets.load_pii(split)]
    assert sum(len(ex.spans) for ex in rows) >= MIN_SPANS_TOTAL
    assert sum(ex.kind == "negative" for ex in rows) >= MIN_NEGATIVES_TOTAL


def test_ids_and_sentences_are_unique_across_splits() -> None:
    rows = [ex for split in PII_SPLITS for ex in datasets.load_pii(split)]
    assert len({ex.id for ex in rows}) == len(rows)
    assert len({ex.text for ex in rows}) == len(rows)


def test_grounding_pairs_reference_real_calls() -> None:
    corpus = datasets.default_corpus_zip()
    if not corpus.is_file():
        pytest.skip(f"corpus zip not at {corpus}")
    with zipfile.ZipFile(corpus) as zf:
        members = set(zf.namelist())
    seen_ids: set[str] = set()
    calls_by_split: dict[str, set[str]] = {}
    for split in GROUNDING_SPLITS:
        rows = datasets.load_grounding(split, corpus)
        assert len(rows) >= MIN_GROUNDING_PER_SPLIT, split
        calls_by_split[split] = {r.call for r in rows}
        assert len(calls_by_split[split]) == len(rows), f"{split}: a call is used twice"
        for r in rows:
            assert r.id not in seen_ids, r.id
            seen_ids.add(r.id)
            assert r.call in members, r.call
            assert r.transcript, r.call
            assert r.faithful.strip() and r.tampered.strip(), r.id
            assert r.faithful != r.tampered, r.id
            assert r.tamper_kind in TAMPER_KINDS, r.id
            assert r.changed.strip(), r.id
    for i, a in enumerate(GROUNDING_SPLITS):
        for b in GROUNDING_SPLITS[i + 1 :]:
            assert not calls_by_split[a] & calls_by_split[b], (a, b)
    assert set(TAMPER_KINDS) <= {
        r.tamper_kind
        for s in GROUNDING_SPLITS
        for r in datasets.load_grounding(s, corpus, with_transcripts=False)
    }


@pytest.mark.parametrize("split", sorted(HOLDOUT_ID_PREFIX))
def test_holdout_has_every_tamper_kind_equally(split: datasets.GroundingSplit) -> None:
    rows = datasets.load_grounding(split, with_transcripts=False)
    counts = Counter(r.tamper_kind for r in rows)
    assert counts == dict.fromkeys(TAMPER_KINDS, HOLDOUT_PER_KIND)
    assert all(r.id.startswith(HOLDOUT_ID_PREFIX[split]) for r in rows)


def _changed_sentences(faithful: str, tampered: str) -> int:
    """How many sentences of ``faithful`` the one differing passage touches (its common
    prefix and suffix with ``tampered`` cut off); an insertion touches one."""
    start = min(len(os.path.commonprefix([faithful, tampered])), len(faithful) - 1)
    tail = len(os.path.commonprefix([faithful[start:][::-1], tampered[start:][::-1]]))
    end = max(len(faithful) - tail, start + 1)
    bounds = [0] + [m.end() for m in re.finditer(r"(?<=[.!?])\s+", faithful)] + [len(faithful)]
    return sum(a < end and start < b for a, b in zip(bounds, bounds[1:], strict=False))


def test_changed_sentences_counts_the_passage_that_differs() -> None:
    text = "One. Two three. Four."
    assert _changed_sentences(text, "One. Two five. Four.") == 1
    assert _changed_sentences(text, "One. Two three. Four. Five.") == 1
    assert _changed_sentences(text, "One. Two three, two. Four.") == 1
    assert _changed_sentences(text, "Zero. Two three. Five.") == 3


@pytest.mark.parametrize("split", ONE_CHANGE_SPLITS)
def test_tampered_copy_changes_one_passage(split: datasets.GroundingSplit) -> None:
    """Everything outside one short passage is identical, so a flag can only come from the
    one changed fact; ``invented`` may add a sentence, the other kinds keep the count."""
    for r in datasets.load_grounding(split, with_transcripts=False):
        assert _changed_sentences(r.faithful, r.tampered) <= MAX_CHANGED_SENTENCES, r.id
        sentences = [len(re.split(r"(?<=[.!?])\s+", s)) for s in (r.faithful, r.tampered)]
        grows = 1 if r.tamper_kind == "invented" else 0
        assert 0 <= sentences[1] - sentences[0] <= grows, r.id


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9$%']+", text.lower())


def test_grounding_summaries_paraphrase_their_transcript() -> None:
    corpus = datasets.default_corpus_zip()
    if not corpus.is_file():
        pytest.skip(f"corpus zip not at {corpus}")
    n = MAX_COPIED_WORDS
    for split in GROUNDING_SPLITS:
        for r in datasets.load_grounding(split, corpus):
            tw = _words(r.transcript or "")
            runs = {tuple(tw[i : i + n]) for i in range(len(tw) - n + 1)}
            for summary, most in ((r.faithful, 6), (r.tampered, 7)):
                sw = _words(summary)
                copied = [i for i in range(len(sw) - n + 1) if tuple(sw[i : i + n]) in runs]
                assert not copied, (r.id, " ".join(sw[copied[0] : copied[0] + n]))
                sentences = [x for x in re.split(r"(?<=[.!?])\s+", summary) if x]
                assert 3 <= len(sentences) <= most, r.id  # an invented fact may add one


def test_loader_rejects_unknown_split() -> None:
    for split in ("train", "holdout3", "Holdout"):  # holdout3 is a grounding split only
        with pytest.raises(ValueError):
            datasets.load_pii(split)  # type: ignore[arg-type]
    for gsplit in ("train", "holdout4"):
        with pytest.raises(ValueError):
            datasets.load_grounding(gsplit, with_transcripts=False)  # type: ignore[arg-type]
