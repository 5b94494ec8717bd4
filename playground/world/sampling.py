"""The tiny-world pipeline as evaluate.py drives it: loading, seeded batched generation, and
the labelled contact sheet of LAB.md's example prompts."""
from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from playground.world.model import MODEL_DIR

EXAMPLE_PROMPTS = (  # ../shared/LAB.md
    "sunset over mountains", "a cat",
    "a ginger tabby cat sleeping on a navy velvet armchair, afternoon light from a window on "
    "the left, 35mm photography", "a golden retriever playing fetch on a beach at sunset",
    "a vintage red sports car parked on a city street, blue apartment building in the "
    "background, a few birds overhead", "a beautiful landscape",
    "a watercolour illustration of a fox reading a book in a library, soft lighting, warm tones",
    "a Norwegian fjord")


def app_defaults(model_dir) -> dict:
    """Steps, guidance and scheduler the app starts from for this model folder: its entry in
    presets/models.yaml, else what the registry assumes for an unlisted folder."""
    from playground.params import PRESETS_DIR
    from playground.registry import load_registry, spec_for_folder
    folder = Path(model_dir).resolve()
    specs, _ = load_registry(PRESETS_DIR / "models.yaml")
    spec = next((s for s in specs.values() if s.path and Path(s.path) == folder), None)
    spec = spec or spec_for_folder(folder)
    return {"steps": spec.steps, "guidance": spec.guidance, "scheduler": spec.scheduler}


def load_pipeline(model_dir=MODEL_DIR, device: str = "cpu", scheduler: str = "DDIM"):
    import torch
    from diffusers import StableDiffusionPipeline
    from diffusers.utils import logging as diffusers_logging
    from playground.world.model import load_text_encoder
    diffusers_logging.set_verbosity_error()  # per-load notices and bars would bury the table
    diffusers_logging.disable_progress_bar()
    dtype = torch.float16 if device.startswith("cuda") else torch.float32
    tok, te = load_text_encoder(dtype)
    pipe = StableDiffusionPipeline.from_pretrained(
        str(model_dir), text_encoder=te, tokenizer=tok, safety_checker=None,
        feature_extractor=None, requires_safety_checker=False, use_safetensors=True,
        dtype=dtype).to(device)
    pipe.set_progress_bar_config(disable=True)
    set_scheduler(pipe, scheduler)
    return pipe


def set_scheduler(pipe, name: str) -> None:
    from playground.pipelines import make_scheduler
    pipe.scheduler = make_scheduler(name, pipe.scheduler.config)


def controlnet_pipe(base, model_dir, detector: str):
    from diffusers import ControlNetModel, StableDiffusionControlNetPipeline
    net = ControlNetModel.from_pretrained(str(Path(model_dir) / f"controlnet-{detector}"),
                                          dtype=base.dtype, use_safetensors=True)
    pipe = StableDiffusionControlNetPipeline.from_pipe(base, controlnet=net.to(base.device),
                                                       dtype=base.dtype)
    pipe.set_progress_bar_config(disable=True)
    return pipe


def generate(pipe, prompts, seeds, steps, guidance, batch=64, control=None) -> np.ndarray:
    """uint8 images (N, H, W, 3); each image's noise from its own CPU generator and seed, so
    a figure does not depend on the batch size or the device's random number generator."""
    import torch
    out = []
    for i in range(0, len(prompts), batch):
        kw = dict(prompt=list(prompts[i:i + batch]), num_inference_steps=steps,
                  guidance_scale=guidance, output_type="np",
                  generator=[torch.Generator("cpu").manual_seed(int(s)) for s in seeds[i:i + batch]])
        if control is not None:
            kw["image"] = [Image.fromarray(c) for c in control[i:i + batch]]
        with torch.inference_mode():
            images = pipe(**kw).images
        out.append((np.clip(images, 0, 1) * 255).round().astype(np.uint8))
    return np.concatenate(out) if out else np.zeros((0, 128, 128, 3), np.uint8)


def contact_sheet(pipe, prompts=EXAMPLE_PROMPTS, path="contact_sheet.png", seeds=(0, 1, 2, 3),
                  steps: int | None = None, guidance: float | None = None) -> Path:
    """A labelled PNG (< 1 MB): one row per prompt, one column per seed; steps and guidance
    default to the app's for the shipped model."""
    defaults = app_defaults(MODEL_DIR)
    steps = defaults["steps"] if steps is None else steps
    guidance = defaults["guidance"] if guidance is None else guidance
    from PIL import ImageDraw, ImageFont
    import textwrap
    images = generate(pipe, [p for p in prompts for _ in seeds], list(seeds) * len(prompts),
                      steps, guidance, batch=len(seeds) * 4)
    size, gap, line = images.shape[1], 4, 15
    width = len(seeds) * (size + gap) + gap
    try:  # DejaVu where the system has it; Pillow's built-in font squeezes its spaces
        font = ImageFont.truetype("DejaVuSans.ttf", 11)
    except OSError:
        font = ImageFont.load_default(size=12)
    labels = [textwrap.wrap(f'"{p}"', width=width // 7) for p in prompts]
    height = sum(len(lab) * line + 6 + size + gap for lab in labels) + line + 2 * gap
    sheet = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(sheet)
    draw.text((gap, gap), f"tiny-world, seeds {', '.join(map(str, seeds))}, {steps} steps, "
              f"CFG {guidance}", fill=(90, 90, 90), font=font)
    y = gap + line + gap
    for r, label in enumerate(labels):
        for k, text in enumerate(label):
            draw.text((gap, y + k * line), text, fill="black", font=font)
        y += len(label) * line + 4
        for c in range(len(seeds)):
            sheet.paste(Image.fromarray(images[r * len(seeds) + c]), (gap + c * (size + gap), y))
        y += size + gap + 2
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    sheet.save(path, optimize=True)
    if path.stat().st_size > 1_000_000:  # a palette keeps the look and quarters the bytes
        sheet.quantize(256, method=Image.Quantize.MEDIANCUT).save(path, optimize=True)
    return path


def cpu_threads() -> int:
    """All cores, unless other jobs keep them busy: then OpenMP threads wait on each other at
    every op, and one thread ran 3-7x faster than two (measured on the 2-core machine)."""
    import os
    cores = os.cpu_count() or 1
    return 1 if os.getloadavg()[0] > cores - 0.5 else cores
