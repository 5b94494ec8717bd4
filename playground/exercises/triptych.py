"""Lesson 5: the same image with one setting varied, e.g. three guidance scales."""
from __future__ import annotations

from typing import Any, Sequence

from PIL import Image

from playground.exercises.common import describe, fit_image, make_panel, render
from playground.panels import Panel
from playground.params import GenerationParams, check_grid_cells

# Any generation argument may vary; strength needs an input image (image-to-image).
VARIABLE = ("guidance_scale", "num_inference_steps", "scheduler", "seed", "prompt",
            "negative_prompt", "width", "height", "strength")


def sweep_params(params: GenerationParams, vary: str, values: Sequence[Any],
                 has_image: bool = False) -> list[GenerationParams]:
    """One validated GenerationParams per value (a bad value fails before any image is made)."""
    allowed = VARIABLE if has_image else VARIABLE[:-1]
    if vary not in allowed:
        raise ValueError(f"vary must be one of {', '.join(allowed)}, got {vary!r}")
    values = list(values)
    check_grid_cells(len(values), "values")
    return [params.replace(**{vary: v}) for v in values]


def triptych(manager, params: GenerationParams, vary: str, values: Sequence[Any],
             image: Image.Image | None = None) -> list[Panel]:
    """Panels that differ only in `vary`, each captioned with its value ("CFG 7.5")."""
    # 1. validate every value, and give img2img its default strength when an image is given
    if image is not None and params.strength is None:
        params = params.replace(strength=0.6)
    cells = sweep_params(params, vary, values, has_image=image is not None)
    # 2. render: the input image is refitted per cell, as width/height may be what varies
    if image is None:
        images = render(manager, cells)
    else:
        images = []
        for p in cells:
            images += render(manager, [p], "img2img", image=fit_image(image, p.width, p.height))
    return [make_panel(manager, p, img, describe(vary, getattr(p, vary))) for p, img in zip(cells, images)]
