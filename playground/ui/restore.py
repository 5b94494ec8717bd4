"""Restore: a saved PNG's settings (ours or AUTOMATIC1111's) back into a tab.

The portfolio tab shows the widgets; this module wires them once every tab exists, because
the outputs are the prompt and seed boxes of every exercise that restores (Exercise.restores)
plus the shared settings. So no tab has to be built before or after another.
"""
from __future__ import annotations

from functools import partial

import gradio as gr

from playground.panels import read_params
from playground.params import (PROMPT_MAX_CHARS, SCHEDULERS, SEED_MAX, GenerationParams, check_length,
                               check_prompt)
from playground.uploads import load_image
from playground.ui.shared import SETTINGS, Shared, cheap_event, warning
from playground.ui.values import UPSCALE_CHOICES, as_float, as_int, upscale_value

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


def _unusable(name: str, value, max_size: int | None) -> str | None:
    """Why a well-formed value would be refused by the page or the Lab (None: it will do)."""
    if name == "seed" and not 0 <= value <= SEED_MAX:
        return (f"This image's seed {str(value)[:30]} is outside 0..{SEED_MAX}: seeds here are 32-bit, so an image "
                "made with a 64-bit seed cannot be re-made; the seed box is left as it was.")
    if name in ("width", "height") and max_size and value > max_size:
        return (f"This image's {name} {value} is above the model's maximum of {max_size} pixels; "
                f"the current {name} is kept.")
    return None


def _notes(params: dict) -> None:
    """Warnings for what restore cannot apply and would otherwise leave out unseen."""
    value = params.get("scheduler")
    if value not in (None, "") and value not in SCHEDULERS:
        warning(f"This image was made with the sampler {str(value)[:80]}, which this app does not have "
                f"(it offers {', '.join(SCHEDULERS)}); the current sampler is kept.")
    extra = params.get("extra")
    schedule = extra.get("Schedule type") if isinstance(extra, dict) else None
    if schedule:
        warning(f"This image used the schedule type {str(schedule)[:40]}, which this app does not apply (its samplers "
                "keep their own noise schedule; 'DPM++ 2M Karras' has the Karras one): the image will differ.")


def checked(params, max_size: int | None = None) -> dict:
    """The settings restore may write into the page, each checked as the Lab would check it;
    a saved PNG (or an API client) may carry anything: {"seed": "abc"} is a clear error. Values
    that are well formed but unusable here (a sampler we lack, a 64-bit seed, a size above
    `max_size`, the model's cap) are left out with a note saying so."""
    if not isinstance(params, dict):
        raise ValueError(f"settings must be a JSON object like 'Settings found' shows, got {type(params).__name__}")
    _notes(params)
    out = {}
    for name in ("prompt", *SETTINGS, "seed"):
        value = params.get("hires_upscale" if name == "upscale" else name)  # A1111's name for it
        if value is None or value == "" or name == "scheduler" and value not in SCHEDULERS:
            continue
        if name == "upscale":
            factor = upscale_value(value)
            out[name] = next(label for label, f in UPSCALE_CHOICES.items() if f == factor)
        elif name == "prompt":
            out[name] = check_prompt(value)
        elif name in ("negative_prompt", "model"):
            out[name] = check_length(value, name, PROMPT_MAX_CHARS)
        else:
            value = as_int(value, name) if name in _INTS else as_float(value, name) if name in _FLOATS else value
            note = _unusable(name, value, max_size)
            if note is None or name != "seed":  # a malformed size is an error, not a note
                GenerationParams(prompt="-", **{name: value})  # the core's range check and message
            if note:
                warning(note)
                continue
            out[name] = value
    return out


def restore(shared: Shared, targets: dict, params, target):
    """Values for every restore target (only the chosen tab changes), the settings, the tab."""
    if not params:
        raise ValueError("drop a saved PNG first")
    if not isinstance(target, str) or target not in targets:
        raise ValueError(f"restore into must be one of {', '.join(targets)}, got {str(target)[:40]!r}")
    # the size cap of the model the settings go to: the image's own when the picker offers it
    models = shared.labs.lab.models(runnable=True)
    model = params.get("model") if isinstance(params, dict) else None
    model = model if isinstance(model, str) and model in models else None
    params = checked(params, shared.labs.lab.defaults(model)["max_size"])
    out = []
    for tab_id, widgets in targets.items():
        mine = tab_id == target
        out.append(gr.update(value=params["prompt"]) if mine and params.get("prompt") else gr.update())
        if widgets["seed"] is not None:
            out.append(gr.update(value=params["seed"]) if mine and params.get("seed") is not None else gr.update())
    for name in SETTINGS:
        out.append(gr.update(value=params[name]) if params.get(name) not in (None, "") else gr.update())
    if params.get("model") and params["model"] not in models:
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
