"""Amazon Transcribe (standard) output JSON: ``results`` with speakers, channels or neither.

- Speaker diarization: ``speaker_label`` (``spk_0``...) on ``items[]`` (newer output) or in
  ``speaker_labels.segments`` (older output, matched by start time).
- Channel identification (stereo call recordings): ``channel_label`` (``ch_0``, ``ch_1``) on
  ``items[]`` or in ``channel_labels.channels[].items``.
- ``audio_segments`` (newer output): one segment per utterance with its transcript and its
  speaker or channel label; preferred when present.

Numbered speakers and channels get roles by the rules of :mod:`roles`.
"""

from __future__ import annotations

from bedrock_assets.ingest.landing import call_id_from_name, opaque_id
from bedrock_assets.ingest.records import (
    MALFORMED_RECORD,
    NO_TURNS,
    Quarantined,
    Transcript,
    merge_consecutive,
)
from bedrock_assets.ingest.roles import assign_roles, neutral_label
from bedrock_assets.ingest.values import objects, text_of

STANDARD = "transcribe_standard"
CHANNELS = "transcribe_channels"


def parse_transcribe(
    doc: dict, source_file: str, call_date: str, agent_channel: str | None = None
) -> Transcript | Quarantined:
    """One call from standard Transcribe output."""
    results = doc.get("results")
    job = text_of(doc.get("jobName"))
    tid = opaque_id(job) if job else call_id_from_name(source_file)
    if not isinstance(results, dict) or not isinstance(results.get("items"), list):
        return Quarantined(
            source_file, MALFORMED_RECORD, "Transcribe JSON without results.items", tid
        )
    if not all(isinstance(item, dict) for item in results["items"]):
        return Quarantined(
            source_file, MALFORMED_RECORD, "Transcribe results.items holds a non-object", tid
        )
    by_channel = _is_channel_output(results)
    turns = _turns_from_segments(results) or _turns_from_items(results, by_channel)
    turns = [(s, u) for s, u in turns if u]
    if not turns:
        return Quarantined(source_file, NO_TURNS, "Transcribe output has no speech", tid)
    turns, role_source = assign_roles(turns, agent_channel=agent_channel if by_channel else None)
    fmt = CHANNELS if by_channel else STANDARD
    return Transcript(tid, call_date, source_file, fmt, tuple(turns), role_source)


def _is_channel_output(results: dict) -> bool:
    return isinstance(results.get("channel_labels"), dict) or any(
        "channel_label" in item for item in objects(results.get("items"))
    )


def _label(raw: str, fallback: str) -> str:
    return neutral_label(raw) or raw or fallback


def _turns_from_segments(results: dict) -> list[tuple[str, str]]:
    """``audio_segments``: an utterance each, with its speaker or channel label."""
    turns: list[tuple[str, str]] = []
    for seg in objects(results.get("audio_segments")):
        text = " ".join(text_of(seg.get("transcript")).split())
        raw = text_of(seg.get("speaker_label")) or text_of(seg.get("channel_label"))
        turns.append((_label(raw, "Speaker"), text))
    return merge_consecutive(turns)


def _labels_by_start(results: dict, by_channel: bool) -> dict[str, str]:
    """Older output: the labels live beside the items, keyed here by start time."""
    by_start: dict[str, str] = {}
    if by_channel:
        channels = results.get("channel_labels")
        groups = objects(channels.get("channels") if isinstance(channels, dict) else None)
        key = "channel_label"
    else:
        speakers = results.get("speaker_labels")
        groups = objects(speakers.get("segments") if isinstance(speakers, dict) else None)
        key = "speaker_label"
    for group in groups:
        for item in objects(group.get("items")):
            label = text_of(item.get(key)) or text_of(group.get(key))
            if label and item.get("start_time") is not None:
                by_start[str(item.get("start_time"))] = label
    return by_start


def _turns_from_items(results: dict, by_channel: bool) -> list[tuple[str, str]]:
    key = "channel_label" if by_channel else "speaker_label"
    by_start = _labels_by_start(results, by_channel)
    words: list[tuple[str, str]] = []
    speaker = ""
    for item in results["items"]:
        alts = objects(item.get("alternatives"))
        content = text_of(alts[0].get("content")) if alts else ""
        if not content:
            continue
        if item.get("type") == "punctuation":
            if words:
                words[-1] = (words[-1][0], words[-1][1] + content)
            continue
        speaker = text_of(item.get(key)) or by_start.get(str(item.get("start_time")), speaker)
        words.append((speaker, content))
    if by_channel:
        # Both channels' items may be listed channel by channel: put the words in time order.
        words = _in_time_order(results, words)
    return merge_consecutive([(_label(s, "Speaker"), w) for s, w in words])


def _in_time_order(results: dict, words: list[tuple[str, str]]) -> list[tuple[str, str]]:
    starts: list[float] = []
    last = 0.0
    for item in results["items"]:
        alts = objects(item.get("alternatives"))
        if not (alts and text_of(alts[0].get("content"))) or item.get("type") == "punctuation":
            continue
        try:
            last = float(item.get("start_time", last))
        except (TypeError, ValueError):
            pass
        starts.append(last)
    if len(starts) != len(words):
        return words
    order = sorted(range(len(words)), key=lambda i: starts[i])  # stable: ties keep file order
    return [words[i] for i in order]
