"""Every figure of a class on two cores, side by side in one run (the class-speed issue's list).

    python -m tools.class_bench [--old REF] [--students 10 30] [--runs 4]

In order, on this machine: each tab's server time against its engine time (tools/grid_ratio.py),
the in-process replay of each class (tools/replay.py), the walk at its defaults, the engine
against eager PyTorch (tools/bench_engine.py), then the class itself through the app
(tools/load.py) with students batched together, with batching off, and, with --old, the app of
another commit (a temporary git worktree) driven by this checkout's load generator, so both
sides meet the same students. Each figure is printed beside its target. Run it on a quiet
machine: nothing else may share the two cores (the load generator already does).
"""
from __future__ import annotations

import argparse
import contextlib
import subprocess
import tempfile
from pathlib import Path

from tools import grid_ratio, load
from tools.bench import build_lab, run_walk_bench
from tools.bench_engine import run_engine_bench
from tools.probe import ROOT, start_app
from tools.replay import replay

VARIANTS = ("new", "batching off", "old")


@contextlib.contextmanager
def worktree(ref: str):
    """A checkout of `ref` in a temporary folder, removed afterwards."""
    folder = Path(tempfile.mkdtemp(prefix="playground-old-")) / "tree"
    subprocess.run(["git", "worktree", "add", "--detach", str(folder), ref], cwd=ROOT, check=True,
                   capture_output=True)
    try:
        yield folder
    finally:
        subprocess.run(["git", "worktree", "remove", "--force", str(folder)], cwd=ROOT, capture_output=True)


def class_figures(students: int, env: dict | None = None, root: Path | None = None) -> dict:
    """One class through the app: images/s, p50, ETA median error and failures without a message."""
    with start_app({**load.CLEANUP_ENV, **(env or {})}, root=root) as (url, pid, folders):
        r = load.run(url, pid, list(folders.values()), students, 4, load.settings_for(steps=4), 0, 1800,
                     cleanup_s=0, arrive_s=10)
    out = r["outcomes"]
    latency = [o.seconds for o in out if o.kind in ("ok", "message")]
    eta = [o.eta_error for o in out if o.eta_error is not None]
    images = sum(o.images for o in out if o.kind == "ok")
    # per second of serving, first request to last answer (tools.load.run's window), as the replay counts
    return {"images_s": images / r["window"], "images_s_wall": images / r["wall"], "p50": load._pct(latency, 50),
            "eta": load._pct(eta, 50) if eta else None, "eta_n": len(eta),
            "silent": sum(o.kind in ("silent", "unfinished") for o in out)}


def run_class_bench(students=(10, 30), old: str | None = None, runs: int = 4) -> dict:
    server = grid_ratio.served(runs)
    # The in-process figures on the engine come before the eager ones: after eager PyTorch has
    # run, torch's OpenMP threads slow ONNX Runtime in the same process (measured: the seed grid's
    # engine time 1.4x, which made its server / engine ratio read 0.79).
    lab = build_lab(None, None)
    engine = grid_ratio.engine(runs, lab)
    result: dict = {"tabs": {name: server[name] / engine[name] for name in grid_ratio.CALLS},
                    "replay": {n: replay(lab, students=n)["images_per_s"] for n in students},
                    "walk_s": run_walk_bench(lab)["walk_s"]}
    result["engine"] = run_engine_bench(lab, runs=runs)  # eager last
    del lab
    result["classes"] = {n: {"new": class_figures(n), "batching off": class_figures(n, {"PLAYGROUND_BATCH_STUDENTS": "0"})}
                         for n in students}
    if old:
        with worktree(old) as tree:
            for n in students:
                result["classes"][n]["old"] = class_figures(n, root=tree)
    result["old"] = old
    return result


def _cell(value, fmt: str) -> str:
    return "-" if value is None else fmt.format(value)


def format_class(r: dict) -> str:
    """The figures beside their targets (the issue's done-when list)."""
    e = r["engine"]
    lines = [f"engine, 1 image: eager {e['image_1_torch']:.3f} s, onnxruntime {e['image_1_onnxruntime']:.3f} s, "
             f"{e['image_1_speedup']:.2f}x (target >= 1.6x)",
             f"engine, 8 images: eager {e['image_8_torch']:.3f} s, onnxruntime {e['image_8_onnxruntime']:.3f} s, "
             f"{e['image_8_speedup']:.2f}x (target >= 1.3x)",
             f"engine pictures: max pixel difference {e['max_pixel_diff']} of 255 over {e['seeds']} seeds (target <= 1)",
             f"walk at its defaults: {r['walk_s']:.2f} s (target < 10 s)"]
    lines += [f"{name}: server / engine time {ratio:.2f} (target <= 1.3)" for name, ratio in r["tabs"].items()]
    for n, by in r["classes"].items():
        new, old = by["new"], by.get("old")
        lines.append(f"{n} students       " + "".join(f"{v:>14}" for v in VARIANTS) + "   new/old   target")
        rows = (("images/s", "images_s", "{:.2f}", ">= 2x"), ("p50 latency s", "p50", "{:.2f}", "<= 0.5x"))
        for label, key, fmt, target in rows:
            ratio = _cell(new[key] / old[key] if old else None, "{:.2f}x")
            lines.append(f"  {label:15}" + "".join(f"{_cell(by.get(v, {}).get(key), fmt):>14}" for v in VARIANTS)
                         + f"{ratio:>10}   {target}")
        lines.append(f"  {'ETA error':15}" + "".join(
            f"{_cell(by[v]['eta'] * 100 if v in by and by[v]['eta'] is not None else None, '{:.0f}%'):>14}"
            for v in VARIANTS) + f"{'':10}   <= 25% (new; n={new['eta_n']})")
        lines.append(f"  {'no message':15}" + "".join(f"{_cell(by.get(v, {}).get('silent'), '{}'):>14}"
                                                       for v in VARIANTS) + f"{'':10}   0")
        share = new["images_s"] / r["replay"][n]
        lines.append(f"  served / replay: {new['images_s']:.2f} / {r['replay'][n]:.2f} images/s = {share:.2f} "
                     f"(target >= 0.8; over the whole run, arrivals and connects included: "
                     f"{new['images_s_wall'] / r['replay'][n]:.2f})")
    return "\n".join(lines)


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(prog="python -m tools.class_bench", description=__doc__.split("\n")[0])
    parser.add_argument("--old", help="a git commit to compare against (its app, this checkout's load generator)")
    parser.add_argument("--students", type=int, nargs="+", default=[10, 30])
    parser.add_argument("--runs", type=int, default=4, help="timed rounds of the engine and tab figures")
    args = parser.parse_args(argv)
    if not all(1 <= n <= load.MAX_STUDENTS for n in args.students):
        parser.error(f"--students must be in 1..{load.MAX_STUDENTS}, got {args.students}")
    result = run_class_bench(tuple(args.students), args.old, args.runs)
    print(format_class(result))
    return result


if __name__ == "__main__":
    main()
