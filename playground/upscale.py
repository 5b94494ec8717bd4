"""Bigger pictures: a panel upscaled by a learnt upscaler, with nearest and bicubic beside it.

The learnt upscalers are the small convolutional files that AUTOMATIC1111's Extras tab and
ComfyUI's "Upscale Image (using Model)" load: here through the same library they use,
spandrel, which reads the architecture and scale off the tensors. The embedded model ships its
own (models/tiny-world/upscaler, trained on the world's renders); a registry entry names its
file (`upscaler:` in presets/models.yaml). Only .safetensors files are read, never pickles.

An x2 network reaches x4 by running twice. The panel keeps its settings and records the
upscale as AUTOMATIC1111 does (`Hires upscale`, `Hires upscaler` in the infotext).
"""
from __future__ import annotations

import functools
from pathlib import Path

from PIL import Image

from playground import pixelgrid, prior
from playground.panels import Panel
from playground.registry import ModelSpec, check_hub

METHODS = ("nearest", "bicubic", "model")  # the hires lesson's columns: what a learnt upscaler adds
FACTORS = (1, 2, 4)  # 1: off (the shared settings' default)
MAX_SIDE = 1024  # an upscaled picture's largest side: a portfolio print, not a poster


def check_factor(factor) -> int:
    if isinstance(factor, bool) or factor not in FACTORS:
        raise ValueError(f"upscale factor must be one of {', '.join(map(str, FACTORS))}, got {factor!r}")
    factor = int(factor)
    return factor


def check_size(image: Image.Image, factor: int) -> None:
    check_upscaled_size(image.width, image.height, factor)


def check_upscaled_size(width: int, height: int, factor: int) -> None:
    if max(width, height) * factor > MAX_SIDE:
        raise ValueError(f"upscale factor {factor} would make {width * factor} x {height * factor} "
                         f"pixels; the largest side allowed is {MAX_SIDE}")


def upscaler_file(spec: ModelSpec) -> str:
    """The model's upscaler file: in its folder (local models) or from the hub cache, offline
    only when every byte is cached (a HubUnavailableError says what is missing)."""
    entry = spec.upscaler
    if not entry.get("file"):
        raise ValueError(f"upscaler: model {spec.id} names none (presets/models.yaml `upscaler:`); "
                         "nearest and bicubic still work")
    if Path(entry["file"]).is_absolute():  # a file given outright
        return entry["file"]
    if spec.path:  # a local model's, in its folder
        return str(Path(spec.path) / entry["file"])
    if not entry.get("repo"):
        raise ValueError(f"upscaler: model {spec.id} is a hub model, so its `upscaler:` needs a repo")
    from huggingface_hub import constants

    return _hub_file(entry["repo"], entry["file"], constants.HF_HUB_CACHE)


@functools.lru_cache(maxsize=8)
def _hub_file(repo: str, file: str, cache: str) -> str:
    # Once per file and cache folder: check_hub may try a connection, which a grid's every panel
    # should not pay; another cache folder (a test's, a moved HF_HUB_CACHE) is looked at afresh.
    from huggingface_hub import hf_hub_download

    return hf_hub_download(repo, file, local_files_only=check_hub(repo, file))


@functools.lru_cache(maxsize=4)
def load(path: str, device: str = "cpu"):
    """The spandrel model descriptor of an upscaler file (cached: one load per file and device)."""
    if Path(path).suffix != ".safetensors":
        raise ValueError(f"upscaler weights must be a .safetensors file, got {Path(path).name}")
    if not Path(path).is_file():
        raise ValueError(f"upscaler file not found: {path}")
    import spandrel

    try:
        descriptor = spandrel.ModelLoader(device=device).load_from_file(path)
    except spandrel.UnsupportedModelError:  # no architecture spandrel knows: not an Exception the UI shows
        descriptor = None
    if not isinstance(descriptor, spandrel.ImageModelDescriptor) or descriptor.scale not in (2, 4):
        raise ValueError(f"{Path(path).name} is not an x2 or x4 image upscaler spandrel can load")
    return descriptor.eval()


