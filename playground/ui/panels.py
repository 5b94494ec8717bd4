"""Panels in the UI: galleries that show them, the portfolio they go to, the buttons under them."""
from __future__ import annotations

import dataclasses

from typing import Sequence

import gradio as gr

from playground import scratch
from playground.panels import Panel
from playground.params import NOTE_MAX_CHARS, check_length
from playground.ui.shared import Shared, cheap_event, info, warning
from playground.ui.words import say, w

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


def warn_truncated(panels: Sequence[Panel], request: gr.Request | None = None) -> None:
    """The core records prompt text the encoder never saw; a toast tells the student (in the
    request's language)."""
    for cut in dict.fromkeys(p.params.get("truncated") for p in panels if p.params.get("truncated")):
        shown = cut if len(cut) <= TRUNCATION_SHOWN else cut[:TRUNCATION_SHOWN] + "..."
        warning(say(request, "shared.truncated", shown=shown))


def image_mb(panels: Sequence[Panel]) -> float:
    """Decoded size of the panels' images in MB (what they take in memory)."""
    images = [im for p in panels for im in (p.image, *(getattr(p, "inputs", None) or {}).values())]
    return sum(im.width * im.height * len(im.getbands()) for im in {id(im): im for im in images}.values()) / 2**20


def cap_text(request: gr.Request | None = None) -> str:
    return say(request, "shared.cap", panels=PORTFOLIO_MAX, mb=PORTFOLIO_MAX_MB)


def add_to_portfolio(portfolio: list, panels: Sequence[Panel], request: gr.Request | None = None) -> list:
    """A new list (gr.State values are per session and replaced, never shared)."""
    portfolio = list(portfolio or [])
    if not panels:
        raise ValueError(say(request, "shared.error.nothing_to_add"))
    if len(portfolio) + len(panels) > PORTFOLIO_MAX:
        raise ValueError(say(request, "shared.error.full_count", cap=cap_text(request), have=len(portfolio),
                             more=len(panels)))
    have, more = image_mb(portfolio), image_mb(panels)
    if have + more > PORTFOLIO_MAX_MB:
        raise ValueError(say(request, "shared.error.full_mb", cap=cap_text(request), have=f"{have:.1f}",
                             more=f"{more:.1f}"))
    info(say(request, "shared.added.one" if len(panels) == 1 else "shared.added.many", n=len(panels),
             total=len(portfolio) + len(panels), max=PORTFOLIO_MAX))
    return portfolio + list(panels)


def commit(shared: Shared, owner, portfolio: list, request: gr.Request | None = None) -> tuple:
    """The new portfolio shown everywhere, and saved for this browser when it has a token (so a
    reload or a restart finds it); a save that fails leaves the session's portfolio unchanged."""
    if shared.store is not None and shared.store.valid(owner):
        shared.store.save(owner, portfolio)
    return portfolio_view(portfolio, request)


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


def selected_index(panels: Sequence[Panel], index, request: gr.Request | None = None) -> int:
    """The clicked gallery position, checked (a click arrives as a number, at times [row, col])."""
    if index is None or not panels:
        raise ValueError(say(request, "shared.error.no_selection"))
    if isinstance(index, (list, tuple)):
        index = index[0] if index else None
    if isinstance(index, bool) or not isinstance(index, (int, float)) or not 0 <= index < len(panels) \
            or int(index) != index:
        raise ValueError(say(request, "shared.error.selection_range", n=len(panels), got=repr(index)))
    return int(index)


def selected_panels(panels: Sequence[Panel], index: int | None, request: gr.Request | None = None) -> list[Panel]:
    return [panels[selected_index(panels, index, request)]]


def portfolio_badge(portfolio: list, request: gr.Request | None = None) -> str:
    """The badge's text ("Portfolio: N panels" in English), in the request's language: a button
    that opens the Portfolio tab."""
    n = len(portfolio or [])
    return say(request, "shared.badge.one" if n == 1 else "shared.badge.many", n=n)


def portfolio_view(portfolio: list, request: gr.Request | None = None) -> tuple:
    """Everything that shows the portfolio, for a new portfolio value: the state itself, the
    badge, the portfolio gallery and the pick list (the first three picked by default)."""
    portfolio = list(portfolio or [])
    choices = [(f"{i + 1} · {p.caption or say(request, 'shared.panel')}", i) for i, p in enumerate(portfolio)]
    picked = [i for _, i in choices[:3]]
    return (portfolio, portfolio_badge(portfolio, request), gallery_items(portfolio),
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
        add_one = gr.Button(w("shared.actions.add_selected"), size="sm")
        add_all = gr.Button(w("shared.actions.add_all"), size="sm")
        to_img2img = gr.Button(w("shared.actions.send"), size="sm", visible=send)

    def remember(evt: gr.SelectData):
        return evt.index

    gallery.select(remember, None, selected, api_name=f"{name}_select", api_visibility="private")
    gallery.change(lambda: None, None, selected, api_name=f"{name}_forget", api_visibility="private")
    outs = shared.portfolio_outputs

    # request: gradio passes it by its annotation, only to a parameter before *texts (the note boxes)
    def add_selected(portfolio, owner, panels, index, request: gr.Request = None, *texts):
        i = selected_index(panels, index, request)
        picked = with_notes([panels[i]], texts, [i])
        return commit(shared, owner, add_to_portfolio(portfolio, picked, request), request)

    def add_every(portfolio, owner, panels, request: gr.Request = None, *texts):
        return commit(shared, owner, add_to_portfolio(portfolio, with_notes(panels or [], texts), request), request)

    cheap_event(add_one.click, add_selected, [shared.portfolio, shared.owner, panels_state, selected, *notes],
                outs, api_name=f"{name}_add_selected")
    cheap_event(add_all.click, add_every, [shared.portfolio, shared.owner, panels_state, *notes], outs,
                api_name=f"{name}_add_all")
    if send:
        def send_selected(panels, index, request: gr.Request = None):
            path = save_panel_file(selected_panels(panels, index, request)[0], f"{name}-panel")
            return path, gr.Tabs(selected=SEND_TO_TAB)

        cheap_event(to_img2img.click, send_selected, [panels_state, selected],
                    [shared.img2img_source, shared.tabs], api_name=f"{name}_send_to_img2img", decodes=True)


def panels_gallery(label, columns: int = 3, height: int = GALLERY_HEIGHT, render: bool = True,
                   elem_id: str | None = None):
    """A gallery that shows small model images large and crisp, as PNG (no WebP smearing);
    `label` a text or a translation marker (ui/words.w)."""
    # fit_columns=False: a portfolio of 3 in a 6-column gallery keeps square cells (not cropped strips)
    return gr.Gallery(label=label, columns=columns, height=height, object_fit="contain", format="png",
                      preview=False, elem_classes=["pixelated"], interactive=False, render=render, elem_id=elem_id,
                      fit_columns=False)
