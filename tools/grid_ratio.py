"""Server time against engine time, per tab call (python -m tools.grid_ratio [--runs 4]).

The app is started on loopback with PLAYGROUND_SLOT_LOG, so each model slot's server time
(gradio's preprocessing, the callback, postprocessing: what ui/fair.py times) is written down;
the same calls are then made in this process through the Lab alone. Figures are medians after
one warm-up; the ratio is the server's share of time beyond the engine's (issue: <= 1.3).
"""
from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from playground import Lab
from tools.load import settings_for
from tools.probe import start_app
from tools.rawapi import RawAPI

# (endpoint, its raw inputs before the settings, the Lab call that does its model work)
CALLS = {
    "seed_grid": (["a cat", "Random seeds", 8, ""],
                  lambda lab, s: lab.prior("a cat", lab.seed_grid("a cat", count=8, **s))),
    "triptych": (["a fox in a meadow", "guidance_scale", "0, 2, 15", 7],
                 lambda lab, s: lab.triptych("a fox in a meadow", vary="guidance_scale", values=[0, 2, 15], seed=7, **s)),
}


def served(runs: int) -> dict:
    log = Path(tempfile.mkdtemp(prefix="slots-")) / "slots.txt"
    with start_app({"PLAYGROUND_SLOT_LOG": str(log)}) as (url, pid, folders):
        api = RawAPI(url)
        try:
            settings = list(settings_for(steps=20).values())  # the class's settings at the model's 20 steps
            for name, (inputs, _) in CALLS.items():
                for _ in range(runs + 1):
                    r = api.call(name, [*inputs, *settings])
                    if r.kind != "ok":
                        raise SystemExit(f"{name}: {r.kind} {r.message}")
        finally:
            api.close()
    times: dict[str, list[float]] = {}
    for line in log.read_text().splitlines():
        name, _, seconds = line.split()
        times.setdefault(name, []).append(float(seconds))
    return {name: statistics.median(t[1:]) for name, t in times.items() if name in CALLS}


def engine(runs: int, lab=None) -> dict:
    lab = lab or Lab()
    lab.progress = False
    settings = dict(num_inference_steps=20, guidance_scale=2.0, scheduler="DDIM", width=128, height=128)
    out = {}
    for name, (_, call) in CALLS.items():
        call(lab, settings)
        times = []
        for _ in range(runs):
            start = time.perf_counter()
            call(lab, settings)
            times.append(time.perf_counter() - start)
        out[name] = statistics.median(times)
    return out


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(prog="python -m tools.grid_ratio", description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=4)
    args = parser.parse_args(argv)
    server, lab = served(args.runs), engine(args.runs)
    for name in CALLS:
        print(f"{name}: server {server[name]:.2f} s, engine (Lab alone) {lab[name]:.2f} s, "
              f"ratio {server[name] / lab[name]:.2f}")
    return {"server": server, "engine": lab}


if __name__ == "__main__":
    main()
