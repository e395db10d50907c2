"""Real call-center file families: each read with the right turns, roles and words.

The files in ``formats/`` follow the structure of each format's published examples (Amazon
Transcribe with channel identification and speaker diarization, Call Analytics, Contact
Lens output files for voice and chat, Bedrock Data Automation audio standard output, the
Post Call Analytics parsed output, everyday JSON/CSV exports) with synthetic content: the
same billing call in every family, so each must read back the same conversation.
"""

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from bedrock_assets.ingest.fields import parse_field_map
from bedrock_assets.ingest.landing import opaque_id
from bedrock_assets.ingest.options import ReadOptions
from bedrock_assets.ingest.parse import parse_file
from bedrock_assets.ingest.records import Quarantined, Transcript
from bedrock_assets.ingest.roles import assign_roles, role_of
from bedrock_assets.prompting.local_model import summarize_transcript
from bedrock_assets.settings import SettingsError, load_settings
from bedrock_assets_tests.harness import DAY, Pipeline

FORMATS = Path(__file__).parent / "formats"
# The billing call every fixture carries, agent first.
AGENT_LINES = (
    "Thank you for calling Oktank Wireless, this is Priya. How can I help you today?",
    "I'm sorry about that. Let me look at the account. I can see two payments of forty "
    "dollars on June fifth.",
    "I have processed a refund for the duplicate charge. It will appear on your card within "
    "five business days.",
    "You're welcome. Is there anything else I can help with? Have a great day.",
)
CUSTOMER_LINES = (
    "Hi, I was charged twice for my phone bill this month and I need a refund for the "
    "duplicate charge.",
    "Yes, the second one is the duplicate. Can you reverse it?",
    "Great, thank you so much for your help.",
)


def read(name: str, options: ReadOptions | None = None) -> list[Transcript | Quarantined]:
    data = (FORMATS / name).read_bytes()
    return list(parse_file(name, data, DAY, options=options or ReadOptions()))


def one_call(name: str, options: ReadOptions | None = None) -> Transcript:
    items = read(name, options)
    assert len(items) == 1 and isinstance(items[0], Transcript), items
    return items[0]


def assert_billing_call(t: Transcript, agent: str, customer: str) -> None:
    """Seven alternating turns, the agent's and the customer's words intact, and a summary
    whose customer side is the customer's request and whose agent side is the agent's act."""
    spoken = [(s, u) for s, u in t.turns if role_of(s) != "system"]
    assert [s for s, _ in spoken] == [agent, customer] * 3 + [agent]
    assert tuple(u for s, u in spoken if s == agent) == AGENT_LINES
    assert tuple(u for s, u in spoken if s == customer) == CUSTOMER_LINES
    summary = summarize_transcript(t.text, 2000)
    assert "The customer called about the following: Hi, I was charged twice" in summary
    assert "The agent responded: I have processed a refund" in summary


@pytest.mark.parametrize(
    ("name", "fmt", "agent", "customer", "role_source"),
    [
        ("transcribe_channels.json", "transcribe_channels", "Agent", "Customer", "greeting"),
        ("transcribe_diarized.json", "transcribe_standard", "Agent", "Customer", "greeting"),
        ("call_analytics.json", "transcribe_call_analytics", "Agent", "Customer", "format"),
        ("contact_lens_voice.json", "contact_lens_voice", "Agent", "Customer", "format"),
        ("contact_lens_chat.json", "contact_lens_chat", "Agent", "Customer", "format"),
        ("bda_audio.json", "bedrock_data_automation_audio", "Agent", "Customer", "greeting"),
        ("pca.json", "transcribe_pca", "Agent", "Caller", "format"),
        ("export_call_id.json", "json", "CSR", "Caller", "vocabulary"),
        ("turns.csv", "csv", "Supervisor", "Client", "vocabulary"),
    ],
)
def test_each_family_reads_the_call_with_its_roles(
    name: str, fmt: str, agent: str, customer: str, role_source: str
) -> None:
    t = one_call(name)
    assert (t.source_format, t.role_source) == (fmt, role_source)
    assert_billing_call(t, agent, customer)


