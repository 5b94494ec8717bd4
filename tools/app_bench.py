"""The app's speed on this machine: `python -m tools.app_bench` (embedded model).

Measures what a student waits for, against the Gradio-lab issue's budgets (2-core CPU):
1. from `python app.py` to the first page, the first image (a one-seed grid, through
   gradio_client; the embedded-model issue's 20 s) and the first triptych after it;
2. in one process, after the model is loaded: the tabs' callbacks as the buttons call them.
Figures on a shared machine swing with its load; the medians of a few runs are printed.
"""
from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from PIL import Image

from playground.lab import Lab
from playground.ui import img2img, seed_grid, triptych
from playground.ui.shared import Labs

ROOT = Path(__file__).resolve().parents[1]
BUDGETS = {"idle, % of a core": 2.0, "first page": 20.0, "first image": 20.0, "triptych": 3.0, "seed grid of 8": 5.0, "img2img sweep of 3": 3.0}
TRIPTYCH = ("a fox reading a book", "guidance_scale", "1, 5, 15", 7)


def settings(lab) -> dict:
    d = lab.defaults()
    return dict(model=lab.model, negative_prompt="", num_inference_steps=d["num_inference_steps"],
                guidance_scale=d["guidance_scale"], scheduler=d["scheduler"], width=d["width"], height=d["height"])


def idle_cpu(pid: int, seconds: float = 10.0) -> float:
    """The server's CPU while nothing runs, in % of one core (Linux /proc; gradio's queue polled
    every 1 ms when free: 6.4% before ui/layout.QUEUE_POLL_S)."""
    def used() -> float:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    time.sleep(2.0)  # the last request's follow-ups settle
    before, start = used(), time.monotonic()
    time.sleep(seconds)
    return 100 * (used() - before) / (time.monotonic() - start)


def cold_start(timeout: float = 120.0) -> dict:
    """Seconds from starting `python app.py` to its first page, first image and first triptych."""
    from gradio_client import Client

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = dict(os.environ, GRADIO_SERVER_PORT=str(port), HF_HUB_OFFLINE="1", GRADIO_ANALYTICS_ENABLED="False")
    start = time.monotonic()
    proc = subprocess.Popen([sys.executable, "app.py"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        while True:
            if proc.poll() is not None or time.monotonic() - start > timeout:
                raise RuntimeError("python app.py did not serve a page")
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2).close()
                break
            except OSError:
                time.sleep(0.2)
        page = time.monotonic() - start
        client = Client(f"http://127.0.0.1:{port}/", verbose=False)
        d = client.predict("tiny-world", api_name="/model_defaults")
        kw = dict(model="tiny-world", negative_prompt="", num_inference_steps=d[0]["value"],
                  guidance_scale=d[1]["value"], scheduler=d[2]["value"], width=d[3]["value"], height=d[4]["value"])
        client.predict("a cat", "Typed list", 1, "0", api_name="/seed_grid", **kw)
        image = time.monotonic() - start
        client.predict(*TRIPTYCH, api_name="/triptych", **kw)
        triptych_done = time.monotonic() - start
        return {"first page": page, "first image": image, "first triptych": triptych_done,
                "idle, % of a core": idle_cpu(proc.pid)}
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def warm(runs: int) -> dict:
    """Median seconds of each tab's callback, after the model is loaded and warmed up."""
    lab = Lab()
    labs = Labs(lab)
    labs.preload().join()
    kw = settings(lab)
    source = Path(tempfile.mkdtemp()) / "input.png"
    Image.radial_gradient("L").convert("RGB").save(source)
    jobs = {
        "triptych": lambda: triptych.run_triptych(labs, *TRIPTYCH, **kw),
        "seed grid of 8": lambda: seed_grid.run_seed_grid(labs, "a cat", seed_grid.TYPED, 8, "0, 1, 2, 3, 4, 5, 6, 7",
                                                         **kw),
        "img2img sweep of 3": lambda: img2img.run_img2img(labs, str(source), "a fox", "0.2, 0.5, 0.8", 7, **kw),
    }
    out = {}
    for name, job in jobs.items():
        times = []
        for _ in range(runs):
            start = time.monotonic()
            job()
            times.append(time.monotonic() - start)
        out[name] = statistics.median(times)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3, help="runs per callback (median reported)")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    figures = {**cold_start(), **warm(args.runs)}
    print(f"{'what':<22}{'seconds':>9}{'budget':>9}")
    for name, seconds in figures.items():
        budget = BUDGETS.get(name)
        mark = "" if budget is None else f"{budget:>9.1f}" + ("" if seconds <= budget else "  over")
        print(f"{name:<22}{seconds:>9.2f}{mark}")


if __name__ == "__main__":
    main()
