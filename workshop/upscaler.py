"""A small x2 upscaler for the embedded model's 128 px pictures: Real-ESRGAN's SRVGGNetCompact.

The network is the original's, module for module (`body.0` first conv, `body.1` its PReLU,
then `num_conv` conv + PReLU pairs, the last conv to 3 * scale^2 channels, a pixel shuffle,
plus the input upsampled by nearest neighbour), and takes and gives RGB in [0, 1]. So a saved
`.safetensors` has the original's exact keys, and spandrel (which ComfyUI and AUTOMATIC1111
load upscalers through) recognises it as "RealESRGAN Compact" and reads num_feat, num_conv
and the scale off the tensors' shapes, as `load` here does. Trained by workshop.upscaler_train,
measured by workshop.upscaler_eval; both make its inputs with `through_vae` (the shipped VAE's
round trip). torch is imported inside functions: importing is cheap.
"""
from __future__ import annotations

import json
import time
from functools import lru_cache
from pathlib import Path

import numpy as np

from playground import pixelgrid
from workshop.model import MODEL_DIR

UPSCALER_DIR = MODEL_DIR / "upscaler"
WEIGHTS = "tiny-world-x2.safetensors"
# Sized by the CPU: 128 -> 256 in about 0.06 s on one thread of the 2-core machine (48/8 took
# 0.10 s, 64/16 0.22 s), and a training step of 16 crops in 0.3 s, so an hour of one thread
# is ~10,000 steps; 79 k parameters, 0.31 MB in fp32.
NUM_FEAT, NUM_CONV, SCALE = 32, 8, 2


@lru_cache(maxsize=1)
def _compact_class():
    """The class, made on first use so that importing this module does not import torch."""
    import torch.nn.functional as F
    from torch import nn

    class SRVGGNetCompact(nn.Module):
        """Real-ESRGAN's compact network (act_type "prelu"), same modules in the same order."""

        def __init__(self, num_in_ch=3, num_out_ch=3, num_feat=NUM_FEAT, num_conv=NUM_CONV, upscale=SCALE):
            super().__init__()
            self.num_feat, self.num_conv, self.upscale = num_feat, num_conv, upscale
            layers = [nn.Conv2d(num_in_ch, num_feat, 3, 1, 1), nn.PReLU(num_parameters=num_feat)]
            for _ in range(num_conv):
                layers += [nn.Conv2d(num_feat, num_feat, 3, 1, 1), nn.PReLU(num_parameters=num_feat)]
            layers.append(nn.Conv2d(num_feat, num_out_ch * upscale * upscale, 3, 1, 1))
            self.body = nn.ModuleList(layers)
            self.upsampler = nn.PixelShuffle(upscale)

        def forward(self, x):
            out = x
            for layer in self.body:
                out = layer(out)
            # the body learns only the residual over the nearest-upsampled input
            return self.upsampler(out) + F.interpolate(x, scale_factor=self.upscale, mode="nearest")

    return SRVGGNetCompact


def build(num_feat: int = NUM_FEAT, num_conv: int = NUM_CONV, scale: int = SCALE, seed: int | None = None):
    """A fresh network (random weights; `seed` makes them repeatable)."""
    import torch
    if not (1 <= num_feat <= 256 and 0 <= num_conv <= 64 and scale in (1, 2, 3, 4)):
        raise ValueError(f"num_feat must be 1..256, num_conv 0..64, scale 1..4; got {num_feat}, {num_conv}, {scale}")
    if seed is not None:
        torch.manual_seed(seed)
    return _compact_class()(num_feat=num_feat, num_conv=num_conv, upscale=scale)


