"""A local, Bedrock-compatible batch inference control plane.

Same method names, request validation, modeled errors, statuses, paginators and output files
as the ``bedrock`` client's ``CreateModelInvocationJob`` / ``GetModelInvocationJob`` /
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
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

from bedrock_local.batch.state import IN_FLIGHT, TERMINAL, EngineState
from bedrock_local.config import EngineConfig
from bedrock_local.files import private_dir
from bedrock_local.models import base_model_id
from bedrock_local.paginators import can_paginate, get_paginator
from bedrock_local.validation import client_error, modeled_exceptions, validate_request

_ID_CHARS = "abcdefghijklmnopqrstuvwxyz0123456789"
_STALE_SECONDS = 30.0


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

    service = "bedrock"

    def __init__(self, config: EngineConfig, spawn_workers: bool = True) -> None:
        if not config.state_path:
            raise ValueError("EngineConfig.state_path is required for the batch engine")
        self.state = EngineState(config.state_path)
        self.config = config
        self.spawn_workers = spawn_workers
        self.exceptions = modeled_exceptions(self.service)
        self._children: list[subprocess.Popen] = []

    def get_paginator(self, operation_name: str) -> Any:
        return get_paginator(self.service, operation_name, getattr(self, operation_name))

    def can_paginate(self, operation_name: str) -> bool:
        return can_paginate(self.service, operation_name)

    def _error(self, code: str, message: str, operation: str, status: int = 400) -> Exception:
        return client_error(self.service, code, message, operation, status)

    # -- helpers -----------------------------------------------------------------------------
    def _arn(self, job_id: str) -> str:
        c = self.config
        return f"arn:aws:bedrock:{c.region}:{c.account_id}:model-invocation-job/{job_id}"

    def _spawn(self, job_id: str) -> None:
        if not self.spawn_workers:
            return
        log_dir = self.state.path.parent / "local_bedrock_logs"
        private_dir(log_dir)
        fd = os.open(log_dir / f"{job_id}.log", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        with os.fdopen(fd, "ab") as log:
            proc = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "bedrock_local.batch.worker",
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
            raise self._error(
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
        validate_request(self.service, op, params)
        self._check_pass_role(params["roleArn"], op)
        throttle = dict(self.config.faults).get("submit_throttle", 0.0)
        if throttle and random.random() < throttle:
            raise self._error("ThrottlingException", "Rate exceeded (injected fault).", op, 429)
        token = params["clientRequestToken"]
        digest = hashlib.sha256(json.dumps(params, sort_keys=True).encode()).hexdigest()
        self._revive_stale()
        with self.state.transaction() as conn:
            same = conn.execute(
                "SELECT job_arn, request_digest FROM jobs WHERE client_request_token = ?", (token,)
            ).fetchone()
            if same is not None:
                if same["request_digest"] != digest:
                    raise self._error(
                        "ConflictException",
                        "The clientRequestToken was already used with different parameters.",
                        op,
                        409,
                    )
                return {"jobArn": same["job_arn"], "ResponseMetadata": _metadata()}
            if conn.execute(
                "SELECT 1 FROM jobs WHERE job_name = ?", (params["jobName"],)
            ).fetchone():
                raise self._error(
                    "ConflictException",
                    f"A batch inference job named {params['jobName']} already exists.",
                    op,
                    409,
                )
            base = base_model_id(params["modelId"])
            in_flight = conn.execute(
                f"SELECT model_id FROM jobs WHERE status IN ({','.join('?' * len(IN_FLIGHT))})",
                IN_FLIGHT,
            ).fetchall()
            used = sum(base_model_id(row["model_id"]) == base for row in in_flight)
            if used >= self.config.max_concurrent_jobs:
                raise self._error(
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

    def _check_pass_role(self, role_arn: str, operation: str) -> None:
        """Bedrock passes the service role on the caller's behalf: a role of another account
        cannot be passed (iam:PassRole), as the service answers."""
        account = role_arn.split(":")[4] if role_arn.count(":") >= 5 else ""
        if account and account != self.config.account_id:
            caller = f"arn:aws:sts::{self.config.account_id}:assumed-role/caller/session"
            raise self._error(
                "AccessDeniedException",
                f"User: {caller} is not authorized to perform: iam:PassRole on resource: "
                f"{role_arn}",
                operation,
                403,
            )

    def get_model_invocation_job(self, **params: Any) -> dict[str, Any]:
        op = "GetModelInvocationJob"
        validate_request(self.service, op, params)
        self._revive_stale()
        job = self._find(params["jobIdentifier"], op)
        return {**self._describe(job), "ResponseMetadata": _metadata()}

    def list_model_invocation_jobs(self, **params: Any) -> dict[str, Any]:
        op = "ListModelInvocationJobs"
        validate_request(self.service, op, params)
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
                raise self._error("ValidationException", "Invalid nextToken.", op) from None
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
        validate_request(self.service, op, params)
        job = self._find(params["jobIdentifier"], op)
        if job["status"] in TERMINAL or job["status"] == "Stopping":
            raise self._error(
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
