"""The exercises of the lab, one descriptor each: the one list the page, restore, the README's
table and the tests iterate.

Adding an exercise: a core module in playground/exercises/ with its Lab method, a tab module
here (build_tab(labs, shared, ex) -> the widgets restore may fill, or None), a preset in
presets/, one line below, and its tests. Nothing else holds a list of tabs or endpoints.
"""
from __future__ import annotations

from dataclasses import dataclass
from types import ModuleType

from playground.ui import (attention, bandit, captions, controlnet, denoising, img2img, inpaint, interpolate,
                           negation, portfolio, prompt_styles, seed_grid, triptych, xy_grid)


@dataclass(frozen=True)
class Exercise:
    id: str  # the tab's id, its preset's name and the prefix of its endpoints
    title: str  # the tab's label
    lesson: str  # its exercise number in LAB.md
    summary: str  # what it does, for the README's table
    lab_method: str | None  # the Lab method its main button calls (None: no model)
    tab: ModuleType  # the tab module: build_tab(labs, shared, ex)
    endpoints: tuple[str, ...] = ()  # its model endpoints (they share the model queue)
    tools: tuple[str, ...] = ()  # its other endpoints: no model, never wait behind one
    seed: bool = True  # a seed box with a dice button (<id>_new_seed)
    panels: bool = True  # a gallery whose panels go to the portfolio (<id>_add_selected/_all)
    send: bool = True  # its panels can be sent to image-to-image (<id>_send_to_img2img)
    restores: bool = True  # a saved PNG's prompt (and seed, if it has one) can be restored into it

    @property
    def cheap_endpoints(self) -> set[str]:
        """The endpoints every tab of this kind gets from the shared widgets (no model)."""
        names = set(self.tools) | ({f"{self.id}_new_seed"} if self.seed else set())
        if self.panels:
            names |= {f"{self.id}_add_selected", f"{self.id}_add_all"}
        if self.send:
            names.add(f"{self.id}_send_to_img2img")
        return names


# Order of the tabs: the lab's order where it matters; the portfolio last.
EXERCISES = (
    Exercise("triptych", "Triptych", "5", "one prompt, three values of one knob (guidance, steps, scheduler "
             "or seed), a note box per panel", "triptych", triptych, ("triptych",), tools=("triptych_values",)),
    Exercise("prompt_styles", "Prompt styles", "2", "one scene written as a command, a caption and a "
             "director's description, one seed", "prompt_styles", prompt_styles, ("prompt_styles",)),
    Exercise("seed_grid", "Seed grid & prior", "1", "1-64 seeds (random or typed, 0 to 4294967295); palette, "
             "brightness, colourfulness, diversity; for the embedded model the grid's attribute shares next "
             "to the world's true prior", "seed_grid", seed_grid, ("seed_grid",), seed=False),
    Exercise("xy_grid", "Seeds x prompts", "3", "an X/Y grid over seed, prompt, guidance, steps or scheduler, "
             "labelled, with the spread per row", "xy_grid", xy_grid, ("xy_grid",)),
    Exercise("bandit", "Prompt bandit", "3", "Thompson sampling over prompt variants: Like / Dislike, Beta "
             "posteriors, history", "bandit_round", bandit, ("bandit_start", "bandit_like", "bandit_dislike"),
             seed=False, send=False, restores=False),
    Exercise("img2img", "Image to image", "6", "an upload (or any panel sent here) under a strength sweep; "
             "SSIM says how much survived", "img2img_strength", img2img, ("img2img",), send=False,
             tools=("img2img_check_upload",)),
    Exercise("controlnet", "ControlNet", "6", "a sketch or an upload, canny or scribble offline (depth/openpose "
             "with the hub), the control map, a scale sweep", "controlnet", controlnet, ("controlnet",),
             tools=("controlnet_detectors",)),
    Exercise("denoising", "Denoising", "4", "the predicted image after each step, as a film strip and an "
             "animated GIF", "trajectory", denoising, ("denoising",)),
    Exercise("inpaint", "Inpainting", "seed 004", "paint over an upload or a portfolio panel where it should "
             "change; the model repaints there at each strength, and not a pixel changes outside",
             "inpaint", inpaint, ("inpaint",), tools=("inpaint_load",)),
    Exercise("attention", "Where words land", "seed 003", "the image, then one heatmap per word of the prompt: "
             "its cross-attention summed over layers, heads and steps (DAAM); stop words faded",
             "attention_maps", attention, ("attention",)),
    Exercise("interpolate", "Walks", "seed 002", "frames between two seeds' starting noise (slerp along the "
             "sphere, or lerp through it) and optionally two prompts, at equal steps of the picture or of t, "
             "as a strip and a GIF; a variation seed is the walk stopped early", "interpolate", interpolate,
             ("interpolate", "variation"), seed=False),
    Exercise("negation", "Negation", "seed 004", "the prompt, the prompt with \"no <thing>\" written in, and <thing> "
             "as the negative prompt, on one seed; with the embedded model, how often each shows the thing over "
             "many seeds", "negation", negation, ("negation", "negation_count")),
    Exercise("captions", "Temperature lab", "seed 004", "a small language model trained here on the world's "
             "captions continues a start at several temperatures (top-k, top-p); each caption is checked as a "
             "world scene and rendered under one seed", "captions", captions, ("captions",)),
    Exercise("portfolio", "Portfolio", "7", "every \"Add to portfolio\" lands here; pick panels, title, "
             "~150-word statement; export PNG (with `parameters` metadata), PDF and ZIP; drop a saved PNG "
             "(ours or AUTOMATIC1111's) to restore its settings into a tab", None, portfolio,
             tools=("portfolio_preview", "portfolio_export", "portfolio_remove", "read_params", "restore_settings"),
             seed=False, panels=False, send=False, restores=False),
)
BY_ID = {ex.id: ex for ex in EXERCISES}
# Endpoints of the page's header, which belongs to no exercise.
SHARED_ENDPOINTS = {"model_defaults"}


def model_endpoints() -> set[str]:
    return {name for ex in EXERCISES for name in ex.endpoints}


def cheap_endpoints() -> set[str]:
    return SHARED_ENDPOINTS | {name for ex in EXERCISES for name in ex.cheap_endpoints}


def readme_table() -> str:
    """The README's tab table, made from the descriptors (a test keeps the README equal)."""
    rows = ["| Tab | Exercise | What it does |", "| --- | --- | --- |"]
    rows += [f"| {ex.title} | {ex.lesson} | {ex.summary} |" for ex in EXERCISES]
    return "\n".join(rows)
