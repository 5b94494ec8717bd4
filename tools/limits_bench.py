"""How fast the limits answer: `python -m tools.limits_bench` prints each figure beside its budget.

The tests check these limits by what happens (the settings-line reader's count of characters
looked at, a refusal before any text is laid out, no load or network before a hub error); the
seconds are measured here, on the tests' own inputs (they import them from this module):

    python -m tools.limits_bench                          # every part
    python -m tools.limits_bench --only readers --only refusals --repeat 5

- readers: A1111's settings line on four hostile lines (the old regex backtracked: 1.2 s at
  10 000 characters, 19.8 s at 40 000), and read_params on a 40 000-character parameters chunk;
- refusals: an over-long title, statement, export title, prompt and note (before the limits,
  wrapping 80 000 characters took 15-68 s of CPU and then failed silently);
- hub: a hub model asked for offline (HF_HUB_OFFLINE=1, an empty cache) fails naming itself;
- app: `python app.py` on loopback (tools.probe), then through the raw API the 40 000-character
  chunk (with the slowest /gradio_api/info answer meanwhile: the old regex held the
  interpreter lock) and the portfolio export refusing an 80 000-character title and a
  300 000-character statement.
How soon the first page comes: `python -m tools.app_bench`. In-process figures are the median of
--repeat runs; figures on a shared machine swing with its load.
"""
from __future__ import annotations

import argparse
import io
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable

from PIL import Image, PngImagePlugin

from playground import infotext, scratch
from playground.export import export_all
from playground.panels import Panel, compose, read_params
from playground.params import check_prompt
from playground.ui import panels
from tools.probe import Vitals, start_app
from tools.rawapi import RawAPI

ROOT = Path(__file__).resolve().parents[1]
PARTS = ("readers", "refusals", "hub", "app")

# the tests' inputs
SETTINGS_LINES = {"no pairs": "x" * 200_000, "empty values": "ab: " * 50_000,
                  "unclosed quotes": 'k: "x, ' * 30_000, "no word": "-" * 100_000 + ":"}
LONG_PARAMETERS = "x" * 40_000
LONG_TITLE, LONG_STATEMENT = "t" * 80_000, "s" * 300_000
HUB_MODEL = "stabilityai/sd-turbo"

# budgets, in seconds
READ_BUDGET = REFUSAL_BUDGET = 0.5
HUB_BUDGET = 1.0
APP_BUDGETS = {"read": 2.0, "info": 1.0, "export": 5.0}


def png_with(**chunks) -> bytes:
    """An 8 x 8 PNG with text chunks (an underscore in a key becomes a hyphen)."""
    info = PngImagePlugin.PngInfo()
    for key, value in chunks.items():
        info.add_text(key.replace("_", "-"), value)
    buf = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buf, "PNG", pnginfo=info)
    return buf.getvalue()


def over_long_calls() -> dict[str, Callable[[], object]]:
    """Each over-long field as a call that must raise a ValueError before any work."""
    cell = Panel(Image.new("RGB", (16, 16), (0, 0, 0)), "cell 0", {"prompt": "a cat", "seed": 0})
    return {
        "title": lambda: compose([cell], title=LONG_TITLE),
        "statement": lambda: compose([cell], statement=LONG_STATEMENT),
        "export title": lambda: export_all([cell], scratch.new_folder(), "t" * 121),
        "prompt": lambda: check_prompt("a" * 2001),
        "note": lambda: panels.with_notes([cell], ["n" * 1001]),
    }


