"""Lesson 3, second half: the app learns which prompt variant you like (Thompson sampling)."""
from __future__ import annotations

from functools import partial

import gradio as gr

from playground.exercises.bandit import PromptBandit
from playground.params import load_preset
from playground.texts import intro_text
from playground.ui.panels import gallery_items, panel_actions, panels_gallery
from playground.ui.shared import Labs, Shared, lab_call, model_event



def posterior_figure(bandit: PromptBandit):
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
                label=f"{i + 1}: {prompt}  ({post['likes']} like, {post['dislikes']} dislike)")
    # headroom over the highest curve: the first plot's flat Beta(1, 1) lines sat on the frame
    top = max(float(max(curve)) for curve in curves) * 1.15
    ax.set(xlabel="P(like)", ylabel="posterior density", xlim=(0, 1), ylim=(0, top))
    # below the axes, never over the curves (inside, the first plot's flat lines ran under it)
    fig.legend(fontsize=8, loc="outside lower center", frameon=False)
    return fig


def history_rows(bandit: PromptBandit) -> list[list]:
    return [[n + 1, h["variant"] + 1, h["seed"], "like" if h["liked"] else "dislike"]
            for n, h in enumerate(bandit.history)]


def status(bandit: PromptBandit, panel) -> str:
    best = max(bandit.posterior(), key=lambda p: p["mean"])
    votes = best["likes"] + best["dislikes"]
    return (f"**Round {len(bandit.history) + 1}:** variant {panel.params['variant'] + 1}, seed "
            f"{panel.params['seed']}. Like or dislike it. Best so far: variant {best['variant'] + 1} "
            f"(P(like) ≈ {best['mean']:.2f} after {votes} vote{'' if votes == 1 else 's'}).")


def _round(labs: Labs, bandit: PromptBandit, settings):
    lab, kw = lab_call(labs, settings)
    panel = lab.bandit_round(bandit, **kw)
    return (gallery_items([panel]), [panel], bandit.to_dict(), status(bandit, panel),
            posterior_figure(bandit), history_rows(bandit))


def start_bandit(labs: Labs, variants, progress=gr.Progress(track_tqdm=True), **settings):
    prompts = [v.strip() for v in str(variants or "").splitlines() if v.strip()]
    return _round(labs, PromptBandit(prompts), settings)


def vote(labs: Labs, liked: bool, state, current, progress=gr.Progress(track_tqdm=True), **settings):
    if not state or not current:
        raise ValueError("no round to judge: press Start first")
    bandit = PromptBandit.from_dict(state)
    bandit.record(int(current[0].params["variant"]), liked, seed=int(current[0].params["seed"]))
    return _round(labs, bandit, settings)


def build_tab(labs: Labs, shared: Shared, ex) -> dict | None:
    preset = load_preset("bandit")
    gr.Markdown(intro_text(preset, labs.lab.defaults()))
    variants = gr.Textbox(label="Prompt variants (2 or more, one per line)", value="\n".join(preset["variants"]),
                          lines=4)
    start = gr.Button("Start / reset", variant="primary")
    state, current = gr.State(None), gr.State([])
    with gr.Row():
        with gr.Column(scale=2):
            round_md = gr.Markdown("Press **Start / reset** to draw the first round.")
            gallery = panels_gallery("This round", columns=1, height=360)
            with gr.Row():
                like = gr.Button("Like", variant="primary")
                dislike = gr.Button("Dislike", variant="stop")
        with gr.Column(scale=3):
            plot = gr.Plot(label="Posterior per variant", show_label=False)
            history = gr.Dataframe(headers=["round", "variant", "seed", "vote"], label="History",
                                   interactive=False, max_height=220)
    panel_actions(shared, gallery, current, ex.id, send=ex.send)
    outs = [gallery, current, state, round_md, plot, history]
    model_event(shared, start.click, partial(start_bandit, labs), [variants], outs, api_name="bandit_start")
    model_event(shared, like.click, partial(vote, labs, True), [state, current], outs, api_name="bandit_like")
    model_event(shared, dislike.click, partial(vote, labs, False), [state, current], outs,
                api_name="bandit_dislike")
