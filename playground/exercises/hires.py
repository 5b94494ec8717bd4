"""Lesson 13: bigger pictures. One seed at the model's size, then made `factor` times bigger
four ways, side by side: nearest neighbour (the pixels, only bigger), bicubic (smooth, soft),
the learnt upscaler (trained to add the detail a bigger picture of this kind has), and
AUTOMATIC1111's "Hires. fix": the upscaler's picture through image-to-image at a low strength
at the bigger size, so the model itself paints the fine detail (and may change a little more).

Every panel keeps the seed's settings and records the upscale as A1111 does (`Hires upscale`,
`Hires upscaler`; the fix adds its `Denoising strength`).
"""
from __future__ import annotations

from PIL import Image

from playground import upscale
from playground.exercises.common import make_panel, render, steps_for_strength
from playground.panels import Panel
from playground.params import GenerationParams

STRENGTH_RANGE = (0.05, 0.8)  # the fix repaints detail; past ~0.8 it is a new picture, not a bigger one


def check_strength(strength) -> float:
    lo, hi = STRENGTH_RANGE
    if isinstance(strength, bool) or not isinstance(strength, (int, float)) or not lo <= strength <= hi:
        raise ValueError(f"strength must be a number in {lo}..{hi} (how much the fix repaints), got {strength!r}")
    return float(strength)


def learnt(manager, image: Image.Image, factor: int) -> tuple[Image.Image, str]:
    """The image through the model's learnt upscaler, and that upscaler's name."""
    return upscale.learnt(manager.spec, manager.device, image, factor)


def hires(manager, params: GenerationParams, factor: int = 2, strength: float = 0.3) -> list[Panel]:
    """[nearest, bicubic, upscaler, hires fix], each `factor` times the size of params'; without
    the fix where the bigger size is past the model's max_size (the model cannot paint it)."""
    # 1. check everything before any work: the factor, the strength, and the fix's size cap
    factor, strength = upscale.check_factor(factor), check_strength(strength)
    if factor == 1:
        raise ValueError("factor must be 2 or 4 for the hires lesson (1 is no upscale)")
    big = params.replace(width=params.width * factor, height=params.height * factor, strength=strength,
                         num_inference_steps=steps_for_strength(params.num_inference_steps, strength))
    upscale.check_size(Image.new("RGB", (params.width, params.height)), factor)
    # the fix paints at the bigger size: only where the model may paint that big (its max_size)
    fits = max(big.width, big.height) <= manager.spec.max_size
    # 2. the seed at the model's size, then three upscales of it
    (base,) = render(manager, [params])
    model_image, name = learnt(manager, base, factor)
    pictures = [(upscale.resize(base, factor, "nearest"), "nearest"), (upscale.resize(base, factor, "bicubic"), "bicubic"),
                (model_image, name)]
    panels = [make_panel(manager, params, image, f"x{factor} {how}", hires_upscale=factor, hires_upscaler=how)
              for image, how in pictures]
    if not fits:
        return panels
    # 3. the fix: the upscaler's picture repainted lightly at the bigger size, same seed
    (fixed,) = render(manager, [big], "img2img", image=model_image)
    panels.append(make_panel(manager, params.replace(strength=strength, num_inference_steps=big.num_inference_steps),
                             fixed, f"x{factor} hires fix {strength:g}",
                             hires_upscale=factor, hires_upscaler=name))
    return panels
