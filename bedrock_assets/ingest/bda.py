"""Amazon Bedrock Data Automation (BDA) standard output for audio.

The document carries ``metadata.semantic_modality: AUDIO`` and the conversation as
``audio_segments`` (``{type: TRANSCRIPT, text, speaker: {speaker_label}, channel:
{channel_label}}``), at the top level or under ``audio``; without segments, the full
transcript's text (``audio.transcript.representation.text``) is one turn of an unknown
speaker. Speakers are numbered (``spk_0``), so roles follow the rules of :mod:`roles`.
"""

from __future__ import annotations

from bedrock_assets.ingest.landing import call_id_from_name
from bedrock_assets.ingest.records import NO_TURNS, Quarantined, Transcript, merge_consecutive
from bedrock_assets.ingest.roles import assign_roles, neutral_label
from bedrock_assets.ingest.values import objects, text_of

BDA_AUDIO = "bedrock_data_automation_audio"


def is_bda_audio(doc: dict) -> bool:
    meta = doc.get("metadata")
    if isinstance(meta, dict) and text_of(meta.get("semantic_modality")).upper() == "AUDIO":
        return True
    audio = doc.get("audio")
    return isinstance(audio, dict) and ("audio_segments" in audio or "transcript" in audio)


def _segments(doc: dict) -> list[dict]:
    audio = doc.get("audio")
    nested = audio.get("audio_segments") if isinstance(audio, dict) else None
    return objects(doc.get("audio_segments")) or objects(nested)


def _full_text(doc: dict) -> str:
    audio = doc.get("audio")
    transcript = audio.get("transcript") if isinstance(audio, dict) else None
    rep = transcript.get("representation") if isinstance(transcript, dict) else None
    return text_of(rep.get("text")) if isinstance(rep, dict) else ""


def _label(seg: dict) -> str:
    speaker, channel = seg.get("speaker"), seg.get("channel")
    raw = text_of(speaker.get("speaker_label")) if isinstance(speaker, dict) else ""
    raw = raw or (text_of(channel.get("channel_label")) if isinstance(channel, dict) else "")
    return neutral_label(raw) or raw or "Speaker"


def parse_bda_audio(
    doc: dict, source_file: str, call_date: str, agent_channel: str | None = None
) -> Transcript | Quarantined:
    meta = doc.get("metadata")
    tid = call_id_from_name(source_file)
    if isinstance(meta, dict):
        key = text_of(meta.get("s3_key"))
        tid = call_id_from_name(key) if key else tid
    turns = [
        (_label(seg), " ".join(text_of(seg.get("text")).split()))
        for seg in _segments(doc)
        if text_of(seg.get("type")).upper() in ("", "TRANSCRIPT")
    ]
    turns = merge_consecutive([(s, u) for s, u in turns if u])
    if not turns and (text := _full_text(doc)):
        turns = [("Speaker", " ".join(text.split()))]
    if not turns:
        return Quarantined(source_file, NO_TURNS, "BDA audio output has no transcript", tid)
    by_channel = all(s.startswith("Channel ") for s, _ in turns)
    turns, role_source = assign_roles(turns, agent_channel=agent_channel if by_channel else None)
    return Transcript(tid, call_date, source_file, BDA_AUDIO, tuple(turns), role_source)
