"""The sensor-and-collect loop in a process of its own, so a crash test can SIGKILL it.

Each start is a restart: a fresh Dagster instance, the same ledger, engine and object store,
with settings from the environment (as a deployed process would read them).
"""

import sys

from dagster import DagsterInstance

from bedrock_assets.settings import load_settings
from bedrock_assets_tests.harness import Pipeline


def main() -> None:
    with DagsterInstance.ephemeral() as instance:
        pipeline = Pipeline(load_settings(), instance)
        pipeline.drain(timeout=float(sys.argv[1]) if len(sys.argv) > 1 else 180.0)


if __name__ == "__main__":
    main()
