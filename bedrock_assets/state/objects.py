"""Object stores addressed by ``s3://bucket/key`` URIs: a local directory or Amazon S3.

Both backends use the same URIs, so the Bedrock job requests (which carry S3 URIs) are
identical whichever backend runs them.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO, Protocol

from bedrock_assets.state.files import (
    TEMP_MARK,
    private_dir,
    remove_stale_temp_files,
    storage_error,
    temp_name,
)


def split_uri(uri: str) -> tuple[str, str]:
    """``s3://bucket/a/b`` -> ``("bucket", "a/b")``."""
    if not uri.startswith("s3://"):
        raise ValueError(f"not an s3:// URI: {uri!r}")
    bucket, _, key = uri[5:].partition("/")
    if not bucket:
        raise ValueError(f"URI has no bucket: {uri!r}")
    return bucket, key


def join_uri(base: str, *parts: str) -> str:
    out = base.rstrip("/")
    for p in parts:
        out += "/" + p.strip("/")
    return out


class ObjectStore(Protocol):
    """What the pipeline needs from S3 (and nothing more)."""

    def put_bytes(self, uri: str, data: bytes) -> None: ...
    def read_bytes(self, uri: str) -> bytes: ...
    def upload_file(self, local_path: Path, uri: str) -> None: ...
    def move_file(self, local_path: Path, uri: str) -> None: ...
    def download_file(self, uri: str, local_path: Path) -> None: ...
    def iter_lines(self, uri: str) -> Iterator[bytes]: ...
    def open_binary(self, uri: str) -> BinaryIO: ...
    def list_uris(self, prefix_uri: str) -> list[str]: ...
    def exists(self, uri: str) -> bool: ...
    def size(self, uri: str) -> int: ...
    def delete_prefix(self, prefix_uri: str) -> int: ...
    def has_any(self, prefix_uri: str) -> bool: ...
    def clean_temp(self, prefix_uri: str) -> int: ...


