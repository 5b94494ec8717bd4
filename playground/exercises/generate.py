"""Lesson 1: one sample, a grid of seeds in one batched pipeline call, and many
prompts with their own seeds (the evaluation's path)."""
from __future__ import annotations

from typing import Sequence

from PIL import Image

from playground.exercises.common import describe, make_panel, render
from playground.panels import Panel
from playground.params import GenerationParams, check_grid_cells, check_seed


def generate(manager, params: GenerationParams) -> Panel:
    """One image; its caption names the seed, the one thing that differs between two runs."""
    image = render(manager, [params])[0]
    return make_panel(manager, params, image, describe("seed", params.seed))


def seed_grid(manager, params: GenerationParams, seeds: Sequence[int]) -> list[Panel]:
    """The same settings under several seeds: a look at the spread of the distribution.

    All cells go through one pipeline call (chunked to the model's max_batch) with one CPU
    generator per cell, so cell i equals generate() with seeds[i].
    """
    seeds = [check_seed(s) for s in seeds]
    check_grid_cells(len(seeds), "seeds")
    cells = [params.replace(seed=s) for s in seeds]
    images = render(manager, cells)
    return [make_panel(manager, p, img, describe("seed", p.seed)) for p, img in zip(cells, images)]


def batch(manager, params: GenerationParams, prompts: Sequence[str], seeds: Sequence[int],
          control_images: Sequence[Image.Image] | None = None, detector: str | None = None,
          scale: float = 1.0) -> list[Panel]:
    """One image per (prompt, seed), batched like a seed grid; with control_images (one map
    per prompt) through the detector's ControlNet. No cell limit: this is the evaluation's
    path, not a button's."""
    prompts, seeds = list(prompts), [check_seed(s) for s in seeds]
    if len(prompts) != len(seeds):
        raise ValueError(f"prompts and seeds must have the same length, got {len(prompts)} and {len(seeds)}")
    task, extra = "text2img", {}
    if control_images is not None:
        control_images = list(control_images)
        if detector is None or len(control_images) != len(prompts):
            raise ValueError("control_images needs a detector and one image per prompt, "
                             f"got {len(control_images)} for {len(prompts)}")
        task, extra = "controlnet", {"controlnet_conditioning_scale": scale}
    cells = [params.replace(prompt=p, seed=s, **extra) for p, s in zip(prompts, seeds)]
    images = render(manager, cells, task, image=control_images, detector=detector)
    return [make_panel(manager, p, img, describe("seed", p.seed)) for p, img in zip(cells, images)]
