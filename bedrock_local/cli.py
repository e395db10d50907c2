"""``bedrock-local``: run the embedded Bedrock as a REST-JSON server on loopback."""

from __future__ import annotations

import argparse
import os
import signal
import sys
from pathlib import Path

from bedrock_local.config import EngineConfig, parse_faults


def _guardrail(value: str) -> tuple[str, str]:
    guardrail_id, sep, path = value.partition("=")
    if not sep or not guardrail_id or not Path(path).is_file():
        raise argparse.ArgumentTypeError(f"expected ID=POLICY_FILE (an existing file): {value!r}")
    return guardrail_id, str(Path(path).resolve())


def _faults(value: str) -> tuple[tuple[str, float], ...]:
    try:
        return parse_faults(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="bedrock-local", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="serve bedrock and bedrock-runtime on 127.0.0.1")
    serve.add_argument("--port", type=int, default=0, help="0 picks a free port (printed)")
    serve.add_argument("--data-root", default=".bedrock_local", help="state and objects")
    serve.add_argument("--region", default=os.environ.get("AWS_REGION", "us-east-1"))
    serve.add_argument("--account-id", default="123456789012")
    serve.add_argument("--max-concurrent-jobs", type=int, default=10)
    serve.add_argument("--min-records-per-job", type=int, default=100)
    serve.add_argument("--max-records-per-job", type=int, default=50_000)
    serve.add_argument("--max-records-per-file", type=int, default=50_000)
    serve.add_argument("--max-file-bytes", type=int, default=200 * 1024**2)
    serve.add_argument("--step-seconds", type=float, default=0.5, help="time per job status")
    serve.add_argument(
        "--record-seconds", type=float, default=0.0, help="time per record while InProgress"
    )
    serve.add_argument("--faults", type=_faults, default=(), help="e.g. job_failure=0.2")
    serve.add_argument("--s3-endpoint-url", help="jobs read and write S3 at this endpoint")
    serve.add_argument(
        "--model-handler", default=EngineConfig.model_handler, help="module:function"
    )
    serve.add_argument(
        "--guardrail",
        type=_guardrail,
        action="append",
        default=[],
        metavar="ID=POLICY_FILE",
        help="a guardrail id and its policy file (repeatable)",
    )
    return p


def main(argv: list[str] | None = None) -> None:
    args = parser().parse_args(argv)
    from bedrock_local.batch.control_plane import LocalBedrockClient
    from bedrock_local.runtime import LocalRuntimeClient
    from bedrock_local.server import BedrockHTTPService

    os.umask(0o077)
    config = EngineConfig.under(
        args.data_root,
        region=args.region,
        account_id=args.account_id,
        max_concurrent_jobs=args.max_concurrent_jobs,
        min_records_per_job=args.min_records_per_job,
        max_records_per_job=args.max_records_per_job,
        max_records_per_file=args.max_records_per_file,
        max_file_bytes=args.max_file_bytes,
        step_seconds=args.step_seconds,
        record_seconds=args.record_seconds,
        faults=args.faults,
        s3_endpoint_url=args.s3_endpoint_url,
        model_handler=args.model_handler,
        guardrails=dict(args.guardrail),
    )
    service = BedrockHTTPService(
        LocalBedrockClient(config), LocalRuntimeClient(config), port=args.port
    )
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    print(f"bedrock-local listening on {service.url}", flush=True)
    try:
        service.server.serve_forever()
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        service.server.server_close()


if __name__ == "__main__":
    main()
