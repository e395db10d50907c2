"""Owner-only folders for the engine's state, logs and objects (every missing component 0700,
not only the last one as ``Path.mkdir(mode=...)`` would leave it)."""

from __future__ import annotations

from pathlib import Path


def private_dir(path: Path) -> Path:
    missing: list[Path] = []
    current = path
    while not current.exists() and current.parent != current:
        missing.append(current)
        current = current.parent
    for folder in reversed(missing):
        folder.mkdir(mode=0o700, exist_ok=True)
    return path
