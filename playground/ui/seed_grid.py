"""Lesson 1: many seeds of one prompt, and what the grid says about the model's prior."""
from __future__ import annotations

import json
from functools import partial

import gradio as gr
from gradio.components.plot import PlotData

from playground import charts, stats
from playground.params import PROMPT_MAX_CHARS, load_preset
from playground.ui.panels import gallery_items, panel_actions, panels_gallery, warn_truncated
from playground.ui.shared import Labs, Shared, lab_call, model_event
from playground.ui.tokens import prompt_box
from playground.ui.values import as_int, int_item, parse_list, slider
from playground.ui.words import lesson_text, say, w

RANDOM, TYPED = "Random seeds", "Typed list"  # the values the server gets (the API's words); labels: MODES
MODES = [(w("seed_grid.mode.random"), RANDOM), (w("seed_grid.mode.typed"), TYPED)]
# stats.COLOURFULNESS_LABELS' words, by their English text (a new one shows in English)
COLOURFULNESS = {"not colourful": "not", "slightly colourful": "slightly", "moderately colourful": "moderately",
                 "averagely colourful": "averagely", "quite colourful": "quite", "highly colourful": "highly",
                 "extremely colourful": "extremely"}
GRID_HEIGHT = 620  # two rows of four 128 px images at about 2x
MIN_CHART = 320  # px: a phone shows the two histograms one above the other, axis titles whole


def summary(st: dict, request: gr.Request = None) -> str:
    """The grid's numbers in words a student can quote (in the request's language)."""
    b, c = st["brightness"], st["colourfulness"]
    label = COLOURFULNESS.get(c["label"])
    label = say(request, f"seed_grid.colourfulness.{label}") if label else c["label"]
    lines = [say(request, "seed_grid.summary.counts", count=st["count"], b_mean=f"{b['mean']:.2f}",
                 b_std=f"{b['std']:.2f}", c_mean=f"{c['mean']:.0f}", c_std=f"{c['std']:.0f}", c_label=label)]
    if st.get("diversity_rmse") is not None:
        ssim = (say(request, "seed_grid.summary.ssim", ssim=f"{st['mean_ssim']:.2f}")
                if st.get("mean_ssim") is not None else "")
        lines.append(say(request, "seed_grid.summary.diversity", rmse=f"{st['diversity_rmse']:.3f}", ssim=ssim))
    return "\n\n".join(lines)


def chart(spec: dict) -> PlotData:
    """A Vega-Lite spec for gr.Plot, which draws it in the browser (playground/charts.py: why)."""
    return PlotData(type="altair", plot=json.dumps(spec))


def grid_charts(st: dict, request: gr.Request = None) -> tuple[PlotData, PlotData, PlotData]:
    """The palette and the brightness and colourfulness histograms, labelled in the request's language."""
    colour = st["colourfulness"]["per_image"]
    images = say(request, "seed_grid.histogram.images")
    return (chart(charts.palette_spec(st["palette"], say(request, "seed_grid.palette.label"))),
            chart(charts.histogram_spec(st["brightness"]["per_image"], 1.0, colour="#777777", y_title=images,
                                        title=say(request, "seed_grid.histogram.brightness"))),
            # 120 holds every colourfulness label's range (stats.COLOURFULNESS_LABELS); beyond, the data's
            chart(charts.histogram_spec(colour, max(120.0, max(colour) * 1.05), colour="#cc6633", y_title=images,
                                        title=say(request, "seed_grid.histogram.colourfulness"))))


