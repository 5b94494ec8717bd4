"""Scratch folders for the files the app hands out (exports, "send to img2img", the GIF).

Each export used to make its own `mkdtemp` folder that nobody removed: the disk grew with every
click. Now they all live under one root and go once they are older than a few
minutes: gradio copies a returned file into its own cache when it answers, so ours are litter
by then. `trim` keeps a set of files (gradio's uploads) under a byte budget, oldest first.
"""
from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import Iterable

ROOT_ENV = "PLAYGROUND_TMP"  # where the scratch folders go; default <system temp>/playground-scratch
MAX_AGE_S = 15 * 60  # far longer than gradio needs to copy a result, short enough to stay small


def root() -> Path:
    """The scratch root (made on first use)."""
    path = Path(os.environ.get(ROOT_ENV) or Path(tempfile.gettempdir()) / "playground-scratch")
    path.mkdir(parents=True, exist_ok=True)
    return path


def new_folder(prefix: str = "playground-") -> Path:
    """A fresh folder under the scratch root."""
    return Path(tempfile.mkdtemp(prefix=prefix, dir=root()))


def tree_bytes(path: Path) -> int:
    """Bytes of the files under `path` (0 when it is gone); links are not followed."""
    total = 0
    for dirpath, _, files in os.walk(path):
        for name in files:
            try:
                total += os.lstat(os.path.join(dirpath, name)).st_size
            except OSError:  # removed while we looked
                continue
    return total


def sweep(max_age: float = MAX_AGE_S, folder: Path | None = None, now: float | None = None) -> int:
    """Remove the entries of `folder` (default: the scratch root) last changed more than
    `max_age` seconds ago; returns how many were removed."""
    folder = root() if folder is None else Path(folder)
    now = time.time() if now is None else now
    removed = 0
    for entry in list(folder.iterdir()) if folder.is_dir() else []:
        try:
            if now - entry.lstat().st_mtime <= max_age:
                continue
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry, ignore_errors=True)
            else:
                entry.unlink(missing_ok=True)
            removed += 1
        except OSError:  # another sweep got there first
            continue
    return removed


def trim(files: Iterable[str | Path], max_bytes: int) -> list[str]:
    """Delete the oldest of `files` until the rest hold at most `max_bytes`; returns the deleted."""
    sized = []
    for f in files:
        try:
            st = os.lstat(f)
        except OSError:
            continue
        sized.append((st.st_ctime, st.st_size, str(f)))
    total = sum(size for _, size, _ in sized)
    deleted = []
    for _, size, path in sorted(sized):
        if total <= max_bytes:
            break
        try:
            os.remove(path)
        except OSError:
            continue
        total -= size
        deleted.append(path)
    return deleted
