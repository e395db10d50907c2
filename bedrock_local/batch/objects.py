"""Where a job reads its input and writes its output: a folder laid out like buckets, or S3.

A job sees only ``s3://bucket/key`` URIs, as Bedrock does; this maps them to the engine's
storage (``<store_root>/<bucket>/<key>``, files owner-only) or to an S3 endpoint.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Protocol

from bedrock_local.files import private_dir


def split_uri(uri: str) -> tuple[str, str]:
    if not uri.startswith("s3://"):
        raise ValueError(f"not an s3:// URI: {uri!r}")
    bucket, _, key = uri[5:].partition("/")
    return bucket, key


class JobStorage(Protocol):
    def list_uris(self, prefix_uri: str) -> list[str]: ...
    def iter_lines(self, uri: str) -> Iterator[bytes]: ...
    def size(self, uri: str) -> int: ...
    def put_bytes(self, uri: str, data: bytes) -> None: ...


class FolderStorage:
    def __init__(self, root: str | Path) -> None:
        self.root = Path(root).resolve()

    def _path(self, uri: str) -> Path:
        bucket, key = split_uri(uri)
        path = (self.root / bucket / key).resolve()
        if not path.is_relative_to(self.root):
            raise ValueError(f"URI escapes the store: {uri!r}")
        return path

    def list_uris(self, prefix_uri: str) -> list[str]:
        bucket, _ = split_uri(prefix_uri)
        start = self._path(prefix_uri)
        if start.is_file():
            return [prefix_uri]
        if not start.is_dir():
            return []
        base = self.root / bucket
        return [
            f"s3://{bucket}/{p.relative_to(base).as_posix()}"
            for p in sorted(start.rglob("*"))
            if p.is_file() and ".tmp-" not in p.name
        ]

    def iter_lines(self, uri: str) -> Iterator[bytes]:
        with open(self._path(uri), "rb") as fh:
            yield from fh

    def size(self, uri: str) -> int:
        return self._path(uri).stat().st_size

    def put_bytes(self, uri: str, data: bytes) -> None:
        path = self._path(uri)
        private_dir(path.parent)
        tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, path)
        except OSError as exc:  # a full disk: no partial file left, the path named
            tmp.unlink(missing_ok=True)
            raise OSError(exc.errno, f"cannot write {path}: {exc.strerror or exc}") from exc


class S3Storage:
    def __init__(self, client: Any) -> None:
        self.client = client

    def list_uris(self, prefix_uri: str) -> list[str]:
        bucket, key = split_uri(prefix_uri)
        pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=key)
        return sorted(f"s3://{bucket}/{o['Key']}" for p in pages for o in p.get("Contents", []))

    def iter_lines(self, uri: str) -> Iterator[bytes]:
        bucket, key = split_uri(uri)
        yield from self.client.get_object(Bucket=bucket, Key=key)["Body"].iter_lines(keepends=True)

    def size(self, uri: str) -> int:
        bucket, key = split_uri(uri)
        return int(self.client.head_object(Bucket=bucket, Key=key)["ContentLength"])

    def put_bytes(self, uri: str, data: bytes) -> None:
        bucket, key = split_uri(uri)
        self.client.put_object(Bucket=bucket, Key=key, Body=data)


def open_storage(config: dict[str, Any]) -> JobStorage:
    """The job's storage: the local folder, or S3 at an endpoint (an emulator)."""
    if config.get("s3_endpoint_url"):
        import boto3

        client = boto3.client(
            "s3", endpoint_url=config["s3_endpoint_url"], region_name=config.get("region")
        )
        return S3Storage(client)
    return FolderStorage(config["store_root"])
