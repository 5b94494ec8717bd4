"""Temperature lab tab (lesson 9): the world's caption model writes captions from a
start at several temperatures, and the image model renders each one under the same seed."""
from __future__ import annotations

from functools import partial

import gradio as gr

from playground.exercises.captions import Caption, label_panels
from playground.params import load_preset
from playground.ui.panels import gallery_items, panel_actions, panels_gallery, warn_truncated
from playground.ui.shared import Labs, Shared, lab_call, model_event, seed_input
from playground.ui.values import as_int, parse_list, seed_value, slider
from playground.ui.words import lesson_text, say, w


def caption_table(results: list[Caption], request: gr.Request = None) -> str:
    """The captions as a Markdown table: what the student compares before the images (the
    reasons a caption is not a valid scene are the core's, in English)."""
    rows = [say(request, "captions.table.header"), "|---|---|---|---|---|"]
    for c in results:
        verdict = say(request, "captions.table.yes") if c.valid else say(request, "captions.table.no", reason=c.reason)
        text = c.text.replace("|", "\\|")
        rows.append(f"| {c.temperature:g} | {c.seed} | {text} | {verdict} | {', '.join(c.unseen_pairs) or '-'} |")
    valid = sum(c.valid for c in results)
    rows.append("\n" + say(request, "captions.table.valid", valid=valid, total=len(results)))
    return "\n".join(rows)


def image_count(start, temperatures, top_k, top_p, samples, seed) -> int:
    """How many images a request makes (the app's cost cap reads it): one per caption."""
    return len(parse_list(temperatures, "temperatures", float)) * as_int(samples, "samples")


def run_captions(labs: Labs, start, temperatures, top_k, top_p, samples, seed,
                 progress=gr.Progress(track_tqdm=True), request: gr.Request = None, **settings):
    lab, kw = lab_call(labs, settings)
    seed, top_k, top_p = seed_value(seed), as_int(top_k, "top_k"), float(top_p)
    results = lab.captions(start or "", temperatures=parse_list(temperatures, "temperatures", float),
                           top_k=top_k, top_p=top_p, seed=seed, samples=as_int(samples, "samples"))
    # one batched image call, one seed for every caption: only the words differ between images
    panels = lab.batch([c.text for c in results], [seed] * len(results), **kw)
    panels = label_panels(panels, results, top_k, top_p)
    warn_truncated(panels, request)
    return gallery_items(panels), panels, caption_table(results, request)


def build_tab(labs: Labs, shared: Shared, ex) -> dict | None:
    preset = load_preset("captions")
    gr.Markdown(lesson_text("intro", ex.id, preset, labs.lab.defaults()))
    with gr.Row():
        start = gr.Textbox(label=w("captions.start.label"), value=preset["start"],
                           lines=1, scale=3)
        temperatures = gr.Textbox(label=w("captions.temperatures.label"),
                                  value=", ".join(f"{t:g}" for t in preset["temperatures"]), scale=2)
        seed = seed_input(preset["seed"], ex.id)
    with gr.Row():
        top_k = gr.Slider(**slider(preset, "top_k"), value=preset["top_k"], label=w("captions.top_k.label"))
        top_p = gr.Slider(**slider(preset, "top_p"), value=preset["top_p"], label=w("captions.top_p.label"))
        samples = gr.Slider(**slider(preset, "samples"), value=preset["samples"],
                            label=w("captions.samples.label"))
    run = gr.Button(w("captions.run"), variant="primary")
    table = gr.Markdown()
    gallery = panels_gallery(w("captions.gallery.label"), columns=preset["columns"])
    panels = gr.State([])
    panel_actions(shared, gallery, panels, ex.id, send=ex.send)
    gr.Examples(preset["examples"], [start, temperatures, top_k, top_p], label=w("captions.examples.label"))
    model_event(shared, run.click, partial(run_captions, labs), [start, temperatures, top_k, top_p, samples, seed],
                [gallery, panels, table], api_name="captions", images=image_count)
    return {"prompt": start, "seed": seed}
