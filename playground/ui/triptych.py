"""Lesson 5: one prompt, three settings of one knob, side by side, with notes."""
from __future__ import annotations

from functools import partial

import gradio as gr

from playground.params import NOTE_MAX_CHARS, PROMPT_MAX_CHARS, load_preset
from playground.ui.panels import gallery_items, panel_actions, panels_gallery, warn_truncated
from playground.ui.shared import Labs, Shared, cheap_event, lab_call, model_event, seed_input
from playground.ui.tokens import prompt_box
from playground.ui.values import parse_list, seed_value, value_parser
from playground.ui.words import lesson_text, say, w

# the knobs (the values the server gets) and their labels' text keys (presets/i18n/*/triptych.yaml)
KNOBS = {"guidance_scale": "triptych.knob.guidance_scale", "num_inference_steps": "triptych.knob.num_inference_steps",
         "scheduler": "triptych.knob.scheduler", "seed": "triptych.knob.seed"}


def values_for(vary: str, request: gr.Request = None) -> str:
    """The preset's three values for a knob, as the text box shows them."""
    if not isinstance(vary, str) or vary not in KNOBS:
        raise ValueError(say(request, "triptych.error.vary", knobs=", ".join(KNOBS), got=repr(str(vary)[:40])))
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
    gr.Markdown(lesson_text("intro", ex.id, preset, labs.lab.defaults()))
    with gr.Row():
        prompt = prompt_box(labs, ex.id, label=w("triptych.prompt.label"), value=preset["prompt"], lines=2, scale=4, max_length=PROMPT_MAX_CHARS)
        seed = seed_input(preset["seed"], ex.id)
    with gr.Row():
        vary = gr.Radio([(w(label), key) for key, label in KNOBS.items()], value=preset["vary"],
                        label=w("triptych.vary.label"), scale=2)
        values = gr.Textbox(label=w("triptych.values.label"), value=values_for(preset["vary"]), scale=3)
    run = gr.Button(w("triptych.run"), variant="primary")
    gallery = panels_gallery(w("triptych.gallery.label"), columns=3, elem_id="triptych-gallery")
    panels = gr.State([])
    with gr.Row():  # each note goes with its panel into the portfolio (params["note"])
        # value="": the add endpoints' note parameters are optional for API clients
        notes = [gr.Textbox("", label=w(f"triptych.note{i + 1}.label"), lines=2, elem_classes=["panel-notes"],
                            max_length=NOTE_MAX_CHARS,
                            placeholder=w("triptych.note.placeholder")) for i in range(3)]
    panel_actions(shared, gallery, panels, ex.id, send=ex.send, notes=notes)
    gr.Examples([[preset["prompt"], knob, values_for(knob), preset["seed"]] for knob in KNOBS],
                [prompt, vary, values, seed], label=w("triptych.examples.label"))

    cheap_event(vary.change, values_for, vary, values, api_name="triptych_values")
    model_event(shared, run.click, partial(run_triptych, labs), [prompt, vary, values, seed], [gallery, panels],
                api_name="triptych", images=lambda prompt, vary, values, seed: len(parse_list(values, "values")))
    return {"prompt": prompt, "seed": seed}
