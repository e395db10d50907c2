"""Amazon Transcribe output JSON: Call Analytics ``Transcript[]`` and standard ``results``."""

from __future__ import annotations

from pathlib import PurePosixPath

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
    stem = PurePosixPath(source_file).stem
    if isinstance(doc.get("Transcript"), list):
        tid = str(doc.get("JobName") or stem)
        turns = []
        for seg in doc["Transcript"]:
            if not isinstance(seg, dict) or not isinstance(seg.get("Content"), str):
                return Quarantined(
                    source_file, MALFORMED_RECORD, "Call Analytics segment without Content", tid
                )
            role = str(seg.get("ParticipantRole", "UNKNOWN"))
            turns.append((speaker_name(role), seg["Content"].strip()))
        turns = merge_consecutive(turns)
        fmt = "transcribe_call_analytics"
    else:
        results = doc.get("results")
        tid = str(doc.get("jobName") or stem)
        if not isinstance(results, dict) or not isinstance(results.get("items"), list):
            return Quarantined(
                source_file, MALFORMED_RECORD, "Transcribe JSON without results.items", tid
            )
        turns = _turns_from_items(results)
        fmt = "transcribe_standard"
    turns = [(s, u) for s, u in turns if u]
    if not turns:
        return Quarantined(source_file, NO_TURNS, "Transcribe output has no speech", tid)
    return Transcript(tid, call_date, source_file, fmt, tuple(turns))


def _turns_from_items(results: dict) -> list[tuple[str, str]]:
    by_start: dict[str, str] = {}
    for seg in (results.get("speaker_labels") or {}).get("segments", []) or []:
        for item in seg.get("items", []) or []:
            by_start[str(item.get("start_time"))] = str(
                item.get("speaker_label", seg.get("speaker_label"))
            )
    words: list[tuple[str, str]] = []
    speaker = "spk_0"
    for item in results["items"]:
        alts = item.get("alternatives") or [{}]
        content = str(alts[0].get("content", ""))
        if item.get("type") == "punctuation":
            if words:
                words[-1] = (words[-1][0], words[-1][1] + content)
            continue
        speaker = str(
            item.get("speaker_label") or by_start.get(str(item.get("start_time")), speaker)
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
