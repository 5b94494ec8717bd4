"""Panels in the UI: galleries that show them, the portfolio they go to, the buttons under them."""
from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Sequence

import gradio as gr

from playground.panels import Panel
from playground.ui.shared import Shared, cheap_event

# Panels held per session: 48 x 128 px is nothing, 48 x 1024 px RGB is 150 MB; say no beyond.
PORTFOLIO_MAX = 48
# 128 px panels shown ~3x larger, crisp (see CSS): students must see what the model drew.
GALLERY_HEIGHT = 460
# Where "Send selected to Image to image" goes: img2img.TAB_ID (that module imports this one).
SEND_TO_TAB = "img2img"


def gallery_items(panels: Sequence[Panel]) -> list[tuple]:
    return [(p.image, p.caption) for p in panels]


def warn_truncated(panels: Sequence[Panel]) -> None:
    """The core records prompt text the encoder never saw; a toast tells the student."""
    for cut in dict.fromkeys(p.params.get("truncated") for p in panels if p.params.get("truncated")):
        gr.Warning(f"The prompt is longer than the text encoder takes; it did not see: “{cut}”")


def add_to_portfolio(portfolio: list, panels: Sequence[Panel]) -> list:
    """A new list (gr.State values are per session and replaced, never shared)."""
    if not panels:
        raise ValueError("nothing to add: generate panels first (or click one to select it)")
    if len(portfolio or []) + len(panels) > PORTFOLIO_MAX:
        raise ValueError(f"the portfolio holds at most {PORTFOLIO_MAX} panels; it has "
                         f"{len(portfolio)}: remove some before adding {len(panels)}")
    gr.Info(f"Added {len(panels)} panel{'s' if len(panels) > 1 else ''} to the portfolio")
    return list(portfolio or []) + list(panels)


def with_notes(panels: Sequence[Panel], notes: Sequence, indices: Sequence[int] | None = None) -> list[Panel]:
    """Copies of panels with the student's note for each in params["note"] (blank notes left
    out). notes[i] belongs to gallery position indices[i] (default 0, 1, ...): a copy, so the
    tab's own result stays as generated and adding again with new notes does not rewrite old ones."""
    indices = range(len(panels)) if indices is None else indices
    out = []
    for panel, i in zip(panels, indices):
        note = str(notes[i] or "").strip() if 0 <= i < len(notes) else ""
        out.append(Panel(panel.image, panel.caption, {**panel.params, "note": note}) if note else panel)
    return out


def selected_panels(panels: Sequence[Panel], index: int | None) -> list[Panel]:
    if index is None or not panels:
        raise ValueError("no panel selected: click a panel in the gallery first")
    if not 0 <= int(index) < len(panels):
        raise ValueError(f"selected panel must be in 1..{len(panels)}, got {int(index) + 1}")
    return [panels[int(index)]]


def portfolio_badge(portfolio: list) -> str:
    n = len(portfolio or [])
    return f"**Portfolio:** {n} panel{'' if n == 1 else 's'} (see the Portfolio tab)"


def portfolio_view(portfolio: list) -> tuple:
    """Everything that shows the portfolio, for a new portfolio value: the state itself, the
    badge, the portfolio gallery and the pick list (the first three picked by default)."""
    portfolio = list(portfolio or [])
    choices = [(f"{i + 1} · {p.caption or 'panel'}", i) for i, p in enumerate(portfolio)]
    picked = [i for _, i in choices[:3]]
    return (portfolio, portfolio_badge(portfolio), gallery_items(portfolio),
            gr.CheckboxGroup(choices=choices, value=picked))


def save_panel_file(panel: Panel, stem: str = "panel") -> str:
    """A panel as a PNG with its metadata, in a fresh temp folder (Gradio serves temp files)."""
    folder = Path(tempfile.mkdtemp(prefix="playground-"))
    return str(panel.save(folder / f"{stem}.png"))


def panel_actions(shared: Shared, gallery, panels_state, name: str, send: bool = True,
                  notes: Sequence = ()) -> None:
    """Under a gallery: add the clicked panel or all panels to the portfolio, or send one to
    image-to-image. The click is remembered per session; a new result forgets it. `notes`: one
    text box per gallery position whose text goes with that panel into the portfolio."""
    selected = gr.State(None)
    with gr.Row():
        add_one = gr.Button("Add selected to portfolio", size="sm")
        add_all = gr.Button("Add all to portfolio", size="sm")
        to_img2img = gr.Button("Send selected to Image to image", size="sm", visible=send)

    def remember(evt: gr.SelectData):
        return evt.index

    gallery.select(remember, None, selected, api_name=f"{name}_select", api_visibility="private")
    gallery.change(lambda: None, None, selected, api_name=f"{name}_forget", api_visibility="private")
    outs = shared.portfolio_outputs

    def add_selected(portfolio, panels, index, *texts):
        picked = with_notes(selected_panels(panels, index), texts, [int(index)])
        return portfolio_view(add_to_portfolio(portfolio, picked))

    def add_every(portfolio, panels, *texts):
        return portfolio_view(add_to_portfolio(portfolio, with_notes(panels or [], texts)))

    cheap_event(add_one.click, add_selected, [shared.portfolio, panels_state, selected, *notes], outs,
                api_name=f"{name}_add_selected")
    cheap_event(add_all.click, add_every, [shared.portfolio, panels_state, *notes], outs,
                api_name=f"{name}_add_all")
    if send:
        def send_selected(panels, index):
            path = save_panel_file(selected_panels(panels, index)[0], f"{name}-panel")
            return path, gr.Tabs(selected=SEND_TO_TAB)

        cheap_event(to_img2img.click, send_selected, [panels_state, selected],
                    [shared.img2img_source, shared.tabs], api_name=f"{name}_send_to_img2img")


def panels_gallery(label: str, columns: int = 3, height: int = GALLERY_HEIGHT, render: bool = True,
                   elem_id: str | None = None):
    """A gallery that shows small model images large and crisp, as PNG (no WebP smearing)."""
    # fit_columns=False: a portfolio of 3 in a 6-column gallery keeps square cells (not cropped strips)
    return gr.Gallery(label=label, columns=columns, height=height, object_fit="contain", format="png",
                      preview=False, elem_classes=["pixelated"], interactive=False, render=render, elem_id=elem_id,
                      fit_columns=False)
