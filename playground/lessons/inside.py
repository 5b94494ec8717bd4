"""Inside the model: what happens between the noise and the picture (lessons 4 and 12).

Lab's methods for this group of lessons: Lab inherits them. Each takes its own arguments and
the shared settings (negative_prompt, num_inference_steps, guidance_scale, scheduler, width,
height); each runs one exercise module of playground/exercises/.
"""
from __future__ import annotations

from typing import Unpack

from playground.exercises import attention, trajectory
from playground.panels import Panel
from playground.params import Settings


class InsideLessons:
    """Mixed into Lab: uses self.manager, self._params(prompt, seed, **settings) and the model facts."""

    def trajectory(self, prompt: str, seed: int | None = None, every: int = 1,
                   **settings: Unpack[Settings]) -> list[Panel]:
        """The predicted final image at each denoising step (every `every`-th step)."""
        return trajectory.trajectory(self.manager, self._params(prompt, seed, **settings), every)

    def attention_maps(self, prompt: str, seed: int | None = None, **settings: Unpack[Settings]) -> list[Panel]:
        """The image, then one panel per word of the prompt: a heatmap of where that word's
        cross-attention landed, summed over layers, heads and steps (DAAM). Stop words are faded;
        each word panel's params hold its share of the attention and its centre of mass."""
        return attention.attention_maps(self.manager, self._params(prompt, seed, **settings))
