"""Negation (lesson 8: "negation via text alone usually fails"): three ways to ask for less.

One seed, three panels: the prompt; the prompt with "no <thing>" written into it; the prompt
with <thing> as the negative prompt. A text encoder reads "no birds" mostly as "birds", so
the second panel often shows more of the thing, not less; classifier-free guidance steers
away from the negative prompt, so the third is the one that works.
"""
from __future__ import annotations

import re
from typing import Sequence

from playground import prior
from playground.exercises.common import make_panel, render
from playground.panels import Panel
from playground.params import GenerationParams, check_grid_cells, check_prompt, check_seed
from playground.world import VALUES, parse_prompt

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


def appears(thing: str):
    """A test of classifier predictions for `thing`: birds (any), a subject, a colour, a
    setting or a light of the world; a ValueError for what the classifier cannot see."""
    word = thing.strip().lower()
    if re.fullmatch(r"(a few |some )?birds?", word):
        return lambda pred: pred["birds"] != "0"
    if word in VALUES["colour"]:
        return lambda pred: pred["colour"] == word
    named = {k: v for k, v in parse_prompt(word).items() if v != "none"}
    if named:
        return lambda pred: all(pred.get(k) == v for k, v in named.items())
    raise ValueError(f"thing must be something the embedded model's classifier sees (birds, a subject such as "
                     f"cat or car, a colour such as red, a setting such as beach, a light such as night), "
                     f"got {thing!r}")


def negation_shares(manager, params: GenerationParams, thing: str, seeds: Sequence[int]) -> dict:
    """How often `thing` appears in each of the three panels over many seeds, as the
    classifier reads it: {"counts": {caption: n}, "shares": {caption: share}, "seeds": n}."""
    # 1. what to look for, and every (variant, seed) image in as few batched calls as possible
    seen = appears(thing)
    seeds = [check_seed(s) for s in seeds]
    check_grid_cells(len(seeds), "seeds")
    rows = negation_prompts(params.prompt, thing)
    cells = [params.replace(prompt=p, negative_prompt=n, seed=s) for _, p, n in rows for s in seeds]
    images = render(manager, cells)
    # 2. read them all at once and count
    found = [seen(p) for p in prior.classifier().predict(images)]
    counts = {caption: sum(found[i * len(seeds):(i + 1) * len(seeds)]) for i, (caption, _, _) in enumerate(rows)}
    return {"counts": counts, "shares": {k: v / len(seeds) for k, v in counts.items()}, "seeds": len(seeds),
            "thing": thing.strip()}
