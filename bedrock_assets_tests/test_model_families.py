"""Every supported model family: request body -> local model -> response -> parser."""

import json
from pathlib import Path

import pytest

import bedrock_local
from bedrock_assets.batch.join import source_transcript
from bedrock_assets.batch.record_ids import record_id
from bedrock_assets.prompting.local_model import HANDLER, summarize
from bedrock_assets.prompting.model_families import (
    base_model_id,
    build_body,
    family_of,
    parse_output,
)
from bedrock_assets.prompting.prompt import load_prompt
from bedrock_assets.state.objects import LocalObjectStore
from bedrock_local.models import invoke as engine_invoke

MODEL = "anthropic.claude-3-haiku-20240307-v1:0"


def invoke(body: dict, model: str = MODEL, invocation: str = "InvokeModel", key: str = "") -> dict:
    """The project's local model (its handler in the embedded engine) answering ``body``."""
    return engine_invoke(body, model, summarize, invocation, key).output


TRANSCRIPT = (
    "Agent: Oktank support, how can I help?\n"
    "Customer: I was charged twice for my order and need a refund.\n"
    "Agent: I have processed a refund for the duplicate charge."
)
MODELS = [
    ("anthropic.claude-3-haiku-20240307-v1:0", "InvokeModel", "claude"),
    ("us.anthropic.claude-3-5-haiku-20241022-v1:0", "InvokeModel", "claude"),
    ("amazon.nova-lite-v1:0", "InvokeModel", "nova"),
    ("meta.llama3-1-8b-instruct-v1:0", "InvokeModel", "llama"),
    ("amazon.titan-text-express-v1", "InvokeModel", "titan"),
    ("amazon.nova-pro-v1:0", "Converse", "converse"),
    ("meta.llama3-1-70b-instruct-v1:0", "Converse", "converse"),
]


@pytest.mark.parametrize(("model", "invocation", "family"), MODELS)
def test_round_trip(model: str, invocation: str, family: str) -> None:
    assert family_of(model, invocation) == family
    body = build_body(family, load_prompt(), TRANSCRIPT, 200, 0.0)
    assert source_transcript(body) == TRANSCRIPT
    parsed = parse_output(invoke(body, model, invocation))
    assert "charged twice" in parsed.text
    assert parsed.input_tokens > 0 and 0 < parsed.output_tokens <= 200
    assert parsed.stop_reason


def test_unsupported_model_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="Converse"):
        family_of("cohere.command-r-v1:0")
    assert family_of("cohere.command-r-v1:0", "Converse") == "converse"
    assert (
        base_model_id("arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-lite-v1:0")
        == "amazon.nova-lite-v1:0"
    )


@pytest.mark.parametrize(("model", "invocation", "family"), MODELS[2:])
def test_batch_job_for_each_family(
    tmp_path: Path, model: str, invocation: str, family: str
) -> None:
    store = LocalObjectStore(tmp_path / "object_store")
    body = build_body(family, load_prompt(), TRANSCRIPT, 200, 0.0)
    lines = [json.dumps({"recordId": record_id("d", str(i)), "modelInput": body}) for i in range(3)]
    store.put_bytes("s3://bkt/in/part-00000.jsonl", ("\n".join(lines) + "\n").encode())
    engine = bedrock_local.client(
        "bedrock",
        data_root=tmp_path,
        min_records_per_job=1,
        step_seconds=0.01,
        model_handler=HANDLER,
    )
    arn = engine.create_model_invocation_job(
        jobName="fam-1",
        roleArn="arn:aws:iam::123456789012:role/r",
        modelId=model,
        modelInvocationType=invocation,
        inputDataConfig={"s3InputDataConfig": {"s3Uri": "s3://bkt/in/"}},
        outputDataConfig={"s3OutputDataConfig": {"s3Uri": "s3://bkt/out/"}},
    )["jobArn"]
    engine.wait_idle(30)
    job = engine.get_model_invocation_job(jobIdentifier=arn)
    assert job["status"] == "Completed" and job["successRecordCount"] == 3
    out = store.read_bytes(f"s3://bkt/out/{arn.rsplit('/', 1)[1]}/part-00000.jsonl.out")
    assert all(parse_output(json.loads(x)["modelOutput"]).text for x in out.splitlines())
