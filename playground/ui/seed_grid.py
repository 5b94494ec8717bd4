"""Lesson 1: many seeds of one prompt, and what the grid says about the model's prior."""
from __future__ import annotations

from functools import partial

import gradio as gr

from playground import stats
from playground.fonts import cjk_font_path, needs_cjk
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


def cjk_title(fig) -> None:
    """A Korean or Japanese title set in Noto Sans CJK (matplotlib's DejaVu draws boxes)."""

    path = cjk_font_path()
    for ax in fig.axes:
        if path and needs_cjk(ax.get_title()):
            from matplotlib.font_manager import FontProperties
            ax.title.set_fontproperties(FontProperties(fname=path, size=ax.title.get_fontsize()))


def prior_plot(lab, prompt: str, panels, request: gr.Request = None):
    """For the embedded model: the open attribute's shares next to the world's truth."""
    if lab.family != "embedded":
        return gr.Plot(visible=False), ""
    try:
        result = lab.prior(prompt, panels)
    except ValueError as e:  # every attribute named, or no classifier: say why, keep the grid
        return gr.Plot(visible=False), say(request, "seed_grid.prior.not_shown", error=e)
    fig = stats.prior_comparison_plot(result["observed"], result["truth"],
                                      title=say(request, "seed_grid.prior.title", attribute=result["attribute"]))
    cjk_title(fig)
    note = say(request, "seed_grid.prior.note", attribute=result["attribute"], gap=f"{result['gap']:.0f}",
               seeds=len(panels), luck=f"{100 / len(panels) ** 0.5:.0f}")
    return gr.Plot(fig, visible=True), note


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
    return (gallery_items(panels), panels, used, stats.palette_plot(st["palette"]), stats.histogram_plot(st),
            summary(st, request), plot, note)


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
    with gr.Row():
        palette = gr.Plot(label=w("seed_grid.palette.label"), show_label=False)
        histogram = gr.Plot(label=w("seed_grid.histogram.label"), show_label=False)
    prior_note = gr.Markdown()
    prior = gr.Plot(label=w("seed_grid.prior.label"), visible=False, show_label=False)
    gr.Examples([[p] for p in load_preset("xy_grid")["y_values"]], [prompt], label=w("seed_grid.examples.label"))
    model_event(shared, run.click, partial(run_seed_grid, labs), [prompt, mode, count, seeds],
                [gallery, panels, seeds, palette, histogram, summary_md, prior, prior_note], api_name="seed_grid",
                images=grid_size)
    return {"prompt": prompt, "seed": None}
