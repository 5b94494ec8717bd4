"""Hires tab (lesson 13): one seed made bigger four ways, side by side: nearest, bicubic, the
model's learnt upscaler, and the hires fix (the upscaler's picture repainted lightly)."""
from __future__ import annotations

from functools import partial

import gradio as gr

from playground.params import PROMPT_MAX_CHARS, load_preset
from playground.texts import intro_text
from playground.ui.panels import gallery_items, panel_actions, panels_gallery, warn_truncated
from playground.ui.shared import Labs, Shared, lab_call, model_event, seed_input
from playground.ui.tokens import prompt_box
from playground.ui.values import as_float, as_int, seed_value, slider

FACTORS = [("x2", 2), ("x4 (the x2 upscaler twice)", 4)]


def run_hires(labs: Labs, prompt, seed, factor, strength, progress=gr.Progress(track_tqdm=True), **settings):
    lab, kw = lab_call(labs, settings)  # the shared "Upscale results" leaves these alone: they are the upscales
    panels = lab.hires(prompt, seed=seed_value(seed), factor=as_int(factor, "factor"),
                       strength=as_float(strength, "strength"), **kw)
    warn_truncated(panels)
    if len(panels) == 3:
        gr.Info("No hires fix at this size: the model cannot paint pictures that big (its largest size is "
                f"{lab.defaults()['max_size']} px). Try x2.")
    return gallery_items(panels), panels


def build_tab(labs: Labs, shared: Shared, ex) -> dict | None:
    preset = load_preset(ex.id)
    gr.Markdown(intro_text(preset, labs.lab.defaults()))
    with gr.Row():
        prompt = prompt_box(labs, ex.id, label="Prompt", value=preset["prompt"], lines=2, scale=3,
                            max_length=PROMPT_MAX_CHARS)
        seed = seed_input(preset["seed"], ex.id)
    with gr.Row():
        factor = gr.Radio(FACTORS, value=preset["factor"], label="Upscale")
        strength = gr.Slider(**slider(preset, "strength"), value=preset["strength"],
                             label="Hires fix strength (how much the model repaints)")
    run = gr.Button("Upscale four ways", variant="primary")
    # two columns: the bigger pictures are the point, and four in a row are cut off on a phone
    gallery = panels_gallery("Nearest · bicubic · upscaler · hires fix", columns=2)
    panels = gr.State([])
    panel_actions(shared, gallery, panels, ex.id, send=ex.send)
    gr.Examples(preset["examples"], [prompt, seed], label="Styles that upscale differently")
    model_event(shared, run.click, partial(run_hires, labs), [prompt, seed, factor, strength], [gallery, panels],
                api_name="hires", images=lambda *inputs: 2)  # the seed and its repaint
    return {"prompt": prompt, "seed": seed}
