"""The sensor-and-collect loop in a process of its own, so a crash test can SIGKILL it.

Each start is a restart: a fresh Dagster instance, the same ledger, engine and object store.
"""

import sys

from dagster import DagsterInstance

from bedrock_assets_tests.conftest import drain


def main() -> None:
    with DagsterInstance.ephemeral() as instance:
        drain(instance, timeout=float(sys.argv[1]) if len(sys.argv) > 1 else 180.0)


if __name__ == "__main__":
    main()
