"""Lesson 1: many seeds of one prompt, and what the grid says about the model's prior."""
from __future__ import annotations

from functools import partial

import gradio as gr

from playground import stats
from playground.params import PROMPT_MAX_CHARS, SEED_MAX, load_preset
from playground.texts import intro_text
from playground.ui.panels import gallery_items, panel_actions, panels_gallery, warn_truncated
from playground.ui.shared import Labs, Shared, lab_call, model_event
from playground.ui.tokens import prompt_box
from playground.ui.values import as_int, int_item, parse_list, slider

RANDOM, TYPED = "Random seeds", "Typed list"
GRID_HEIGHT = 620  # two rows of four 128 px images at about 2x


def summary(st: dict) -> str:
    """The grid's numbers in words a student can quote."""
    b, c = st["brightness"], st["colourfulness"]
    lines = [f"**{st['count']} images.** Brightness {b['mean']:.2f} ± {b['std']:.2f} (0 black, 1 white); "
             f"colourfulness {c['mean']:.0f} ± {c['std']:.0f} ({c['label']})."]
    if st.get("diversity_rmse") is not None:
        ssim = f", mean pairwise SSIM {st['mean_ssim']:.2f}" if st.get("mean_ssim") is not None else ""
        lines.append(f"Diversity: mean pairwise distance {st['diversity_rmse']:.3f}{ssim} "
                     "(compare a vague and a detailed prompt).")
    return "\n\n".join(lines)


def prior_plot(lab, prompt: str, panels):
    """For the embedded model: the open attribute's shares next to the world's truth."""
    if lab.family != "embedded":
        return gr.Plot(visible=False), ""
    try:
        result = lab.prior(prompt, panels)
    except ValueError as e:  # every attribute named, or no classifier: say why, keep the grid
        return gr.Plot(visible=False), f"*Prior comparison not shown: {e}*"
    fig = stats.prior_comparison_plot(result["observed"], result["truth"],
                                      title=f"{result['attribute']}: this grid vs the world's prior")
    note = (f"The prompt leaves **{result['attribute']}** open. Largest gap to the world's true share: "
            f"**{result['gap']:.0f} points** (with {len(panels)} seeds, ±{100 / len(panels) ** 0.5:.0f} is luck).")
    return gr.Plot(fig, visible=True), note


def grid_size(prompt, mode, count, seeds) -> int:
    """How many images a request makes: the typed seeds, or the random count."""
    return len(parse_list(seeds, "seeds", int_item)) if mode == TYPED else as_int(count, "count")


def run_seed_grid(labs: Labs, prompt, mode, count, seeds, progress=gr.Progress(track_tqdm=True), **settings):
    lab, kw = lab_call(labs, settings)
    typed = parse_list(seeds, "seeds", int_item) if mode == TYPED else None
    panels = lab.seed_grid(prompt, seeds=typed, count=as_int(count, "count"), **kw)
    warn_truncated(panels)
    st = stats.grid_stats(panels)
    plot, note = prior_plot(lab, prompt, panels)
    used = ", ".join(str(p.params["seed"]) for p in panels)
    return (gallery_items(panels), panels, used, stats.palette_plot(st["palette"]), stats.histogram_plot(st),
            summary(st), plot, note)


def build_tab(labs: Labs, shared: Shared, ex) -> dict | None:
    preset = load_preset("seed_grid")
    gr.Markdown(intro_text(preset, labs.lab.defaults()))
    with gr.Row():
        prompt = prompt_box(labs, ex.id, label="Prompt", value=preset["prompt"], lines=1, scale=3, max_length=PROMPT_MAX_CHARS)
        mode = gr.Radio([RANDOM, TYPED], value=RANDOM, label="Seeds", scale=1)
    with gr.Row():
        count = gr.Slider(**slider(preset, "count"), value=preset["count"], label="How many random seeds")
        seeds = gr.Textbox(label=f"Seeds used (or type your own, 0 to {SEED_MAX}, comma-separated)",
                           placeholder="e.g. 0, 1, 2, 3, 4, 5, 6, 7", scale=2)
    run = gr.Button("Run seed grid", variant="primary")
    gallery = panels_gallery("Seed grid", columns=preset["columns"], height=GRID_HEIGHT)
    panels = gr.State([])
    panel_actions(shared, gallery, panels, ex.id, send=ex.send)
    summary_md = gr.Markdown()
    with gr.Row():
        palette = gr.Plot(label="Dominant colours", show_label=False)
        histogram = gr.Plot(label="Brightness and colourfulness", show_label=False)
    prior_note = gr.Markdown()
    prior = gr.Plot(label="Prior: grid vs world", visible=False, show_label=False)
    gr.Examples([[p] for p in load_preset("xy_grid")["y_values"]], [prompt], label="A vague and a detailed prompt")
    model_event(shared, run.click, partial(run_seed_grid, labs), [prompt, mode, count, seeds],
                [gallery, panels, seeds, palette, histogram, summary_md, prior, prior_note], api_name="seed_grid",
                images=grid_size)
    return {"prompt": prompt, "seed": None}
