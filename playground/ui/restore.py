"""Restore: a saved PNG's settings (ours or AUTOMATIC1111's) back into a tab.

The portfolio tab shows the widgets; this module wires them once every tab exists, because
the outputs are the prompt and seed boxes of every exercise that restores (Exercise.restores)
plus the shared settings. So no tab has to be built before or after another.
"""
from __future__ import annotations

from functools import partial

import gradio as gr

from playground.panels import read_params
from playground.params import SCHEDULERS, GenerationParams, check_length, check_prompt, PROMPT_MAX_CHARS
from playground.uploads import load_image
from playground.ui.shared import SETTINGS, Shared, cheap_event, warning
from playground.ui.values import as_float, as_int

_INTS, _FLOATS = ("seed", "num_inference_steps", "width", "height"), ("guidance_scale",)


_JSON_INT = 2 ** 63  # the JSON component (orjson) writes 64-bit integers, no larger


def _showable(value, where: str = "settings") -> None:
    """A ValueError naming the first number the 'Settings found' box could not show."""
    if isinstance(value, int) and not isinstance(value, bool) and not -_JSON_INT <= value < _JSON_INT:
        raise ValueError(f"{where} is {str(value)[:30]}..., a number too large to show (64-bit at most)")
    if isinstance(value, dict):
        for key, item in value.items():
            _showable(item, f"{where}.{str(key)[:40]}")
    elif isinstance(value, list):
        for i, item in enumerate(value):
            _showable(item, f"{where}[{i}]")


def read_saved(path):
    """Settings of a dropped PNG (ours or AUTOMATIC1111's), checked like any upload first."""
    load_image(path)  # refuses bombs, non-images and damaged files before reading chunks
    params = read_params(path)
    _showable(params)
    return params


def checked(params) -> dict:
    """The settings restore may write into the page, each checked as the Lab would check it;
    a saved PNG (or an API client) may carry anything: {"seed": "abc"} is a clear error."""
    if not isinstance(params, dict):
        raise ValueError(f"settings must be a JSON object like 'Settings found' shows, got {type(params).__name__}")
    out = {}
    for name in ("prompt", *SETTINGS, "seed"):
        value = params.get(name)
        if value is None or value == "":
            continue
        if name == "prompt":
            out[name] = check_prompt(value)
        elif name in ("negative_prompt", "model"):
            out[name] = check_length(value, name, PROMPT_MAX_CHARS)
        elif name == "scheduler" and value not in SCHEDULERS:
            warning(f"This image was made with the sampler {str(value)[:80]}, which this app does not have; "
                    "the current one is kept.")
        else:
            value = as_int(value, name) if name in _INTS else as_float(value, name) if name in _FLOATS else value
            GenerationParams(prompt="-", **{name: value})  # the core's range check and message
            out[name] = value
    return out


def restore(shared: Shared, targets: dict, params, target):
    """Values for every restore target (only the chosen tab changes), the settings, the tab."""
    if not params:
        raise ValueError("drop a saved PNG first")
    if not isinstance(target, str) or target not in targets:
        raise ValueError(f"restore into must be one of {', '.join(targets)}, got {str(target)[:40]!r}")
    params = checked(params)
    out = []
    for tab_id, widgets in targets.items():
        mine = tab_id == target
        out.append(gr.update(value=params["prompt"]) if mine and params.get("prompt") else gr.update())
        if widgets["seed"] is not None:
            out.append(gr.update(value=params["seed"]) if mine and params.get("seed") is not None else gr.update())
    for name in SETTINGS:
        out.append(gr.update(value=params[name]) if params.get(name) not in (None, "") else gr.update())
    if params.get("model") and params["model"] not in shared.labs.lab.models():
        warning(f"This image was made with {params['model'][:80]}, which is not in the model list; "
                "its settings are restored for the current model.")
        out[-len(SETTINGS)] = gr.update()
    out.append(gr.Tabs(selected=target))
    return out


def wire_restore(shared: Shared, targets: dict) -> None:
    """targets: exercise id -> {"prompt": Textbox, "seed": Number or None}, from build_tab."""
    ui = shared.restore_ui
    cheap_event(ui["dropped"].upload, read_saved, ui["dropped"], ui["found"], api_name="read_params", decodes=True)
    outputs = [w for widgets in targets.values() for w in (widgets["prompt"], widgets["seed"]) if w is not None]
    cheap_event(ui["button"].click, partial(restore, shared, targets), [ui["found"], ui["target"]],
                [*outputs, *shared.settings, shared.tabs], api_name="restore_settings")