def test_contact_lens_voice_roles_come_from_participants() -> None:
    t = one_call("contact_lens_voice.json")
    assert t.transcript_id == "a1b2c3d4-5678-90ab-cdef-EXAMPLE22222"  # CustomerMetadata
    assert t.turns[0] == ("System", "This call may be recorded for quality and training purposes.")
    assert "Unknown" not in t.text


def test_contact_lens_chat_skips_events_and_attachments() -> None:
    t = one_call("contact_lens_chat.json")
    assert t.turns[0][0] == "System"  # the bot's greeting is kept, labelled as such
    assert len(t.turns) == 8  # 1 system + 7 conversation turns; joins, typing, a PDF skipped
    assert "application/" not in t.text


def test_stereo_channels_are_neutral_without_a_greeting_or_a_setting() -> None:
    """The customer speaks first and nobody greets like an agent: no role is guessed."""
    t = one_call("transcribe_channels_segments.json")
    assert t.role_source == "unknown"
    assert [s for s, _ in t.turns] == ["Channel 0", "Channel 1"] * 2 + ["Channel 0"]
    summary = summarize_transcript(t.text, 2000)
    assert "roles are not identified" in summary
    assert "The customer" not in summary and "The agent" not in summary


def test_stereo_channels_follow_the_agent_channel_setting() -> None:
    t = one_call("transcribe_channels_segments.json", ReadOptions(agent_channel="ch_1"))
    assert t.role_source == "channel_setting"
    assert t.turns[0] == ("Customer", "Hello? I'm calling about the router I returned last week.")
    assert t.turns[3][0] == "Agent" and "sixty dollars" in t.turns[3][1]
    summary = summarize_transcript(t.text, 2000)
    assert "The customer called about the following: I'm calling about the router" in summary
    assert "The agent responded: I have issued the credit of sixty dollars" in summary


def test_channels_listed_one_after_the_other_come_back_in_time_order() -> None:
    """Older channel output may list each channel's items in turn; the words interleave by
    start time, not by channel."""
    t = one_call("transcribe_channels.json")
    assert t.turns[1] == ("Customer", CUSTOMER_LINES[0])


def test_greeting_rule_names_only_a_two_party_call() -> None:
    turns = [("Speaker 0", "Hello?"), ("Speaker 1", "Thanks for calling Acme, how can I help?")]
    named, source = assign_roles(turns)
    assert source == "greeting" and [s for s, _ in named] == ["Customer", "Agent"]
    mono = [("Speaker", "Thank you for calling Acme. Hi, my bill is wrong.")]
    assert assign_roles(mono) == (mono, "unknown")  # one undiarised voice holds both parties
    nobody = [("Speaker 0", "Hi there."), ("Speaker 1", "Hi, I have a question.")]
    assert assign_roles(nobody) == (nobody, "unknown")


def test_export_with_own_keys_needs_one_line_of_mapping() -> None:
    (bad,) = read("export_own_keys.jsonl")
    assert isinstance(bad, Quarantined) and bad.reason == "unrecognized_format"
    assert "call_id" in bad.detail and "BEDROCK_ASSETS_RECORD_FIELDS" in bad.detail
    mapped = ReadOptions(parse_field_map("transcript_id=ticket_ref,text=body"))
    t = one_call("export_own_keys.jsonl", mapped)
    assert t.transcript_id == "T-20240823-0010"
    assert_billing_call(t, "Associate", "Member")


def test_json_of_no_known_shape_is_unrecognized_not_missing_id() -> None:
    (q,) = read("unknown_shape.json")
    assert isinstance(q, Quarantined) and q.reason == "unrecognized_format"
    assert "transcript_id" in q.detail and "dialogue" in q.detail