def median_seconds(call: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(max(1, repeat)):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def refused(call: Callable[[], object]) -> Callable[[], None]:
    def run():
        try:
            call()
        except ValueError:
            return
        raise RuntimeError("the over-long field was not refused")
    return run


def readers(repeat: int) -> list[tuple[str, float, float]]:
    rows = [(f"settings line, {name} ({len(line):,} chars)",
             median_seconds(lambda: infotext.settings_pairs(line), repeat), READ_BUDGET)
            for name, line in SETTINGS_LINES.items()]
    chunk = png_with(parameters=LONG_PARAMETERS)
    rows.append((f"read_params, {len(LONG_PARAMETERS):,}-character chunk",
                 median_seconds(lambda: read_params(io.BytesIO(chunk)), repeat), READ_BUDGET))
    return rows


def refusals(repeat: int) -> list[tuple[str, float, float]]:
    return [(f"refused: over-long {name}", median_seconds(refused(call), repeat), REFUSAL_BUDGET)
            for name, call in over_long_calls().items()]


HUB_RUN = """
import sys, time
from playground.pipelines import PipelineManager
from playground.registry import HubUnavailableError
times = []
for _ in range(1 + {repeat}):  # the first pays for importing diffusers
    start = time.perf_counter()
    try:
        PipelineManager({model!r}, device="cpu").base
    except HubUnavailableError:
        times.append(time.perf_counter() - start)
    else:
        sys.exit("{model} loaded: it is cached, so this is not the offline failure")
print(sorted(times[1:])[len(times[1:]) // 2])
"""


def hub(repeat: int) -> list[tuple[str, float, float]]:
    """In a fresh interpreter: the hub switches are read when huggingface_hub is imported."""
    with tempfile.TemporaryDirectory() as cache:
        env = dict(os.environ, HF_HUB_OFFLINE="1", HF_HUB_CACHE=cache)
        out = subprocess.run([sys.executable, "-c", HUB_RUN.format(repeat=max(1, repeat), model=HUB_MODEL)],
                             cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    if out.returncode:
        raise RuntimeError(f"the hub part failed: {out.stderr[-1500:]}")
    return [(f"{HUB_MODEL} offline: HubUnavailableError", float(out.stdout.split()[-1]), HUB_BUDGET)]


def app(steps: int = 2) -> list[tuple[str, float, float]]:
    """Through the raw API of `python app.py` (the embedded model), one call each."""
    settings = ["tiny-world", "", steps, 2.0, "DDIM", 128, 128, "Off"]
    with start_app() as (url, pid, _):
        api = RawAPI(url, timeout=300)
        try:
            # a portfolio of three panels first: it also waits for the model's background load
            api.call("triptych", ["a fox", "seed", "1, 2, 3", 7, *settings])
            api.call("triptych_add_all", ["", "", ""])
            chunk = api.file(api.upload("chunk.png", png_with(parameters=LONG_PARAMETERS)))
            vitals = Vitals(url, pid, every=0.2)  # /info costs ~40 ms of CPU
            vitals.start()
            read = api.call("read_params", [chunk])
            vitals.finish()
            start = time.monotonic()
            said = [api.call("portfolio_export", [[0, 1, 2], LONG_TITLE, "s", "As made"]).message,
                    api.call("portfolio_export", [[0, 1, 2], "t", LONG_STATEMENT, "As made"]).message]
            export = time.monotonic() - start
        finally:
            api.close()
    if read.kind != "ok" or "title must be at most" not in said[0] or "statement must be at most" not in said[1]:
        raise RuntimeError(f"the app did not answer as the tests expect: {read.kind} {read.message!r} {said}")
    return [(f"app: read_params, {len(LONG_PARAMETERS):,}-character chunk", read.seconds, APP_BUDGETS["read"]),
            ("app: slowest /gradio_api/info meanwhile", max(vitals.info, default=0.0), APP_BUDGETS["info"]),
            ("app: export refuses long title, then statement", export, APP_BUDGETS["export"])]


def report(rows: list[tuple[str, float, float]]) -> str:
    width = max(len(what) for what, _, _ in rows) + 2
    lines = [f"{'what':<{width}}{'seconds':>9}{'budget':>9}"]
    lines += [f"{what:<{width}}{seconds:>9.4f}{budget:>9.1f}" + ("  over" if seconds > budget else "")
              for what, seconds, budget in rows]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> list[tuple[str, float, float]]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", action="append", choices=PARTS, help="a part to run (repeat it for more; "
                        "default: all)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per in-process figure (the median is shown)")
    parser.add_argument("--steps", type=int, default=2, help="steps of the app part's triptych")
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error(f"--repeat must be at least 1, got {args.repeat}")
    runs = {"readers": lambda: readers(args.repeat), "refusals": lambda: refusals(args.repeat),
            "hub": lambda: hub(args.repeat), "app": lambda: app(args.steps)}
    rows = [row for part in PARTS if part in (args.only or PARTS) for row in runs[part]()]
    print(report(rows))
    return rows


if __name__ == "__main__":
    main()