def prior_plot(lab, prompt: str, panels, request: gr.Request = None):
    """For the embedded model: the open attribute's shares next to the world's truth."""
    if lab.family != "embedded":
        return gr.Plot(visible=False), ""
    try:
        result = lab.prior(prompt, panels)
    except ValueError as e:  # every attribute named, or no classifier: say why, keep the grid
        return gr.Plot(visible=False), say(request, "seed_grid.prior.not_shown", error=e)
    spec = charts.prior_spec(result["observed"], result["truth"],
                             title=say(request, "seed_grid.prior.title", attribute=result["attribute"]),
                             names=(say(request, "seed_grid.prior.observed"), say(request, "seed_grid.prior.truth")),
                             y_title=say(request, "seed_grid.prior.share"))
    note = say(request, "seed_grid.prior.note", attribute=result["attribute"], gap=f"{result['gap']:.0f}",
               seeds=len(panels), luck=f"{100 / len(panels) ** 0.5:.0f}")
    return gr.Plot(chart(spec), visible=True), note


def grid_size(prompt, mode, count, seeds) -> int:
    """How many images a request makes: the typed seeds, or the random count."""
    return len(parse_list(seeds, "seeds", int_item)) if mode == TYPED else as_int(count, "count")


def run_seed_grid(labs: Labs, prompt, mode, count, seeds, progress=gr.Progress(track_tqdm=True),
                  request: gr.Request = None, **settings):
    lab, kw = lab_call(labs, settings)
    typed = parse_list(seeds, "seeds", int_item) if mode == TYPED else None
    panels = lab.seed_grid(prompt, seeds=typed, count=as_int(count, "count"), **kw)
    warn_truncated(panels, request)
    st = stats.grid_stats(panels)
    plot, note = prior_plot(lab, prompt, panels, request)
    used = ", ".join(str(p.params["seed"]) for p in panels)
    return (gallery_items(panels), panels, used, *grid_charts(st, request), summary(st, request), plot, note)


def build_tab(labs: Labs, shared: Shared, ex) -> dict | None:
    preset = load_preset("seed_grid")
    gr.Markdown(lesson_text("intro", ex.id, preset, labs.lab.defaults()))
    with gr.Row():
        prompt = prompt_box(labs, ex.id, label=w("seed_grid.prompt.label"), value=preset["prompt"], lines=1, scale=3,
                            max_length=PROMPT_MAX_CHARS)
        mode = gr.Radio(MODES, value=RANDOM, label=w("seed_grid.mode.label"), scale=1)
    with gr.Row():
        count = gr.Slider(**slider(preset, "count"), value=preset["count"], label=w("seed_grid.count.label"))
        # the label writes SEED_MAX out in each language (presets/i18n/<lang>/seed_grid.yaml)
        seeds = gr.Textbox(label=w("seed_grid.seeds.label"), placeholder=w("seed_grid.seeds.placeholder"), scale=2)
    run = gr.Button(w("seed_grid.run"), variant="primary")
    gallery = panels_gallery(w("seed_grid.gallery.label"), columns=preset["columns"], height=GRID_HEIGHT)
    panels = gr.State([])
    panel_actions(shared, gallery, panels, ex.id, send=ex.send)
    summary_md = gr.Markdown()
    palette = gr.Plot(label=w("seed_grid.palette.label"), show_label=False, elem_classes="lab-chart")
    with gr.Row():
        brightness = gr.Plot(label=w("seed_grid.histogram.brightness"), show_label=False, elem_classes="lab-chart",
                             min_width=MIN_CHART)
        colourfulness = gr.Plot(label=w("seed_grid.histogram.colourfulness"), show_label=False,
                                elem_classes="lab-chart", min_width=MIN_CHART)
    prior_note = gr.Markdown()
    prior = gr.Plot(label=w("seed_grid.prior.label"), visible=False, show_label=False, elem_classes="lab-chart")
    gr.Examples([[p] for p in load_preset("xy_grid")["y_values"]], [prompt], label=w("seed_grid.examples.label"))
    model_event(shared, run.click, partial(run_seed_grid, labs), [prompt, mode, count, seeds],
                [gallery, panels, seeds, palette, brightness, colourfulness, summary_md, prior, prior_note],
                api_name="seed_grid", images=grid_size)
    return {"prompt": prompt, "seed": None}
