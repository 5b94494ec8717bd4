"""Lesson 3: seeds x prompts (or any two settings) as a labelled grid, with spreads."""
from __future__ import annotations

from functools import partial

import gradio as gr

from playground import stats
from playground.params import load_preset
from playground.ui.panels import gallery_items, panel_actions, panels_gallery, warn_truncated
from playground.ui.shared import Labs, Shared, lab_call, model_event, seed_input
from playground.ui.tokens import prompt_box
from playground.ui.values import parse_list, seed_value, value_parser
from playground.ui.words import lesson_text, w

# an axis' label: presets/i18n/<lang>/xy_grid.yaml, key xy_grid.axis.<name> (the value stays the name)
LABELS = ("seed", "prompt", "guidance_scale", "num_inference_steps", "scheduler", "strength")
NEEDS_IMAGE = ("strength",)  # this tab has no input image; the Image to image tab sweeps strength
# Prompts contain commas, so prompt values are one per line; every other axis is comma-separated.
PROMPT_SEP = "\n"


def parse_axis(axis: str, text: str, name: str) -> list:
    if axis == "prompt":
        return parse_list(text, name, str, sep=PROMPT_SEP)
    return parse_list(text, name, value_parser(axis))


def grid_size(prompt, x_axis, x_values, y_axis, y_values, seed) -> int:
    return len(parse_axis(x_axis, x_values, "x values")) * len(parse_axis(y_axis, y_values, "y values"))


def spread_table(grid) -> list[list]:
    """Per row: how different its images are (mean pairwise distance), the per-prompt spread."""
    cols = grid.columns
    rows = []
    for r, label in enumerate(grid.row_labels):
        cells = list(grid)[r * cols:(r + 1) * cols]
        rows.append([label, round(stats.diversity(cells), 3) if len(cells) > 1 else None])
    return rows


def axis_text(axis: str, values) -> str:
    return (PROMPT_SEP if axis == "prompt" else ", ").join(str(v) for v in values)


def run_xy_grid(labs: Labs, prompt, x_axis, x_values, y_axis, y_values, seed,
                progress=gr.Progress(track_tqdm=True), request: gr.Request = None, **settings):
    lab, kw = lab_call(labs, settings)
    grid = lab.xy_grid(prompt, x_axis, parse_axis(x_axis, x_values, "x values"), y_axis,
                       parse_axis(y_axis, y_values, "y values"), seed=seed_value(seed), **kw)
    warn_truncated(grid, request)
    return lab.compose(grid), gallery_items(grid), list(grid), spread_table(grid)


def build_tab(labs: Labs, shared: Shared, ex) -> dict | None:
    preset = load_preset("xy_grid")
    axes = [(w(f"xy_grid.axis.{a}") if a in LABELS else a, a) for a in preset["axes"] if a not in NEEDS_IMAGE]
    gr.Markdown(lesson_text("intro", ex.id, preset, labs.lab.defaults()))
    with gr.Row():
        prompt = prompt_box(labs, ex.id, label=w("xy_grid.prompt.label"), value=preset["prompt"], scale=3)
        seed = seed_input(load_preset("generate")["seed"], ex.id)
    with gr.Row():
        with gr.Column():
            x_axis = gr.Dropdown(axes, value=preset["x_axis"], label=w("xy_grid.x_axis.label"))
            x_values = gr.Textbox(label=w("xy_grid.x_values.label"),
                                  value=axis_text(preset["x_axis"], preset["x_values"]), lines=3)
        with gr.Column():
            y_axis = gr.Dropdown(axes, value=preset["y_axis"], label=w("xy_grid.y_axis.label"))
            y_values = gr.Textbox(label=w("xy_grid.y_values.label"),
                                  value=axis_text(preset["y_axis"], preset["y_values"]), lines=3)
    run = gr.Button(w("xy_grid.run"), variant="primary")
    grid_image = gr.Image(label=w("xy_grid.grid.label"), type="pil", format="png", interactive=False,
                          elem_classes=["pixelated", "upscale"], height=720)
    # gradio's frontend translates a Dataframe's label, not its headers: they stay English
    spread = gr.Dataframe(headers=["row", "spread (mean pairwise distance)"], label=w("xy_grid.spread.label"),
                          interactive=False)
    with gr.Accordion(w("xy_grid.cells.accordion"), open=False):
        gallery = panels_gallery(w("xy_grid.cells.label"), columns=4, height=360)
        panels = gr.State([])
        panel_actions(shared, gallery, panels, ex.id, send=ex.send)
    model_event(shared, run.click, partial(run_xy_grid, labs), [prompt, x_axis, x_values, y_axis, y_values, seed],
                [grid_image, gallery, panels, spread], api_name="xy_grid", images=grid_size)
    return {"prompt": prompt, "seed": seed}
