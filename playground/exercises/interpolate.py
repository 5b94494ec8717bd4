"""Walks between seeds and prompts (lesson 10: the starting noise lives on a sphere).

A seed is a point of Gaussian noise in latent space. In thousands of dimensions almost all of
that noise sits near one radius, so a walk from one seed's noise to another's should stay on
that sphere: spherical interpolation (slerp) does; a straight line (lerp) cuts through the
inside, where the middle frame's noise is about 0.71 as long (1/sqrt(2) for two independent
draws) and the model, which never saw such quiet noise, paints a washed-out image.
Prompts are walked linearly in the text encoder's embedding space, as DiffusionDemo does:
embeddings are not Gaussian noise, and their length carries no such meaning.
A1111's "variation seed" is this walk stopped at one point (t = the variation strength).
Equal steps of t are not equal steps of the picture: it may hold for frames and then turn within
a ten-thousandth of t. An "even" walk (spacing.py) renders more points of t where the picture
changes fast and shows frames at about equal image steps, each captioned with its t.
"""
from __future__ import annotations

from typing import Sequence

from playground.exercises.common import make_panel, render
from playground.exercises.spacing import budget_for, check_budget, check_spacing, even_walk
from playground.panels import Panel
from playground.params import GenerationParams, check_prompt, check_seed

MODES = ("slerp", "lerp")
SPACING_DEFAULT = {"slerp": "even", "lerp": "uniform"}  # lerp's lesson is its middle frame, at t = 0.5
MAX_FRAMES = 16  # a strip of 16 is already wider than a screen; a GIF of more adds nothing


class Walk(list):
    """The frames (panels) of a walk, and how they were found: spacing ("given", "uniform",
    "even"), renders (pipeline images made, candidates included), rounds of refinement, and for
    an even walk its largest image step over its median step (ratio) and every t rendered."""

    def __init__(self, panels: Sequence[Panel], spacing: str, renders: int, rounds: int = 0,
                 ratio: float | None = None, candidates: Sequence[float] = (), cuts: Sequence[int] = (),
                 ratio_between_cuts: float | None = None):
        super().__init__(panels)
        self.spacing, self.renders, self.rounds = spacing, renders, rounds
        self.ratio, self.candidates = ratio, list(candidates)
        self.cuts, self.ratio_between_cuts = list(cuts), ratio_between_cuts

    @staticmethod
    def facts(spacing: str, renders: int, rounds: int = 0, ratio: float | None = None,
              candidates: Sequence[float] = (), cuts: Sequence[int] = (),
              ratio_between_cuts: float | None = None) -> dict:
        return {"spacing": spacing, "renders": renders, "rounds": rounds, "ratio": ratio,
                "candidates": list(candidates), "cuts": list(cuts), "ratio_between_cuts": ratio_between_cuts}


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


def check_mode(mode: str) -> str:
    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}, got {mode!r}")
    return mode


def check_walk(mode: str, ts: Sequence[float]) -> list[float]:
    check_mode(mode)
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


def walk_renderer(manager, params: GenerationParams, seed_b: int, mode: str, prompt_b: str | None):
    """render(ts) -> one image per point t of the walk, all in as few batched calls as the model allows."""
    a, b = seed_noise(manager, params, params.seed), seed_noise(manager, params, seed_b)
    ends = None
    if prompt_b is not None:
        ends = [prompt_embeddings(manager, p, params.negative_prompt) for p in (params.prompt, prompt_b)]

    def render_ts(ts: Sequence[float]) -> list:
        per_image = {"latents": walk_noise(a, b, ts, mode)}
        for name in ends[0] if ends else ():
            fixed = name.startswith("negative")  # the negative prompt does not walk
            per_image[name] = [ends[0][name] if fixed else lerp(t, ends[0][name], ends[1][name]) for t in ts]
        return render(manager, [params] * len(ts), per_image=per_image)
    return render_ts


def t_captions(ts: Sequence[float]) -> list[str]:
    """Each t with two decimals, or as many more (up to 6) as it takes to tell neighbours apart:
    an even walk may put several frames within a thousandth of t where the image changes fast."""
    for places in range(2, 7):
        shown = [f"{t:.{places}f}" for t in ts]
        if all(x != y for x, y in zip(shown, shown[1:])):
            break
    return shown


def interpolate(manager, params: GenerationParams, seed_b: int, ts: Sequence[float], mode: str = "slerp",
                prompt_b: str | None = None) -> Walk:
    """One panel per given point t of the walk from (params.seed, params.prompt) to (seed_b, prompt_b)."""
    ts, seed_b = check_walk(mode, ts), check_seed(seed_b)
    if prompt_b is not None:
        check_prompt(prompt_b, "prompt_b")
    images = walk_renderer(manager, params, seed_b, mode, prompt_b)(ts)
    return walk_panels(manager, params, seed_b, mode, prompt_b, ts, images, Walk.facts("given", len(ts)))


def walk(manager, params: GenerationParams, seed_b: int, frames: int, mode: str = "slerp",
         prompt_b: str | None = None, spacing: str | None = None, budget: int | None = None) -> Walk:
    """`frames` frames from t=0 (params.seed's own image) to t=1 (seed_b's): "uniform", at equal
    steps of t; "even", at about equal steps of the image (spacing.even_walk: it renders more
    candidates than frames where the picture changes fast, at most `budget` renders in all; None:
    spacing.budget_for(frames)). spacing None: even for slerp, uniform for lerp."""
    # 1. validate (the settings themselves were checked at the Lab's door)
    spacing = SPACING_DEFAULT[check_mode(mode)] if spacing is None else check_spacing(spacing)
    ts, seed_b = even_steps(frames), check_seed(seed_b)
    if prompt_b is not None:
        check_prompt(prompt_b, "prompt_b")
    budget = budget_for(frames) if budget is None else check_budget(budget, frames)
    # 2. the frames: the uniform points, or even ones picked among rendered candidates
    render_ts = walk_renderer(manager, params, seed_b, mode, prompt_b)
    if spacing == "uniform":
        images, facts = render_ts(ts), Walk.facts("uniform", len(ts))
    else:
        ts, images, found = even_walk(render_ts, frames, budget)
        facts = Walk.facts("even", **found)
    return walk_panels(manager, params, seed_b, mode, prompt_b, ts, images, facts)


def walk_panels(manager, params: GenerationParams, seed_b: int, mode: str, prompt_b: str | None,
                ts: Sequence[float], images: Sequence, facts: dict) -> Walk:
    """The panels, each captioned with its t (as many decimals as tell neighbours apart); a frame
    reached across a cut (the picture jumps there, however finely t is cut) says so."""
    extra = {"seed_b": seed_b, "mode": mode, **({"prompt_b": prompt_b} if prompt_b is not None else {})}
    if facts["spacing"] == "even":
        extra["spacing"] = "even"
    return Walk([make_panel(manager, params, img, f"{mode} t={shown}" + (" (jump)" if k in facts["cuts"] else ""),
                            t=round(t, 8), **extra)
                 for k, (t, shown, img) in enumerate(zip(ts, t_captions(ts), images))], **facts)
