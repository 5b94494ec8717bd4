"""Negation tab (lesson 8): the prompt, "no <thing>" written in, <thing> as negative prompt."""
from __future__ import annotations

from functools import partial

from html import escape

import gradio as gr

from playground.params import load_preset
from playground.texts import intro_text
from playground.ui.panels import gallery_items, panel_actions, panels_gallery, warn_truncated
from playground.ui.shared import Labs, Shared, lab_call, model_event, seed_input
from playground.ui.tokens import prompt_box
from playground.ui.values import as_int, seed_value, slider


def run_negation(labs: Labs, prompt, thing, seed, progress=gr.Progress(track_tqdm=True), **settings):
    lab, kw = lab_call(labs, settings)
    if kw.get("negative_prompt"):
        gr.Info("This exercise sets the negative prompt itself; the one in Advanced settings is not used here.")
    panels = lab.negation(prompt, thing, seed=seed_value(seed), **kw)
    warn_truncated(panels)
    return gallery_items(panels), panels


def share_table(result: dict) -> str:
    """The three shares as a small table a student can quote."""
    rows = [f"| {caption} | {n} of {result['seeds']} | {n / result['seeds']:.0%} |"
            for caption, n in result["counts"].items()]
    return "\n".join([f"**How often the classifier sees “{escape(result['thing'])}”**", "",
                      "| panel | images | share |", "| --- | --- | --- |", *[escape(r) for r in rows]])


def run_count(labs: Labs, prompt, thing, count, progress=gr.Progress(track_tqdm=True), **settings):
    lab, kw = lab_call(labs, settings)
    n = as_int(count, "count")
    return share_table(lab.negation_shares(prompt, thing, seeds=range(n), **kw))


def build_tab(labs: Labs, shared: Shared, ex) -> dict | None:
    preset = load_preset("negation")
    gr.Markdown(intro_text(preset, labs.lab.defaults()))
    with gr.Row():
        prompt = prompt_box(labs, ex.id, label="Prompt", value=preset["prompt"], lines=2, scale=3)
        thing = gr.Textbox(label="The thing to leave out", value=preset["thing"], scale=1)
        seed = seed_input(preset["seed"], ex.id)
    run = gr.Button("Run the three panels", variant="primary")
    gallery = panels_gallery("Plain · written \"no ...\" · negative prompt", columns=3)
    panels = gr.State([])
    panel_actions(shared, gallery, panels, ex.id, send=ex.send)
    gr.Examples(preset["examples"], [prompt, thing], label="Things the embedded model knows")
    with gr.Accordion("Count over many seeds (embedded model: its classifier reads each image)", open=False):
        with gr.Row():
            count = gr.Slider(**slider(preset, "count"), value=preset["count"], label="Seeds (0, 1, 2, ...)")
            tally = gr.Button("Count")
        shares = gr.Markdown()
    model_event(shared, tally.click, partial(run_count, labs), [prompt, thing, count], shares,
                api_name="negation_count", images=lambda prompt, thing, count: 3 * as_int(count, "count"))
    model_event(shared, run.click, partial(run_negation, labs), [prompt, thing, seed], [gallery, panels],
                api_name="negation", images=lambda *inputs: 3)
    return {"prompt": prompt, "seed": seed}
