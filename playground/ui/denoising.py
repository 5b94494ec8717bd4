"""Lesson 4: how one sample unfolds, as a film strip and an animated GIF."""
from __future__ import annotations

import gradio as gr
from PIL import Image

from playground import scratch
from playground.params import PROMPT_MAX_CHARS, load_preset
from playground.ui.panels import gallery_items, panel_actions, panels_gallery, warn_truncated
from playground.ui.shared import Labs, Shared, lab_call, model_event, seed_input
from playground.ui.tokens import prompt_box
from playground.ui.values import as_int, seed_value, slider
from playground.ui.words import lesson_text, w

GIF_SIDE = 256  # 128 px frames doubled (nearest) so the animation is big enough to read
STRIP_COLUMNS = 5  # 20 steps read as four rows of five, each cell large enough to see
FRAME_MS, LAST_FRAME_MS = 250, 1500  # linger on the finished image before the loop restarts


def save_gif(panels, side: int = GIF_SIDE) -> str:
    scale = max(1, side // max(panels[0].image.size))
    frames = [p.image.convert("RGB").resize((p.image.width * scale, p.image.height * scale), Image.Resampling.NEAREST)
              for p in panels]
    path = scratch.new_folder() / "denoising.gif"
    frames[0].save(path, save_all=True, append_images=frames[1:], loop=0,
                   duration=[FRAME_MS] * (len(frames) - 1) + [LAST_FRAME_MS])
    return str(path)


def run_trajectory(labs: Labs, prompt, seed, every, progress=gr.Progress(track_tqdm=True),
                   request: gr.Request = None, **settings):
    lab, kw = lab_call(labs, settings)
    panels = lab.trajectory(prompt, seed=seed_value(seed), every=as_int(every, "every"), **kw)
    warn_truncated(panels, request)
    columns = min(len(panels), STRIP_COLUMNS)
    return lab.compose(panels, columns=columns), save_gif(panels), gallery_items(panels), panels


def build_tab(labs: Labs, shared: Shared, ex) -> dict | None:
    preset, defaults = load_preset("denoising"), labs.lab.defaults()
    gr.Markdown(lesson_text("intro", ex.id, preset, defaults))
    with gr.Row():
        prompt = prompt_box(labs, ex.id, label=w("denoising.prompt.label"), value=preset["prompt"], lines=2, scale=3,
                            max_length=PROMPT_MAX_CHARS)
        seed = seed_input(preset["seed"], ex.id)
        every = gr.Slider(**slider(preset, "every"), value=preset["every"], label=w("denoising.every.label"))
    run = gr.Button(w("denoising.run"), variant="primary")
    strip = gr.Image(label=w("denoising.strip.label"), type="pil", format="png",
                     interactive=False, elem_classes=["pixelated", "upscale"])
    with gr.Row():
        gif = gr.Image(label=w("denoising.gif.label"), type="filepath", interactive=False, height=300,
                       elem_classes=["pixelated", "upscale"], scale=1)
        with gr.Column(scale=2):
            gallery = panels_gallery(w("denoising.gallery.label"), columns=5, height=300)
            panels = gr.State([])
            panel_actions(shared, gallery, panels, ex.id, send=ex.send)

    # a def, not functools.partial: gradio finds the gr.Request annotation only on a function
    def run_it(prompt, seed, every, progress=gr.Progress(track_tqdm=True), request: gr.Request = None, **settings):
        return run_trajectory(labs, prompt, seed, every, progress, request, **settings)

    model_event(shared, run.click, run_it, [prompt, seed, every],
                [strip, gif, gallery, panels], api_name="denoising")
    return {"prompt": prompt, "seed": seed}
