"""Inpainting tab (lesson 11): paint over an upload or a portfolio panel where it should change."""
from __future__ import annotations

from functools import partial

import gradio as gr
import numpy as np
from PIL import Image

from playground.exercises.common import fit_image
from playground.params import load_preset, preset_picture
from playground.ui.panels import gallery_items, panel_actions, panels_gallery, warn_truncated
from playground.ui.shared import Labs, Shared, cheap_event, checked_image, lab_call, model_event, seed_input
from playground.ui.sketch import checked_sketchpad
from playground.ui.tokens import prompt_box
from playground.ui.values import as_int, parse_list, seed_value
from playground.ui.words import lesson_text, say, w

PAINT = "#ff00ff"  # one fixed colour: what differs from the loaded picture is the mask
PAINTED = 48  # a channel difference above this (of 255) is paint, not compression noise


def load_source(upload, portfolio, panel_number, request: gr.Request = None):
    """The picture to paint on (an upload, else a portfolio panel), shown on the canvas."""
    side = load_preset("inpaint")["canvas"]
    if upload:
        image = checked_image(upload)
    elif portfolio:
        n = as_int(panel_number, "panel number")
        if not 1 <= n <= len(portfolio):
            raise ValueError(say(request, "inpaint.error.panel_number", count=len(portfolio), got=n))
        image = portfolio[n - 1].image
    else:
        raise ValueError(say(request, "inpaint.error.nothing_to_load"))
    square = fit_image(image, side, side)
    return {"background": square, "layers": [], "composite": square}, square


def first_canvas(preset: dict) -> tuple[Image.Image, dict]:
    """The first press's picture and canvas: the preset's world render with its paint box
    already painted, so "Repaint" works before the student loads or paints anything."""
    side = preset["canvas"]
    picture = fit_image(Image.open(preset_picture(preset["picture"])).convert("RGB"), side, side)
    left, top, right, bottom = (round(f * side) for f in preset["paint_box"])
    layer = Image.new("RGBA", (side, side), (0, 0, 0, 0))
    layer.paste(Image.new("RGBA", (right - left, bottom - top), PAINT), (left, top))
    composite = Image.alpha_composite(picture.convert("RGBA"), layer).convert("RGB")
    return picture, {"background": picture, "layers": [layer], "composite": composite}


def mask_from(source: Image.Image, sketch, request: gr.Request = None) -> Image.Image:
    """White where the canvas differs from the loaded picture: where the student painted."""
    composite = sketch.get("composite") if isinstance(sketch, dict) else sketch
    if source is None or composite is None:
        raise ValueError(say(request, "inpaint.error.no_picture"))
    painted = np.asarray(Image.fromarray(np.asarray(composite, np.uint8)).convert("RGB"), np.int16)
    clean = np.asarray(source.convert("RGB").resize(painted.shape[1::-1]), np.int16)
    return Image.fromarray(((np.abs(painted - clean).max(axis=2) > PAINTED) * 255).astype(np.uint8))


def run_inpaint(labs: Labs, source, sketch, prompt, strengths, seed, progress=gr.Progress(track_tqdm=True),
                request: gr.Request = None, **settings):
    mask = mask_from(source, sketch, request)
    lab, kw = lab_call(labs, settings)
    panels = lab.inpaint(source, mask, prompt, strengths=parse_list(strengths, "strengths", float),
                         seed=seed_value(seed), **kw)
    warn_truncated(panels)
    return gallery_items(panels), panels


def build_tab(labs: Labs, shared: Shared, ex) -> dict | None:
    preset = load_preset("inpaint")
    side = preset["canvas"]
    gr.Markdown(lesson_text("intro", ex.id, preset, labs.lab.defaults()))
    first, painted = first_canvas(preset)
    source = gr.State(first)
    with gr.Row():
        with gr.Column(scale=1):
            upload = gr.File(label=w("inpaint.upload.label"), file_types=["image"], type="filepath", height=110)
            with gr.Row():
                number = gr.Number(label=w("inpaint.number.label"), value=1, precision=0, minimum=1)
                load = gr.Button(w("inpaint.load"))
            canvas = checked_sketchpad(value=painted, label=w("inpaint.canvas.label"), type="numpy",
                                       image_mode="RGB",
                                       canvas_size=(side, side), height=side + 40,
                                       brush=gr.Brush(default_size=preset["brush"], colors=[PAINT],
                                                      color_mode="fixed"))
        with gr.Column(scale=1):
            prompt = prompt_box(labs, ex.id, label=w("inpaint.prompt.label"), value=preset["prompt"], lines=2)
            strengths = gr.Textbox(label=w("inpaint.strengths.label"),
                                   value=", ".join(map(str, preset["strengths"])))
            seed = seed_input(preset["seed"], ex.id)
            run = gr.Button(w("inpaint.run"), variant="primary")
    gallery = panels_gallery(w("inpaint.gallery.label"), columns=3)
    panels = gr.State([])
    panel_actions(shared, gallery, panels, ex.id, send=ex.send)
    cheap_event(load.click, load_source, [upload, shared.portfolio, number], [canvas, source],
                api_name="inpaint_load")
    model_event(shared, run.click, partial(run_inpaint, labs), [source, canvas, prompt, strengths, seed],
                [gallery, panels], api_name="inpaint")
    # restore (ui/restore.py) fills these from a dropped panel PNG that carries its picture and mask
    return {"prompt": prompt, "seed": seed, "inputs": {"source": source, "canvas": canvas, "strengths": strengths}}
