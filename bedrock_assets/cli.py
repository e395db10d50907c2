"""``bedrock-assets``: land sample data, print a day's report, stop a day, deploy the guardrail.

Commands use the same resources as the code location, built from the same settings.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from bedrock_assets.settings import Settings, load_settings


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="bedrock-assets")
    sub = p.add_subparsers(dest="command", required=True)
    land = sub.add_parser("land-sample", help="land N synthetic transcripts for a day")
    land.add_argument("--date", required=True)
    land.add_argument("--count", type=int, default=200)
    land.add_argument("--seed", type=int, default=7)
    land.add_argument(
        "--plain-only",
        action="store_true",
        help="only .txt transcripts (no JSONL/CSV/Transcribe files)",
    )
    land.add_argument("--no-bad", action="store_true", help="do not add bad inputs")
    rep = sub.add_parser("report", help="print a day's report")
    rep.add_argument("--date", required=True)
    rep.add_argument("--json", action="store_true", help="one JSON object, for scripts")
    sub.add_parser("demo", help="land a sample day and run it end to end (see make demo)")
    stop = sub.add_parser("stop", help="stop every in-flight batch job of a day")
    stop.add_argument("--date", required=True)
    sub.add_parser(
        "preflight",
        help="check credentials, bucket, role, model, guardrail, quotas and ledger before a run",
    )
    requeue = sub.add_parser(
        "requeue", help="put failed shards (Bedrock refused their jobs) back in the queue"
    )
    requeue.add_argument("--date", help="only this day's (default: every failed shard)")
    led = sub.add_parser("ledger", help="the job ledger")
    led_sub = led.add_subparsers(dest="action", required=True)
    rebuild = led_sub.add_parser(
        "rebuild",
        help="restore a lost or corrupt ledger from the object store and Bedrock's job list",
    )
    rebuild.add_argument(
        "--move-aside",
        action="store_true",
        help="first move an unreadable or wrong SQLite ledger file aside (kept, renamed)",
    )
    cap = sub.add_parser("plan", help="capacity plan: jobs, makespan, guardrail hours, cost")
    cap.add_argument("--calls", type=int, nargs="+", required=True, help="calls per day")
    cap.add_argument(
        "--avg-chars", type=int, default=5056, help="mean call length (the sample corpus: 5,056)"
    )
    cap.add_argument("--job-hours", type=float, default=6.0, help="assumed hours per batch job")
    cap.add_argument("--output-tokens", type=int, default=150, help="assumed tokens per summary")
    cap.add_argument("--json", action="store_true")
    guard = sub.add_parser("guardrail", help="guardrail as code")
    guard_sub = guard.add_subparsers(dest="action", required=True)
    dep = guard_sub.add_parser(
        "deploy",
        help="create/update the Bedrock guardrail and publish a version from the policy file",
    )
    dep.add_argument("--policy", help="policy file (default: the package's guardrail/policy.json)")
    dep.add_argument("--guardrail-id", help="update this guardrail instead of finding it by name")
    dep.add_argument("--dry-run", action="store_true", help="print the request, call nothing")
    return p


def main(argv: list[str] | None = None) -> None:
    args, rest = parser().parse_known_args(argv)
    if args.command == "demo":
        from bedrock_assets import demo

        demo.main(rest)
        return
    from bedrock_assets.defs.resources import build_resources

    settings = load_settings()
    if args.command == "plan":
        print(_plan(args, settings))
        return
    resources = build_resources(settings)
    store, layout = resources["object_store"].get_store(), resources["object_store"].layout()
    if args.command == "land-sample":
        from bedrock_assets.ingest.samples import land_sample_day

        stats = land_sample_day(
            store,
            layout.uri(layout.landing_prefix),
            args.date,
            args.count,
            seed=args.seed,
            mixed_formats=not args.plain_only,
            include_bad=not args.no_bad,
        )
        print(f"landed {stats} for {args.date}")
    elif args.command == "report":
        from bedrock_assets.reporting.day_report import day_report, format_report, report_json

        report = day_report(store, layout, resources["ledger"].get_ledger(), args.date)
        report["tables"] = resources["object_store"].locate(report["tables"])["dagster/uri"]
        print(json.dumps(report_json(report)) if args.json else format_report(report))
    elif args.command == "stop":
        from bedrock_assets.batch.stop import stop_partition

        client = resources["bedrock"].control_plane()
        for line in stop_partition(client, resources["ledger"].get_ledger(), args.date) or [
            "nothing to stop"
        ]:
            print(line)
    elif args.command == "preflight":
        raise SystemExit(_preflight(settings, resources))
    elif args.command == "requeue":
        requeued = resources["ledger"].get_ledger().requeue_failed(args.date)
        for shard_id in requeued:
            print(f"{shard_id}: back in the queue")
        print(f"{len(requeued)} failed shard(s) requeued; the sensor submits them on its next tick")
    elif args.command == "ledger":
        raise SystemExit(_rebuild_ledger(args, resources))
    else:
        _deploy_guardrail(args, settings)


def _rebuild_ledger(args: argparse.Namespace, resources: dict[str, Any]) -> int:
    import time

    from bedrock_assets.batch.recovery import rebuild_ledger
    from bedrock_assets.state.ledger import database_file
    from bedrock_assets.state.ledger.errors import LedgerError

    url = resources["ledger"].resolved_url()
    path = database_file(url)
    if args.move_aside and path is not None and path.exists():
        aside = path.with_name(f"{path.name}.aside-{time.strftime('%Y%m%dT%H%M%S')}")
        for suffix in ("", "-wal", "-shm"):
            old = path.with_name(path.name + suffix)
            if old.exists():
                old.rename(aside.with_name(aside.name + suffix))
        print(f"moved {path} aside to {aside}")
    store, layout = resources["object_store"].get_store(), resources["object_store"].layout()
    try:
        report = rebuild_ledger(
            resources["ledger"].get_ledger(),
            store,
            layout,
            resources["bedrock"].control_plane(),
            resources["batch"].job_name_prefix,
        )
    except LedgerError as exc:
        print(f"not rebuilt: {exc}")
        return 1
    print(report.describe())
    print(
        "the batch_job_slots sensor refreshes the jobs and collects finished days on its next tick"
    )
    return 0


def _preflight(settings: Settings, resources: dict[str, Any]) -> int:
    from sqlalchemy.engine import make_url

    from bedrock_assets.batch.quotas import QUOTA_FIELDS
    from bedrock_assets.preflight import AwsClients, Finding, Target, problems, run_preflight

    ledger_resource = resources["ledger"]

    def ledger() -> str:
        led = ledger_resource.get_ledger()
        shown = make_url(led.url).render_as_string(hide_password=True)
        return f"{shown} (schema version {led.schema_version()})"

    print(f"bedrock_assets preflight (backend {settings.backend}, region {settings.region})")
    if settings.backend == "aws":
        import boto3

        session = boto3.session.Session(region_name=settings.region)
        clients = AwsClients(
            sts=session.client("sts"),
            s3=session.client("s3", endpoint_url=settings.s3_endpoint_url),
            iam=session.client("iam"),
            bedrock=session.client("bedrock", endpoint_url=settings.bedrock_endpoint_url),
            service_quotas=session.client("service-quotas")
            if settings.quotas_from_service_quotas
            else None,
        )
        target = Target(
            bucket=settings.bucket,
            prefixes=(
                settings.landing_prefix,
                settings.input_prefix,
                settings.output_prefix,
                settings.tables_prefix,
            ),
            role_arn=settings.role_arn,
            model_id=settings.model_id,
            guardrail_id=settings.guardrail_id,
            guardrail_version=settings.guardrail_version,
            configured_quotas={f: getattr(settings, f) for f in QUOTA_FIELDS},
        )
        findings = run_preflight(clients, target, ledger)
    else:
        try:
            findings = [Finding("ledger", True, ledger())]
        except Exception as exc:  # any database error: say what and where
            findings = [Finding("ledger", False, str(exc), "check BEDROCK_ASSETS_LEDGER_URL")]
        findings.append(
            Finding("backend", True, "the embedded local Bedrock: no AWS account to check")
        )
    for finding in findings:
        print("\n".join(finding.lines()))
    found = problems(findings)
    print(f"{len(found)} problem(s)" if found else "ready")
    return 1 if found else 0


def _plan(args: argparse.Namespace, settings: Settings) -> str:
    from dataclasses import asdict

    from bedrock_assets.planning import plan_day, plan_header
    from bedrock_assets.reporting.capacity import format_plans

    plans = [
        plan_day(settings, n, args.avg_chars, args.job_hours, args.output_tokens)
        for n in args.calls
    ]
    if args.json:
        return json.dumps([asdict(p) for p in plans])
    return plan_header(settings, args.avg_chars, args.job_hours, args.output_tokens) + (
        "\n" + format_plans(plans)
    )


def _deploy_guardrail(args: argparse.Namespace, settings: Settings) -> None:
    from bedrock_assets.guardrail.admin import deploy
    from bedrock_assets.guardrail.policy import guardrail_params, load_policy

    policy = load_policy(args.policy)
    if args.dry_run:
        print(json.dumps(guardrail_params(policy), indent=2))
        return
    import boto3  # the guardrail is deployed to Amazon Bedrock whatever the backend

    client = boto3.session.Session().client("bedrock", region_name=settings.region)
    result = deploy(client, policy, args.guardrail_id)
    verb = "created" if result.created else "updated"
    print(f"{verb} {result.guardrail_arn}, published version {result.version}")
    print(f"export BEDROCK_ASSETS_GUARDRAIL_ID={result.guardrail_id}")
    print(f"export BEDROCK_ASSETS_GUARDRAIL_VERSION={result.version}")


if __name__ == "__main__":
    main()
