"""Lesson 3, second half: the app learns which prompt variant you like (Thompson sampling)."""
from __future__ import annotations

from functools import partial

import gradio as gr

from playground.exercises.bandit import PromptBandit
from playground.fonts import cjk_font_path, needs_cjk
from playground.params import load_preset
from playground.ui.panels import gallery_items, panel_actions, panels_gallery
from playground.ui.shared import Labs, Shared, lab_call, model_event
from playground.ui.words import lesson_text, say, w



def cjk_font(text: str, size: float | None = None):
    """Noto Sans CJK for a Korean or Japanese text (matplotlib's DejaVu draws boxes); else None."""

    path = cjk_font_path()
    if not (path and needs_cjk(text)):
        return None
    from matplotlib.font_manager import FontProperties
    return FontProperties(fname=path, size=size)


def posterior_figure(bandit: PromptBandit, request: gr.Request = None):
    """Each variant's Beta posterior over P(like), labelled with its votes (matplotlib, no pyplot)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    xs, curves = bandit.posterior_curves(points=load_preset("bandit")["plot_points"])
    fig = Figure(figsize=(6.4, 4.6), layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    for i, (curve, post) in enumerate(zip(curves, bandit.posterior())):
        prompt = post["prompt"] if len(post["prompt"]) <= 38 else post["prompt"][:35] + "..."
        # matplotlib reads $...$ in a label as math: "$\\frac{$" would fail when the plot is drawn
        prompt = prompt.replace("$", r"\$")
        # untouched variants share the flat Beta(1, 1): dashes keep overlapping lines apart
        ax.plot(xs, curve, linestyle=("-", "--", "-.", ":")[i % 4], linewidth=2,
                label=say(request, "bandit.plot.legend", n=i + 1, prompt=prompt, likes=post["likes"],
                          dislikes=post["dislikes"]))
    # headroom over the highest curve: the first plot's flat Beta(1, 1) lines sat on the frame
    top = max(float(max(curve)) for curve in curves) * 1.15
    xlabel, ylabel = say(request, "bandit.plot.x"), say(request, "bandit.plot.y")
    ax.set(xlim=(0, 1), ylim=(0, top))
    ax.set_xlabel(xlabel, fontproperties=cjk_font(xlabel))
    ax.set_ylabel(ylabel, fontproperties=cjk_font(ylabel))
    # below the axes, never over the curves (inside, the first plot's flat lines ran under it)
    legend_font = cjk_font(" ".join(line.get_label() for line in ax.get_lines()), size=8)
    fig.legend(fontsize=8, loc="outside lower center", frameon=False, prop=legend_font)
    return fig


def history_rows(bandit: PromptBandit, request: gr.Request = None) -> list[list]:
    votes = {True: say(request, "bandit.vote.like"), False: say(request, "bandit.vote.dislike")}
    return [[n + 1, h["variant"] + 1, h["seed"], votes[bool(h["liked"])]] for n, h in enumerate(bandit.history)]


def status(bandit: PromptBandit, panel, request: gr.Request = None) -> str:
    best = max(bandit.posterior(), key=lambda p: p["mean"])
    votes = best["likes"] + best["dislikes"]
    return say(request, "bandit.status", round=len(bandit.history) + 1, variant=panel.params["variant"] + 1,
               seed=panel.params["seed"], best=best["variant"] + 1, mean=f"{best['mean']:.2f}",
               votes=say(request, "bandit.votes.one") if votes == 1 else say(request, "bandit.votes.many", n=votes))


def _round(labs: Labs, bandit: PromptBandit, settings, request: gr.Request = None):
    lab, kw = lab_call(labs, settings)
    panel = lab.bandit_round(bandit, **kw)
    return (gallery_items([panel]), [panel], bandit.to_dict(), status(bandit, panel, request),
            posterior_figure(bandit, request), history_rows(bandit, request))


def start_bandit(labs: Labs, variants, progress=gr.Progress(track_tqdm=True), request: gr.Request = None,
                 **settings):
    prompts = [v.strip() for v in str(variants or "").splitlines() if v.strip()]
    return _round(labs, PromptBandit(prompts), settings, request)


def vote(labs: Labs, liked: bool, state, current, progress=gr.Progress(track_tqdm=True),
         request: gr.Request = None, **settings):
    if not state or not current:
        raise ValueError(say(request, "bandit.error.no_round"))
    bandit = PromptBandit.from_dict(state)
    bandit.record(int(current[0].params["variant"]), liked, seed=int(current[0].params["seed"]))
    return _round(labs, bandit, settings, request)


def build_tab(labs: Labs, shared: Shared, ex) -> dict | None:
    preset = load_preset("bandit")
    gr.Markdown(lesson_text("intro", ex.id, preset, labs.lab.defaults()))
    variants = gr.Textbox(label=w("bandit.variants.label"), value="\n".join(preset["variants"]),
                          lines=4)
    start = gr.Button(w("bandit.start"), variant="primary")
    state, current = gr.State(None), gr.State([])
    with gr.Row():
        with gr.Column(scale=2):
            round_md = gr.Markdown(w("bandit.round.empty"))
            gallery = panels_gallery(w("bandit.gallery.label"), columns=1, height=360)
            with gr.Row():
                like = gr.Button(w("bandit.like"), variant="primary")
                dislike = gr.Button(w("bandit.dislike"), variant="stop")
        with gr.Column(scale=3):
            plot = gr.Plot(label=w("bandit.plot.label"), show_label=False)
            # gradio's frontend translates a Dataframe's label, not its headers: they stay English
            history = gr.Dataframe(headers=["round", "variant", "seed", "vote"], label=w("bandit.history.label"),
                                   interactive=False, max_height=220)
    panel_actions(shared, gallery, current, ex.id, send=ex.send)
    outs = [gallery, current, state, round_md, plot, history]
    model_event(shared, start.click, partial(start_bandit, labs), [variants], outs, api_name="bandit_start")
    model_event(shared, like.click, partial(vote, labs, True), [state, current], outs, api_name="bandit_like")
    model_event(shared, dislike.click, partial(vote, labs, False), [state, current], outs,
                api_name="bandit_dislike")
