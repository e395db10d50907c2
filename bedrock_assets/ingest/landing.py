"""What a day's landing area holds: every object listed, each readable or refused with a reason.

Nothing vanishes: files being written (``.tmp-`` names), symlinks (dangling, looping, or
pointing outside the landing area), symlinked folders and special files (FIFOs, sockets)
are listed with the reason they are not read, so the day accounts for them. File names may
carry PII (``call_415-555-0166.txt``): outside the landing area a file is named only by
:func:`file_identity`.
"""

from __future__ import annotations

import hashlib
import os
import stat
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from bedrock_assets.state.files import TEMP_MARK
from bedrock_assets.state.objects import LocalObjectStore, ObjectStore

# Reasons a listed object is not read (quarantine reason codes).
TEMPORARY_FILE = "temporary_file"
SYMLINK_OUTSIDE_LANDING = "symlink_outside_landing"
DANGLING_SYMLINK = "dangling_symlink"
SYMLINKED_FOLDER = "symlinked_folder"
NOT_A_REGULAR_FILE = "not_a_regular_file"

KNOWN_SUFFIXES = (".txt", ".jsonl", ".json", ".csv")


@dataclass(frozen=True)
class LandingEntry:
    uri: str
    name: str  # path inside the landing area: raw, never logged or stored
    problem: str | None = None
    detail: str = ""

    @property
    def identity(self) -> str:
        return file_identity(self.name)


def file_suffix(name: str) -> str:
    """``a/B.JSON.gz`` -> ``.json.gz``: the reader a file goes to (``.gz`` kept)."""
    suffixes = [s.lower() for s in PurePosixPath(name).suffixes[-2:]]
    if suffixes and suffixes[-1] == ".gz":
        return "".join(suffixes) if len(suffixes) == 2 and suffixes[0] in KNOWN_SUFFIXES else ".gz"
    return suffixes[-1] if suffixes else ""


def call_id_from_name(source_file: str) -> str:
    """The id of a call whose file names none: the file's identity without its suffix
    (``file-3f1c9a0b2d4e6f81``), never the name itself, which may carry PII
    (``call_415-555-0166.txt``) and would travel into every table and the ledger."""
    identity = file_identity(source_file)
    suffix = file_suffix(identity)
    return identity[: -len(suffix)] if suffix else identity


def opaque_id(value: str, prefix: str = "job") -> str:
    """A service's job name as a call id: its digest (``job-3f1c9a0b2d4e6f81``). Job names
    are usually the recording's file name, which may carry PII."""
    digest = hashlib.sha256(value.encode("utf-8", "surrogateescape")).hexdigest()[:16]
    return f"{prefix}-{digest}"


def file_identity(name: str) -> str:
    """A file's name as it may leave the landing area: a digest of its path, its suffix kept.

    ``call_415-555-0166.txt`` -> ``file-3f1c9a0b2d4e6f81.txt``. The same file always gets the
    same identity, so an operator finds it with ``file_identity`` over the landing listing.
    """
    digest = hashlib.sha256(name.encode("utf-8", "surrogateescape")).hexdigest()[:16]
    suffix = file_suffix(name)
    return f"file-{digest}{suffix if suffix.isascii() and len(suffix) <= 12 else ''}"


def list_landing(store: ObjectStore, landing: str) -> list[LandingEntry]:
    """Every object under ``landing``, sorted, each marked readable or with its problem."""
    if isinstance(store, LocalObjectStore):
        return _list_local(store, landing)
    out = []
    prefix = landing.rstrip("/") + "/"
    for uri in store.list_uris(prefix):
        name = uri[len(prefix) :]
        if not name or name.endswith("/"):
            continue  # an S3 console "folder" marker holds no file
        problem = TEMPORARY_FILE if TEMP_MARK in PurePosixPath(name).name else None
        out.append(LandingEntry(uri, name, problem, _DETAILS.get(problem or "", "")))
    return out


_DETAILS = {
    TEMPORARY_FILE: "a '.tmp-' name marks a write in progress; it is read once renamed",
    SYMLINK_OUTSIDE_LANDING: "symlink target is outside the day's landing area",
    DANGLING_SYMLINK: "symlink target does not exist (or the links loop)",
    SYMLINKED_FOLDER: "symlinked folder is not followed; land its files in the day's folder",
    NOT_A_REGULAR_FILE: "not a regular file (a FIFO, socket or device)",
}


def _list_local(store: LocalObjectStore, landing: str) -> list[LandingEntry]:
    prefix = landing.rstrip("/")
    root = store.path_for(prefix)
    if not root.is_dir():
        return [LandingEntry(prefix, root.name)] if root.is_file() else []
    real_root = root.resolve()
    out: list[LandingEntry] = []
    for folder, dirs, files in os.walk(root, followlinks=False):
        base = Path(folder)
        for d in list(dirs):
            path = base / d
            if path.is_symlink():
                dirs.remove(d)
                out.append(_entry(prefix, root, path, _link_problem(path, real_root, folder=True)))
        for f in files:
            path = base / f
            out.append(_entry(prefix, root, path, _file_problem(path, real_root)))
    return sorted(out, key=lambda e: e.name)


def _entry(prefix: str, root: Path, path: Path, problem: str | None) -> LandingEntry:
    name = path.relative_to(root).as_posix()
    return LandingEntry(f"{prefix}/{name}", name, problem, _DETAILS.get(problem or "", ""))


def _link_problem(path: Path, real_root: Path, folder: bool = False) -> str | None:
    try:
        target = path.resolve(strict=True)
    except (OSError, RuntimeError):
        return DANGLING_SYMLINK
    if not target.is_relative_to(real_root):
        return SYMLINK_OUTSIDE_LANDING
    return SYMLINKED_FOLDER if folder else None


def _file_problem(path: Path, real_root: Path) -> str | None:
    if TEMP_MARK in path.name:
        return TEMPORARY_FILE
    if path.is_symlink():
        problem = _link_problem(path, real_root)
        if problem or path.resolve().is_dir():
            return problem or SYMLINKED_FOLDER
    try:
        mode = path.stat().st_mode
    except OSError:
        return DANGLING_SYMLINK
    return None if stat.S_ISREG(mode) else NOT_A_REGULAR_FILE
