"""``bedrock-assets``: land sample data, print a day's report, run the demo."""

from __future__ import annotations

import argparse

from bedrock_assets.core.sample_data import land_sample_day
from bedrock_assets.report import day_report, format_report
from bedrock_assets.resources import ObjectStoreResource
from bedrock_assets.settings import get_settings


def _store():
    from dagster_aws.s3 import S3Resource

    return ObjectStoreResource(s3=S3Resource()).get_store()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="bedrock-assets")
    sub = parser.add_subparsers(dest="command", required=True)
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
    sub.add_parser("demo", help="land a sample day and run it end to end (see make demo)")
    stop = sub.add_parser("stop", help="stop every in-flight batch job of a day")
    stop.add_argument("--date", required=True)
    guard = sub.add_parser("guardrail", help="guardrail as code")
    guard_sub = guard.add_subparsers(dest="action", required=True)
    dep = guard_sub.add_parser(
        "deploy",
        help="create/update the Bedrock guardrail and publish a version from the policy file",
    )
    dep.add_argument("--policy", help="policy file (default: the package's guardrail_policy.json)")
    dep.add_argument("--guardrail-id", help="update this guardrail instead of finding it by name")
    dep.add_argument("--dry-run", action="store_true", help="print the request, call nothing")
    args, rest = parser.parse_known_args(argv)

    settings = get_settings()
    if args.command == "land-sample":
        stats = land_sample_day(
            _store(),
            settings.s3_uri(settings.landing_prefix),
            args.date,
            args.count,
            seed=args.seed,
            mixed_formats=not args.plain_only,
            include_bad=not args.no_bad,
        )
        print(f"landed {stats} for {args.date}")
    elif args.command == "report":
        print(format_report(day_report(settings, _store(), args.date)))
    elif args.command == "stop":
        from bedrock_assets.core.slots import stop_partition
        from bedrock_assets.resources import BedrockBatchResource, LedgerResource

        for line in stop_partition(
            BedrockBatchResource().get_client(), LedgerResource().get_ledger(), args.date
        ) or ["nothing to stop"]:
            print(line)
    elif args.command == "guardrail":
        _deploy_guardrail(args, settings)
    else:
        from bedrock_assets import demo

        demo.main(rest)


def _deploy_guardrail(args: argparse.Namespace, settings) -> None:
    import json

    from bedrock_assets.guardrail_admin import deploy, guardrail_params
    from bedrock_assets.local.guardrail_engine import load_policy
    from bedrock_assets.resources import aws_client

    policy = load_policy(args.policy)
    if args.dry_run:
        print(json.dumps(guardrail_params(policy), indent=2))
        return
    result = deploy(aws_client("bedrock", settings.region), policy, args.guardrail_id)
    verb = "created" if result.created else "updated"
    print(f"{verb} {result.guardrail_arn}, published version {result.version}")
    print(f"export BEDROCK_ASSETS_GUARDRAIL_ID={result.guardrail_id}")
    print(f"export BEDROCK_ASSETS_GUARDRAIL_VERSION={result.version}")


if __name__ == "__main__":
    main()
