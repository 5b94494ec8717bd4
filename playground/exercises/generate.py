"""Exercise 1 (seed 000): one sample, and a grid of seeds in one batched pipeline call."""
from __future__ import annotations

from typing import Sequence

from playground.exercises.common import describe, make_panel, render
from playground.panels import Panel
from playground.params import GenerationParams, check_grid_cells, check_seed


def generate(manager, params: GenerationParams) -> Panel:
    """One image; its caption names the seed, the one thing that differs between two runs."""
    image = render(manager, [params])[0]
    return make_panel(manager, params, image, describe("seed", params.seed))


def seed_grid(manager, params: GenerationParams, seeds: Sequence[int]) -> list[Panel]:
    """The same settings under several seeds: a look at the spread of the distribution.

    All cells go through one pipeline call (chunked to the model's max_batch) with one CPU
    generator per cell, so cell i equals generate() with seeds[i].
    """
    seeds = [check_seed(s) for s in seeds]
    check_grid_cells(len(seeds), "seeds")
    cells = [params.replace(seed=s) for s in seeds]
    images = render(manager, cells)
    return [make_panel(manager, p, img, describe("seed", p.seed)) for p, img in zip(cells, images)]
