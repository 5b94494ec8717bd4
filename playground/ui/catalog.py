"""The exercises of the lab, one descriptor each: the one list the page, restore, the README's
tables and the tests iterate.

Adding an exercise touches six files: its core module in playground/exercises/, its Lab method
in the group's module of playground/lessons/, its tab module here (build_tab(labs, shared, ex)
-> the widgets restore may fill, or None), presets/<id>.yaml (defaults and the About text), one
descriptor below (its endpoints, what the README says of their inputs, one example call each,
which the client test and the hub matrix run) and its tests. `python -m playground.ui.catalog`
then rewrites the README's two tables from this list. Nothing else holds a list of tabs or
endpoints. Lessons and groups are docs/lessons.md's.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from types import ModuleType
from typing import Any, Callable

from playground.ui import (attention, bandit, captions, controlnet, denoising, hires, img2img, inpaint,
                           interpolate, negation, portfolio, prompt_styles, seed_grid, triptych, xy_grid)

# The course's groups, in its order (docs/lessons.md).
GROUPS = ("Prompts", "Samplers", "Conditioning", "Inside the model", "Portfolio")


@dataclass(frozen=True)
class Endpoint:
    """One model endpoint: its inputs as the README's API table gives them (before the shared
    settings), and one call of it. In `example`, "<photo>" stands for an uploaded picture and
    "<painted>" for the inpainting canvas of that picture with a square painted over it."""
    name: str
    inputs: str
    example: tuple = ()
    panels: int | None = None  # panels the example leaves as the tab's result (None: it depends on the steps)
    embedded_only: bool = False  # it reads the embedded world (its classifier): other models get a clear error


@dataclass(frozen=True)
class Exercise:
    id: str  # the tab's id, its preset's name and the prefix of its endpoints
    title: str  # the tab's label
    lesson: int  # its lesson in docs/lessons.md
    group: str  # its group there (GROUPS)
    summary: str  # what it does, for the README's table
    lab_method: str | None  # the Lab method its main button calls (None: no model)
    tab: ModuleType  # the tab module: build_tab(labs, shared, ex)
    api: tuple[Endpoint, ...] = ()  # its model endpoints (they share the model queue), in calling order
    tools: tuple[str, ...] = ()  # its other endpoints: no model, never wait behind one
    seed: bool = True  # a seed box with a dice button (<id>_new_seed)
    panels: bool = True  # a gallery whose panels go to the portfolio (<id>_add_selected/_all)
    send: bool = True  # its panels can be sent to image-to-image (<id>_send_to_img2img)
    restores: bool = True  # a saved PNG's prompt (and seed, if it has one) can be restored into it
    # Small calls of its Lab methods, (lab, image, mask, **settings) -> panels: the hub matrix runs
    # each on every registry model.
    lab_examples: tuple[Callable[..., Any], ...] = field(default=(), compare=False)

    @property
    def endpoints(self) -> tuple[str, ...]:
        return tuple(e.name for e in self.api)

    @property
    def cheap_endpoints(self) -> set[str]:
        """The endpoints every tab of this kind gets from the shared widgets (no model)."""
        names = set(self.tools) | ({f"{self.id}_new_seed"} if self.seed else set())
        if self.panels:
            names |= {f"{self.id}_add_selected", f"{self.id}_add_all"}
        if self.send:
            names.add(f"{self.id}_send_to_img2img")
        return names


def _walk_inputs() -> str:
    return ('prompt, second prompt ("" walks the noise only), start seed, end seed, frames, mode ("slerp" or '
            '"lerp"), spacing ("even": equal steps of the picture, found by rendering more points of t; '
            '"uniform": equal steps of t), renders (an even walk\'s renders in all, at least the frames)')


# Listed as written; the page and the API list them in the course's order (below).
EXERCISES = (
    Exercise("triptych", "Triptych", 5, "Samplers", "one prompt, three values of one knob (guidance, steps, "
             "scheduler or seed), a note box per panel", "triptych", triptych,
             (Endpoint("triptych", 'prompt, vary (`guidance_scale`, `num_inference_steps`, `scheduler`, `seed`), '
                       'values ("1, 5, 15"), seed', ("a fox", "guidance_scale", "1, 5, 15", 7), 3),),
             tools=("triptych_values",),
             lab_examples=(lambda lab, img, mask, **s: lab.triptych("a red car", vary="guidance_scale",
                                                                    values=[0.0, 2.0], seed=1, **s),)),
    Exercise("prompt_styles", "Prompt styles", 2, "Prompts", "one scene written as a command, a caption and a "
             "director's description, one seed", "prompt_styles", prompt_styles,
             (Endpoint("prompt_styles", "command, caption, director, seed",
                       ("Paint hills.", "a photo of hills", "Wide shot.", 3), 3),),
             lab_examples=(lambda lab, img, mask, **s: lab.prompt_styles(
                 {"command": "draw a red car", "caption": "a red car"}, seed=1, **s),)),
    Exercise("seed_grid", "Seed grid & prior", 1, "Prompts", "1-64 seeds (random or typed, 0 to 4294967295); "
             "palette, brightness, colourfulness, diversity; for the embedded model the grid's attribute shares "
             "next to the world's true prior", "seed_grid", seed_grid,
             (Endpoint("seed_grid", 'prompt, mode ("Random seeds" or "Typed list"), count, seeds ("0, 1, 2")',
                       ("a cat", "Typed list", 8, "1, 2"), 2),), seed=False,
             lab_examples=(lambda lab, img, mask, **s: lab.seed_grid("a red car", seeds=[1, 2], **s),)),
    Exercise("xy_grid", "Seeds x prompts", 3, "Prompts", "an X/Y grid over seed, prompt, guidance, steps or "
             "scheduler, labelled, with the spread per row", "xy_grid", xy_grid,
             (Endpoint("xy_grid", "prompt, x_axis, x_values, y_axis, y_values (prompts one per line), seed",
                       ("a cat", "seed", "1, 2", "prompt", "a cat\na dog", 5), 4),),
             lab_examples=(lambda lab, img, mask, **s: lab.xy_grid("a car", "seed", [1, 2], "prompt",
                                                                   ["a car", "a cat"], seed=1, **s),)),
    Exercise("bandit", "Prompt bandit", 3, "Prompts", "Thompson sampling over prompt variants: Like / Dislike, "
             "Beta posteriors, history", "bandit_round", bandit,
             (Endpoint("bandit_start", "variants (one per line); it draws the first round", ("a cat\na dog",), 1),
              Endpoint("bandit_like", "none: judges the current round and draws the next", (), 1),
              Endpoint("bandit_dislike", "none: judges the current round and draws the next", (), 1)),
             seed=False, send=False, restores=False,
             lab_examples=(lambda lab, img, mask, **s: [lab.bandit_round(lab.bandit(["a car", "a red car"],
                                                                                    rng_seed=0), **s)],)),
    Exercise("img2img", "Image to image", 6, "Conditioning", "an upload (or any panel sent here) under a "
             "strength sweep; SSIM says how much survived", "img2img_strength", img2img,
             (Endpoint("img2img", 'image file, prompt, strengths ("0.2, 0.5, 0.8"), seed',
                       ("<photo>", "a fox", "0.5, 0.8", 7), 2),), send=False, tools=("img2img_check_upload",),
             lab_examples=(lambda lab, img, mask, **s: lab.img2img_strength(img, "a red car", strengths=(0.5, 1.0),
                                                                            seed=1, **s),)),
    Exercise("controlnet", "ControlNet", 6, "Conditioning", "a sketch or an upload, canny or scribble offline "
             "(depth/openpose with the hub), the control map, a scale sweep", "controlnet", controlnet,
             (Endpoint("controlnet", 'source ("Sketch" or "Upload"), sketch, image file, detector, scales '
                       '("0.5, 1.0"), prompt, seed', ("Upload", None, "<photo>", "canny", "1.0", "a house", 7), 1),),
             tools=("controlnet_detectors",)),
    Exercise("denoising", "Denoising", 4, "Inside the model", "the predicted image after each step, as a film "
             "strip and an animated GIF", "trajectory", denoising,
             (Endpoint("denoising", "prompt, seed, every (show every n-th step)", ("sunset", 7, 1)),),
             lab_examples=(lambda lab, img, mask, **s: lab.trajectory("a red car", seed=1, **s),)),
    Exercise("inpaint", "Inpainting", 11, "Conditioning", "paint over an upload or a portfolio panel where it "
             "should change; the model repaints there at each strength, and not a pixel changes outside",
             "inpaint", inpaint,
             (Endpoint("inpaint", 'the painted canvas (load it first with `/inpaint_load`: a picture file, or None '
                       'and a portfolio panel number), prompt, strengths ("0.75, 1.0"), seed',
                       ("<painted>", "a car", "1.0", 2), 1),), tools=("inpaint_load",),
             lab_examples=(lambda lab, img, mask, **s: lab.inpaint(img, mask, "a red car", strengths=(0.75, 1.0),
                                                                   seed=1, **s),)),
    Exercise("attention", "Where words land", 12, "Inside the model", "the image, then one heatmap per word of "
             "the prompt: its cross-attention summed over layers, heads and steps (DAAM); stop words faded",
             "attention_maps", attention, (Endpoint("attention", "prompt, seed", ("a red car", 4), 4),),
             lab_examples=(lambda lab, img, mask, **s: lab.attention_maps("a red car", seed=1, **s),)),
    Exercise("interpolate", "Walks", 10, "Samplers", "frames between two seeds' starting noise (slerp along the "
             "sphere, or lerp through it) and optionally two prompts, at equal steps of the picture or of t, "
             "as a strip and a GIF; a variation seed is the walk stopped early", "interpolate", interpolate,
             (Endpoint("variation", "prompt, seed, variation seed, strength (0 to 1)", ("a cat", 1, 2, 0.2), 2),
              Endpoint("interpolate", _walk_inputs(), ("a cat", "", 1, 2, 3, "slerp"), 3)), seed=False,
             lab_examples=(lambda lab, img, mask, **s: lab.interpolate("a red car", seeds=(1, 2), frames=2,
                                                                       prompt_b="a cat", **s),
                           lambda lab, img, mask, **s: [lab.variation("a red car", seed=1, variation_seed=2,
                                                                      strength=0.3, **s)])),
    Exercise("hires", "Bigger pictures", 13, "Samplers", "one seed made 2 or 4 times bigger four ways: nearest, "
             "bicubic, the model's learnt upscaler, and the hires fix (that picture repainted by image-to-image at a "
             "low strength)", "hires", hires,
             (Endpoint("hires", "prompt, seed, factor (2 or 4), strength of the hires fix (0.05 to 0.8)",
                       ("a pixel art house", 5, 2, 0.3), 4),),
             lab_examples=(lambda lab, img, mask, **s: lab.hires("a red car", seed=1, factor=2, strength=0.3, **s),)),
    Exercise("negation", "Negation", 8, "Prompts", "the prompt, the prompt with \"no <thing>\" written in, and "
             "<thing> as the negative prompt, on one seed; with the embedded model, how often each shows the thing "
             "over many seeds", "negation", negation,
             (Endpoint("negation", "prompt, thing (to leave out), seed", ("a house in a meadow", "birds", 3), 3),
              Endpoint("negation_count", "prompt, thing, count of seeds (the classifier's shares per panel)",
                       ("a house", "red", 4), embedded_only=True)),
             lab_examples=(lambda lab, img, mask, **s: lab.negation("a car in a meadow", "birds", seed=1, **s),)),
    Exercise("captions", "Temperature lab", 9, "Prompts", "a small language model trained here on the world's "
             "captions continues a start at several temperatures (top-k, top-p); each caption is checked as a "
             "world scene and rendered under one seed", "captions", captions,
             (Endpoint("captions", 'start text, temperatures ("0.2, 1.0, 2.0"), top_k (0 = off), top_p (1 = off), '
                       'samples per temperature, seed', ("a cat in", "0.2, 2.0", 0, 1.0, 1, 3), 2),)),
    Exercise("portfolio", "Portfolio", 7, "Portfolio", "every \"Add to portfolio\" lands here; pick panels, title, "
             "~150-word statement; export PNG (with `parameters` metadata), PDF and ZIP; drop a saved PNG "
             "(ours or AUTOMATIC1111's) to restore its settings into a tab", None, portfolio,
             tools=("portfolio_preview", "portfolio_export", "portfolio_remove", "read_params", "restore_settings"),
             seed=False, panels=False, send=False, restores=False),
)
# The course's order (docs/lessons.md): by group, then lesson; the lesson map, the page and the
# README tables follow it, so the first view is the course's first lesson.
EXERCISES = tuple(sorted(EXERCISES, key=lambda ex: (GROUPS.index(ex.group), ex.lesson)))


BY_ID = {ex.id: ex for ex in EXERCISES}
# Endpoints of the page's header, which belongs to no exercise.
SHARED_ENDPOINTS = {"model_defaults"}


def model_endpoints() -> set[str]:
    return {name for ex in EXERCISES for name in ex.endpoints}


def endpoint(name: str) -> Endpoint:
    return next(e for ex in EXERCISES for e in ex.api if e.name == name)


def cheap_endpoints() -> set[str]:
    return SHARED_ENDPOINTS | {name for ex in EXERCISES for name in ex.cheap_endpoints}


def readme_table() -> str:
    """The README's tab table, made from the descriptors (a test keeps the README equal)."""
    rows = ["| Tab | Lesson ([map](docs/lessons.md)) | What it does |", "| --- | --- | --- |"]
    rows += [f"| {ex.title} | {ex.lesson} ({ex.group}) | {ex.summary} |" for ex in EXERCISES]
    return "\n".join(rows)


def api_table() -> str:
    """The README's table of model endpoints and their inputs, made from the descriptors."""
    rows = ["| api_name | inputs (before the settings) |", "| --- | --- |"]
    for ex in EXERCISES:
        rows += [f"| `/{e.name}` | {e.inputs}{' (embedded model only)' if e.embedded_only else ''} |"
                 for e in ex.api]
    return "\n".join(rows)


def rewrite_readme(path) -> bool:
    """Put both tables into the README between their markers; True when it changed."""
    text = path.read_text(encoding="utf-8")
    new = text
    for name, table in (("tabs", readme_table()), ("api", api_table())):
        begin, end = f"<!-- {name} table: python -m playground.ui.catalog -->", f"<!-- end of {name} table -->"
        head, rest = new.split(begin, 1)
        new = f"{head}{begin}\n{table}\n{end}{rest.split(end, 1)[1]}"
    if new != text:
        path.write_text(new, encoding="utf-8")
    return new != text


if __name__ == "__main__":
    from pathlib import Path

    readme = Path(__file__).resolve().parents[2] / "README.md"
    print(f"{readme}: {'rewritten' if rewrite_readme(readme) else 'already current'}")
