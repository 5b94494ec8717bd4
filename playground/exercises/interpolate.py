"""Walks between seeds and prompts (seed 002: the starting noise lives on a sphere).

A seed is a point of Gaussian noise in latent space. In thousands of dimensions almost all of
that noise sits near one radius, so a walk from one seed's noise to another's should stay on
that sphere: spherical interpolation (slerp) does; a straight line (lerp) cuts through the
inside, where the middle frame's noise is about 0.71 as long (1/sqrt(2) for two independent
draws) and the model, which never saw such quiet noise, paints a washed-out image.
Prompts are walked linearly in the text encoder's embedding space, as DiffusionDemo does:
embeddings are not Gaussian noise, and their length carries no such meaning.
A1111's "variation seed" is this walk stopped at one point (t = the variation strength).
"""
from __future__ import annotations

from typing import Sequence

from playground.exercises.common import make_panel, render
from playground.panels import Panel
from playground.params import GenerationParams, check_prompt, check_seed

MODES = ("slerp", "lerp")
MAX_FRAMES = 16  # a strip of 16 is already wider than a screen; a GIF of more adds nothing


def lerp(t: float, a, b):
    return (1 - t) * a + t * b


def slerp(t: float, a, b):
    """Spherical interpolation of two tensors of the same shape (lerp where they are parallel)."""
    import torch

    a64, b64 = a.double(), b.double()
    cos = (a64.flatten() @ b64.flatten()) / (a64.norm() * b64.norm())
    theta = torch.arccos(cos.clamp(-1.0, 1.0))
    if float(theta) < 1e-4:
        return lerp(t, a, b)
    mixed = (torch.sin((1 - t) * theta) * a64 + torch.sin(t * theta) * b64) / torch.sin(theta)
    return mixed.to(a.dtype)


def check_walk(mode: str, ts: Sequence[float]) -> list[float]:
    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}, got {mode!r}")
    ts = list(ts)
    if not 1 <= len(ts) <= MAX_FRAMES:
        raise ValueError(f"frames must be 1..{MAX_FRAMES}, got {len(ts)}")
    for t in ts:
        if not isinstance(t, (int, float)) or isinstance(t, bool) or not 0.0 <= t <= 1.0:
            raise ValueError(f"every point of the walk must be a number in 0..1, got {t!r}")
    return [float(t) for t in ts]


def even_steps(frames: int) -> list[float]:
    """frames points from 0 to 1 inclusive (both seeds' own images at the ends)."""
    if not isinstance(frames, int) or isinstance(frames, bool) or not 2 <= frames <= MAX_FRAMES:
        raise ValueError(f"frames must be an integer in 2..{MAX_FRAMES}, got {frames!r}")
    return [i / (frames - 1) for i in range(frames)]


def seed_noise(manager, params: GenerationParams, seed: int):
    """The starting noise a pipeline draws for `seed`: the same CPU generator, shape and dtype
    as diffusers' prepare_latents, so the walk's ends are the seeds' own images."""
    import torch

    pipe = manager.base
    scale = pipe.vae_scale_factor
    shape = (1, pipe.unet.config.in_channels, params.height // scale, params.width // scale)
    return torch.randn(shape, generator=torch.Generator("cpu").manual_seed(seed), dtype=manager.dtype)


def walk_noise(a, b, ts: Sequence[float], mode: str) -> list:
    mix = slerp if mode == "slerp" else lerp
    return [mix(t, a, b) for t in ts]


def prompt_embeddings(manager, prompt: str, negative: str) -> dict:
    """The pipeline's own text conditioning for one prompt (SDXL: with its pooled vectors)."""
    import torch

    pipe = manager.base
    with manager.lock, torch.inference_mode():
        if hasattr(pipe, "text_encoder_2"):
            names = ("prompt_embeds", "negative_prompt_embeds", "pooled_prompt_embeds",
                     "negative_pooled_prompt_embeds")
            out = pipe.encode_prompt(prompt, device=pipe.device, num_images_per_prompt=1,
                                     do_classifier_free_guidance=True, negative_prompt=negative or None)
        else:
            names = ("prompt_embeds", "negative_prompt_embeds")
            out = pipe.encode_prompt(prompt, pipe.device, 1, True, negative_prompt=negative or None)
    return dict(zip(names, out))


def interpolate(manager, params: GenerationParams, seed_b: int, ts: Sequence[float], mode: str = "slerp",
                prompt_b: str | None = None) -> list[Panel]:
    """One panel per point t of the walk from (params.seed, params.prompt) to (seed_b, prompt_b)."""
    # 1. validate
    ts, seed_b = check_walk(mode, ts), check_seed(seed_b)
    if prompt_b is not None:
        check_prompt(prompt_b, "prompt_b")
    # 2. the starting noise of each frame, and (walking prompts) its text conditioning
    a, b = seed_noise(manager, params, params.seed), seed_noise(manager, params, seed_b)
    per_image = {"latents": walk_noise(a, b, ts, mode)}
    if prompt_b is not None:
        ends = [prompt_embeddings(manager, p, params.negative_prompt) for p in (params.prompt, prompt_b)]
        for name in ends[0]:
            fixed = name.startswith("negative")  # the negative prompt does not walk
            per_image[name] = [ends[0][name] if fixed else lerp(t, ends[0][name], ends[1][name]) for t in ts]
    # 3. all frames in as few batched calls as the model allows
    cells = [params] * len(ts)
    images = render(manager, cells, per_image=per_image)
    extra = {"seed_b": seed_b, "mode": mode, **({"prompt_b": prompt_b} if prompt_b is not None else {})}
    return [make_panel(manager, params, img, f"{mode} t={t:.2f}", t=round(t, 4), **extra)
            for t, img in zip(ts, images)]
