"""Lesson 6: image-to-image at several strengths, each panel saying how much survived."""
from __future__ import annotations

from functools import partial

import gradio as gr

from playground.exercises.common import fit_image
from playground.params import PROMPT_MAX_CHARS, load_preset, preset_picture
from playground.ui.panels import gallery_items, panel_actions, panels_gallery, warn_truncated
from playground.ui.shared import Labs, Shared, cheap_event, checked_image, lab_call, model_event, seed_input
from playground.ui.tokens import prompt_box
from playground.ui.values import as_int, parse_list, seed_value
from playground.ui.words import lesson_text, w



def preview_upload(path, width, height):
    """Shown as soon as a file lands (a bad upload is refused before anyone presses Run), cropped
    and resized as the pipeline will get it: the crop is part of what "survives"."""
    if not path:
        return None
    return fit_image(checked_image(path), as_int(width, "width"), as_int(height, "height"))


def run_img2img(labs: Labs, source, prompt, strengths, seed, progress=gr.Progress(track_tqdm=True), **settings):
    image = checked_image(source)
    lab, kw = lab_call(labs, settings)
    panels = lab.img2img_strength(image, prompt, strengths=parse_list(strengths, "strengths", float),
                                  seed=seed_value(seed), **kw)
    warn_truncated(panels)
    return gallery_items(panels), panels


def build_tab(labs: Labs, shared: Shared, ex) -> dict | None:
    preset = load_preset("img2img")
    gr.Markdown(lesson_text("intro", ex.id, preset, labs.lab.defaults()))
    with gr.Row():
        with gr.Column(scale=1):
            shared.img2img_source.render()
            d = labs.lab.defaults()  # the first press's picture, shown as the model will get it
            preview = gr.Image(preview_upload(preset_picture(preset["picture"]), d["width"], d["height"]),
                               label=w("img2img.preview.label"), type="pil",
                               format="png", interactive=False, height=256, elem_classes=["pixelated", "upscale"])
        with gr.Column(scale=2):
            prompt = prompt_box(labs, ex.id, label=w("img2img.prompt.label"), value=preset["prompt"], lines=2, max_length=PROMPT_MAX_CHARS)
            strengths = gr.Textbox(label=w("img2img.strengths.label"),
                                   value=", ".join(map(str, preset["strengths"])))
            seed = seed_input(preset["seed"], ex.id)
            run = gr.Button(w("img2img.run"), variant="primary")
    gallery = panels_gallery(w("img2img.gallery.label"), columns=3)
    panels = gr.State([])
    panel_actions(shared, gallery, panels, ex.id, send=ex.send)
    cheap_event(shared.img2img_source.change, preview_upload, [shared.img2img_source, shared.width, shared.height],
                preview, api_name="img2img_check_upload", decodes=True)
    model_event(shared, run.click, partial(run_img2img, labs), [shared.img2img_source, prompt, strengths, seed],
                [gallery, panels], api_name="img2img",
                images=lambda source, prompt, strengths, seed: len(parse_list(strengths, "strengths")))
    return {"prompt": prompt, "seed": seed}
