"""A local, Bedrock-compatible batch inference control plane (the embedded default).

Same method names, request validation, error codes, statuses and output files as the
``bedrock`` client's ``CreateModelInvocationJob`` / ``GetModelInvocationJob`` /
``ListModelInvocationJobs`` / ``StopModelInvocationJob``. Jobs run in detached worker
processes, so a job keeps going after the process that submitted it exits.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import random
import secrets
import subprocess
import sys
import time
import uuid
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bedrock_assets.local.engine_state import IN_FLIGHT, TERMINAL, EngineState
from bedrock_assets.local.validation import client_error, validate_request

_ID_CHARS = "abcdefghijklmnopqrstuvwxyz0123456789"
_STALE_SECONDS = 30.0


@dataclass(frozen=True)
class EngineConfig:
    """What the local service enforces (Bedrock's quotas for the account and model)."""

    store_root: str
    region: str = "us-east-1"
    account_id: str = "123456789012"
    max_concurrent_jobs: int = 10
    min_records_per_job: int = 100
    max_records_per_job: int = 50_000
    max_records_per_file: int = 50_000
    max_file_bytes: int = 200 * 1024**2
    step_seconds: float = 0.5
    s3_endpoint_url: str | None = None  # jobs read and write S3 (an emulator) instead of a folder
    # Fault injection: probabilities of job failure, expiry, per-record errors, throttled
    # submissions and slow jobs (see parse_faults).
    faults: tuple[tuple[str, float], ...] = ()


FAULT_KEYS = ("job_failure", "job_expiry", "record_error", "submit_throttle", "slow_job")


def parse_faults(spec: str) -> tuple[tuple[str, float], ...]:
    """``"job_failure=0.2,record_error=0.05"`` -> validated (key, probability) pairs."""
    out = []
    for part in filter(None, (p.strip() for p in spec.split(","))):
        key, _, value = part.partition("=")
        if key not in FAULT_KEYS:
            raise ValueError(f"unknown fault {key!r}; use {', '.join(FAULT_KEYS)}")
        prob = float(value)
        if not 0.0 <= prob <= 1.0:
            raise ValueError(f"fault {key} must be a probability, got {value}")
        out.append((key, prob))
    return tuple(out)


def _ts(value: float | None) -> datetime | None:
    return datetime.fromtimestamp(value, tz=UTC) if value is not None else None


def _metadata() -> dict[str, Any]:
    return {
        "RequestId": str(uuid.uuid4()),
        "HTTPStatusCode": 200,
        "HTTPHeaders": {},
        "RetryAttempts": 0,
    }


class LocalBedrockClient:
    """Drop-in for ``boto3.client("bedrock")`` for the four batch-inference calls."""

    def __init__(
        self, state_path: Path | str, config: EngineConfig, spawn_workers: bool = True
    ) -> None:
        self.state = EngineState(state_path)
        self.config = config
        self.spawn_workers = spawn_workers
        self._children: list[subprocess.Popen] = []

    # -- helpers -----------------------------------------------------------------------------
    def _arn(self, job_id: str) -> str:
        c = self.config
        return f"arn:aws:bedrock:{c.region}:{c.account_id}:model-invocation-job/{job_id}"

    def _spawn(self, job_id: str) -> None:
        if not self.spawn_workers:
            return
        log_dir = self.state.path.parent / "local_bedrock_logs"
        log_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(log_dir / f"{job_id}.log", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        with os.fdopen(fd, "ab") as log:
            proc = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "bedrock_assets.local.worker",
                    "--state",
                    str(self.state.path),
                    "--job",
                    job_id,
                ],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                start_new_session=True,
                close_fds=True,
            )
        self._children.append(proc)
        self.state.update(job_id, worker_pid=proc.pid, heartbeat=time.time())

    def _reap(self) -> None:
        self._children = [p for p in self._children if p.poll() is None]

    def _revive_stale(self) -> None:
        """Restart the worker of any in-flight job whose worker died (machine restart, kill)."""
        self._reap()
        now = time.time()
        with self.state.connect() as conn:
            rows = conn.execute(
                f"SELECT job_id, worker_pid, heartbeat FROM jobs WHERE status IN "
                f"({','.join('?' * len(IN_FLIGHT))})",
                IN_FLIGHT,
            ).fetchall()
        for row in rows:
            if now - (row["heartbeat"] or 0) < _STALE_SECONDS:
                continue
            if row["worker_pid"] and _pid_alive(row["worker_pid"]):
                continue
            self._spawn(row["job_id"])

    def _find(self, identifier: str, operation: str) -> dict[str, Any]:
        job_id = identifier.rsplit("/", 1)[-1]
        job = self.state.job(job_id)
        if job is None or (identifier.startswith("arn:") and job["job_arn"] != identifier):
            raise client_error(
                "ResourceNotFoundException",
                f"The specified job {identifier} was not found.",
                operation,
                404,
            )
        return job

    def _describe(self, job: dict[str, Any], summary: bool = False) -> dict[str, Any]:
        req = json.loads(job["request_json"])
        out: dict[str, Any] = {
            "jobArn": job["job_arn"],
            "jobName": job["job_name"],
            "modelId": job["model_id"],
            "clientRequestToken": job["client_request_token"],
            "roleArn": req["roleArn"],
            "status": job["status"],
            "submitTime": _ts(job["submit_time"]),
            "lastModifiedTime": _ts(job["last_modified_time"]),
            "inputDataConfig": req["inputDataConfig"],
            "outputDataConfig": req["outputDataConfig"],
            "timeoutDurationInHours": req.get("timeoutDurationInHours", 24),
            "jobExpirationTime": _ts(job["job_expiration_time"]),
        }
        for key, col in (("message", "message"), ("endTime", "end_time")):
            if job[col] is not None:
                out[key] = _ts(job[col]) if key == "endTime" else job[col]
        for key in ("vpcConfig", "modelInvocationType"):
            if key in req:
                out[key] = req[key]
        for key, col in (
            ("totalRecordCount", "total_records"),
            ("processedRecordCount", "processed_records"),
            ("successRecordCount", "success_records"),
            ("errorRecordCount", "error_records"),
        ):
            if job[col] is not None:
                out[key] = job[col]
        return out

    # -- the API -----------------------------------------------------------------------------
    def create_model_invocation_job(self, **params: Any) -> dict[str, Any]:
        op = "CreateModelInvocationJob"
        params.setdefault("clientRequestToken", str(uuid.uuid4()))
        validate_request("bedrock", op, params)
        throttle = dict(self.config.faults).get("submit_throttle", 0.0)
        if throttle and random.random() < throttle:
            raise client_error("ThrottlingException", "Rate exceeded (injected fault).", op, 429)
        token = params["clientRequestToken"]
        digest = hashlib.sha256(json.dumps(params, sort_keys=True).encode()).hexdigest()
        self._revive_stale()
        with self.state.transaction() as conn:
            same = conn.execute(
                "SELECT job_arn, request_digest FROM jobs WHERE client_request_token = ?", (token,)
            ).fetchone()
            if same is not None:
                if same["request_digest"] != digest:
                    raise client_error(
                        "ConflictException",
                        "The clientRequestToken was already used with different parameters.",
                        op,
                        409,
                    )
                return {"jobArn": same["job_arn"], "ResponseMetadata": _metadata()}
            if conn.execute(
                "SELECT 1 FROM jobs WHERE job_name = ?", (params["jobName"],)
            ).fetchone():
                raise client_error(
                    "ConflictException",
                    f"A batch inference job named {params['jobName']} already exists.",
                    op,
                    409,
                )
            used = conn.execute(
                f"SELECT COUNT(*) FROM jobs WHERE model_id = ? AND status IN "
                f"({','.join('?' * len(IN_FLIGHT))})",
                (params["modelId"], *IN_FLIGHT),
            ).fetchone()[0]
            if used >= self.config.max_concurrent_jobs:
                raise client_error(
                    "ServiceQuotaExceededException",
                    f"You have reached the quota of {self.config.max_concurrent_jobs} concurrent "
                    f"batch inference jobs for model {params['modelId']}.",
                    op,
                )
            job_id = "".join(secrets.choice(_ID_CHARS) for _ in range(12))
            now = time.time()
            hours = params.get("timeoutDurationInHours", 24)
            conn.execute(
                "INSERT INTO jobs (job_id, job_arn, job_name, model_id, client_request_token, "
                "request_digest, request_json, engine_config, status, submit_time, "
                "last_modified_time, job_expiration_time, heartbeat) "
                "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (
                    job_id,
                    self._arn(job_id),
                    params["jobName"],
                    params["modelId"],
                    token,
                    digest,
                    json.dumps(params),
                    json.dumps(asdict(self.config)),
                    "Submitted",
                    now,
                    now,
                    now + hours * 3600,
                    now,
                ),
            )
        self._spawn(job_id)
        return {"jobArn": self._arn(job_id), "ResponseMetadata": _metadata()}

    def get_model_invocation_job(self, **params: Any) -> dict[str, Any]:
        op = "GetModelInvocationJob"
        validate_request("bedrock", op, params)
        self._revive_stale()
        job = self._find(params["jobIdentifier"], op)
        return {**self._describe(job), "ResponseMetadata": _metadata()}

    def list_model_invocation_jobs(self, **params: Any) -> dict[str, Any]:
        op = "ListModelInvocationJobs"
        validate_request("bedrock", op, params)
        self._revive_stale()
        where, args = [], []
        if "statusEquals" in params:
            where.append("status = ?")
            args.append(params["statusEquals"])
        if "nameContains" in params:
            where.append("instr(job_name, ?) > 0")
            args.append(params["nameContains"])
        for key, cmp in (("submitTimeAfter", ">"), ("submitTimeBefore", "<")):
            if key in params:
                value = params[key]
                stamp = value.timestamp() if isinstance(value, datetime) else float(value)
                where.append(f"submit_time {cmp} ?")
                args.append(stamp)
        order = "ASC" if params.get("sortOrder") == "Ascending" else "DESC"
        offset = 0
        if "nextToken" in params:
            try:
                offset = int(base64.urlsafe_b64decode(params["nextToken"]).decode())
            except (ValueError, UnicodeDecodeError):
                raise client_error("ValidationException", "Invalid nextToken.", op) from None
        limit = params.get("maxResults", 100)
        sql = "SELECT * FROM jobs"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += f" ORDER BY submit_time {order}, job_id {order} LIMIT ? OFFSET ?"
        with self.state.connect() as conn:
            rows = conn.execute(sql, (*args, limit + 1, offset)).fetchall()
        out: dict[str, Any] = {
            "invocationJobSummaries": [self._describe(dict(r), summary=True) for r in rows[:limit]],
            "ResponseMetadata": _metadata(),
        }
        if len(rows) > limit:
            out["nextToken"] = base64.urlsafe_b64encode(str(offset + limit).encode()).decode()
        return out

    def stop_model_invocation_job(self, **params: Any) -> dict[str, Any]:
        op = "StopModelInvocationJob"
        validate_request("bedrock", op, params)
        job = self._find(params["jobIdentifier"], op)
        if job["status"] in TERMINAL or job["status"] == "Stopping":
            raise client_error(
                "ValidationException",
                f"The job cannot be stopped in its current status {job['status']}.",
                op,
            )
        worker_alive = job["worker_pid"] and _pid_alive(job["worker_pid"])
        if worker_alive:
            self.state.set_status(job["job_id"], "Stopping")
        else:
            self.state.set_status(job["job_id"], "Stopped", "Stopped by request.")
        return {"ResponseMetadata": _metadata()}

    def wait_idle(self, timeout: float = 120.0) -> None:
        """Test and demo helper: block until no local job is in flight."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            self._revive_stale()
            with self.state.connect() as conn:
                busy = conn.execute(
                    f"SELECT COUNT(*) FROM jobs WHERE status IN ({','.join('?' * len(IN_FLIGHT))})",
                    IN_FLIGHT,
                ).fetchone()[0]
            if not busy:
                return
            time.sleep(0.1)
        raise TimeoutError("local batch jobs still running")


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a zombie is not alive
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().split()[2] != "Z"
    except OSError:
        return True