def shape_of(state: dict) -> dict:
    """num_feat, num_conv and scale read off a state dict, as spandrel reads them."""
    last = max(int(k.split(".")[1]) for k in state if k.startswith("body."))
    num_feat, num_in = state["body.0.weight"].shape[:2]
    out_channels = state[f"body.{last}.bias"].shape[0]
    scale = int(round((out_channels / num_in) ** 0.5))
    if scale * scale * num_in != out_channels or (last - 2) % 2:
        raise ValueError(f"not an SRVGGNetCompact state dict: last conv body.{last} with {out_channels} outputs")
    return {"num_feat": int(num_feat), "num_conv": (last - 2) // 2, "scale": scale}


def save(net, path: Path, half: bool = False, metadata: dict | None = None) -> Path:
    """The weights alone as safetensors (fp16 with `half`), the original's key names."""
    from safetensors.torch import save_file
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    state = {k: (v.half() if half else v.float()).contiguous() for k, v in net.state_dict().items()}
    save_file(state, str(path), metadata={k: str(v) for k, v in (metadata or {}).items()})
    return path


def load(path: Path = UPSCALER_DIR / WEIGHTS):
    """A saved upscaler in fp32 eval mode, its size read off the tensors."""
    from safetensors.torch import load_file
    state = {k: v.float() for k, v in load_file(str(path)).items()}
    shape = shape_of(state)
    net = build(shape["num_feat"], shape["num_conv"], shape["scale"])
    net.load_state_dict(state)
    return net.eval()


def upscale(net, images, times: int = 1, batch: int = 8, pixel_grid: bool = False, known=None) -> np.ndarray:
    """uint8 (N, H, W, 3) -> uint8 (N, H * s^times, W * s^times, 3): clamped and rounded
    between passes, as an app that saves each result and upscales it again would. pixel_grid:
    as the app does (playground.upscale.run), pixel art goes on its own grid, not the network;
    known[i]: the classifier read image i as pixel art (playground.upscale.learnt)."""
    import torch
    out = np.asarray(images)
    if pixel_grid:  # the network only for the pictures without a grid
        from PIL import Image

        grids = [pixelgrid.find_grid(im, known=bool(known[i]) if known is not None else False)
                 for i, im in enumerate(out)]
        rest = [i for i, g in enumerate(grids) if g is None]
        made = np.empty((len(out), out.shape[1] * net.upscale ** times, out.shape[2] * net.upscale ** times, 3), np.uint8)
        if rest:
            made[rest] = upscale(net, out[rest], times, batch)
        for i, grid in enumerate(grids):
            if grid is not None:
                made[i] = np.asarray(pixelgrid.snap(Image.fromarray(out[i]), grid, net.upscale ** times))
        return made
    for _ in range(times):
        parts = []
        with torch.inference_mode():
            for i in range(0, len(out), batch):
                x = torch.from_numpy(np.ascontiguousarray(out[i:i + batch])).permute(0, 3, 1, 2).float() / 255
                y = net(x).clamp(0, 1).mul(255).round().byte()
                parts.append(y.permute(0, 2, 3, 1).numpy())
        out = np.concatenate(parts)
    return out


def load_vae(model_dir: Path = MODEL_DIR):
    """The shipped VAE (fp32): what turns a render into what the app's pictures look like."""
    from diffusers import AutoencoderKL
    return AutoencoderKL.from_pretrained(Path(model_dir) / "vae", use_safetensors=True).float().eval()


def through_vae(vae, images: np.ndarray, sample: np.ndarray, seed: int, batch: int = 16) -> np.ndarray:
    """uint8 renders encoded and decoded by the VAE; where `sample` is True from a posterior
    sample (seeded), else from the mean, as eval_sections.round_trip does."""
    import torch
    gen, out = torch.Generator().manual_seed(seed), []
    with torch.no_grad():
        for i in range(0, len(images), batch):
            x = torch.from_numpy(images[i:i + batch]).permute(0, 3, 1, 2).float() / 127.5 - 1
            dist = vae.encode(x).latent_dist
            noise = torch.randn(dist.mean.shape, generator=gen) * dist.std
            pick = torch.from_numpy(sample[i:i + batch]).view(-1, 1, 1, 1)
            y = vae.decode(dist.mean + noise * pick).sample
            out.append(((y.clamp(-1, 1) + 1) * 127.5).round().byte().permute(0, 2, 3, 1).numpy())
    return np.concatenate(out)


def seconds_per_image(net, threads: int, size: int = 128, repeats: int = 10) -> float:
    """Median seconds for one size x size picture, one at a time, on `threads` CPU threads."""
    import torch
    before = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        x = torch.rand(1, 3, size, size)
        times = []
        with torch.inference_mode():
            net(x)  # the first call pays for allocation
            for _ in range(repeats):
                t = time.perf_counter()
                net(x)
                times.append(time.perf_counter() - t)
        return float(np.median(times))
    finally:
        torch.set_num_threads(before)


def write_config(folder: Path, net, command: str, extra: dict | None = None) -> Path:
    """config.json beside the weights: the shape (for readers without spandrel) and how it was made."""
    config = {"architecture": "SRVGGNetCompact (Real-ESRGAN compact, PReLU)", "scale": net.upscale,
              "num_feat": net.num_feat, "num_conv": net.num_conv, "weights": WEIGHTS,
              "input": "RGB in [0, 1], any size; output the size times scale",
              "training_command": command, **(extra or {})}
    path = Path(folder) / "config.json"
    path.write_text(json.dumps(config, indent=1) + "\n")
    return path
