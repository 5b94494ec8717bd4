"""Hires tab (lesson 13): one seed made bigger four ways, side by side: nearest, bicubic, the
model's learnt upscaler, and the hires fix (the upscaler's picture repainted lightly)."""
from __future__ import annotations

from functools import partial

import gradio as gr

from playground.params import PROMPT_MAX_CHARS, load_preset
from playground.ui.panels import gallery_items, panel_actions, panels_gallery, warn_truncated
from playground.ui.shared import Labs, Shared, lab_call, model_event, seed_input
from playground.ui.tokens import prompt_box
from playground.ui.values import as_float, as_int, seed_value, slider
from playground.ui.words import lesson_text, say, w

FACTORS = [("hires.factor.x2", 2), ("hires.factor.x4", 4)]  # (label's text key, the value the server gets)


def run_hires(labs: Labs, prompt, seed, factor, strength, progress=gr.Progress(track_tqdm=True),
              request: gr.Request = None, **settings):
    lab, kw = lab_call(labs, settings)  # the shared "Upscale results" leaves these alone: they are the upscales
    panels = lab.hires(prompt, seed=seed_value(seed), factor=as_int(factor, "factor"),
                       strength=as_float(strength, "strength"), **kw)
    warn_truncated(panels)
    if len(panels) == 3:
        gr.Info(say(request, "hires.no_fix", max_size=lab.defaults()["max_size"]))
    return gallery_items(panels), panels


def build_tab(labs: Labs, shared: Shared, ex) -> dict | None:
    preset = load_preset(ex.id)
    gr.Markdown(lesson_text("intro", ex.id, preset, labs.lab.defaults()))
    with gr.Row():
        prompt = prompt_box(labs, ex.id, label=w("hires.prompt.label"), value=preset["prompt"], lines=2, scale=3,
                            max_length=PROMPT_MAX_CHARS)
        seed = seed_input(preset["seed"], ex.id)
    with gr.Row():
        factor = gr.Radio([(w(key), value) for key, value in FACTORS], value=preset["factor"],
                          label=w("hires.factor.label"))
        strength = gr.Slider(**slider(preset, "strength"), value=preset["strength"],
                             label=w("hires.strength.label"))
    run = gr.Button(w("hires.run"), variant="primary")
    # two columns: the bigger pictures are the point, and four in a row are cut off on a phone
    gallery = panels_gallery(w("hires.gallery.label"), columns=2)
    panels = gr.State([])
    panel_actions(shared, gallery, panels, ex.id, send=ex.send)
    gr.Examples(preset["examples"], [prompt, seed], label=w("hires.examples.label"))
    model_event(shared, run.click, partial(run_hires, labs), [prompt, seed, factor, strength], [gallery, panels],
                api_name="hires", images=lambda *inputs: 2)  # the seed and its repaint
    return {"prompt": prompt, "seed": seed}
