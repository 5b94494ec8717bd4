"""The faster engine against eager PyTorch, in one run (python -m tools.bench --engine).

Each figure is a median of `runs` rounds after a warm-up, eager and ONNX Runtime taking turns
within every round, so that a busy neighbour slows both alike: the UNet call alone (one image
with guidance, a batch of 8 with guidance), one VAE decode, one whole image, a batch of 8, and
the largest pixel difference over `seeds` seeds made both ways.
"""
from __future__ import annotations

import statistics
import time

import numpy as np

from playground import engine


def _switch(lab, name: str) -> None:
    """Both modules on one engine: eager PyTorch or ONNX Runtime."""
    base = lab.manager.base
    if name == "torch":
        for module in (base.unet, base.vae.decoder, base.vae.encoder):
            engine.detach(module)
    else:
        engine.attach(base.unet)
        engine.attach_vae_part(base.vae, "decoder")
        engine.attach_vae_part(base.vae, "encoder")


def _interleaved(lab, fns: dict, runs: int) -> dict:
    """{(part, engine): median seconds}: each round times every part on eager and on ONNX
    Runtime, so that a busy neighbour or a slow minute of this shared VM slows both alike."""
    times: dict = {}
    for name in ("torch", "onnxruntime"):  # warm-up: first-call costs stay out of the figures
        _switch(lab, name)
        for fn in fns.values():
            fn()
    for r in range(runs):
        for name in ("torch", "onnxruntime")[::1 if r % 2 == 0 else -1]:  # who goes first alternates
            _switch(lab, name)
            for part, fn in fns.items():
                start = time.perf_counter()
                fn()
                times.setdefault((part, name), []).append(time.perf_counter() - start)
    return {key: statistics.median(values) for key, values in times.items()}


def run_engine_bench(lab, runs: int = 5, seeds: int = 16, prompt: str = "a cat in a library") -> dict:
    import torch

    lab.progress = False
    base = lab.manager.base
    unet = base.unet
    if not engine.active(unet) and not engine.attach(unet):
        raise SystemExit("ONNX Runtime is not available for this model (see the log): nothing to compare")
    cfg = unet.config
    size = cfg.sample_size if isinstance(cfg.sample_size, int) else cfg.sample_size[0]
    states = base.encode_prompt(prompt, "cpu", 1, True, "")  # (cond, uncond)
    out: dict = {"model": lab.model, "threads": torch.get_num_threads(), "runs": runs}

    def unet_call(batch: int):
        x = torch.randn(batch, cfg.in_channels, size, size, generator=torch.Generator().manual_seed(0))
        text = torch.cat([states[1], states[0]]).repeat(batch // 2, 1, 1)

        def call():
            with torch.no_grad():
                unet(x, torch.tensor(500), encoder_hidden_states=text, return_dict=False)
        return call

    latents = torch.randn(1, base.vae.config.latent_channels, size, size)

    def decode():
        with torch.no_grad():
            base.vae.decode(latents)

    fns = {"unet_1": unet_call(2), "unet_8": unet_call(16), "decode_1": decode,
           "image_1": lambda: lab.generate(prompt, seed=0),
           "image_8": lambda: lab.batch([prompt] * 8, list(range(8)))}
    medians = _interleaved(lab, fns, runs)
    pictures = {}
    for name in ("torch", "onnxruntime"):
        _switch(lab, name)
        pictures[name] = [np.asarray(p.image, np.int16) for p in lab.batch([prompt] * seeds, list(range(seeds)))]
    _switch(lab, "onnxruntime")  # leave the lab as it loads
    for part in fns:
        out[f"{part}_torch"], out[f"{part}_onnxruntime"] = medians[(part, "torch")], medians[(part, "onnxruntime")]
        out[f"{part}_speedup"] = out[f"{part}_torch"] / out[f"{part}_onnxruntime"]
    out["seeds"] = seeds
    out["max_pixel_diff"] = int(max(np.abs(a - b).max() for a, b in zip(pictures["torch"], pictures["onnxruntime"])))
    return out


def format_engine(r: dict) -> str:
    rows = [("UNet call, 1 image with guidance", "unet_1"), ("UNet call, 8 images with guidance", "unet_8"),
            ("VAE decode, 1 picture", "decode_1"), ("1 image (generate)", "image_1"),
            ("8 images (one batched call)", "image_8")]
    lines = [f"engine: eager PyTorch against ONNX Runtime ({r['model']}, {r['threads']} thread(s), "
             f"median of {r['runs']} interleaved rounds)", f"{'':36} {'eager':>9} {'onnxruntime':>12} {'speed-up':>9}"]
    for label, key in rows:
        lines.append(f"{label:36} {r[key + '_torch']:8.3f}s {r[key + '_onnxruntime']:11.3f}s "
                     f"{r[key + '_speedup']:8.2f}x")
    lines.append(f"{r['seeds']} seeds both ways: max pixel difference {r['max_pixel_diff']} of 255")
    return "\n".join(lines)
