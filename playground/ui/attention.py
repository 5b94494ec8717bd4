"""Attention tab (lesson 12): where each word of the prompt acted on the picture (DAAM)."""
from __future__ import annotations

from functools import partial

import gradio as gr

from playground.params import load_preset
from playground.texts import intro_text
from playground.ui.panels import gallery_items, panel_actions, panels_gallery, warn_truncated
from playground.ui.shared import Labs, Shared, lab_call, model_event, seed_input
from playground.ui.tokens import prompt_box
from playground.ui.values import seed_value


def run_attention(labs: Labs, prompt, seed, progress=gr.Progress(track_tqdm=True), **settings):
    lab, kw = lab_call(labs, settings)
    panels = lab.attention_maps(prompt, seed=seed_value(seed), **kw)
    warn_truncated(panels)
    return gallery_items(panels), panels


def build_tab(labs: Labs, shared: Shared, ex) -> dict | None:
    preset = load_preset("attention")
    gr.Markdown(intro_text(preset, labs.lab.defaults()))
    with gr.Row():
        prompt = prompt_box(labs, ex.id, label="Prompt", value=preset["prompt"], lines=2, scale=4)
        seed = seed_input(preset["seed"], ex.id)
    run = gr.Button("Show where each word lands", variant="primary")
    gallery = panels_gallery("The image, then one map per word", columns=5)
    panels = gr.State([])
    panel_actions(shared, gallery, panels, ex.id, send=ex.send)
    gr.Examples([[p] for p in preset["examples"]], [prompt], label="Try")
    model_event(shared, run.click, partial(run_attention, labs), [prompt, seed], [gallery, panels],
                api_name="attention")
    return {"prompt": prompt, "seed": seed}