class LocalObjectStore:
    """A directory laid out like buckets: ``root/<bucket>/<key>``. Files are owner-only."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)

    def path_for(self, uri: str) -> Path:
        bucket, key = split_uri(uri)
        path = (self.root / bucket / key).resolve()
        if not str(path).startswith(str(self.root.resolve())):
            raise ValueError(f"URI escapes the object store: {uri!r}")
        return path

    def _prepare(self, uri: str) -> Path:
        path = self.path_for(uri)
        private_dir(path.parent)
        return path

    def _write(self, uri: str, fill: Any) -> None:
        """Write through a temporary name and rename into place: a reader never sees half a
        file, and a failure (a full disk) removes the partial file and names the path."""
        path = self._prepare(uri)
        tmp = temp_name(path)
        try:
            fill(tmp)
            os.chmod(tmp, 0o600)
            os.replace(tmp, path)
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            raise storage_error(exc, path, "write") from exc

    def put_bytes(self, uri: str, data: bytes) -> None:
        def fill(tmp: Path) -> None:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)

        self._write(uri, fill)

    def read_bytes(self, uri: str) -> bytes:
        return self.path_for(uri).read_bytes()

    def upload_file(self, local_path: Path, uri: str) -> None:
        self._write(uri, lambda tmp: shutil.copyfile(local_path, tmp))

    def move_file(self, local_path: Path, uri: str) -> None:
        """Upload a file the caller is done with: a rename on the same file system (a day's
        shards are not copied byte by byte), a copy across file systems."""

        def fill(tmp: Path) -> None:
            try:
                os.replace(local_path, tmp)
            except OSError:  # another file system (EXDEV): copy, then drop the original
                shutil.copyfile(local_path, tmp)
                local_path.unlink()

        self._write(uri, fill)

    def download_file(self, uri: str, local_path: Path) -> None:
        shutil.copyfile(self.path_for(uri), local_path)

    def iter_lines(self, uri: str) -> Iterator[bytes]:
        with open(self.path_for(uri), "rb") as fh:
            yield from fh

    def open_binary(self, uri: str) -> BinaryIO:
        """A stream to read in bounded chunks (a multi-GB file is never read whole)."""
        return open(self.path_for(uri), "rb")

    def list_uris(self, prefix_uri: str) -> list[str]:
        bucket, key = split_uri(prefix_uri)
        base = self.root / bucket
        start = self.path_for(prefix_uri)
        if start.is_file():
            return [prefix_uri]
        if not start.is_dir():
            return []
        out = []
        for path in sorted(start.rglob("*")):
            if path.is_file() and TEMP_MARK not in path.name:
                out.append(f"s3://{bucket}/{path.relative_to(base).as_posix()}")
        return out

    def exists(self, uri: str) -> bool:
        return self.path_for(uri).exists()

    def size(self, uri: str) -> int:
        return self.path_for(uri).stat().st_size

    def delete_prefix(self, prefix_uri: str) -> int:
        uris = self.list_uris(prefix_uri)
        for uri in uris:
            self.path_for(uri).unlink(missing_ok=True)
        return len(uris)

    def has_any(self, prefix_uri: str) -> bool:
        start = self.path_for(prefix_uri)
        if start.is_file():
            return True
        return start.is_dir() and any(
            p.is_file() and TEMP_MARK not in p.name for p in start.rglob("*")
        )

    def clean_temp(self, prefix_uri: str) -> int:
        """Remove partial files that crashed or failed writers left under the prefix."""
        return len(remove_stale_temp_files(self.path_for(prefix_uri)))


class S3ObjectStore:
    """Amazon S3 through a boto3 client (from dagster-aws ``S3Resource.get_client()``)."""

    def __init__(self, client: Any) -> None:
        self.client = client

    def put_bytes(self, uri: str, data: bytes) -> None:
        bucket, key = split_uri(uri)
        self.client.put_object(Bucket=bucket, Key=key, Body=data)

    def read_bytes(self, uri: str) -> bytes:
        bucket, key = split_uri(uri)
        return self.client.get_object(Bucket=bucket, Key=key)["Body"].read()

    def upload_file(self, local_path: Path, uri: str) -> None:
        bucket, key = split_uri(uri)
        self.client.upload_file(str(local_path), bucket, key)

    def move_file(self, local_path: Path, uri: str) -> None:
        self.upload_file(local_path, uri)
        local_path.unlink()

    def download_file(self, uri: str, local_path: Path) -> None:
        bucket, key = split_uri(uri)
        self.client.download_file(bucket, key, str(local_path))

    def iter_lines(self, uri: str) -> Iterator[bytes]:
        bucket, key = split_uri(uri)
        body = self.client.get_object(Bucket=bucket, Key=key)["Body"]
        yield from body.iter_lines(keepends=True)

    def open_binary(self, uri: str) -> BinaryIO:
        """The object's streaming body: read in bounded chunks, never whole."""
        bucket, key = split_uri(uri)
        body: BinaryIO = self.client.get_object(Bucket=bucket, Key=key)["Body"]
        return body

    def list_uris(self, prefix_uri: str) -> list[str]:
        bucket, key = split_uri(prefix_uri)
        out: list[str] = []
        for page in self.client.get_paginator("list_objects_v2").paginate(
            Bucket=bucket, Prefix=key
        ):
            out.extend(f"s3://{bucket}/{obj['Key']}" for obj in page.get("Contents", []))
        return sorted(out)

    def exists(self, uri: str) -> bool:
        bucket, key = split_uri(uri)
        resp = self.client.list_objects_v2(Bucket=bucket, Prefix=key, MaxKeys=1)
        return any(obj["Key"] == key for obj in resp.get("Contents", []))

    def size(self, uri: str) -> int:
        bucket, key = split_uri(uri)
        return int(self.client.head_object(Bucket=bucket, Key=key)["ContentLength"])

    def has_any(self, prefix_uri: str) -> bool:
        bucket, key = split_uri(prefix_uri)
        return bool(
            self.client.list_objects_v2(Bucket=bucket, Prefix=key, MaxKeys=1).get("KeyCount")
        )

    def clean_temp(self, prefix_uri: str) -> int:
        """S3 writes are atomic: nothing partial is ever left behind."""
        return 0

    def delete_prefix(self, prefix_uri: str) -> int:
        uris = self.list_uris(prefix_uri)
        for i in range(0, len(uris), 1000):
            chunk = uris[i : i + 1000]
            bucket = split_uri(chunk[0])[0]
            self.client.delete_objects(
                Bucket=bucket, Delete={"Objects": [{"Key": split_uri(u)[1]} for u in chunk]}
            )
        return len(uris)
