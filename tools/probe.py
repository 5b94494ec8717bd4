"""What the load test and the fuzzer share: the app started on loopback, and its vital signs.

`start_app` runs `python app.py` (the embedded model) on 127.0.0.1 with its own temp folders, so
the disk it uses can be measured and nothing else is touched; `Vitals` samples the server's
memory and /gradio_api/info while requests run. Linux only (/proc).
"""
from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

from playground import scratch

ROOT = Path(__file__).resolve().parents[1]
LOOPBACK = ("127.0.0.1", "localhost", "::1", "[::1]")


def check_loopback(url: str) -> str:
    """These tools send bad requests on purpose: only ever to this machine."""
    host = url.split("://", 1)[-1].split("/", 1)[0].rsplit(":", 1)[0]
    if host not in LOOPBACK:
        raise ValueError(f"url must be on this machine (127.0.0.1, localhost or ::1), got {url!r}")
    return url if url.endswith("/") else url + "/"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _status(pid: int, key: str) -> int:
    """A VmRSS/VmHWM line of /proc/<pid>/status, in bytes (0 when the process is gone)."""
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1]) * 1024
    return 0


def rss(pid: int) -> int:
    return _status(pid, "VmRSS")


def reset_peak(pid: int) -> None:
    """Start VmHWM (the kernel's peak RSS) again from the current RSS."""
    with contextlib.suppress(OSError):
        Path(f"/proc/{pid}/clear_refs").write_text("5")


def peak_rss(pid: int) -> int:
    return _status(pid, "VmHWM")


@contextlib.contextmanager
def start_app(env: dict | None = None, timeout: float = 180.0, log_to: str | None = None, root: Path | None = None):
    """`python app.py` on a free loopback port with fresh temp folders; yields (url, pid, folders).
    log_to: a file that keeps the app's output (default: removed with the folders); root: another
    checkout's app (tools.class_bench's baseline), driven by this checkout's tools."""
    work = Path(tempfile.mkdtemp(prefix="playground-probe-"))
    folders = {"gradio": work / "gradio", "scratch": work / "scratch", "store": work / "store"}
    port = free_port()
    env = dict(os.environ, GRADIO_SERVER_NAME="127.0.0.1", GRADIO_SERVER_PORT=str(port), HF_HUB_OFFLINE="1",
               GRADIO_ANALYTICS_ENABLED="False", GRADIO_TEMP_DIR=str(folders["gradio"]),
               PLAYGROUND_TMP=str(folders["scratch"]), PLAYGROUND_STORE=str(folders["store"]), **(env or {}))
    log = open(work / "app.log", "wb")
    proc = subprocess.Popen([sys.executable, "app.py"], cwd=root or ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    try:
        _wait_for(url, proc, timeout, work / "app.log")
        yield url, proc.pid, folders
    finally:
        proc.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=30)
        if proc.poll() is None:
            proc.kill()
        log.close()
        if log_to:
            shutil.copyfile(work / "app.log", log_to)
        shutil.rmtree(work, ignore_errors=True)  # the whole probe folder goes


def _wait_for(url: str, proc, timeout: float, log: Path) -> None:
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if proc.poll() is not None:
            raise RuntimeError(f"python app.py exited: {log.read_text(errors='replace')[-2000:]}")
        with contextlib.suppress(OSError):
            urllib.request.urlopen(url + "gradio_api/info", timeout=5).close()
            return
        time.sleep(0.5)
    raise RuntimeError(f"python app.py did not answer within {timeout:.0f} s")


def disk_bytes(folders) -> int:
    return sum(scratch.tree_bytes(Path(f)) for f in folders)


def wait_for_cleanup(folders, start_bytes: int, timeout: float) -> tuple[int, float]:
    """Poll the temp folders until the app's sweeps bring them back within 1 MB of the start,
    or `timeout` seconds pass; returns (bytes, seconds waited)."""
    start = time.monotonic()
    while True:
        now = disk_bytes(folders)
        if now - start_bytes <= 2**20 or time.monotonic() - start > timeout:
            return now, time.monotonic() - start
        time.sleep(1)


class Vitals(threading.Thread):
    """Samples the server's RSS and /gradio_api/info latency every `every` seconds."""

    def __init__(self, url: str, pid: int, every: float = 0.25):
        super().__init__(daemon=True)
        self.url, self.pid, self.every = url + "gradio_api/info", pid, every
        self.rss: list[int] = []
        self.info: list[float] = []
        self.info_at: list[float] = []  # when each /info sample was taken (monotonic seconds)
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            self.rss.append(rss(self.pid))
            start = time.monotonic()
            self.info_at.append(start)
            try:
                urllib.request.urlopen(self.url, timeout=30).close()
                self.info.append(time.monotonic() - start)
            except OSError:
                self.info.append(float("inf"))
            self.stop.wait(self.every)

    def finish(self) -> "Vitals":
        self.stop.set()
        self.join(timeout=35)
        return self


NICE = 10  # a load generator's threads' priority (yield_cpu)


def yield_cpu() -> None:
    """This thread, and the threads gradio_client starts from it, at nice 10: the students stand
    for browsers on other machines, so where they share the server's cores they take what it
    leaves (at nice 0 they took 5 of a 30-student class's 85 CPU-seconds from it)."""
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), NICE)
    except (AttributeError, OSError):  # not Linux: the same, at equal priority
        pass
