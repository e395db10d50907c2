"""Which reader takes a JSON document: the format detector.

Checked in order, each by the fields its format's documentation names:

| format (``source_format``)      | recognised by                                             |
|---------------------------------|-----------------------------------------------------------|
| ``contact_lens_chat``           | ``Transcript[]`` + ``Channel: CHAT`` or message/event items |
| ``contact_lens_voice``          | ``Transcript[]`` whose turns name a ``ParticipantId``     |
| ``transcribe_call_analytics``   | ``Transcript[]`` whose turns name a ``ParticipantRole``   |
| ``transcribe_channels``         | ``results`` with ``channel_labels`` / ``channel_label``   |
| ``transcribe_standard``         | ``jobName`` or ``results.items`` (speaker labels or none) |
| ``transcribe_pca``              | ``ConversationAnalytics`` + ``SpeechSegments[]``          |
| ``bedrock_data_automation_audio`` | ``metadata.semantic_modality: AUDIO`` / ``audio`` segments |
| ``json``                        | a record (or a list of records) with an id and a text     |

A document of none of these shapes is quarantined as ``unrecognized_format``, naming the
keys a record may use.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

from bedrock_assets.ingest.analytics import parse_analytics
from bedrock_assets.ingest.bda import is_bda_audio, parse_bda_audio
from bedrock_assets.ingest.landing import call_id_from_name
from bedrock_assets.ingest.options import DEFAULT_OPTIONS, ReadOptions
from bedrock_assets.ingest.pca import is_pca, parse_pca
from bedrock_assets.ingest.records import UNRECOGNIZED_FORMAT, Quarantined, Transcript
from bedrock_assets.ingest.structured import record_to_transcript
from bedrock_assets.ingest.transcribe import parse_transcribe

_TURN_KEYS = ("ParticipantId", "ParticipantRole", "ContentType")


def _is_analytics(doc: dict) -> bool:
    """A ``Transcript`` list whose turns name participants (an export with a ``Transcript``
    list of ``{Speaker, Content}`` turns is a record, read with the record keys)."""
    turns = doc.get("Transcript")
    if not isinstance(turns, list):
        return False
    return (
        "Participants" in doc
        or "JobName" in doc
        or any(isinstance(t, dict) and any(k in t for k in _TURN_KEYS) for t in turns)
    )


def _is_transcribe(doc: dict) -> bool:
    results = doc.get("results")
    return "jobName" in doc or (
        isinstance(results, dict) and ("items" in results or "transcripts" in results)
    )


def read_json_document(
    doc: object, source_file: str, call_date: str, options: ReadOptions = DEFAULT_OPTIONS
) -> Iterator[Transcript | Quarantined]:
    """Every call of one parsed JSON document, each read by the reader its shape calls for."""
    if isinstance(doc, dict):
        yield read_object(doc, source_file, call_date, options, "json")
    elif isinstance(doc, list):
        for i, item in enumerate(doc, start=1):
            yield read_object(item, source_file, call_date, options, "json", i)
    else:
        yield Quarantined(
            source_file, UNRECOGNIZED_FORMAT, "JSON document is neither an object nor a list"
        )


def read_object(
    doc: object,
    source_file: str,
    call_date: str,
    options: ReadOptions,
    record_format: str,
    line: int | None = None,
) -> Transcript | Quarantined:
    """One JSON object: a service's output document, or a record (``record_format``). A
    record that stands alone in its file (``line`` None) is named after the file."""
    if not isinstance(doc, dict):
        return record_to_transcript(doc, source_file, record_format, call_date, line)
    if _is_analytics(doc):
        return _at_line(parse_analytics(doc, source_file, call_date), line)
    if _is_transcribe(doc):
        return _at_line(parse_transcribe(doc, source_file, call_date, options.agent_channel), line)
    if is_pca(doc):
        return _at_line(parse_pca(doc, source_file, call_date), line)
    if is_bda_audio(doc):
        return _at_line(parse_bda_audio(doc, source_file, call_date, options.agent_channel), line)
    return record_to_transcript(
        doc,
        source_file,
        record_format,
        call_date,
        line,
        options.fields,
        default_id=call_id_from_name(source_file) if line is None else None,
    )


def _at_line(item: Transcript | Quarantined, line: int | None) -> Transcript | Quarantined:
    """A document read from one line (or element) of a file: quarantines name the line, and
    a call named by its file gets the line too, so two such calls never share an id."""
    if line is None:
        return item
    if isinstance(item, Quarantined):
        return replace(item, line=line)
    if item.transcript_id == call_id_from_name(item.source_file):
        return replace(item, transcript_id=f"{item.transcript_id}-{line}")
    return item