@pytest.mark.parametrize(
    "record",
    [
        b'{"Call_Id": "c1", "Conversation": "Agent: hi there\\nCustomer: my bill is wrong"}',
        b'{"CALL_ID": "c1", "call_transcript": "Agent: hi there\\nCustomer: my bill is wrong"}',
        b'{"call-id": "c1", "messages": [{"role": "agent", "content": "hi there"}, '
        b'{"role": "customer", "content": "my bill is wrong"}]}',
        b'{"conversation_id": "c1", "dialogue": ["Agent: hi there", "Customer: my bill is wrong"]}',
    ],
)
def test_common_export_keys_need_no_configuration(record: bytes) -> None:
    (t,) = parse_file("export.jsonl", record + b"\n", DAY)
    assert isinstance(t, Transcript), t
    assert t.transcript_id == "c1"
    assert [s.lower() for s, _ in t.turns] == ["agent", "customer"]


@pytest.mark.parametrize(
    ("label", "role"),
    [
        ("CSR", "agent"),
        ("Supervisor", "agent"),
        ("Associate", "agent"),
        ("Operator", "agent"),
        ("Advisor", "agent"),
        ("Customer Service", "agent"),
        ("Member Services", "agent"),
        ("Guest Relations", "agent"),
        ("Rep 2", "agent"),
        ("Caller", "customer"),
        ("Member", "customer"),
        ("Policyholder", "customer"),
        ("IVR", "system"),
        ("Speaker 0", None),
        ("Ana", None),
    ],
)
def test_role_vocabulary(label: str, role: str | None) -> None:
    assert role_of(label) == role


