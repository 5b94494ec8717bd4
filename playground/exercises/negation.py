"""Negation (seed 004: "negation via text alone usually fails"): three ways to ask for less.

One seed, three panels: the prompt; the prompt with "no <thing>" written into it; the prompt
with <thing> as the negative prompt. A text encoder reads "no birds" mostly as "birds", so
the second panel often shows more of the thing, not less; classifier-free guidance steers
away from the negative prompt, so the third is the one that works.
"""
from __future__ import annotations

from playground.exercises.common import make_panel, render
from playground.panels import Panel
from playground.params import GenerationParams, check_prompt

# How the thing is written into the prompt: the phrasing students try first.
WRITTEN = "{prompt}, no {thing}"


def negation_prompts(prompt: str, thing: str) -> list[tuple[str, str, str]]:
    """(caption, prompt, negative prompt) of the three panels."""
    thing = check_prompt(thing, "thing").strip()
    return [("plain prompt", prompt, ""),
            (f'"no {thing}" in the prompt', WRITTEN.format(prompt=prompt.rstrip(" ,."), thing=thing), ""),
            (f'negative prompt "{thing}"', prompt, thing)]


def negation(manager, params: GenerationParams, thing: str) -> list[Panel]:
    """Three panels on params.seed; any negative prompt in params is replaced by the exercise's."""
    rows = negation_prompts(params.prompt, thing)
    cells = [params.replace(prompt=p, negative_prompt=n) for _, p, n in rows]
    images = render(manager, cells)  # the two plain-negative panels share one batched call
    return [make_panel(manager, p, img, caption, thing=thing.strip())
            for p, img, (caption, _, _) in zip(cells, images, rows)]
