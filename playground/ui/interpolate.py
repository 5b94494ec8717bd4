"""Walks tab (lesson 10): frames between two seeds' noise (slerp or lerp), optionally two
prompts, as a strip and a GIF; and a variation, the same walk stopped after a small step.

Spacing "even" places the frames at equal steps of the picture: the exercise renders and halves
more points of t where it changes fast, up to the Renders slider's count in all. That count is
what the request cost cap, the queue's ETA and a ZeroGPU call's duration are told."""
from __future__ import annotations

from functools import partial

import gradio as gr

from playground.params import SEED_MAX, load_preset
from playground.ui.denoising import save_gif
from playground.ui.panels import gallery_items, panel_actions, panels_gallery, warn_truncated
from playground.ui.shared import Labs, Shared, info, lab_call, model_event
from playground.ui.tokens import prompt_box
from playground.ui.values import as_int, seed_value, slider
from playground.ui.words import lesson_text, say, w

# (label's text key, the value the server gets)
MODES = [("interpolate.mode.slerp", "slerp"), ("interpolate.mode.lerp", "lerp")]
SPACINGS = [("interpolate.spacing.even", "even"), ("interpolate.spacing.uniform", "uniform")]


def walk_images(frames, spacing, renders, request: gr.Request = None) -> int:
    """Images a walk request renders: its frames, or for an even walk its renders."""
    frames = as_int(frames, "frames")
    if spacing == "uniform":
        return frames
    renders = load_preset("interpolate")["renders"] if renders is None else as_int(renders, "renders")
    if renders < frames:
        raise ValueError(say(request, "interpolate.error.renders", frames=frames, renders=renders))
    return renders


def run_walk(labs: Labs, prompt, prompt_b, seed_a, seed_b, frames, mode, spacing="even", renders=None,
             progress=gr.Progress(track_tqdm=True), request: gr.Request = None, **settings):
    lab, kw = lab_call(labs, settings)
    frames = as_int(frames, "frames")
    budget = None if spacing == "uniform" else walk_images(frames, spacing, renders, request)
    panels = lab.interpolate(prompt, seeds=(seed_value(seed_a), seed_value(seed_b)), frames=frames, mode=mode,
                             prompt_b=str(prompt_b or "").strip() or None, spacing=spacing, budget=budget, **kw)
    warn_truncated(panels)
    if panels.cuts:  # the strip's uneven step is the sampler's, not the spacing's: say so
        info(say(request, "interpolate.jumps", count=len(panels.cuts)))
    return lab.compose(panels), save_gif(panels), gallery_items(panels), panels


def run_variation(labs: Labs, prompt, seed_a, seed_b, strength, progress=gr.Progress(track_tqdm=True), **settings):
    lab, kw = lab_call(labs, settings)
    own = lab.generate(prompt, seed=seed_value(seed_a), **kw)
    moved = lab.variation(prompt, seed_value(seed_a), seed_value(seed_b), float(strength), **kw)
    moved.caption = f"variation {float(strength):g} toward seed {moved.params['seed_b']}"
    panels = [own, moved]
    return gallery_items(panels), panels


def build_tab(labs: Labs, shared: Shared, ex) -> dict | None:
    preset = load_preset("interpolate")
    gr.Markdown(lesson_text("intro", ex.id, preset, labs.lab.defaults()))
    with gr.Row():
        prompt = prompt_box(labs, ex.id, label=w("interpolate.prompt.label"), value=preset["prompt"], lines=2, scale=3)
        prompt_b = prompt_box(labs, f"{ex.id}_b", label=w("interpolate.prompt_b.label"), value=preset["prompt_b"],
                              lines=2, scale=3)
    with gr.Row():
        seed_a = gr.Number(label=w("interpolate.seed_a.label"), value=preset["seeds"][0], precision=0,
                           minimum=0, maximum=SEED_MAX)
        seed_b = gr.Number(label=w("interpolate.seed_b.label"), value=preset["seeds"][1], precision=0, minimum=0, maximum=SEED_MAX)
        frames = gr.Slider(**slider(preset, "frames"), value=preset["frames"], label=w("interpolate.frames.label"))
        mode = gr.Radio([(w(key), value) for key, value in MODES], value=preset["mode"], label=w("interpolate.mode.label"))
        spacing = gr.Radio([(w(key), value) for key, value in SPACINGS], value=preset["spacing"],
                           label=w("interpolate.spacing.label"))
        renders = gr.Slider(**slider(preset, "renders"), value=preset["renders"],
                            label=w("interpolate.renders.label"))
    run = gr.Button(w("interpolate.run"), variant="primary")
    strip = gr.Image(label=w("interpolate.strip.label"), type="pil", format="png", interactive=False,
                     elem_classes=["pixelated", "upscale"])
    with gr.Row():
        gif = gr.Image(label=w("interpolate.gif.label"), type="filepath", interactive=False, height=300, scale=1,
                       elem_classes=["pixelated", "upscale"])
        with gr.Column(scale=2):
            gallery = panels_gallery(w("interpolate.gallery.label"), columns=4, height=300)
            panels = gr.State([])
            panel_actions(shared, gallery, panels, ex.id, send=ex.send)
    with gr.Accordion(w("interpolate.variation.title"), open=False):
        strength = gr.Slider(**slider(preset, "variation_strength"), value=preset["variation_strength"],
                             label=w("interpolate.strength.label"))
        vary = gr.Button(w("interpolate.vary"))
    model_event(shared, run.click, partial(run_walk, labs),
                [prompt, prompt_b, seed_a, seed_b, frames, mode, spacing, renders], [strip, gif, gallery, panels],
                api_name="interpolate",
                images=lambda prompt, prompt_b, a, b, frames, mode, spacing, renders: walk_images(frames, spacing, renders))
    model_event(shared, vary.click, partial(run_variation, labs), [prompt, seed_a, seed_b, strength],
                [gallery, panels], api_name="variation")
    return {"prompt": prompt, "seed": seed_a}
