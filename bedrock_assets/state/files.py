"""Local files the project writes: owner-only folders, temporary names, errors that name a path.

Call-center data and the state about it never become readable by other users of the machine:
every folder the project creates is 0700 (each missing component, not only the last, which
``Path.mkdir(mode=...)`` alone would leave at the umask's 0755), every file 0600.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path

TEMP_MARK = ".tmp-"  # ``.<name>.tmp-<pid>``: a write in progress, renamed into place when done


class StorageError(OSError):
    """A local write or read failed; the message names the path and the cause."""


def private_dir(path: Path) -> Path:
    """Create ``path`` and every missing parent as 0700; returns it."""
    missing: list[Path] = []
    current = path
    while not current.exists():
        missing.append(current)
        if current.parent == current:
            break
        current = current.parent
    for folder in reversed(missing):
        try:
            folder.mkdir(mode=0o700)
        except FileExistsError:
            pass
        except OSError as exc:
            raise storage_error(exc, folder, "create folder") from exc
    return path


def temp_name(path: Path) -> Path:
    return path.with_name(f".{path.name}{TEMP_MARK}{os.getpid()}")


def storage_error(exc: OSError, path: Path | str, action: str) -> StorageError:
    """``exc`` as a StorageError saying what was done, where, and why it failed."""
    cause = exc.strerror or str(exc)
    hint = ""
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        hint = "; free space on that file system (or move the data root) and re-run"
    elif exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        hint = "; the process cannot write there: check the owner and mode"
    error = StorageError(exc.errno or 0, f"cannot {action} {path}: {cause}{hint}")
    error.filename = str(path)
    return error


def _writer_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_stale_temp_files(folder: Path) -> list[Path]:
    """Delete the ``.tmp-<pid>`` files under ``folder`` whose writer is gone (a crash or a full
    disk left them); a live writer's file is left alone. Returns what was removed."""
    removed: list[Path] = []
    if not folder.is_dir():
        return removed
    for path in folder.rglob(f"*{TEMP_MARK}*"):
        pid = path.name.rsplit(TEMP_MARK, 1)[-1]
        if path.is_file() and pid.isdigit() and not _writer_alive(int(pid)):
            path.unlink(missing_ok=True)
            removed.append(path)
    return removed
