"""A throwaway PostgreSQL server for the tests, from the Debian binaries on the machine.

``initdb``/``pg_ctl`` into a fresh folder (as the ``postgres`` user when the tests run as
root, since PostgreSQL refuses to run as root), listening on 127.0.0.1 at a free port, trust
authentication, stopped at the end. Without the binaries the tests skip with the reason —
unless ``REQUIRE_POSTGRES=1`` (CI sets it), where a missing server is a failure.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest


@dataclass(frozen=True)
class PostgresServer:
    host: str
    port: int
    user: str

    def url(self, database: str, driver: str = "psycopg") -> str:
        return f"postgresql+{driver}://{self.user}@{self.host}:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        """A new, empty database; returns its name."""
        import psycopg

        with psycopg.connect(
            host=self.host, port=self.port, user=self.user, dbname="postgres", autocommit=True
        ) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
        return name


def _binaries() -> Path | None:
    for folder in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if Path(folder, "initdb").exists() and Path(folder, "pg_ctl").exists():
            return Path(folder)
    found = shutil.which("initdb")
    return Path(found).parent if found else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _as_server_user(argv: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return argv
    return ["runuser", "-u", "postgres", "--", *argv]


@contextmanager
def postgres_server() -> Iterator[PostgresServer]:
    bin_dir = _binaries()
    if bin_dir is None:
        reason = "no PostgreSQL server binaries (apt-get install postgresql)"
        if os.environ.get("REQUIRE_POSTGRES") == "1":
            pytest.fail(reason + " and REQUIRE_POSTGRES=1")
        pytest.skip(reason)
    root = Path(tempfile.mkdtemp(prefix="bedrock-assets-pg-"))
    data, run = root / "data", root / "run"
    run.mkdir()
    if os.geteuid() == 0:
        shutil.chown(root, "postgres")
        shutil.chown(run, "postgres")
    port = _free_port()
    env = {**os.environ, "LC_ALL": "C.UTF-8"}
    subprocess.run(
        _as_server_user(
            [
                str(bin_dir / "initdb"),
                "-D",
                str(data),
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
            ]
        ),
        check=True,
        capture_output=True,
        env=env,
    )
    options = (
        f"-c listen_addresses=127.0.0.1 -p {port} -k {run} -c fsync=off -c max_connections=200"
    )
    ctl = [str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(root / "server.log"), "-w"]
    subprocess.run(
        _as_server_user([*ctl, "-o", options, "start"]), check=True, capture_output=True, env=env
    )
    try:
        server = PostgresServer("127.0.0.1", port, "postgres")
        deadline = time.time() + 30
        while True:
            try:
                server.create_database("ready_check")
                break
            except Exception:
                if time.time() > deadline:
                    raise
                time.sleep(0.2)
        yield server
    finally:
        subprocess.run(
            _as_server_user([*ctl, "-m", "immediate", "stop"]), capture_output=True, env=env
        )
        shutil.rmtree(root, ignore_errors=True)
