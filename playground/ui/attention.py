"""Attention tab (lesson 12): where each word of the prompt acted on the picture (DAAM)."""
from __future__ import annotations

import gradio as gr

from playground.params import load_preset
from playground.ui.panels import gallery_items, panel_actions, panels_gallery, warn_truncated
from playground.ui.shared import Labs, Shared, lab_call, model_event, seed_input
from playground.ui.tokens import prompt_box
from playground.ui.values import seed_value
from playground.ui.words import lesson_text, w


def run_attention(labs: Labs, prompt, seed, progress=gr.Progress(track_tqdm=True), request: gr.Request = None,
                  **settings):
    lab, kw = lab_call(labs, settings)
    panels = lab.attention_maps(prompt, seed=seed_value(seed), **kw)
    warn_truncated(panels, request)
    return gallery_items(panels), panels


def build_tab(labs: Labs, shared: Shared, ex) -> dict | None:
    preset, defaults = load_preset("attention"), labs.lab.defaults()
    gr.Markdown(lesson_text("intro", ex.id, preset, defaults))
    with gr.Row():
        prompt = prompt_box(labs, ex.id, label=w("attention.prompt.label"), value=preset["prompt"], lines=2, scale=4)
        seed = seed_input(preset["seed"], ex.id)
    run = gr.Button(w("attention.run"), variant="primary")
    gallery = panels_gallery(w("attention.gallery.label"), columns=5)
    panels = gr.State([])
    panel_actions(shared, gallery, panels, ex.id, send=ex.send)
    gr.Examples([[p] for p in preset["examples"]], [prompt], label=w("attention.examples"))  # prompts stay data

    # a def, not functools.partial: gradio finds the gr.Request annotation only on a function
    def run_it(prompt, seed, progress=gr.Progress(track_tqdm=True), request: gr.Request = None, **settings):
        return run_attention(labs, prompt, seed, progress, request, **settings)

    model_event(shared, run.click, run_it, [prompt, seed], [gallery, panels], api_name="attention")
    return {"prompt": prompt, "seed": seed}