def name_of(path: str) -> str:
    """The upscaler's name as the infotext gives it (A1111 writes the file's stem)."""
    return Path(path).stem


def resize(image: Image.Image, factor: int, method: str) -> Image.Image:
    """Nearest or bicubic: the baselines a learnt upscaler is compared with."""
    resample = {"nearest": Image.Resampling.NEAREST, "bicubic": Image.Resampling.BICUBIC}[method]
    return image.convert("RGB").resize((image.width * factor, image.height * factor), resample)


def learnt(spec: ModelSpec, device: str, image: Image.Image, factor: int) -> tuple[Image.Image, str]:
    """The image through the model's learnt upscaler (run), and the upscaler's name. On the
    embedded model its attribute classifier says whether the picture is pixel art (it reads the
    style of 3,000 held-out pictures without a miss), which lets run() look for a fainter grid."""
    path = upscaler_file(spec)
    return run(load(path, device), image, factor, pixel_art=_reads_pixel_art(spec, image)), name_of(path)


def _reads_pixel_art(spec: ModelSpec, image: Image.Image) -> bool:
    if spec.family != "embedded":
        return False
    try:
        folder = Path(spec.path) / "classifier" if spec.path else None
        return prior.classifier(folder).predict([image.convert("RGB")])[0].get("style") == "pixel art"
    except ValueError:  # no classifier in this checkout: the grid alone decides
        return False


def run(descriptor, image: Image.Image, factor: int, pixel_art: bool = False) -> Image.Image:
    """The image through the network until it is `factor` times its size (x2 twice for x4);
    pixel art on its own grid instead (playground/pixelgrid.py), so its blocks stay blocks.
    pixel_art: the picture is known to be pixel art (a fainter grid is enough)."""
    import numpy as np
    import torch

    grid = pixelgrid.find_grid(image, known=pixel_art)
    if grid is not None:
        return pixelgrid.snap(image, grid, factor)
    x = torch.from_numpy(np.asarray(image.convert("RGB"), np.float32) / 255.0).permute(2, 0, 1)[None]
    x = x.to(descriptor.device, descriptor.dtype)
    reached = 1
    with torch.inference_mode():
        while reached < factor:
            x = descriptor(x).clamp(0, 1)
            reached *= descriptor.scale
    if reached != factor:  # an x4 network asked for x2: bring it back down with a good filter
        x = torch.nn.functional.interpolate(x, scale_factor=factor / reached, mode="area")
    array = (x[0].permute(1, 2, 0).float().cpu().numpy() * 255.0).round().clip(0, 255).astype("uint8")
    return Image.fromarray(array)


class Upscaled:
    """A Lab whose every panel comes back `factor` times bigger, through its learnt upscaler:
    the shared "Upscale results" setting, for every tab at once. What a method measures (SSIM,
    shares, distances) it measures at the model's size, before the upscale; results that are
    not panels pass through as they are."""

    AS_IS = {"upscale", "upscaled", "hires", "prior", "compose", "control_map"}

    def __init__(self, lab, factor: int):
        self.lab, self.factor = lab, check_factor(factor)

    def __getattr__(self, name: str):
        attr = getattr(self.lab, name)
        if not callable(attr) or name in self.AS_IS or name.startswith("_"):
            return attr

        @functools.wraps(attr)
        def bigger(*args, **kwargs):
            return self._bigger(attr(*args, **kwargs))
        return bigger

    def _bigger(self, result):
        if isinstance(result, Panel):
            return self.lab.upscale(result, self.factor)
        if isinstance(result, list) and result and all(isinstance(p, Panel) for p in result):
            result[:] = [self.lab.upscale(p, self.factor) for p in result]  # in place: keeps a grid's labels
        return result
