"""The faster engine against eager PyTorch, in one run (python -m tools.bench --engine).

Each figure is a median of `runs` timings after a warm-up call, eager and ONNX Runtime taking
turns, so that a busy neighbour slows both alike: the UNet call alone (one image with guidance,
a batch of 8 with guidance), one whole image, a batch of 8, and the largest pixel difference
over `seeds` seeds made both ways.
"""
from __future__ import annotations

import statistics
import time

import numpy as np

from playground import engine


def _median(fn, runs: int) -> float:
    fn()  # warm-up: first-call costs stay out of the figure
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def run_engine_bench(lab, runs: int = 3, seeds: int = 16, prompt: str = "a cat in a library") -> dict:
    import torch

    lab.progress = False
    unet = lab.manager.base.unet
    if not engine.active(unet) and not engine.attach(unet):
        raise SystemExit("ONNX Runtime is not available for this model (see the log): nothing to compare")
    cfg = unet.config
    size = cfg.sample_size if isinstance(cfg.sample_size, int) else cfg.sample_size[0]
    states = lab.manager.base.encode_prompt(prompt, "cpu", 1, True, "")  # (cond, uncond)
    out: dict = {"model": lab.model, "threads": torch.get_num_threads(), "runs": runs}

    def unet_call(batch: int):
        x = torch.randn(batch, cfg.in_channels, size, size, generator=torch.Generator().manual_seed(0))
        text = torch.cat([states[1], states[0]]).repeat(batch // 2, 1, 1)
        return lambda: unet(x, torch.tensor(500), encoder_hidden_states=text, return_dict=False)

    pictures = {}
    for name in ("torch", "onnxruntime"):
        (engine.detach if name == "torch" else engine.attach)(unet)
        with torch.no_grad():
            out[f"unet_1_{name}"] = _median(unet_call(2), runs * 3)
            out[f"unet_8_{name}"] = _median(unet_call(16), runs)
        out[f"image_1_{name}"] = _median(lambda: lab.generate(prompt, seed=0), runs)
        out[f"image_8_{name}"] = _median(lambda: lab.batch([prompt] * 8, list(range(8))), runs)
        pictures[name] = [np.asarray(p.image, np.int16) for p in lab.batch([prompt] * seeds, list(range(seeds)))]
    engine.attach(unet)  # leave the lab as it loads
    for part in ("unet_1", "unet_8", "image_1", "image_8"):
        out[f"{part}_speedup"] = out[f"{part}_torch"] / out[f"{part}_onnxruntime"]
    out["seeds"] = seeds
    out["max_pixel_diff"] = int(max(np.abs(a - b).max() for a, b in zip(pictures["torch"], pictures["onnxruntime"])))
    return out


def format_engine(r: dict) -> str:
    rows = [("UNet call, 1 image with guidance", "unet_1"), ("UNet call, 8 images with guidance", "unet_8"),
            ("1 image (generate)", "image_1"), ("8 images (one batched call)", "image_8")]
    lines = [f"engine: eager PyTorch against ONNX Runtime ({r['model']}, {r['threads']} thread(s), "
             f"median of {r['runs']}+)", f"{'':36} {'eager':>9} {'onnxruntime':>12} {'speed-up':>9}"]
    for label, key in rows:
        lines.append(f"{label:36} {r[key + '_torch']:8.3f}s {r[key + '_onnxruntime']:11.3f}s "
                     f"{r[key + '_speedup']:8.2f}x")
    lines.append(f"{r['seeds']} seeds both ways: max pixel difference {r['max_pixel_diff']} of 255")
    return "\n".join(lines)
