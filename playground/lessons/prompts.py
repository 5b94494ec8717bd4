"""Prompts: a prompt narrows a distribution (lessons 1, 2, 3, 8 and 9 of docs/lessons.md).

Lab's methods for this group of lessons: Lab inherits them. Each takes its own arguments and
the shared settings (negative_prompt, num_inference_steps, guidance_scale, scheduler, width,
height); each runs one exercise module of playground/exercises/.
"""
from __future__ import annotations

from typing import Any, Mapping, Sequence, Unpack

from PIL import Image

from playground.exercises import bandit as _bandit
from playground.exercises import captions, common, generate, negation, prompt_styles, xy_grid
from playground.exercises.common import random_seed
from playground.panels import Panel
from playground.params import Settings


class PromptLessons:
    """Mixed into Lab: uses self.manager, self._params(prompt, seed, **settings) and the model facts."""

    def seed_grid(self, prompt: str, seeds: Sequence[int] | None = None, count: int = 8,
                  **settings: Unpack[Settings]) -> list[Panel]:
        """The same prompt under many seeds, in one batched run (seeds None: `count` random ones)."""
        seeds = [common.random_seed() for _ in range(count)] if seeds is None else list(seeds)
        return generate.seed_grid(self.manager, self._params(prompt, 0, **settings), seeds)

    def prompt_styles(self, prompts: Mapping[str, str] | Sequence[str], seed: int | None = None,
                      **settings: Unpack[Settings]) -> list[Panel]:
        """Several phrasings under one seed; a mapping's keys become the captions."""
        texts = list(prompts.values()) if isinstance(prompts, Mapping) else list(prompts)
        if not texts:
            raise ValueError("prompts must hold at least 1 prompt, got 0")
        base = self._params(texts[0] if isinstance(texts[0], str) and texts[0].strip() else "-", seed, **settings)
        return prompt_styles.prompt_styles(self.manager, base, prompts)

    def xy_grid(self, prompt: str, x_axis: str, x_values: Sequence[Any], y_axis: str,
                y_values: Sequence[Any], seed: int | None = None, image: Image.Image | None = None,
                **settings: Unpack[Settings]) -> common.PanelGrid:
        """A grid over two settings; the result also has .row_labels, .col_labels, .columns."""
        return xy_grid.xy_grid(self.manager, self._params(prompt, seed, **settings),
                               x_axis, x_values, y_axis, y_values, image)

    @staticmethod
    def bandit(variants: Sequence[str], rng_seed: int | None = None) -> _bandit.PromptBandit:
        """A Thompson-sampling bandit over prompt variants (play it with bandit_round)."""
        return _bandit.PromptBandit(variants, rng_seed)

    def bandit_round(self, bandit: _bandit.PromptBandit, **settings: Unpack[Settings]) -> Panel:
        """Render the variant the bandit picks, with a fresh seed; then call bandit.record()."""
        choice = bandit.choose()
        panel = generate.generate(self.manager, self._params(choice.prompt, choice.seed, **settings))
        panel.params["variant"] = choice.index
        panel.caption = f"variant {choice.index + 1} · seed {choice.seed}"
        return panel

    def negation(self, prompt: str, thing: str, seed: int | None = None, **settings: Unpack[Settings]) -> list[Panel]:
        """Three ways to ask for less of `thing` on one seed: not at all, "no <thing>" in the
        prompt, <thing> as the negative prompt (the settings' own negative prompt is replaced)."""
        return negation.negation(self.manager, self._params(prompt, seed, **settings), thing)

    def negation_shares(self, prompt: str, thing: str, seeds: Sequence[int] = range(16), **settings: Unpack[Settings]) -> dict:
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
