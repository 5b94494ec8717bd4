"""Tab 9 (exercise 7): the session's panels, a composed piece with a statement, export, restore."""
from __future__ import annotations

import tempfile
from functools import partial
from pathlib import Path

import gradio as gr

from playground.export import export_all
from playground.panels import compose, read_params
from playground.uploads import load_image
from playground.ui.panels import portfolio_view
from playground.ui.shared import Labs, SETTINGS, Shared, cheap_event

TAB_ID, TITLE = "portfolio", "Portfolio"
STATEMENT_WORDS = 150  # LAB.md exercise 7: a ~150-word artist's statement


def picked_panels(portfolio, picked):
    if not portfolio:
        raise ValueError("the portfolio is empty: use 'Add to portfolio' under any panel first")
    picked = sorted(int(i) for i in (picked or []))
    if not picked:
        raise ValueError("pick at least one panel (three make a triptych)")
    bad = [i + 1 for i in picked if not 0 <= i < len(portfolio)]
    if bad:
        raise ValueError(f"picked panels must be in 1..{len(portfolio)}, got {bad}")
    return [portfolio[i] for i in picked]


def word_count(statement) -> str:
    n = len(str(statement or "").split())
    return f"{n} words (aim for about {STATEMENT_WORDS})"


def preview_piece(portfolio, picked, title, statement):
    return compose(picked_panels(portfolio, picked), title=title or None, statement=statement or None)


def export_piece(portfolio, picked, title, statement):
    """PNG (with the `parameters` chunk), PDF and ZIP of the picked panels, ready to download."""
    panels = picked_panels(portfolio, picked)
    files = export_all(panels, Path(tempfile.mkdtemp(prefix="playground-")), title or None, statement or None)
    piece = compose(panels, title=title or None, statement=statement or None)
    return piece, [str(files[k]) for k in ("png", "pdf", "zip")]


def remove_picked(portfolio, picked):
    drop = {int(i) for i in (picked or [])}
    if not drop:
        raise ValueError("pick the panels to remove first")
    return portfolio_view([p for i, p in enumerate(portfolio or []) if i not in drop])


def read_saved(path):
    """Settings of a dropped PNG (ours or AUTOMATIC1111's), checked like any upload first."""
    load_image(path)  # refuses bombs, non-images and damaged files before reading chunks
    return read_params(path)


def restore(shared: Shared, params, target):
    """Values for every restore target (only the chosen tab changes), the settings, the tab."""
    if not params:
        raise ValueError("drop a saved PNG first")
    out = []
    for tab_id, widgets in shared.restore_targets.items():
        mine = tab_id == target
        out.append(gr.update(value=params["prompt"]) if mine and params.get("prompt") else gr.update())
        if widgets["seed"] is not None:
            out.append(gr.update(value=params["seed"]) if mine and params.get("seed") is not None else gr.update())
    for name in SETTINGS:
        out.append(gr.update(value=params[name]) if params.get(name) not in (None, "") else gr.update())
    if params.get("model") and params["model"] not in _model_ids(shared):
        gr.Warning(f"This image was made with {params['model']}, which is not in the model list; "
                   "its settings are restored for the current model.")
        out[-len(SETTINGS)] = gr.update()
    out.append(gr.Tabs(selected=target))
    return out


def _model_ids(shared: Shared) -> set:
    return set(shared.labs.lab.models())


def build_tab(labs: Labs, shared: Shared) -> None:
    gr.Markdown("**The portfolio triptych.** Pick three panels, give the piece a title and a ~150-word "
                "artist's statement, and export it: a PNG that carries every setting, a PDF, and a ZIP of "
                "the panels with a JSON of all parameters. The portfolio lives in this browser session.")
    shared.portfolio_gallery.render()
    picked = shared.picked.render()
    with gr.Row():
        title = gr.Textbox(label="Title", placeholder="e.g. Three guidance scales", scale=1,
                           elem_id="portfolio-title")
        with gr.Column(scale=2):
            statement = gr.Textbox(label="Artist's statement", lines=5, elem_id="portfolio-statement",
                                   placeholder="What you tried, what changed, what it taught you.")
            words = gr.Markdown(word_count(""))
    with gr.Row():
        preview = gr.Button("Preview piece")
        export = gr.Button("Export PNG, PDF and ZIP", variant="primary")
        remove = gr.Button("Remove picked panels", variant="stop")
    piece = gr.Image(label="The piece", type="pil", format="png", interactive=False,
                     elem_classes=["pixelated", "upscale"])
    downloads = gr.File(label="Downloads", file_count="multiple", interactive=False, elem_id="portfolio-downloads",
                        height=160)
    with gr.Accordion("Restore settings from a saved PNG (ours or AUTOMATIC1111's)", open=False):
        with gr.Row():
            dropped = gr.File(label="Drop a PNG", file_types=["image"], type="filepath", height=120)
            with gr.Column():
                found = gr.JSON(label="Settings found")
                target = gr.Dropdown([(tab.replace("_", " "), tab) for tab in shared.restore_targets],
                                     value="triptych", label="Restore into tab")
                restore_btn = gr.Button("Restore settings")

    cheap_event(statement.change, word_count, statement, words, api_name="statement_words", api_visibility="private")
    cheap_event(preview.click, preview_piece, [shared.portfolio, picked, title, statement], piece,
                api_name="portfolio_preview")
    cheap_event(export.click, export_piece, [shared.portfolio, picked, title, statement], [piece, downloads],
                api_name="portfolio_export")
    cheap_event(remove.click, remove_picked, [shared.portfolio, picked], shared.portfolio_outputs,
                api_name="portfolio_remove")
    cheap_event(dropped.upload, read_saved, dropped, found, api_name="read_params")
    outputs = []
    for widgets in shared.restore_targets.values():
        outputs += [w for w in (widgets["prompt"], widgets["seed"]) if w is not None]
    cheap_event(restore_btn.click, partial(restore, shared), [found, target],
                [*outputs, *shared.settings, shared.tabs],
                api_name="restore_settings")
