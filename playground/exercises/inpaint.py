"""Inpainting (lesson 11: a mask says where to change).

White in the mask = change, black = keep. The embedded model and SD 1.5 have 4-channel UNets
(no inpainting weights): diffusers' inpainting pipeline then denoises the whole latent and, at
every step, puts the input's own latents (noised to that step) back outside the mask, so the
new content grows into a context it must agree with. The VAE's round trip still changes the
kept area a little, so the kept pixels are pasted back from the input at the end: outside the
mask nothing changes at all. Each panel keeps the picture and the mask it was made from (its
inputs, at the generation size), so its PNG and the exports can be remade.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Sequence

import numpy as np
from PIL import Image, ImageChops, ImageFilter

from playground.exercises.common import describe, fit_image, make_panel, render, steps_for_strength
from playground.panels import Panel
from playground.params import GenerationParams, check_grid_cells

MASK_LEVEL = 128  # grey at or above this is "change"
MIN_MASK_SHARE = 0.002  # less than this is a stray click, not a region to repaint


def fit_mask(mask: Image.Image, width: int, height: int) -> Image.Image:
    """The mask at the generation size as black/white "L", or a ValueError when it marks nothing."""
    if not isinstance(mask, Image.Image):
        raise ValueError(f"mask must be a PIL.Image.Image, got {type(mask).__name__}")
    grey = fit_image(mask, width, height).convert("L")
    binary = grey.point(lambda v: 255 if v >= MASK_LEVEL else 0)
    share = float(np.asarray(binary).mean() / 255)
    if share < MIN_MASK_SHARE:
        raise ValueError("mask is empty: paint (white) over the part of the image to change")
    return binary


def paste_back(source: Image.Image, generated: Image.Image, mask: Image.Image) -> Image.Image:
    """The input's pixels outside the mask, exactly; inside, the generated ones, blended over
    the mask's inner edge (a feather that stays inside, so the seam does not show)."""
    soft = ImageChops.darker(mask.filter(ImageFilter.GaussianBlur(1.0)), mask)
    return Image.composite(generated.convert("RGB"), source, soft)


def inpaint(manager, params: GenerationParams, image: Image.Image, mask: Image.Image,
            strengths: Sequence[float]) -> list[Panel]:
    """One panel per strength on one seed; the kept area is the input's own pixels."""
    # 1. validate: strengths (each must leave a denoising step), a mask that marks something
    strengths = list(strengths)
    check_grid_cells(len(strengths), "strengths")
    cells = [params.replace(strength=s, num_inference_steps=steps_for_strength(params.num_inference_steps, s))
             for s in strengths]  # Turbo's 1 step x 0.75 would denoise nothing: raise the steps
    source = fit_image(image, params.width, params.height)
    binary = fit_mask(mask, params.width, params.height)
    # 2. one call per strength (diffusers takes one strength per call)
    images = render(manager, cells, "inpaint", image=source, mask_image=binary)
    share = round(float(np.asarray(binary).mean() / 255), 4)
    panels = []
    for p, img in zip(cells, images):
        raised = p.num_inference_steps != params.num_inference_steps
        steps = f" · {p.num_inference_steps} steps (raised from {params.num_inference_steps})" if raised else ""
        extra = {"steps_raised_from": params.num_inference_steps} if raised else {}
        panel = make_panel(manager, p, paste_back(source, img, binary),
                           f"inpaint {describe('strength', p.strength)}{steps}", mask_share=share, **extra)
        panels.append(replace(panel, inputs={"init_image": source, "mask": binary}))
    return panels
