"""The lessons added after the first seven exercises, as Lab methods (Lab inherits them).

Kept apart from lab.py only to keep each file readable; they are Lab's methods like any other
and take the same settings (negative_prompt, num_inference_steps, guidance_scale, scheduler,
width, height). Each is one exercise module in playground/exercises/.
"""
from __future__ import annotations

from typing import Sequence

from PIL import Image

from playground.exercises import attention, captions, inpaint, interpolate, negation
from playground.exercises.common import random_seed
from playground.panels import Panel


class Lessons:
    """Mixed into Lab: needs self.manager and self._params(prompt, seed, **settings)."""

    def negation(self, prompt: str, thing: str, seed: int | None = None, **settings) -> list[Panel]:
        """Three ways to ask for less of `thing` on one seed: not at all, "no <thing>" in the
        prompt, <thing> as the negative prompt (the settings' own negative prompt is replaced)."""
        return negation.negation(self.manager, self._params(prompt, seed, **settings), thing)

    def negation_shares(self, prompt: str, thing: str, seeds: Sequence[int] = range(16), **settings) -> dict:
        """Over many seeds, how often the embedded model's classifier sees `thing` in each of the
        three negation panels: {"counts", "shares", "seeds", "thing"} (embedded model only)."""
        if self.family != "embedded":
            raise ValueError(f"counting needs the embedded model's classifier (tiny-world), got {self.model}")
        return negation.negation_shares(self.manager, self._params(prompt, 0, **settings), thing, seeds)

    @staticmethod
    def captions(start: str = "", temperatures: Sequence[float] = (0.2, 0.7, 1.2), top_k: int = 0,
                 top_p: float = 1.0, seed: int | None = None, samples: int = 1,
                 max_length: int = 32) -> list[captions.Caption]:
        """Captions the world's caption model (a small GRU trained here) writes after `start`,
        `samples` per temperature, each with its verdict as a world scene. Text only, on the CPU:
        render them with Lab.batch to see the same knob on images."""
        return captions.captions(start, temperatures, top_k=top_k, top_p=top_p,
                                 seed=random_seed() if seed is None else seed, samples=samples,
                                 max_length=max_length)

    def attention_maps(self, prompt: str, seed: int | None = None, **settings) -> list[Panel]:
        """The image, then one panel per word of the prompt: a heatmap of where that word's
        cross-attention landed, summed over layers, heads and steps (DAAM). Stop words are faded;
        each word panel's params hold its share of the attention and its centre of mass."""
        return attention.attention_maps(self.manager, self._params(prompt, seed, **settings))

    def inpaint(self, image: Image.Image, mask: Image.Image, prompt: str, strengths: Sequence[float] = (0.75, 1.0),
                seed: int | None = None, **settings) -> list[Panel]:
        """Repaint where the mask is white (black is kept, pixel for pixel), one panel per strength."""
        return inpaint.inpaint(self.manager, self._params(prompt, seed, **settings), image, mask, strengths)

    def interpolate(self, prompt: str, seeds: Sequence[int] = (0, 1), frames: int = 8, mode: str = "slerp",
                    prompt_b: str | None = None, spacing: str | None = None, budget: int | None = None,
                    **settings) -> interpolate.Walk:
        """Frames of a walk from seeds[0]'s starting noise to seeds[1]'s ("slerp" along the sphere
        the noise lives on, or "lerp" straight through it), and from prompt to prompt_b if given.
        The first frame is generate(prompt, seeds[0]); the last, generate(prompt_b or prompt, seeds[1]).
        spacing "uniform": equal steps of t; "even": frames at about equal steps of the image, found
        by rendering and bisecting more points of t (at most `budget` renders; None: 4 per frame;
        the walk's .renders says how many it took); None: even for slerp, uniform for lerp (whose
        lesson is the middle frame, t = 0.5). Each caption shows its frame's t."""
        seed_a, seed_b = _two_seeds(seeds)
        return interpolate.walk(self.manager, self._params(prompt, seed_a, **settings), seed_b, frames, mode,
                                prompt_b, spacing, budget)

    def variation(self, prompt: str, seed: int, variation_seed: int, strength: float = 0.2,
                  **settings) -> Panel:
        """AUTOMATIC1111's variation seed: the seed's noise moved `strength` (0..1) of the way to
        variation_seed's along the sphere; small strengths give near relatives of the image."""
        return interpolate.interpolate(self.manager, self._params(prompt, seed, **settings), variation_seed,
                                       [strength], "slerp")[0]


def _two_seeds(seeds) -> tuple[int, int]:
    seeds = list(seeds)
    if len(seeds) != 2:
        raise ValueError(f"seeds must hold 2 seeds (where the walk starts and ends), got {len(seeds)}")
    return seeds[0], seeds[1]
