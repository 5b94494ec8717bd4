"""Rehearse a Hugging Face Space build on this machine: what the Space does, in the same order.

1. copy the repository as a Space clones it (tracked files plus new ones git does not ignore:
   what a push would carry), into a temporary folder;
2. make a clean virtualenv with Python 3.11 (Space.yaml's python_version), no site packages;
3. `pip install -r <copy>/requirements.txt` run from *another* folder (a Space's builder runs
   pip outside the app's folder; `-e .` in requirements.txt broke exactly there);
4. `python app.py` from the copy, with the Space's host/port variables, and fetch its page and
   its /config until they answer (the embedded model loads in the background meanwhile).

pip uses this machine's own configuration (find-links, extra index, constraints), so torch comes
from its local wheels where it has them. Prints one line per phase with its seconds, then a JSON
summary; exits non-zero on the first failure with the log's tail.

    python scripts/deploy_rehearsal.py [--python python3.11] [--keep] [--timeout 1800]
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PAGE_MARKERS = ("gradio", "Diffusion Lab")  # the page is Gradio's; /config carries the title


class RehearsalError(RuntimeError):
    """A phase failed; the message holds the command's output tail."""


def run(cmd: list[str], cwd: Path, env: dict, timeout: float, log: Path) -> None:
    """A command with its output in `log`; a RehearsalError with the log's tail when it fails."""
    with log.open("ab") as out:
        out.write(f"\n$ {' '.join(cmd)}  (in {cwd})\n".encode())
        out.flush()
        result = subprocess.run(cmd, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT, timeout=timeout)
    if result.returncode:
        tail = log.read_text(errors="replace")[-3000:]
        raise RehearsalError(f"{' '.join(cmd[:4])} ... exited {result.returncode}:\n{tail}")


def clean_env() -> dict:
    """The environment without this session's Python paths: only what a Space's shell has."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "PYTHONSTARTUP")}
    env["PYTHONNOUSERSITE"] = "1"  # nothing from ~/.local either
    return env


def copy_repository(dest: Path) -> int:
    """The files a push carries (tracked, and untracked ones git does not ignore) into dest."""
    out = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                         capture_output=True, check=True).stdout.decode()
    files = [f for f in out.split("\0") if f and (ROOT / f).is_file()]
    for name in files:
        target = dest / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, target)
    return len(files)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fetch(url: str, timeout: float = 5.0) -> str:
    with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 - our own local server
        return response.read().decode("utf-8", errors="replace")


def serve_and_fetch(python: Path, space: Path, env: dict, timeout: float, log: Path) -> dict:
    """Start `python app.py` as a Space would and wait for its page; stop it after."""
    port = free_port()
    env = dict(env, GRADIO_SERVER_NAME="127.0.0.1", GRADIO_SERVER_PORT=str(port), HF_HUB_OFFLINE="1",
               SPACE_ID="rehearsal/diffusion-lab", PYTHONUNBUFFERED="1")
    start = time.perf_counter()
    with log.open("ab") as out:
        app = subprocess.Popen([str(python), "app.py"], cwd=space, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        while True:
            if app.poll() is not None:
                raise RehearsalError(f"app.py exited {app.returncode} before serving:\n"
                                     f"{log.read_text(errors='replace')[-3000:]}")
            try:
                page, config = fetch(f"http://127.0.0.1:{port}/"), fetch(f"http://127.0.0.1:{port}/config")
                break
            except OSError:
                if time.perf_counter() - start > timeout:
                    raise RehearsalError(f"no page after {timeout:.0f} s:\n{log.read_text(errors='replace')[-3000:]}")
                time.sleep(0.5)
        first_page = time.perf_counter() - start
        missing = [m for m in PAGE_MARKERS if m not in page + config]
        if missing:
            raise RehearsalError(f"the page answered but lacks {missing}")
        return {"first_page_s": round(first_page, 1), "page_bytes": len(page), "config_bytes": len(config)}
    finally:
        app.terminate()
        try:
            app.wait(timeout=20)
        except subprocess.TimeoutExpired:
            app.kill()


def torch_installable(python: str) -> str | None:
    """None when pip resolves requirements.txt's torch to a wheel on this machine's disk (pip's
    own configuration: find-links, file:// indexes); else why not (a multi-GB download)."""
    pin = next(ln for ln in (ROOT / "requirements.txt").read_text().splitlines() if ln.startswith("torch=="))
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "report.json"
        result = subprocess.run([python, "-m", "pip", "install", "--dry-run", "--no-deps", "--ignore-installed",
                                 "--quiet", "--report", str(report), pin], capture_output=True, text=True,
                                env=clean_env(), timeout=600)
        if result.returncode:
            return f"pip cannot find {pin}: {result.stderr[-300:]}"
        urls = [item["download_info"]["url"] for item in json.loads(report.read_text())["install"]]
    local = all(url.startswith("file:") for url in urls)
    return None if local else f"{pin} is not on this machine's disk (pip would download {urls})"


def rehearse(python: str, workdir: Path, timeout: float) -> dict:
    """The four phases; returns their seconds (and the page's size)."""
    log, times = workdir / "rehearsal.log", {}
    env = clean_env()
    # 1. the clone
    space, elsewhere = workdir / "space", workdir / "elsewhere"
    space.mkdir(), elsewhere.mkdir()
    start = time.perf_counter()
    times["files"] = copy_repository(space)
    times["copy_s"] = round(time.perf_counter() - start, 1)
    # 2. a clean Python 3.11
    start = time.perf_counter()
    run([python, "-m", "venv", str(workdir / "venv")], workdir, env, 300, log)
    venv_python = workdir / "venv" / "bin" / "python"
    version = subprocess.run([str(venv_python), "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                             capture_output=True, text=True, check=True).stdout.strip()
    if version != "3.11":
        raise RehearsalError(f"the virtualenv runs Python {version}; a Space runs 3.11 (Space.yaml)")
    times["venv_s"] = round(time.perf_counter() - start, 1)
    # 3. the requirements, installed from another folder
    start = time.perf_counter()
    run([str(venv_python), "-m", "pip", "install", "--no-input", "-r", str(space / "requirements.txt")],
        elsewhere, env, timeout, log)
    times["install_s"] = round(time.perf_counter() - start, 1)
    # 4. the app, from the clone, as the Space starts it
    times.update(serve_and_fetch(venv_python, space, env, 300, log))
    return times


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--python", default=shutil.which("python3.11") or sys.executable,
                        help="the interpreter the virtualenv is made from (Python 3.11)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (printed)")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds pip install may take")
    args = parser.parse_args(argv)
    workdir = Path(tempfile.mkdtemp(prefix="space-rehearsal-"))
    start = time.perf_counter()
    try:
        times = rehearse(args.python, workdir, args.timeout)
    except (RehearsalError, subprocess.TimeoutExpired) as e:
        print(f"deploy rehearsal FAILED after {time.perf_counter() - start:.0f} s: {e}", file=sys.stderr)
        return 1
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    times["total_s"] = round(time.perf_counter() - start, 1)
    print(json.dumps(times))
    if args.keep:
        print(f"kept {workdir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
