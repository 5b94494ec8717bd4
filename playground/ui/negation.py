"""Negation tab (lesson 8): the prompt, "no <thing>" written in, <thing> as negative prompt."""
from __future__ import annotations

from functools import partial

from html import escape

import gradio as gr

from playground.params import load_preset
from playground.ui.panels import gallery_items, panel_actions, panels_gallery, warn_truncated
from playground.ui.shared import Labs, Shared, info, lab_call, model_event, seed_input
from playground.ui.tokens import prompt_box
from playground.ui.values import as_int, seed_value, slider
from playground.ui.words import lesson_text, say, w


def run_negation(labs: Labs, prompt, thing, seed, progress=gr.Progress(track_tqdm=True),
                 request: gr.Request = None, **settings):
    lab, kw = lab_call(labs, settings)
    if kw.get("negative_prompt"):
        info(say(request, "negation.own_negative"))
    panels = lab.negation(prompt, thing, seed=seed_value(seed), **kw)
    warn_truncated(panels, request)
    return gallery_items(panels), panels


def share_table(result: dict, request: gr.Request = None) -> str:
    """The three shares as a small table a student can quote (the panels' captions are the core's)."""
    rows = [f"| {caption} | {say(request, 'negation.table.of', n=n, seeds=result['seeds'])} | "
            f"{n / result['seeds']:.0%} |" for caption, n in result["counts"].items()]
    return "\n".join([say(request, "negation.table.title", thing=escape(result["thing"])), "",
                      say(request, "negation.table.header"), "| --- | --- | --- |", *[escape(r) for r in rows]])


def run_count(labs: Labs, prompt, thing, count, progress=gr.Progress(track_tqdm=True),
              request: gr.Request = None, **settings):
    lab, kw = lab_call(labs, settings)
    n = as_int(count, "count")
    return share_table(lab.negation_shares(prompt, thing, seeds=range(n), **kw), request)


def build_tab(labs: Labs, shared: Shared, ex) -> dict | None:
    preset = load_preset("negation")
    gr.Markdown(lesson_text("intro", ex.id, preset, labs.lab.defaults()))
    with gr.Row():
        prompt = prompt_box(labs, ex.id, label=w("negation.prompt.label"), value=preset["prompt"], lines=2, scale=3)
        thing = gr.Textbox(label=w("negation.thing.label"), value=preset["thing"], scale=1)
        seed = seed_input(preset["seed"], ex.id)
    run = gr.Button(w("negation.run"), variant="primary")
    gallery = panels_gallery(w("negation.gallery.label"), columns=3)
    panels = gr.State([])
    panel_actions(shared, gallery, panels, ex.id, send=ex.send)
    gr.Examples(preset["examples"], [prompt, thing], label=w("negation.examples.label"))
    with gr.Accordion(w("negation.count.accordion"), open=False):
        with gr.Row():
            count = gr.Slider(**slider(preset, "count"), value=preset["count"], label=w("negation.count.label"))
            tally = gr.Button(w("negation.count.run"))
        shares = gr.Markdown()
    model_event(shared, tally.click, partial(run_count, labs), [prompt, thing, count], shares,
                api_name="negation_count", images=lambda prompt, thing, count: 3 * as_int(count, "count"))
    model_event(shared, run.click, partial(run_negation, labs), [prompt, thing, seed], [gallery, panels],
                api_name="negation", images=lambda *inputs: 3)
    return {"prompt": prompt, "seed": seed}
