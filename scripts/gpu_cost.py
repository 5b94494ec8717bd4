"""Measure a registry model's generation cost, for presets/models.yaml's gpu_step_seconds and
gpu_image_seconds (registry.gpu_duration sizes ZeroGPU's spaces.GPU calls from them).

Times Lab.seed_grid at 1 and max_batch images, each at 1 and `--steps` steps, at the model's own
size, after a warm-up, and fits  seconds = call + images x (steps x step + image)  by least
squares: `step` is one image's denoising step, `image` its text encoding, VAE decode and safety
check, `call` what a call costs whatever its size (compare with registry.GPU_CALL_SECONDS).

    python scripts/gpu_cost.py stabilityai/sdxl-turbo          # on the GPU, weights from the hub/cache
    python scripts/gpu_cost.py stabilityai/sd-turbo --device cpu --size 64 --steps 4   # a smoke run
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run from anywhere
    sys.path.insert(0, str(ROOT))

from playground.lab import Lab  # noqa: E402


def timed(lab: Lab, images: int, steps: int, size: int, repeats: int) -> float:
    """The median seconds of a seed grid of `images` at `steps` steps."""
    runs = []
    for r in range(repeats):
        start = time.perf_counter()
        lab.seed_grid("a photograph of a lighthouse at dusk", seeds=range(r, r + images), num_inference_steps=steps,
                      width=size, height=size)
        runs.append(time.perf_counter() - start)
    return sorted(runs)[len(runs) // 2]


def measure(lab: Lab, steps: int = 8, size: int | None = None, repeats: int = 3) -> dict:
    """{"gpu_step_seconds", "gpu_image_seconds", "call_seconds", "samples"} for the Lab's model."""
    import numpy as np

    size = size or lab.defaults()["width"]
    batch = max(2, lab.defaults()["max_batch"])
    timed(lab, 1, 1, size, 1)  # warm-up: kernels, allocator, the first call's set-up
    samples = [(n, s, timed(lab, n, s, size, repeats)) for n in (1, batch) for s in (1, steps)]
    # seconds = call + images*steps*step + images*image: linear in (1, images*steps, images)
    design = np.array([[1.0, n * s, n] for n, s, _ in samples])
    (call, step, image), *_ = np.linalg.lstsq(design, np.array([t for *_, t in samples]), rcond=None)
    return {"gpu_step_seconds": round(max(step, 0.0), 4), "gpu_image_seconds": round(max(image, 0.0), 4),
            "call_seconds": round(max(call, 0.0), 3), "size": size,
            "samples": [{"images": n, "steps": s, "seconds": round(t, 3)} for n, s, t in samples]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("model", help="a registry id (presets/models.yaml)")
    parser.add_argument("--device", default=None, help="default: cuda when there is one")
    parser.add_argument("--size", type=int, default=None, help="default: the model's own size")
    parser.add_argument("--steps", type=int, default=8)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    lab = Lab(model=args.model, device=args.device)
    lab.progress = False
    result = measure(lab, args.steps, args.size, args.repeats)
    print(json.dumps({"model": args.model, "device": lab.device, "dtype": str(lab.dtype), **result}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
