"""Runs one local batch job to its end in its own process, as Bedrock runs jobs server-side.

Started detached by the local client, so a job keeps going after the submitter exits.
Writes ``{output}/{jobId}/{file}.out`` per input file and ``manifest.json.out``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import time
from pathlib import PurePosixPath

from bedrock_local.batch.objects import open_storage
from bedrock_local.batch.state import TERMINAL, EngineState
from bedrock_local.config import DEFAULT_MODEL_HANDLER
from bedrock_local.models import ModelInputError, invoke, load_handler

RECORD_ID = re.compile(r"^[0-9A-Za-z]{11}$")
MANIFEST_NAME = "manifest.json.out"


def join_uri(base: str, name: str) -> str:
    return f"{base.rstrip('/')}/{name}"


class _Stopped(Exception):
    pass


class JobRunner:
    def __init__(self, state: EngineState, job_id: str) -> None:
        self.state = state
        self.job_id = job_id
        job = state.job(job_id)
        if job is None:
            raise SystemExit(f"no such job {job_id}")
        self.job = job
        self.request = json.loads(job["request_json"])
        self.config = json.loads(job["engine_config"])
        self.store = open_storage(self.config)
        self.handler = load_handler(self.config.get("model_handler") or DEFAULT_MODEL_HANDLER)
        self.faults = dict(self.config.get("faults") or ())
        self.step = float(self.config.get("step_seconds", 0.5))
        self.per_record = float(self.config.get("record_seconds", 0.0))
        if self._chance("slow_job", "slow"):
            self.step *= 10

    def _chance(self, fault: str, key: str) -> bool:
        """A deterministic draw per job (and record): re-running a job repeats its faults."""
        prob = self.faults.get(fault, 0.0)
        if not prob:
            return False
        digest = hashlib.sha256(f"{fault}:{self.job['job_name']}:{key}".encode()).digest()
        return int.from_bytes(digest[:8], "big") / 2**64 < prob

    def _stop_requested(self) -> bool:
        job = self.state.job(self.job_id)
        return job is not None and job["status"] == "Stopping"

    def _advance(self, status: str) -> None:
        if self._stop_requested():
            raise _Stopped()
        self.state.set_status(self.job_id, status)
        time.sleep(self.step)

    def _input_files(self) -> list[str]:
        uri = self.request["inputDataConfig"]["s3InputDataConfig"]["s3Uri"]
        return [u for u in self.store.list_uris(uri) if u.endswith(".jsonl")]

    def _validate(self, files: list[str]) -> int | str:
        """Total records, or the failure message Bedrock would give."""
        cfg = self.config
        if not files:
            return "The input S3 location does not contain any .jsonl file."
        total = 0
        for uri in files:
            size = self.store.size(uri)
            if size > cfg["max_file_bytes"]:
                limit = cfg["max_file_bytes"]
                return f"Input file {PurePosixPath(uri).name} exceeds the {limit}-byte limit."
            count = 0
            for lineno, line in enumerate(self.store.iter_lines(uri), start=1):
                if not line.strip():
                    continue
                count += 1
                try:
                    rec = json.loads(line)
                except (UnicodeDecodeError, json.JSONDecodeError):
                    return f"Line {lineno} of {PurePosixPath(uri).name} is not valid JSON."
                if not isinstance(rec, dict) or "modelInput" not in rec:
                    return f"Line {lineno} of {PurePosixPath(uri).name} has no modelInput."
            if count > cfg["max_records_per_file"]:
                limit = cfg["max_records_per_file"]
                name = PurePosixPath(uri).name
                return f"Input file {name} has {count} records; the limit is {limit}."
            total += count
        if total < cfg["min_records_per_job"]:
            return (
                f"The job has {total} records; batch inference requires at least "
                f"{cfg['min_records_per_job']} records per job for this model."
            )
        if total > cfg["max_records_per_job"]:
            return (
                f"The job has {total} records; the limit is {cfg['max_records_per_job']} per job."
            )
        return total

    def _answer(self, rec: dict, key: str) -> tuple[dict, int, int]:
        """``({"modelOutput": ...} or {"error": ...}, input tokens, output tokens)``."""
        try:
            answer = invoke(
                rec.get("modelInput"),
                self.request["modelId"],
                self.handler,
                self.request.get("modelInvocationType", "InvokeModel"),
                key,
            )
        except ModelInputError as exc:
            return {"error": {"errorCode": 400, "errorMessage": str(exc)}}, 0, 0
        return {"modelOutput": answer.output}, answer.input_tokens, answer.output_tokens

    def _record(self, rec: dict, rid: object) -> tuple[dict, int, int]:
        if not isinstance(rid, str) or not RECORD_ID.match(rid):
            message = "recordId must be 11 alphanumeric characters."
            return {"error": {"errorCode": 400, "errorMessage": message}}, 0, 0
        if self._chance("record_error", rid):
            message = "ModelErrorException: injected fault"
            return {"error": {"errorCode": 500, "errorMessage": message}}, 0, 0
        return self._answer(rec, f"{self.job_id}:{rid}")

    def run(self) -> None:
        state = self.state
        state.heartbeat(self.job_id)
        out_base = join_uri(
            self.request["outputDataConfig"]["s3OutputDataConfig"]["s3Uri"], self.job_id
        )
        processed = success = errors = in_tok = out_tok = 0
        total = 0
        try:
            self._advance("Validating")
            files = self._input_files()
            checked = self._validate(files)
            if isinstance(checked, str):
                state.set_status(self.job_id, "Failed", checked)
                return
            total = checked
            state.update(self.job_id, total_records=total, processed_records=0)
            if self._chance("job_failure", "job"):
                state.set_status(self.job_id, "Failed", "Internal error (injected fault).")
                return
            self._advance("Scheduled")
            self._advance("InProgress")
            expire_after = total // 2 if self._chance("job_expiry", "job") else None
            stopped = False
            for uri in files:
                lines: list[bytes] = []
                for raw in self.store.iter_lines(uri):
                    if not raw.strip():
                        continue
                    if expire_after is not None and processed >= expire_after:
                        stopped = True
                        break
                    if processed % 25 == 0:
                        if self._stop_requested():
                            stopped = True
                            break
                        state.heartbeat(
                            self.job_id,
                            processed_records=processed,
                            success_records=success,
                            error_records=errors,
                        )
                    if self.per_record:
                        time.sleep(self.per_record)
                    rec = json.loads(raw)
                    rid = rec.get("recordId")
                    result, rec_in, rec_out = self._record(rec, rid)
                    if "error" in result:
                        line = {"recordId": rid, "modelInput": rec.get("modelInput"), **result}
                        errors += 1
                    else:
                        in_tok += rec_in
                        out_tok += rec_out
                        line = {"modelInput": rec.get("modelInput"), **result, "recordId": rid}
                        success += 1
                    processed += 1
                    lines.append(json.dumps(line, ensure_ascii=False).encode() + b"\n")
                name = PurePosixPath(uri).name
                self.store.put_bytes(join_uri(out_base, f"{name}.out"), b"".join(lines))
                if stopped:
                    break
            manifest = {
                "totalRecordCount": total,
                "processedRecordCount": processed,
                "successRecordCount": success,
                "errorRecordCount": errors,
                "inputTokenCount": in_tok,
                "outputTokenCount": out_tok,
            }
            self.store.put_bytes(join_uri(out_base, MANIFEST_NAME), json.dumps(manifest).encode())
            counts = dict(
                processed_records=processed, success_records=success, error_records=errors
            )
            if expire_after is not None and stopped:
                state.set_status(
                    self.job_id, "Expired", "The job timed out (injected fault).", **counts
                )
            elif stopped or self._stop_requested():
                state.set_status(self.job_id, "Stopped", "Stopped by request.", **counts)
            else:
                state.set_status(self.job_id, "Completed", None, **counts)
        except _Stopped:
            state.set_status(self.job_id, "Stopped", "Stopped by request.")
        except Exception as exc:  # the job fails, as a service-side error would
            job = state.job(self.job_id)
            if job and job["status"] not in TERMINAL:
                state.set_status(self.job_id, "Failed", f"Internal error: {type(exc).__name__}")
            raise


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--state", required=True)
    parser.add_argument("--job", required=True)
    args = parser.parse_args(argv)
    os.umask(0o077)
    JobRunner(EngineState(args.state), args.job).run()


if __name__ == "__main__":
    main()
