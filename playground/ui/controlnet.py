"""Lesson 6: conditioning on a control map (edges or a scribble) through a ControlNet."""
from __future__ import annotations

from functools import partial

import gradio as gr

from PIL import Image

from playground.params import PROMPT_MAX_CHARS, load_preset, preset_picture
from playground.uploads import sketch_to_image
from playground.ui.panels import gallery_items, panel_actions, panels_gallery, warn_truncated
from playground.ui.shared import Labs, Shared, cheap_event, checked_image, lab_call, model_event, seed_input
from playground.ui.sketch import checked_sketchpad
from playground.ui.tokens import prompt_box
from playground.ui.values import parse_list, seed_value
from playground.ui.words import lesson_text, say, w

SKETCH, UPLOAD = "Sketch", "Upload"  # the values the server gets (the labels are translated)
PAD = 384  # px: the sketch pad's side (the first drawing is scaled to it)


def control_source(kind, sketch, upload, request: gr.Request = None):
    """The image the control map is made from: the drawing, or the uploaded file."""
    if kind == UPLOAD:
        return checked_image(upload)
    if kind not in (SKETCH, UPLOAD):
        raise ValueError(say(request, "controlnet.error.kind", sketch=SKETCH, upload=UPLOAD, got=repr(str(kind)[:40])))
    composite = sketch.get("composite") if isinstance(sketch, dict) else sketch
    return sketch_to_image(composite)


def default_detector(choices, kind) -> str | None:
    """A drawing goes to the net trained on strokes (scribble), an upload to the preset's
    detector; the first the model has where it lacks that one."""
    preset = load_preset("controlnet")
    wanted = preset["sketch_detector"] if kind == SKETCH else preset["detector"]
    return wanted if wanted in choices else (choices[0] if choices else None)


def detector_labels(names) -> list[tuple]:
    """Radio choices for detector names: a translated label each, the name as the value."""
    return [(w(f"controlnet.detector.{name}"), name) for name in names]


def detector_choices(labs: Labs, model, kind=SKETCH) -> gr.Radio:
    """Detectors the picked model has a ControlNet for (depth/openpose need the hub)."""
    choices = labs.lab.detectors(model)
    return gr.Radio(choices=detector_labels(choices), value=default_detector(choices, kind))


def detector_for_source(labs: Labs, model, kind) -> gr.Radio:
    """Switching between the sketch pad and an upload picks that source's detector."""
    return gr.Radio(value=default_detector(labs.lab.detectors(model), kind))


def first_drawing(preset: dict) -> dict:
    """The pad's starting drawing (the preset's), so the first press has lines to follow."""
    drawing = Image.open(preset_picture(preset["sketch"])).convert("RGBA").resize((PAD, PAD), Image.Resampling.LANCZOS)
    return {"background": drawing, "layers": [], "composite": drawing}


def run_controlnet(labs: Labs, kind, sketch, upload, detector, scales, prompt, seed,
                   progress=gr.Progress(track_tqdm=True), request: gr.Request = None, **settings):
    image = control_source(kind, sketch, upload, request)
    lab, kw = lab_call(labs, settings)
    result = lab.controlnet(image, prompt, detector=detector, scales=parse_list(scales, "scales", float),
                            seed=seed_value(seed), **kw)
    warn_truncated(result)
    return result.control_map.image, gallery_items(result), list(result)


def build_tab(labs: Labs, shared: Shared, ex) -> dict | None:
    preset = load_preset("controlnet")
    gr.Markdown(lesson_text("intro", ex.id, preset, labs.lab.defaults()))
    with gr.Row():
        with gr.Column(scale=1):
            kind = gr.Radio([(w("controlnet.kind.sketch"), SKETCH), (w("controlnet.kind.upload"), UPLOAD)], value=SKETCH,
                            label=w("controlnet.kind.label"))
            # checked from the file headers before gradio decodes anything (ui/sketch.py)
            sketch = checked_sketchpad(value=first_drawing(preset), label=w("controlnet.sketch.label"),
                                       type="numpy", image_mode="RGBA",
                                       canvas_size=(PAD, PAD), height=PAD + 36,
                                       brush=gr.Brush(default_size=6, colors=["#000000"], color_mode="fixed"))
            upload = gr.File(label=w("controlnet.upload.label"), file_types=["image"], type="filepath", height=150)
        with gr.Column(scale=1):
            prompt = prompt_box(labs, ex.id, label=w("controlnet.prompt.label"), value=preset["prompt"], lines=2, max_length=PROMPT_MAX_CHARS)
            detector = gr.Radio(detector_labels(labs.lab.detectors()), value=default_detector(labs.lab.detectors(), SKETCH),
                                label=w("controlnet.detector.label"), info=w("controlnet.detector.info"))
            scales = gr.Textbox(label=w("controlnet.scales.label"),
                                value=", ".join(map(str, preset["scales"])))
            seed = seed_input(preset["seed"], ex.id)
            run = gr.Button(w("controlnet.run"), variant="primary")
            control_map = gr.Image(label=w("controlnet.map.label"), type="pil", format="png", interactive=False,
                                   height=256, elem_classes=["pixelated", "upscale"])
    gallery = panels_gallery(w("controlnet.gallery.label"), columns=3)
    panels = gr.State([])
    panel_actions(shared, gallery, panels, ex.id, send=ex.send)
    cheap_event(upload.upload, lambda _: gr.Radio(value=UPLOAD), upload, kind, api_name="controlnet_use_upload",
                api_visibility="private")
    cheap_event(shared.model.change, partial(detector_choices, labs), [shared.model, kind], detector,
                api_name="controlnet_detectors")
    cheap_event(kind.change, partial(detector_for_source, labs), [shared.model, kind], detector,
                api_name="controlnet_source_detector", api_visibility="private")
    model_event(shared, run.click, partial(run_controlnet, labs),
                [kind, sketch, upload, detector, scales, prompt, seed],
                [control_map, gallery, panels], api_name="controlnet",
                images=lambda kind, sketch, upload, detector, scales, *rest: len(parse_list(scales, "scales")))
    # restore (ui/restore.py) fills these from a dropped panel PNG that carries its control image
    return {"prompt": prompt, "seed": seed,
            "inputs": {"kind": kind, "sketch": sketch, "upload": upload, "detector": detector, "scales": scales}}
