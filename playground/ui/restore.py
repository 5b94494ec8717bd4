"""Restore: a saved PNG's settings (ours or AUTOMATIC1111's) back into a tab.

The portfolio tab shows the widgets; this module wires them once every tab exists, because
the outputs are the prompt and seed boxes of every exercise that restores (Exercise.restores)
plus the shared settings. So no tab has to be built before or after another.
"""
from __future__ import annotations

from functools import partial

import gradio as gr

from playground.panels import read_params
from playground.uploads import load_image
from playground.ui.shared import SETTINGS, Shared, cheap_event


def read_saved(path):
    """Settings of a dropped PNG (ours or AUTOMATIC1111's), checked like any upload first."""
    load_image(path)  # refuses bombs, non-images and damaged files before reading chunks
    return read_params(path)


def restore(shared: Shared, targets: dict, params, target):
    """Values for every restore target (only the chosen tab changes), the settings, the tab."""
    if not params:
        raise ValueError("drop a saved PNG first")
    out = []
    for tab_id, widgets in targets.items():
        mine = tab_id == target
        out.append(gr.update(value=params["prompt"]) if mine and params.get("prompt") else gr.update())
        if widgets["seed"] is not None:
            out.append(gr.update(value=params["seed"]) if mine and params.get("seed") is not None else gr.update())
    for name in SETTINGS:
        out.append(gr.update(value=params[name]) if params.get(name) not in (None, "") else gr.update())
    if params.get("model") and params["model"] not in shared.labs.lab.models():
        gr.Warning(f"This image was made with {params['model']}, which is not in the model list; "
                   "its settings are restored for the current model.")
        out[-len(SETTINGS)] = gr.update()
    out.append(gr.Tabs(selected=target))
    return out


def wire_restore(shared: Shared, targets: dict) -> None:
    """targets: exercise id -> {"prompt": Textbox, "seed": Number or None}, from build_tab."""
    ui = shared.restore_ui
    cheap_event(ui["dropped"].upload, read_saved, ui["dropped"], ui["found"], api_name="read_params")
    outputs = [w for widgets in targets.values() for w in (widgets["prompt"], widgets["seed"]) if w is not None]
    cheap_event(ui["button"].click, partial(restore, shared, targets), [ui["found"], ui["target"]],
                [*outputs, *shared.settings, shared.tabs], api_name="restore_settings")
