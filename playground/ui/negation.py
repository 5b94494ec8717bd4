"""Negation tab (seed 004): the prompt, "no <thing>" written in, <thing> as negative prompt."""
from __future__ import annotations

from functools import partial

import gradio as gr

from playground.params import load_preset
from playground.ui.panels import gallery_items, panel_actions, panels_gallery, warn_truncated
from playground.ui.shared import Labs, Shared, lab_call, model_event, seed_input
from playground.ui.values import seed_value


def run_negation(labs: Labs, prompt, thing, seed, progress=gr.Progress(track_tqdm=True), **settings):
    lab, kw = lab_call(labs, settings)
    if kw.get("negative_prompt"):
        gr.Info("This exercise sets the negative prompt itself; the one in Advanced settings is not used here.")
    panels = lab.negation(prompt, thing, seed=seed_value(seed), **kw)
    warn_truncated(panels)
    return gallery_items(panels), panels


def build_tab(labs: Labs, shared: Shared, ex) -> dict | None:
    preset = load_preset("negation")
    gr.Markdown("**Asking for less.** Writing *no birds* puts the word *birds* into the prompt, and a text "
                "encoder mostly hears the word. A negative prompt works differently: guidance steers away from "
                "it at every step. Same seed for all three panels: count the thing in each.")
    with gr.Row():
        prompt = gr.Textbox(label="Prompt", value=preset["prompt"], lines=2, scale=3)
        thing = gr.Textbox(label="The thing to leave out", value=preset["thing"], scale=1)
        seed = seed_input(preset["seed"], ex.id)
    run = gr.Button("Run the three panels", variant="primary")
    gallery = panels_gallery("Plain · written \"no ...\" · negative prompt", columns=3)
    panels = gr.State([])
    panel_actions(shared, gallery, panels, ex.id, send=ex.send)
    gr.Examples(preset["examples"], [prompt, thing], label="Things the embedded model knows")
    model_event(shared, run.click, partial(run_negation, labs), [prompt, thing, seed], [gallery, panels],
                api_name="negation")
    return {"prompt": prompt, "seed": seed}
