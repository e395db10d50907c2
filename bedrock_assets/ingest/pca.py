"""Post Call Analytics (the AWS sample solution for Amazon Transcribe) parsed output.

``{"ConversationAnalytics": {..., "SpeakerLabels": [{"Speaker": "spk_0", "DisplayText":
"Agent"}]}, "SpeechSegments": [{"SegmentSpeaker": "spk_0", "DisplayText": "...",
"OriginalText": "..."}]}``: the display names say who is who; speakers without one keep
their numbered label and go through the rules of :mod:`roles`.
"""

from __future__ import annotations

from bedrock_assets.ingest.landing import call_id_from_name, opaque_id
from bedrock_assets.ingest.records import NO_TURNS, Quarantined, Transcript, merge_consecutive
from bedrock_assets.ingest.roles import assign_roles, label_for, neutral_label, role_of
from bedrock_assets.ingest.values import objects, text_of

PCA = "transcribe_pca"


def is_pca(doc: dict) -> bool:
    return isinstance(doc.get("SpeechSegments"), list) and isinstance(
        doc.get("ConversationAnalytics"), dict
    )


def _call_id(analytics: dict, stem: str) -> str:
    """The conversation's GUID, else the Transcribe job name's digest, else the file's."""
    if guid := text_of(analytics.get("GUID")):
        return guid
    for source in objects(analytics.get("SourceInformation")):
        job = source.get("TranscribeJobInfo")
        if isinstance(job, dict) and (name := text_of(job.get("TranscriptionJobName"))):
            return opaque_id(name)
    return stem


def parse_pca(doc: dict, source_file: str, call_date: str) -> Transcript | Quarantined:
    analytics = doc["ConversationAnalytics"]
    tid = _call_id(analytics, call_id_from_name(source_file))
    names = {
        text_of(s.get("Speaker")): text_of(s.get("DisplayText"))
        for s in objects(analytics.get("SpeakerLabels"))
    }
    turns = []
    for seg in objects(doc["SpeechSegments"]):
        raw = text_of(seg.get("SegmentSpeaker"))
        name = names.get(raw, "")
        label = label_for(name) if name and role_of(name) else neutral_label(raw) or raw
        text = text_of(seg.get("DisplayText")) or text_of(seg.get("OriginalText"))
        turns.append((label or "Speaker", " ".join(text.split())))
    turns = merge_consecutive([(s, u) for s, u in turns if u])
    if not turns:
        return Quarantined(source_file, NO_TURNS, "Post Call Analytics output has no speech", tid)
    if any(role_of(s) for s, _ in turns):
        return Transcript(tid, call_date, source_file, PCA, tuple(turns), "format")
    turns, role_source = assign_roles(turns)
    return Transcript(tid, call_date, source_file, PCA, tuple(turns), role_source)
