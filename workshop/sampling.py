"""The tiny-world model as workshop.evaluate drives it: through the app's own Lab (the same
loading, schedulers and batching a student gets), seeded generation as uint8 arrays, and the
labelled contact sheet of LAB.md's example prompts."""
from __future__ import annotations

import os
import textwrap
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from playground.lab import Lab
from workshop.model import IMAGE_SIZE, MODEL_DIR

EXAMPLE_PROMPTS = (  # ../shared/LAB.md
    "sunset over mountains", "a cat",
    "a ginger tabby cat sleeping on a navy velvet armchair, afternoon light from a window on "
    "the left, 35mm photography", "a golden retriever playing fetch on a beach at sunset",
    "a vintage red sports car parked on a city street, blue apartment building in the "
    "background, a few birds overhead", "a beautiful landscape",
    "a watercolour illustration of a fox reading a book in a library, soft lighting, warm tones",
    "a Norwegian fjord")


def open_lab(model_dir=MODEL_DIR, device: str | None = None) -> Lab:
    """A Lab on a model folder (or registry id) without progress bars or per-load notices,
    which would bury the evaluation's table. Nothing loads before the first image."""
    from diffusers.utils import logging as diffusers_logging
    diffusers_logging.set_verbosity_error()
    diffusers_logging.disable_progress_bar()
    if device and device.startswith("cuda"):
        # The registry's max_batch suits a Space; the evaluation's GPU fills 64 images a call.
        os.environ.setdefault("PLAYGROUND_MAX_BATCH", "64")
    lab = Lab(model=str(model_dir), device=device)
    lab.progress = False
    return lab


def generate(lab, prompts, seeds, steps=None, guidance=None, scheduler=None, control=None,
             detector: str | None = None) -> np.ndarray:
    """uint8 images (N, H, W, 3) from lab.batch; each image's noise comes from its own CPU
    generator and seed, so a figure does not depend on the batch size or the device's random
    number generator. `control`: one control map per prompt for the `detector`'s ControlNet.
    Settings left as None take the model's defaults (lab.defaults())."""
    prompts, seeds = list(prompts), [int(s) for s in seeds]
    if len(prompts) != len(seeds):
        raise ValueError(f"prompts and seeds must be as many, got {len(prompts)} and {len(seeds)}")
    if not prompts:
        return np.zeros((0, IMAGE_SIZE, IMAGE_SIZE, 3), np.uint8)
    named = (("num_inference_steps", steps), ("guidance_scale", guidance), ("scheduler", scheduler))
    settings = {k: v for k, v in named if v is not None}
    if control is not None:
        if detector is None or len(control) != len(prompts):
            raise ValueError("control needs a detector and one map per prompt")
        settings.update(detector=detector, controlnet_conditioning_scale=1.0, control_images=[
            c if isinstance(c, Image.Image) else Image.fromarray(np.asarray(c)) for c in control])
    panels = lab.batch(prompts, seeds, **settings)
    return np.stack([np.asarray(p.image.convert("RGB")) for p in panels])


def contact_sheet(lab, prompts=EXAMPLE_PROMPTS, path="contact_sheet.png", seeds=(0, 1, 2, 3),
                  steps: int | None = None, guidance: float | None = None,
                  scheduler: str | None = None) -> Path:
    """A labelled PNG (< 1 MB): one row per prompt, one column per seed; steps, guidance and
    scheduler default to the app's for the lab's model."""
    defaults = lab.defaults()
    steps = defaults["num_inference_steps"] if steps is None else steps
    guidance = defaults["guidance_scale"] if guidance is None else guidance
    images = generate(lab, [p for p in prompts for _ in seeds], list(seeds) * len(prompts),
                      steps, guidance, scheduler)
    title = f"tiny-world, seeds {', '.join(map(str, seeds))}, {steps} steps, CFG {guidance}"
    sheet = _draw_sheet(images, prompts, len(seeds), title)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    sheet.save(path, optimize=True)
    if path.stat().st_size > 1_000_000:  # a palette keeps the look and quarters the bytes
        sheet.quantize(256, method=Image.Quantize.MEDIANCUT).save(path, optimize=True)
    return path


def _draw_sheet(images: np.ndarray, prompts, columns: int, title: str) -> Image.Image:
    size, gap, line = images.shape[1], 4, 15
    width = columns * (size + gap) + gap
    try:  # DejaVu where the system has it; Pillow's built-in font squeezes its spaces
        font = ImageFont.truetype("DejaVuSans.ttf", 11)
    except OSError:
        font = ImageFont.load_default(size=12)
    labels = [textwrap.wrap(f'"{p}"', width=width // 7) for p in prompts]
    height = sum(len(lab) * line + 6 + size + gap for lab in labels) + line + 2 * gap
    sheet = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(sheet)
    draw.text((gap, gap), title, fill=(90, 90, 90), font=font)
    y = gap + line + gap
    for r, label in enumerate(labels):
        for k, text in enumerate(label):
            draw.text((gap, y + k * line), text, fill="black", font=font)
        y += len(label) * line + 4
        for c in range(columns):
            sheet.paste(Image.fromarray(images[r * columns + c]), (gap + c * (size + gap), y))
        y += size + gap + 2
    return sheet


def cpu_threads() -> int:
    """All cores, unless other jobs keep them busy: then OpenMP threads wait on each other at
    every op, and one thread ran 3-7x faster than two (measured on the 2-core machine)."""
    cores = os.cpu_count() or 1
    return 1 if os.getloadavg()[0] > cores - 0.5 else cores


def before_after(before: Path, after: Path, path: Path, labels=("before", "after")) -> Path:
    """Two contact sheets side by side under a label each, as one PNG under 1 MB (a palette
    when the full colours would be larger): what a change of weights did to the same prompts
    and seeds."""
    a, b = (Image.open(p).convert("RGB") for p in (before, after))
    line, gap = 18, 8
    sheet = Image.new("RGB", (a.width + gap + b.width, line + max(a.height, b.height)), "white")
    draw = ImageDraw.Draw(sheet)
    for x, im, label in ((0, a, labels[0]), (a.width + gap, b, labels[1])):
        sheet.paste(im, (x, line))
        draw.text((x + 4, 2), label, fill="black")
    path = Path(path)
    sheet.save(path, optimize=True)
    if path.stat().st_size > 1_000_000:
        sheet.quantize(256, method=Image.Quantize.MEDIANCUT).save(path, optimize=True)
    return path
