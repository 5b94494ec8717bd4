"""Portfolios kept on the server, one folder per browser token: nothing a student loses.

The UI keeps a random token in the browser (gr.BrowserState) and the panels here, so a page
reload finds them again; where the Space has persistent storage (/data) or PLAYGROUND_STORE
names a folder, a restart does too. Panels are saved as the PNGs Panel.save writes (image,
caption and every parameter), named by their content, so adding one panel writes one file.

The token is the only key: 128 random bits, checked against TOKEN_RE before it touches a path.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import shutil
import threading
import time
from pathlib import Path
from typing import Sequence

from playground import scratch
from playground.panels import FORMAT, Panel, read_panel, to_json

STORE_ENV = "PLAYGROUND_STORE"  # a folder that survives restarts (opt-in where /data is absent)
DATA_DIR = Path("/data")  # Hugging Face Spaces' persistent storage, when the Space has it
TOKEN_RE = re.compile(r"^[0-9a-f]{32}$")
_FILE_RE = re.compile(r"^[0-9a-f]{40}\.png$")
MANIFEST = "portfolio.json"
# Everything the store may hold on disk: 30 students x 48 panels of 512 px is ~0.6 GB.
TOTAL_MAX_BYTES = 2 * 2**30
KEEP_DAYS_PERSISTENT, KEEP_DAYS_SCRATCH = 30, 1


def default_root() -> tuple[Path, bool]:
    """(folder, survives a restart): PLAYGROUND_STORE, else /data when writable, else scratch."""
    if os.environ.get(STORE_ENV):
        return Path(os.environ[STORE_ENV]), True
    if DATA_DIR.is_dir() and os.access(DATA_DIR, os.W_OK):
        return DATA_DIR / "playground" / "portfolios", True
    return scratch.root().parent / "playground-portfolios", False


def panel_name(panel: Panel) -> str:
    """A file name from the panel's content (pixels, caption, params): same panel, same file."""
    h = hashlib.sha1(f"{panel.image.mode}{panel.image.size}".encode())
    h.update(panel.image.tobytes())
    h.update(to_json({"caption": panel.caption, "params": panel.params}, sort_keys=True).encode())
    return h.hexdigest() + ".png"


class PortfolioStore:
    """Saved portfolios under `root`, one folder per token."""

    def __init__(self, root: Path | None = None, persistent: bool | None = None,
                 total_max_bytes: int = TOTAL_MAX_BYTES, keep_days: float | None = None):
        found, survives = default_root()
        self.root = Path(root) if root is not None else found
        self.persistent = survives if persistent is None else persistent
        self.total_max_bytes = total_max_bytes
        self.keep_days = keep_days or (KEEP_DAYS_PERSISTENT if self.persistent else KEEP_DAYS_SCRATCH)
        self._lock = threading.Lock()

    @staticmethod
    def new_token() -> str:
        return secrets.token_hex(16)

    @staticmethod
    def valid(token) -> bool:
        return isinstance(token, str) and bool(TOKEN_RE.match(token))

    def _folder(self, token: str) -> Path:
        if not self.valid(token):
            raise ValueError("portfolio token must be 32 hex digits")
        return self.root / token

    def secret(self) -> str:
        """A key that stays the same across restarts (gr.BrowserState encrypts the token with
        it; a new key each start would make every browser's token unreadable)."""
        path = self.root / "browser-secret"
        with self._lock:
            if not path.is_file():
                self.root.mkdir(parents=True, exist_ok=True)
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                with os.fdopen(fd, "w") as f:
                    f.write(secrets.token_hex(16))
            return path.read_text().strip()

    def load(self, token: str) -> list[Panel]:
        """The saved panels of `token` ([] when it has none)."""
        folder = self._folder(token)
        with self._lock:
            try:
                names = json.loads((folder / MANIFEST).read_text())["panels"]
            except (OSError, ValueError, KeyError, TypeError):
                return []
            panels = []
            for name in names if isinstance(names, list) else []:
                if isinstance(name, str) and _FILE_RE.match(name) and (folder / name).is_file():
                    try:
                        panels.append(read_panel(folder / name))
                    except ValueError:  # a damaged file loses that panel, not the portfolio
                        continue
            os.utime(folder / MANIFEST)  # a visit keeps the portfolio from ageing out
            return panels

    def used_bytes(self) -> int:
        return scratch.tree_bytes(self.root)

    def save(self, token: str, panels: Sequence[Panel]) -> None:
        """Replace the saved portfolio of `token` by `panels` (new files first, then the list)."""
        folder = self._folder(token)
        with self._lock:
            folder.mkdir(parents=True, exist_ok=True)
            names, written = [], []
            for panel in panels:
                name = panel_name(panel)
                names.append(name)
                if not (folder / name).is_file():
                    panel.save(folder / name)
                    written.append(folder / name)
            if written and self.used_bytes() > self.total_max_bytes:
                for path in written:
                    path.unlink(missing_ok=True)
                raise ValueError(f"the server's portfolio storage is full ({self.total_max_bytes // 2**20} MB "
                                 "for everyone); your panels stay in this tab only: export them now")
            tmp = folder / f".{MANIFEST}.{secrets.token_hex(4)}"
            tmp.write_text(json.dumps({"format": FORMAT, "panels": names, "saved": time.time()}))
            os.replace(tmp, folder / MANIFEST)
            for old in folder.iterdir():
                if old.name not in names and old.name != MANIFEST:
                    old.unlink(missing_ok=True)

    def sweep(self, now: float | None = None) -> int:
        """Remove portfolios not saved nor loaded for keep_days; returns how many."""
        now = time.time() if now is None else now
        removed = 0
        with self._lock:
            for folder in self.root.iterdir() if self.root.is_dir() else []:
                if not (folder.is_dir() and self.valid(folder.name)):
                    continue
                manifest = folder / MANIFEST
                stamp = manifest.stat().st_mtime if manifest.is_file() else folder.stat().st_mtime
                if now - stamp > self.keep_days * 86400:
                    shutil.rmtree(folder, ignore_errors=True)
                    removed += 1
        return removed
