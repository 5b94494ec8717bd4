"""Lesson 2: one scene written three ways (command, caption, director), one seed."""
from __future__ import annotations

from functools import partial

import gradio as gr

from playground.params import load_preset
from playground.ui.panels import gallery_items, panel_actions, panels_gallery, warn_truncated
from playground.ui.shared import Labs, Shared, lab_call, model_event, seed_input
from playground.ui.tokens import prompt_box
from playground.ui.values import seed_value
from playground.ui.words import lesson_text, w



def run_prompt_styles(labs: Labs, command, caption, director, seed,
                      progress=gr.Progress(track_tqdm=True), request: gr.Request = None, **settings):
    lab, kw = lab_call(labs, settings)
    panels = lab.prompt_styles({"command": command, "caption": caption, "director": director},
                               seed=seed_value(seed), **kw)
    warn_truncated(panels, request)
    return gallery_items(panels), panels


def build_tab(labs: Labs, shared: Shared, ex) -> dict | None:
    preset = load_preset("prompt_styles")
    styles = preset["styles"]
    gr.Markdown(lesson_text("intro", ex.id, preset, labs.lab.defaults()))
    with gr.Row():
        with gr.Column(scale=4):
            command = prompt_box(labs, f"{ex.id}_command", label=w("prompt_styles.command.label"),
                                 value=styles["command"], lines=2)
            caption = prompt_box(labs, f"{ex.id}_caption", label=w("prompt_styles.caption.label"),
                                 value=styles["caption"], lines=2)
            director = prompt_box(labs, f"{ex.id}_director", label=w("prompt_styles.director.label"),
                                  value=styles["director"], lines=3)
        seed = seed_input(preset["seed"], ex.id)
    run = gr.Button(w("prompt_styles.run"), variant="primary")
    gallery = panels_gallery(w("prompt_styles.gallery.label"), columns=3)
    panels = gr.State([])
    panel_actions(shared, gallery, panels, ex.id, send=ex.send)
    if preset.get("examples"):
        gr.Examples([[e["command"], e["caption"], e["director"], e.get("seed", preset["seed"])]
                     for e in preset["examples"]], [command, caption, director, seed],
                    label=w("prompt_styles.examples.label"))
    model_event(shared, run.click, partial(run_prompt_styles, labs), [command, caption, director, seed],
                [gallery, panels], api_name="prompt_styles", images=lambda *inputs: 3)
    return {"prompt": command, "seed": seed}
