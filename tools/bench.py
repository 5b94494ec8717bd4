"""Bench: seconds per image, a batched seed grid against sequential calls, and peak memory.

    python -m tools.bench                    # the default model on this machine
    python -m tools.bench --tiny --steps 8   # the tests' tiny random pipeline (no weights)
    python -m tools.bench --model stabilityai/sd-turbo --steps 1 --size 512
    python -m tools.bench --walk             # and the Walks tab's default call (--walk compare: and
                                             # four other walks beside it)
    python -m tools.bench --engine           # and eager PyTorch against ONNX Runtime (tools/bench_engine.py)

Timings live here and not in the tests, which stay about behaviour (docs/design.md).
"""
from __future__ import annotations

import argparse
import resource
import sys
import time

import numpy as np

from playground.lab import Lab
from playground.params import load_preset
from playground.tiny import tiny_pipeline
from tools.bench_engine import format_engine, run_engine_bench

# The walks measured beside the default one (--walk compare): (spacing, renders, steps). The even
# walk's cost is its renders over its rounds' batches; these four bracket the default's choice.
WALK_FIGURES = (("uniform", 8, 20), ("even", 16, 10), ("even", 32, 10), ("even", 16, 20))


def peak_memory() -> dict:
    """Peak resident memory of this process (MB) and, on CUDA, peak allocated GPU memory (MB)."""
    import torch

    # ru_maxrss is in kilobytes on Linux (bytes on macOS).
    scale = 1 if sys.platform == "darwin" else 1024
    out = {"rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale / 2**20}
    if torch.cuda.is_available():
        out["cuda_mb"] = torch.cuda.max_memory_allocated() / 2**20
    return out


def build_lab(model: str | None, tiny: str | None):
    if tiny:
        return Lab(pipeline=tiny_pipeline(tiny), model=f"tiny-{tiny}")
    return Lab(model=model)


def run_bench(lab, steps: int | None = None, size: int | None = None, seeds: int = 8,
              prompt: str = "a cat") -> dict:
    """Time `seeds` sequential generate() calls against one seed_grid() of the same seeds."""
    # 1. settle: load the model and pay first-call costs outside the timings
    lab.progress = False
    settings = {"num_inference_steps": steps, "width": size, "height": size}
    settings = {k: v for k, v in settings.items() if v is not None}
    lab.generate(prompt, seed=0, **settings)
    # 2. sequential: one pipeline call per seed
    start = time.perf_counter()
    singles = [lab.generate(prompt, seed=s, **settings) for s in range(seeds)]
    sequential = time.perf_counter() - start
    # 3. batched: one call (chunked only past the model's max_batch)
    start = time.perf_counter()
    grid = lab.seed_grid(prompt, seeds=range(seeds), **settings)
    batched = time.perf_counter() - start
    # 4. the same images either way, or the comparison would be meaningless
    diff = max(int(np.abs(np.asarray(a.image, np.int16) - np.asarray(b.image, np.int16)).max())
               for a, b in zip(singles, grid))
    p = singles[0].params
    return {"model": lab.model, "device": lab.device, "dtype": str(lab.dtype).replace("torch.", ""),
            "size": f"{p['width']}x{p['height']}", "steps": p["num_inference_steps"], "scheduler": p["scheduler"],
            "seeds": seeds, "seconds_per_image": sequential / seeds, "sequential_s": sequential,
            "batched_s": batched, "speedup": sequential / batched, "max_pixel_diff": diff,
            "max_batch": lab.defaults()["max_batch"], **peak_memory()}


def walk_call(lab, preset: dict, spacing: str | None = None, renders: int | None = None, **settings):
    """The Walks tab's call at its preset's values (the tab sends the renders as an even walk's
    budget) and the model's default settings unless given; returns (seconds, walk)."""
    spacing = spacing or preset["spacing"]
    budget = (renders or preset["renders"]) if spacing == "even" else None
    start = time.perf_counter()
    walk = lab.interpolate(preset["prompt"], seeds=preset["seeds"], frames=preset["frames"], mode=preset["mode"],
                           prompt_b=preset["prompt_b"] or None, spacing=spacing, budget=budget, **settings)
    return time.perf_counter() - start, walk


def run_walk_bench(lab, compare: bool = False) -> dict:
    """Seconds of the Walks tab's default call (the lesson's answer time), after a warm-up walk
    of the same frames at 2 steps (model load, first batched call); with `compare`, WALK_FIGURES too."""
    lab.progress = False
    preset = load_preset("interpolate")
    walk_call(lab, preset, "uniform", num_inference_steps=2)
    seconds, walk = walk_call(lab, preset)
    out = {"walk_s": seconds, "walk_renders": walk.renders, "walk_rounds": walk.rounds, "walk_ratio": walk.ratio,
           "walk_spacing": walk.spacing, "walk_t": [p.params["t"] for p in walk], "walk_frames": len(walk),
           "walk_steps": walk[0].params["num_inference_steps"], "walk_figures": []}
    for spacing, renders, steps in WALK_FIGURES if compare else ():
        took, other = walk_call(lab, preset, spacing, renders, num_inference_steps=steps)
        out["walk_figures"].append({"spacing": spacing, "budget": renders, "renders": other.renders, "steps": steps,
                                    "seconds": took})
    return out


def format_walk(r: dict) -> str:
    calls = r["walk_rounds"] + 1
    ratio = "" if r["walk_ratio"] is None else f", largest step / median {r['walk_ratio']:.2f}"
    lines = [f"walk at the tab's defaults ({r['walk_frames']} frames, {r['walk_spacing']}, {r['walk_steps']} steps): "
             f"{r['walk_s']:.2f} s, {r['walk_renders']} renders in {calls} call{'s' * (calls > 1)}{ratio}",
             "walk frames' t:                   " + ", ".join(f"{t:.4f}" for t in r["walk_t"])]
    if r["walk_figures"]:
        lines.append("walks beside it:                  " + " | ".join(
            f"{f['spacing']} {f['budget']} at {f['steps']} steps: {f['renders']} renders {f['seconds']:.1f} s"
            for f in r["walk_figures"]))
    return "\n".join(lines)


def format_report(r: dict) -> str:
    lines = [
        f"model {r['model']} on {r['device']} ({r['dtype']}), {r['size']} px, {r['steps']} steps, {r['scheduler']}",
        f"seconds per image (sequential):   {r['seconds_per_image']:.3f} s",
        f"{r['seeds']} sequential generate calls:    {r['sequential_s']:.2f} s",
        f"batched {r['seeds']}-seed grid (max_batch {r['max_batch']}): {r['batched_s']:.2f} s",
        f"batched grid vs sequential:       {r['speedup']:.2f}x faster",
        f"grid cell vs single run:          max pixel difference {r['max_pixel_diff']} of 255",
        f"peak memory:                      RSS {r['rss_mb']:.0f} MB"
        + (f", CUDA allocated {r['cuda_mb']:.0f} MB" if "cuda_mb" in r else ""),
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(prog="python -m tools.bench", description=__doc__.split("\n")[0])
    parser.add_argument("--model", help="registry id or local folder (default: the registry's default)")
    parser.add_argument("--tiny", nargs="?", const="sd1.x", choices=["sd1.x", "sdxl"],
                        help="use the tests' tiny random-weight pipeline instead of a model")
    parser.add_argument("--steps", type=int, help="denoising steps (default: the model's)")
    parser.add_argument("--size", type=int, help="width = height in pixels (default: the model's)")
    parser.add_argument("--seeds", type=int, default=8, help="grid size to compare (default 8)")
    parser.add_argument("--threads", type=int, help="torch CPU threads (default: torch's choice)")
    parser.add_argument("--walk", nargs="?", const="default", choices=["default", "compare"],
                        help="also time the Walks tab's default call (after a warm-up); compare: and "
                             "uniform 8 at 20 steps, even 16 and 32 at 10, even 16 at 20 beside it")
    parser.add_argument("--engine", action="store_true",
                        help="also eager PyTorch against the ONNX Runtime engine, side by side")
    args = parser.parse_args(argv)
    if not 1 <= args.seeds <= 64:
        parser.error(f"--seeds must be in 1..64, got {args.seeds}")
    if args.threads is not None:
        import torch

        # On a shared 2-core machine, 2 threads against a busy neighbour spin instead of working.
        torch.set_num_threads(max(1, args.threads))
    lab = build_lab(args.model, args.tiny)
    report = run_bench(lab, args.steps, args.size, args.seeds)
    print(format_report(report))
    if args.walk:  # the tab's own settings: the model's defaults, whatever --steps and --size say
        report.update(run_walk_bench(lab, compare=args.walk == "compare"))
        print(format_walk(report))
    if args.engine:
        report.update(engine=run_engine_bench(lab))
        print(format_engine(report["engine"]))
    return report


if __name__ == "__main__":
    main()
