"""Lesson 5: one prompt, three settings of one knob, side by side, with notes."""
from __future__ import annotations

from functools import partial

import gradio as gr

from playground.params import NOTE_MAX_CHARS, PROMPT_MAX_CHARS, load_preset
from playground.texts import intro_text
from playground.ui.panels import gallery_items, panel_actions, panels_gallery, warn_truncated
from playground.ui.shared import Labs, Shared, cheap_event, lab_call, model_event, seed_input
from playground.ui.tokens import prompt_box
from playground.ui.values import parse_list, seed_value, value_parser

KNOBS = {"guidance_scale": "Guidance (CFG)", "num_inference_steps": "Steps", "scheduler": "Scheduler",
         "seed": "Seed"}


def values_for(vary: str) -> str:
    """The preset's three values for a knob, as the text box shows them."""
    if not isinstance(vary, str) or vary not in KNOBS:
        raise ValueError(f"vary must be one of {', '.join(KNOBS)}, got {str(vary)[:40]!r}")
    values = load_preset("triptych")["values"][vary]
    return ", ".join(str(v) for v in values)


def run_triptych(labs: Labs, prompt, vary, values, seed, 
                 progress=gr.Progress(track_tqdm=True), **settings):
    lab, kw = lab_call(labs, settings)
    panels = lab.triptych(prompt, vary=vary, values=parse_list(values, "values", value_parser(vary)),
                          seed=seed_value(seed), **kw)
    warn_truncated(panels)
    return gallery_items(panels), panels


def build_tab(labs: Labs, shared: Shared, ex) -> dict | None:
    preset = load_preset("triptych")
    gr.Markdown(intro_text(preset, labs.lab.defaults()))
    with gr.Row():
        prompt = prompt_box(labs, ex.id, label="Prompt", value=preset["prompt"], lines=2, scale=4, max_length=PROMPT_MAX_CHARS)
        seed = seed_input(preset["seed"], ex.id)
    with gr.Row():
        vary = gr.Radio([(label, key) for key, label in KNOBS.items()], value=preset["vary"],
                        label="Vary", scale=2)
        values = gr.Textbox(label="Values (comma-separated)", value=values_for(preset["vary"]), scale=3)
    run = gr.Button("Run triptych", variant="primary")
    gallery = panels_gallery("Triptych", columns=3, elem_id="triptych-gallery")
    panels = gr.State([])
    with gr.Row():  # each note goes with its panel into the portfolio (params["note"])
        # value="": the add endpoints' note parameters are optional for API clients
        notes = [gr.Textbox("", label=f"Panel {i + 1}: what changed?", lines=2, elem_classes=["panel-notes"],
                            max_length=NOTE_MAX_CHARS,
                            placeholder="Two sentences: what the knob did here.") for i in range(3)]
    panel_actions(shared, gallery, panels, ex.id, send=ex.send, notes=notes)
    gr.Examples([[preset["prompt"], knob, values_for(knob), preset["seed"]] for knob in KNOBS],
                [prompt, vary, values, seed], label="One example per knob")

    cheap_event(vary.change, values_for, vary, values, api_name="triptych_values")
    model_event(shared, run.click, partial(run_triptych, labs), [prompt, vary, values, seed], [gallery, panels],
                api_name="triptych", images=lambda prompt, vary, values, seed: len(parse_list(values, "values")))
    return {"prompt": prompt, "seed": seed}