@pytest.mark.parametrize("title", ["CSR", "Supervisor", "Associate", "Operator", "Advisor"])
def test_summarizer_puts_agent_titles_on_the_agent_side(title: str) -> None:
    text = (
        f"{title}: Thanks for calling, how can I help?\n"
        "Caller: I want to cancel my subscription because of a billing error.\n"
        f"{title}: I have cancelled the subscription and refunded the last charge."
    )
    summary = summarize_transcript(text, 2000)
    assert "The customer called about the following: I want to cancel" in summary
    assert "The agent responded: I have cancelled the subscription" in summary


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("BEDROCK_ASSETS_RECORD_FIELDS", "ticket_ref"),
        ("BEDROCK_ASSETS_RECORD_FIELDS", "callid=ticket_ref"),
        ("BEDROCK_ASSETS_AGENT_CHANNEL", "left"),
    ],
)
def test_reading_settings_fail_at_load_naming_the_variable(
    variable: str, value: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(SettingsError, match=variable):
        load_settings()


@pytest.mark.e2e
def test_a_day_of_every_family_is_summarized_and_counted_per_format(
    make_pipeline: Callable[..., Pipeline],
) -> None:
    pipeline = make_pipeline(
        min_records_per_job=1, record_fields="transcript_id=ticket_ref,text=body"
    )
    day = pipeline.layout.landing(DAY).rstrip("/")
    for i, path in enumerate(sorted(FORMATS.iterdir())):
        # The same call in every family: a name of its own per file, or it is a duplicate.
        data = path.read_bytes().replace(b"Priya", f"Agent{i:02d}".encode())
        pipeline.store.put_bytes(f"{day}/{path.name}", data)
    pipeline.prepare(DAY)
    pipeline.drain()
    meta = pipeline.metadata("raw_transcripts")
    assert meta["formats"] == {
        "transcribe_channels": 2,
        "transcribe_standard": 1,
        "transcribe_call_analytics": 1,
        "contact_lens_voice": 1,
        "contact_lens_chat": 1,
        "bedrock_data_automation_audio": 1,
        "transcribe_pca": 1,
        "json": 1,
        "jsonl": 1,
        "csv": 1,
    }
    assert meta["role_sources"] == {"greeting": 3, "format": 4, "vocabulary": 3, "unknown": 1}
    quarantine = pipeline.table("quarantine").to_pylist()
    assert [q["reason"] for q in quarantine] == ["unrecognized_format"]
    transcripts = pipeline.table("transcripts").to_pylist()
    neutral = {r["transcript_id"] for r in transcripts if r["role_source"] == "unknown"}
    assert neutral == {opaque_id("stereo-call-20240823-0002")}  # job names are digested
    outputs = pipeline.table("batch_outputs").to_pylist()
    assert len(outputs) == 11 and len(pipeline.table("guarded_summaries").to_pylist()) == 11
    for row in outputs:
        if row["transcript_id"] in neutral:
            assert "roles are not identified" in row["summary"]
        else:
            assert (
                "The customer called about the following: Hi, I was charged twice"
                in (row["summary"])
            ), row["transcript_id"]
            assert "The agent responded: I have processed a refund" in row["summary"]


def test_jsonl_lines_may_hold_service_documents() -> None:
    """A data-lake export: one Contact Lens or Call Analytics document per line."""
    lines = [
        json.dumps(json.loads((FORMATS / name).read_text()))
        for name in ("contact_lens_voice.json", "call_analytics.json")
    ]
    voice, analytics = parse_file("export.jsonl", "\n".join(lines).encode(), DAY)
    assert isinstance(voice, Transcript) and voice.source_format == "contact_lens_voice"
    assert isinstance(analytics, Transcript)
    assert analytics.source_format == "transcribe_call_analytics"
    assert_billing_call(analytics, "Agent", "Customer")


# -- what a review tried against the readers: each used to mislabel, merge, leak or refuse --
def only(name: str, data: bytes) -> Transcript:
    items = list(parse_file(name, data, DAY))
    assert len(items) == 1 and isinstance(items[0], Transcript), items
    return items[0]


@pytest.mark.parametrize(
    "text",
    [
        "Speaker 0: Hello?\nSpeaker 1: Hi, who am I speaking with?\n"
        "Speaker 0: Dana, billing.\nSpeaker 1: My bill is wrong.",
        "Speaker 0: Hello, Sam speaking.\nSpeaker 1: Hi Sam, I'm calling about an offer.",
        "Speaker 0: Hi, I'm Jo with a question about my bill.\nSpeaker 1: Sure, go ahead.",
        "Speaker 0: Welcome to the jungle, ha. My router is down.\nSpeaker 1: Let me check.",
    ],
)
def test_customer_phrases_are_no_agent_greeting(text: str) -> None:
    t = only("call.txt", text.encode())
    assert t.role_source == "unknown" and {s for s, _ in t.turns} == {"Speaker 0", "Speaker 1"}


def test_the_greeting_names_nobody_in_a_call_with_a_third_voice() -> None:
    text = (
        "Speaker 0: Thank you for calling Acme, how can I help you?\n"
        "Speaker 1: My order never arrived.\n"
        "Speaker 2: This is the supervisor, I have issued a refund."
    )
    t = only("call.txt", text.encode())
    assert t.role_source == "unknown"
    summary = summarize_transcript(t.text, 2000)
    assert "The customer" not in summary and "The agent" not in summary


def test_an_agent_facing_two_unlabelled_voices_labels_neither_as_the_customer() -> None:
    text = (
        "Agent: Thank you for calling, how can I help?\n"
        "Speaker 1: My order never arrived and I want a refund.\n"
        "Speaker 2: This is the supervisor, I have issued the refund."
    )
    summary = summarize_transcript(text, 2000)
    assert "The customer called about" not in summary


def test_an_export_with_a_transcript_list_of_speaker_content_turns_is_a_record() -> None:
    doc = {
        "CallID": "A-1",
        "Transcript": [
            {"Speaker": "Agent", "Content": "Thanks for calling"},
            {"Speaker": "Customer", "Content": "My card is lost"},
        ],
    }
    t = only("export.json", json.dumps(doc).encode())
    assert t.transcript_id == "A-1" and t.source_format == "json"
    assert t.turns == (("Agent", "Thanks for calling"), ("Customer", "My card is lost"))


def test_contact_lens_participants_without_roles_are_never_merged() -> None:
    doc = json.loads((FORMATS / "contact_lens_voice.json").read_text())
    del doc["Participants"]
    t = only("voice.json", json.dumps(doc).encode())
    speakers = {s for s, _ in t.turns}
    assert len(t.turns) == 8 and len(speakers) == 3  # three UUIDs, three voices, none merged
    assert "Unknown speaker" not in speakers


def test_a_job_name_never_becomes_an_id() -> None:
    for name in ("transcribe_diarized.json", "pca.json", "call_analytics.json"):
        doc = json.loads((FORMATS / name).read_text())
        if "jobName" in doc:
            doc["jobName"] = "call_415-555-0166"
        elif "JobName" in doc:
            doc["JobName"] = "call_415-555-0166"
        else:
            analytics = doc["ConversationAnalytics"]
            analytics.pop("GUID")
            analytics["SourceInformation"][0]["TranscribeJobInfo"]["TranscriptionJobName"] = (
                "call_415-555-0166.wav"
            )
        t = only(name, json.dumps(doc).encode())
        assert "555" not in t.transcript_id and t.transcript_id.startswith("job-"), name


def test_a_record_with_a_results_field_is_not_taken_for_transcribe() -> None:
    doc = {"call_id": "A1", "transcript": "Agent: hi\nCustomer: bye", "results": {"csat": 5}}
    assert only("survey.json", json.dumps(doc).encode()).transcript_id == "A1"


def test_a_call_log_csv_from_column_is_no_speaker() -> None:
    data = (
        b"call_sid,from,to,transcript\n"
        b'CA1,+14155550166,+18005550100,"Agent: hi there\nCustomer: my card is lost"\n'
    )
    t = only("calls.csv", data)
    assert t.turns == (("Agent", "hi there"), ("Customer", "my card is lost"))
    assert "4155550166" not in t.text


def test_offsets_and_epoch_times_are_no_call_dates() -> None:
    data = b"call_id,start_time,speaker,text\nC1,0.0,Agent,hi there\nC1,2.5,Customer,my bill\n"
    assert len(only("turns.csv", data).turns) == 2
    doc = {"call_id": "A2", "start_time": 1724400000, "text": "Agent: hi\nCustomer: bye"}
    assert only("a2.json", json.dumps(doc).encode()).transcript_id == "A2"


def test_a_null_under_one_key_does_not_hide_another() -> None:
    doc = {"call_id": "A-5", "text": None, "messages": [{"role": "agent", "content": "hi"}]}
    assert only("a5.json", json.dumps(doc).encode()).turns == (("agent", "hi"),)


def test_a_json_list_of_service_documents_is_read_document_by_document() -> None:
    docs = [json.loads((FORMATS / n).read_text()) for n in ("call_analytics.json", "pca.json")]
    items = list(parse_file("batch.json", json.dumps(docs).encode(), DAY))
    assert [getattr(i, "source_format", None) for i in items] == [
        "transcribe_call_analytics",
        "transcribe_pca",
    ]


def test_service_documents_without_ids_on_jsonl_lines_get_distinct_ids() -> None:
    doc = json.loads((FORMATS / "transcribe_diarized.json").read_text())
    del doc["jobName"]
    other = json.loads(json.dumps(doc).replace("Priya", "Ines"))
    data = (json.dumps(doc) + "\n" + json.dumps(other) + "\n").encode()
    first, second = parse_file("export.jsonl", data, DAY)
    assert isinstance(first, Transcript) and isinstance(second, Transcript)
    assert first.transcript_id != second.transcript_id


@pytest.mark.parametrize(
    ("label", "role"),
    [("CUSTOM_BOT", "system"), ("Caller (Office Manager)", None), ("Reply", None), ("Lead", None)],
)
def test_ambiguous_labels_name_no_side(label: str, role: str | None) -> None:
    assert role_of(label) == role
