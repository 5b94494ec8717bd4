"""Lesson 6: image-to-image at several strengths, and how much of the input survives.

Survival is measured as SSIM (structural similarity, 1 = identical structure) between the
input, fitted to the output size, and each result: a number to go with the eye's judgement.
diffusers runs int(steps x strength) denoising steps, so a Turbo model's 1 step at strength
0.5 would run none: each strength gets the fewest steps that run one (diffusers' advice for
SD-Turbo and SDXL-Turbo), and its caption says the steps were raised.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np
from PIL import Image

from playground.exercises.common import describe, fit_image, make_panel, render, steps_for_strength
from playground.panels import Panel
from playground.params import GenerationParams, check_grid_cells


def ssim(a: Image.Image, b: Image.Image) -> float:
    """Structural similarity of two same-sized RGB images, in -1..1."""
    from skimage.metrics import structural_similarity

    x, y = np.asarray(a.convert("RGB")), np.asarray(b.convert("RGB"))
    return float(structural_similarity(x, y, channel_axis=2, data_range=255))


def img2img_strength(manager, params: GenerationParams, image: Image.Image,
                     strengths: Sequence[float]) -> list[Panel]:
    """One panel per strength; caption and params["metrics"]["ssim"] say how much survived."""
    # 1. validate every strength first; raise the steps where strength x steps < 1
    strengths = list(strengths)
    check_grid_cells(len(strengths), "strengths")
    cells = [params.replace(strength=s, num_inference_steps=steps_for_strength(params.num_inference_steps, s))
             for s in strengths]
    # 2. one call per strength (diffusers takes one strength per call), same seed throughout
    source = fit_image(image, params.width, params.height)
    images = render(manager, cells, "img2img", image=source)
    # 3. measure survival against the fitted input
    panels = []
    for p, img in zip(cells, images):
        score = ssim(source, img)
        raised = p.num_inference_steps != params.num_inference_steps
        steps = f" · {p.num_inference_steps} steps (raised from {params.num_inference_steps})" if raised else ""
        extra = {"steps_raised_from": params.num_inference_steps} if raised else {}
        caption = f"{describe('strength', p.strength)}{steps} · SSIM {score:.2f}"
        panels.append(make_panel(manager, p, img, caption, metrics={"ssim": round(score, 4)}, **extra))
    return panels
