"""Lesson 2: one seed, several ways of writing the prompt, side by side."""
from __future__ import annotations

from typing import Mapping, Sequence

from playground.exercises.common import describe, make_panel, render
from playground.panels import Panel
from playground.params import GenerationParams, check_grid_cells, check_prompt


def prompt_styles(manager, params: GenerationParams,
                  prompts: Mapping[str, str] | Sequence[str]) -> list[Panel]:
    """One panel per phrasing, all with params.seed, rendered in one batched call.

    prompts maps a style name ("command", "caption", "director") to its prompt, or is a
    plain list; the caption is the style name, else the prompt itself.
    """
    # 1. validate: labels and non-empty prompts
    named = isinstance(prompts, Mapping)
    if named:
        labels, texts = [str(k) for k in prompts], list(prompts.values())
    else:
        texts = list(prompts)
        labels = [describe("prompt", t) for t in texts]
    check_grid_cells(len(texts), "prompts")
    for i, text in enumerate(texts):
        check_prompt(text, f"prompts[{labels[i]!r}]" if named else f"prompts[{i}]")
    # 2. same seed for all, so only the wording differs
    cells = [params.replace(prompt=t) for t in texts]
    images = render(manager, cells)
    return [make_panel(manager, p, img, label, **({"style": label} if named else {}))
            for p, img, label in zip(cells, images, labels)]
