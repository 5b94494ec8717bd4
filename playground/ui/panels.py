"""Panels in the UI: galleries that show them, the portfolio they go to, the buttons under them."""
from __future__ import annotations

import dataclasses

from typing import Sequence

import gradio as gr

from playground import scratch
from playground.panels import Panel
from playground.params import NOTE_MAX_CHARS, check_length
from playground.ui.shared import Shared, cheap_event, info, warning

# Panels held per session: 48 x 128 px is nothing, 48 x 1024 px RGB is 150 MB; say no beyond.
PORTFOLIO_MAX = 48
# ... and their decoded images: 48 panels of 512 px RGB are 36 MB; 1024 px panels stop at 16.
PORTFOLIO_MAX_MB = 48
TRUNCATION_SHOWN = 200  # characters of a cut prompt quoted back in a toast
# 128 px panels shown ~3x larger, crisp (see CSS): students must see what the model drew.
GALLERY_HEIGHT = 460
# Where "Send selected to Image to image" goes: img2img.TAB_ID (that module imports this one).
SEND_TO_TAB = "img2img"


def gallery_items(panels: Sequence[Panel]) -> list[tuple]:
    return [(p.image, p.caption) for p in panels]


def warn_truncated(panels: Sequence[Panel]) -> None:
    """The core records prompt text the encoder never saw; a toast tells the student."""
    for cut in dict.fromkeys(p.params.get("truncated") for p in panels if p.params.get("truncated")):
        shown = cut if len(cut) <= TRUNCATION_SHOWN else cut[:TRUNCATION_SHOWN] + "..."
        warning(f"The prompt is longer than the text encoder takes; it did not see: “{shown}”")


def image_mb(panels: Sequence[Panel]) -> float:
    """Decoded size of the panels' images in MB (what they take in memory)."""
    images = [im for p in panels for im in (p.image, *(getattr(p, "inputs", None) or {}).values())]
    return sum(im.width * im.height * len(im.getbands()) for im in {id(im): im for im in images}.values()) / 2**20


def cap_text() -> str:
    return f"at most {PORTFOLIO_MAX} panels and {PORTFOLIO_MAX_MB} MB of images"


def add_to_portfolio(portfolio: list, panels: Sequence[Panel]) -> list:
    """A new list (gr.State values are per session and replaced, never shared)."""
    portfolio = list(portfolio or [])
    if not panels:
        raise ValueError("nothing to add: generate panels first (or click one to select it)")
    if len(portfolio) + len(panels) > PORTFOLIO_MAX:
        raise ValueError(f"the portfolio holds {cap_text()}; it has {len(portfolio)} panels: "
                         f"remove some before adding {len(panels)}")
    have, more = image_mb(portfolio), image_mb(panels)
    if have + more > PORTFOLIO_MAX_MB:
        raise ValueError(f"the portfolio holds {cap_text()}; it has {have:.1f} MB and these panels add "
                         f"{more:.1f} MB: remove some first")
    info(f"Added {len(panels)} panel{'s' if len(panels) > 1 else ''} to the portfolio "
         f"({len(portfolio) + len(panels)} of {PORTFOLIO_MAX})")
    return portfolio + list(panels)


def commit(shared: Shared, owner, portfolio: list) -> tuple:
    """The new portfolio shown everywhere, and saved for this browser when it has a token (so a
    reload or a restart finds it); a save that fails leaves the session's portfolio unchanged."""
    if shared.store is not None and shared.store.valid(owner):
        shared.store.save(owner, portfolio)
    return portfolio_view(portfolio)


def with_notes(panels: Sequence[Panel], notes: Sequence, indices: Sequence[int] | None = None) -> list[Panel]:
    """Copies of panels with the student's note for each in params["note"] (blank notes left
    out). notes[i] belongs to gallery position indices[i] (default 0, 1, ...): a copy, so the
    tab's own result stays as generated and adding again with new notes does not rewrite old ones."""
    indices = range(len(panels)) if indices is None else indices
    out = []
    for panel, i in zip(panels, indices):
        note = str(notes[i] or "").strip() if 0 <= i < len(notes) else ""
        check_length(note, f"note {i + 1}", NOTE_MAX_CHARS)
        # replace(): the panel's other fields (its drawing, map or mask) travel with the note
        out.append(dataclasses.replace(panel, params={**panel.params, "note": note}) if note else panel)
    return out


def selected_index(panels: Sequence[Panel], index) -> int:
    """The clicked gallery position, checked (a click arrives as a number, at times [row, col])."""
    if index is None or not panels:
        raise ValueError("no panel selected: click a panel in the gallery first")
    if isinstance(index, (list, tuple)):
        index = index[0] if index else None
    if isinstance(index, bool) or not isinstance(index, (int, float)) or not 0 <= index < len(panels) \
            or int(index) != index:
        raise ValueError(f"selected panel must be in 1..{len(panels)}, got {index!r}")
    return int(index)


def selected_panels(panels: Sequence[Panel], index: int | None) -> list[Panel]:
    return [panels[selected_index(panels, index)]]


def portfolio_badge(portfolio: list) -> str:
    n = len(portfolio or [])
    return f"Portfolio: {n} panel{'' if n == 1 else 's'}"  # a button that opens the Portfolio tab


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
    return str(panel.save(scratch.new_folder() / f"{stem}.png"))


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

    def add_selected(portfolio, owner, panels, index, *texts):
        i = selected_index(panels, index)
        picked = with_notes([panels[i]], texts, [i])
        return commit(shared, owner, add_to_portfolio(portfolio, picked))

    def add_every(portfolio, owner, panels, *texts):
        return commit(shared, owner, add_to_portfolio(portfolio, with_notes(panels or [], texts)))

    cheap_event(add_one.click, add_selected, [shared.portfolio, shared.owner, panels_state, selected, *notes],
                outs, api_name=f"{name}_add_selected")
    cheap_event(add_all.click, add_every, [shared.portfolio, shared.owner, panels_state, *notes], outs,
                api_name=f"{name}_add_all")
    if send:
        def send_selected(panels, index):
            path = save_panel_file(selected_panels(panels, index)[0], f"{name}-panel")
            return path, gr.Tabs(selected=SEND_TO_TAB)

        cheap_event(to_img2img.click, send_selected, [panels_state, selected],
                    [shared.img2img_source, shared.tabs], api_name=f"{name}_send_to_img2img", decodes=True)


def panels_gallery(label: str, columns: int = 3, height: int = GALLERY_HEIGHT, render: bool = True,
                   elem_id: str | None = None):
    """A gallery that shows small model images large and crisp, as PNG (no WebP smearing)."""
    # fit_columns=False: a portfolio of 3 in a 6-column gallery keeps square cells (not cropped strips)
    return gr.Gallery(label=label, columns=columns, height=height, object_fit="contain", format="png",
                      preview=False, elem_classes=["pixelated"], interactive=False, render=render, elem_id=elem_id,
                      fit_columns=False)
