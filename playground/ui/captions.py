"""Temperature lab tab (lesson 9): the world's caption model writes captions from a
start at several temperatures, and the image model renders each one under the same seed."""
from __future__ import annotations

from functools import partial

import gradio as gr

from playground.exercises.captions import Caption, label_panels
from playground.params import load_preset
from playground.texts import intro_text
from playground.ui.panels import gallery_items, panel_actions, panels_gallery, warn_truncated
from playground.ui.shared import Labs, Shared, lab_call, model_event, seed_input
from playground.ui.values import as_int, parse_list, seed_value, slider


def caption_table(results: list[Caption]) -> str:
    """The captions as a Markdown table: what the student compares before the images."""
    rows = ["| T | seed | caption | valid world scene? | word pairs never seen in training |",
            "|---|---|---|---|---|"]
    for c in results:
        verdict = "yes" if c.valid else f"no: {c.reason}"
        text = c.text.replace("|", "\\|")
        rows.append(f"| {c.temperature:g} | {c.seed} | {text} | {verdict} | {', '.join(c.unseen_pairs) or '-'} |")
    valid = sum(c.valid for c in results)
    rows.append(f"\n**{valid} of {len(results)}** captions describe a scene the world can hold.")
    return "\n".join(rows)


def image_count(start, temperatures, top_k, top_p, samples, seed) -> int:
    """How many images a request makes (the app's cost cap reads it): one per caption."""
    return len(parse_list(temperatures, "temperatures", float)) * as_int(samples, "samples")


def run_captions(labs: Labs, start, temperatures, top_k, top_p, samples, seed,
                 progress=gr.Progress(track_tqdm=True), **settings):
    lab, kw = lab_call(labs, settings)
    seed, top_k, top_p = seed_value(seed), as_int(top_k, "top_k"), float(top_p)
    results = lab.captions(start or "", temperatures=parse_list(temperatures, "temperatures", float),
                           top_k=top_k, top_p=top_p, seed=seed, samples=as_int(samples, "samples"))
    # one batched image call, one seed for every caption: only the words differ between images
    panels = lab.batch([c.text for c in results], [seed] * len(results), **kw)
    panels = label_panels(panels, results, top_k, top_p)
    warn_truncated(panels)
    return gallery_items(panels), panels, caption_table(results)


def build_tab(labs: Labs, shared: Shared, ex) -> dict | None:
    preset = load_preset("captions")
    gr.Markdown(intro_text(preset, labs.lab.defaults()))
    with gr.Row():
        start = gr.Textbox(label="Start (the model continues it; may be empty)", value=preset["start"],
                           lines=1, scale=3)
        temperatures = gr.Textbox(label="Temperatures (comma-separated, 0.05 to 2)",
                                  value=", ".join(f"{t:g}" for t in preset["temperatures"]), scale=2)
        seed = seed_input(preset["seed"], ex.id)
    with gr.Row():
        top_k = gr.Slider(**slider(preset, "top_k"), value=preset["top_k"], label="top-k (0 = off)")
        top_p = gr.Slider(**slider(preset, "top_p"), value=preset["top_p"], label="top-p (1 = off)")
        samples = gr.Slider(**slider(preset, "samples"), value=preset["samples"],
                            label="Captions per temperature")
    run = gr.Button("Write and render", variant="primary")
    table = gr.Markdown()
    gallery = panels_gallery("One caption per panel, one image seed", columns=preset["columns"])
    panels = gr.State([])
    panel_actions(shared, gallery, panels, ex.id, send=ex.send)
    gr.Examples(preset["examples"], [start, temperatures, top_k, top_p], label="Starts and knobs to try")
    model_event(shared, run.click, partial(run_captions, labs), [start, temperatures, top_k, top_p, samples, seed],
                [gallery, panels, table], api_name="captions", images=image_count)
    return {"prompt": start, "seed": seed}
