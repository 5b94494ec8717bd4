"""Samplers: the knobs of the sampler and the noise it starts from (lessons 5, 10 and 13).

Lab's methods for this group of lessons: Lab inherits them. Each takes its own arguments and
the shared settings (negative_prompt, num_inference_steps, guidance_scale, scheduler, width,
height); each runs one exercise module of playground/exercises/.
"""
from __future__ import annotations

from typing import Any, Sequence, Unpack

from PIL import Image

from playground.exercises import hires, interpolate, triptych
from playground.panels import Panel
from playground.params import Settings


class SamplerLessons:
    """Mixed into Lab: uses self.manager, self._params(prompt, seed, **settings) and the model facts."""

    def triptych(self, prompt: str, vary: str, values: Sequence[Any], seed: int | None = None,
                 image: Image.Image | None = None, **settings: Unpack[Settings]) -> list[Panel]:
        """Panels that differ only in one generation argument (vary="guidance_scale", ...)."""
        return triptych.triptych(self.manager, self._params(prompt, seed, **settings), vary, values, image)

    def interpolate(self, prompt: str, seeds: Sequence[int] = (0, 1), frames: int = 8, mode: str = "slerp",
                    prompt_b: str | None = None, spacing: str | None = None, budget: int | None = None,
                    **settings: Unpack[Settings]) -> interpolate.Walk:
        """Frames of a walk from seeds[0]'s starting noise to seeds[1]'s ("slerp" along the sphere
        the noise lives on, or "lerp" straight through it), and from prompt to prompt_b if given.
        The first frame is generate(prompt, seeds[0]); the last, generate(prompt_b or prompt, seeds[1]).
        spacing "uniform": equal steps of t; "even": frames at about equal steps of the image, found
        by rendering more points of t where the picture changes fast, in rounds of one batched
        call (at most `budget` renders; None: 2 per frame, the uniform walk and one round as big;
        the walk's .renders and .rounds say what it took); None: even for slerp, uniform for lerp
        (whose lesson is the middle frame, t = 0.5). Each caption shows its frame's t."""
        seed_a, seed_b = _two_seeds(seeds)
        return interpolate.walk(self.manager, self._params(prompt, seed_a, **settings), seed_b, frames, mode,
                                prompt_b, spacing, budget)

    def variation(self, prompt: str, seed: int, variation_seed: int, strength: float = 0.2,
                  **settings: Unpack[Settings]) -> Panel:
        """AUTOMATIC1111's variation seed: the seed's noise moved `strength` (0..1) of the way to
        variation_seed's along the sphere; small strengths give near relatives of the image."""
        return interpolate.interpolate(self.manager, self._params(prompt, seed, **settings), variation_seed,
                                       [strength], "slerp")[0]


    def hires(self, prompt: str, seed: int | None = None, factor: int = 2, strength: float = 0.3,
              **settings: Unpack[Settings]) -> list[Panel]:
        """The seed made `factor` (2 or 4) times bigger four ways: nearest, bicubic, the model's
        learnt upscaler (the registry's `upscaler`), and AUTOMATIC1111's hires fix (the
        upscaler's picture through image-to-image at `strength`, at the bigger size)."""
        return hires.hires(self.manager, self._params(prompt, seed, **settings), factor, strength)

def _two_seeds(seeds) -> tuple[int, int]:
    seeds = list(seeds)
    if len(seeds) != 2:
        raise ValueError(f"seeds must hold 2 seeds (where the walk starts and ends), got {len(seeds)}")
    return seeds[0], seeds[1]
