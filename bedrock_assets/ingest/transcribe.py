"""Amazon Transcribe output JSON: Call Analytics ``Transcript[]`` and standard ``results``."""

from __future__ import annotations

from bedrock_assets.ingest.landing import call_id_from_name
from bedrock_assets.ingest.records import (
    MALFORMED_RECORD,
    NO_TURNS,
    Quarantined,
    Transcript,
    merge_consecutive,
    speaker_name,
)


def parse_transcribe(doc: dict, source_file: str, call_date: str) -> Transcript | Quarantined:
    """Amazon Transcribe output: Call Analytics ``Transcript[]`` or standard ``results``."""
    stem = call_id_from_name(source_file)
    if isinstance(doc.get("Transcript"), list):
        tid = _text(doc.get("JobName")) or stem
        turns = []
        for seg in doc["Transcript"]:
            if not isinstance(seg, dict) or not isinstance(seg.get("Content"), str):
                return Quarantined(
                    source_file, MALFORMED_RECORD, "Call Analytics segment without Content", tid
                )
            role = seg.get("ParticipantRole")
            role = role if isinstance(role, str) and role.strip() else "UNKNOWN"
            turns.append((speaker_name(role), seg["Content"].strip()))
        turns = merge_consecutive(turns)
        fmt = "transcribe_call_analytics"
    else:
        results = doc.get("results")
        tid = _text(doc.get("jobName")) or stem
        if not isinstance(results, dict) or not isinstance(results.get("items"), list):
            return Quarantined(
                source_file, MALFORMED_RECORD, "Transcribe JSON without results.items", tid
            )
        if not all(isinstance(item, dict) for item in results["items"]):
            return Quarantined(
                source_file, MALFORMED_RECORD, "Transcribe results.items holds a non-object", tid
            )
        turns = _turns_from_items(results)
        fmt = "transcribe_standard"
    turns = [(s, u) for s, u in turns if u]
    if not turns:
        return Quarantined(source_file, NO_TURNS, "Transcribe output has no speech", tid)
    return Transcript(tid, call_date, source_file, fmt, tuple(turns))


def _text(value: object) -> str:
    """A string field as text; ``null``, numbers and objects are not text (never "None")."""
    return value.strip() if isinstance(value, str) else ""


def _objects(value: object) -> list[dict]:
    """The objects of a JSON list that may be ``null`` or hold ``null``s."""
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _turns_from_items(results: dict) -> list[tuple[str, str]]:
    by_start: dict[str, str] = {}
    labels = results.get("speaker_labels")
    for seg in _objects(labels.get("segments") if isinstance(labels, dict) else None):
        for item in _objects(seg.get("items")):
            label = _text(item.get("speaker_label")) or _text(seg.get("speaker_label"))
            if label:
                by_start[str(item.get("start_time"))] = label
    words: list[tuple[str, str]] = []
    speaker = "spk_0"
    for item in results["items"]:
        alts = _objects(item.get("alternatives"))
        content = _text(alts[0].get("content")) if alts else ""
        if not content:
            continue
        if item.get("type") == "punctuation":
            if words:
                words[-1] = (words[-1][0], words[-1][1] + content)
            continue
        speaker = _text(item.get("speaker_label")) or by_start.get(
            str(item.get("start_time")), speaker
        )
        words.append((speaker, content))
    turns: list[tuple[str, str]] = []
    for spk, word in words:
        name = "Speaker " + spk.removeprefix("spk_") if spk.startswith("spk_") else spk
        if turns and turns[-1][0] == name:
            turns[-1] = (name, f"{turns[-1][1]} {word}")
        else:
            turns.append((name, word))
    return turns
