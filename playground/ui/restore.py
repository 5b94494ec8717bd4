"""Restore: a saved PNG's settings (ours or AUTOMATIC1111's) back into a tab.

The portfolio tab shows the widgets; this module wires them once every tab exists, because
the outputs are the prompt and seed boxes of every exercise that restores (Exercise.restores)
plus the shared settings. So no tab has to be built before or after another.

A panel's PNG may also carry the pictures it was made from (playground/inputs.py): a ControlNet
panel's control image, an inpainting panel's picture and mask. Dropping it keeps them in a
session State; restoring into that tab puts them into the widgets its build_tab names under
"inputs" (with the panel's detector and scale, or strength), so its main button remakes the
same panel.
"""
from __future__ import annotations

import gradio as gr
import numpy as np
from PIL import Image, ImageColor

from playground import scratch
from playground.inputs import INPUTS, read_inputs
from playground.panels import read_params
from playground.params import (PROMPT_MAX_CHARS, SCHEDULERS, SEED_MAX, GenerationParams, check_length,
                               check_prompt)
from playground.uploads import load_image
from playground.ui import controlnet as controlnet_tab
from playground.ui import inpaint as inpaint_tab
from playground.ui.shared import SETTINGS, Shared, cheap_event, info, warning
from playground.ui.values import UPSCALE_CHOICES, as_float, as_int, upscale_value
from playground.ui.words import say

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


def read_dropped(path, request: gr.Request = None):
    """The dropped PNG's settings (for 'Settings found') and the pictures it carries (for the
    session's State; bounded like any upload by playground.inputs)."""
    params = read_saved(path)
    images = read_inputs(path)
    if images:
        what = say(request, "shared.restore.and").join(
            say(request, f"shared.restore.input.{n}") if n in INPUTS else str(n) for n in images)
        info(say(request, "shared.restore.carries", what=what))
    return params, images


def _unusable(name: str, value, max_size: int | None, request: gr.Request | None = None) -> str | None:
    """Why a well-formed value would be refused by the page or the Lab (None: it will do)."""
    if name == "seed" and not 0 <= value <= SEED_MAX:
        return say(request, "shared.restore.seed_outside", seed=str(value)[:30], max=SEED_MAX)
    if name in ("width", "height") and max_size and value > max_size:
        return say(request, "shared.restore.size_above", name=say(request, f"shared.restore.dim.{name}"),
                   value=value, max=max_size)
    return None


def _notes(params: dict, request: gr.Request | None = None) -> None:
    """Warnings for what restore cannot apply and would otherwise leave out unseen."""
    value = params.get("scheduler")
    if value not in (None, "") and value not in SCHEDULERS:
        warning(say(request, "shared.restore.sampler_missing", sampler=str(value)[:80], offered=", ".join(SCHEDULERS)))
    extra = params.get("extra")
    schedule = extra.get("Schedule type") if isinstance(extra, dict) else None
    if schedule:
        warning(say(request, "shared.restore.schedule_type", schedule=str(schedule)[:40]))


def checked(params, max_size: int | None = None, request: gr.Request | None = None) -> dict:
    """The settings restore may write into the page, each checked as the Lab would check it;
    a saved PNG (or an API client) may carry anything: {"seed": "abc"} is a clear error. Values
    that are well formed but unusable here (a sampler we lack, a 64-bit seed, a size above
    `max_size`, the model's cap) are left out with a note saying so."""
    if not isinstance(params, dict):
        raise ValueError(f"settings must be a JSON object like 'Settings found' shows, got {type(params).__name__}")
    _notes(params, request)
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
            note = _unusable(name, value, max_size, request)
            if note is None or name != "seed":  # a malformed size is an error, not a note
                GenerationParams(prompt="-", **{name: value})  # the core's range check and message
            if note:
                warning(note)
                continue
            out[name] = value
    return out


def _number(params: dict, name: str) -> str | None:
    """A panel's scale or strength as the tab's list box shows it, checked as the core checks it
    (None: the panel has none)."""
    value = params.get(name)
    if value is None:
        return None
    GenerationParams(prompt="-", **{name: as_float(value, name)})  # the core's range and message
    return f"{float(value):g}"


def _files_of(**images: Image.Image) -> dict[str, str]:
    """Pictures as PNGs in a fresh scratch folder, by name. The page gets paths, not images: an
    image editor saves a PIL value as lossy WebP (its default format), and the tab must get back
    exactly these pixels to remake the same map or mask."""
    folder = scratch.new_folder()
    for name, image in images.items():
        image.save(folder / f"{name}.png", format="PNG")
    return {name: str(folder / f"{name}.png") for name in images}


def controlnet_values(lab, params: dict, images: dict, model, request: gr.Request | None = None) -> dict:
    """The ControlNet tab's widgets: the control image in the sketch pad and the upload box (the
    tab makes the same map from either), the panel's detector and scale. The source is switched
    to the one whose default detector is the panel's: switching sets that default
    (ui/controlnet.detector_for_source), so any other would undo the restored detector."""
    source = images.get("control_image")
    if source is None:
        return {}
    path = _files_of(control_image=source)["control_image"]
    out = {"upload": path, "sketch": {"background": path, "layers": [], "composite": path}}
    detector, choices = params.get("detector"), lab.detectors(model)
    if detector in choices:
        out["detector"] = detector
        kind = next((k for k in (controlnet_tab.UPLOAD, controlnet_tab.SKETCH)
                     if controlnet_tab.default_detector(choices, k) == detector), None)
        if kind is not None:
            out["kind"] = kind
    elif detector:
        warning(say(request, "shared.restore.detector_missing", detector=str(detector)[:40],
                    choices=", ".join(choices) or say(request, "shared.restore.none")))
    scale = _number(params, "controlnet_conditioning_scale")
    return out if scale is None else {**out, "scales": scale}


def paint_layer(picture: Image.Image, mask: Image.Image) -> Image.Image:
    """The mask as the inpainting tab's paint (RGBA): PAINT where white, and where the picture is
    itself near PAINT, per channel the far end (0 or 255), so every painted pixel differs from
    the picture by more than the tab's PAINTED threshold and the tab reads the same mask back."""
    if picture.size != mask.size:
        raise ValueError(f"the mask is {mask.width} x {mask.height}, the picture {picture.width} x {picture.height}: "
                         "they must match")
    src = np.asarray(picture.convert("RGB"), np.int16)
    paint = np.array(ImageColor.getrgb(inpaint_tab.PAINT), np.int16)
    near = np.abs(src - paint).max(axis=2) <= 2 * inpaint_tab.PAINTED
    colour = np.where(near[..., None], np.where(src < 128, 255, 0), paint)
    alpha = (np.asarray(mask.convert("L")) >= 128) * 255
    return Image.fromarray(np.dstack([colour, alpha]).astype(np.uint8), "RGBA")


def inpaint_values(params: dict, images: dict) -> dict:
    """The inpainting tab's widgets: the picture (its source and the canvas background), the
    mask as paint on the canvas, the panel's strength."""
    picture, mask = images.get("init_image"), images.get("mask")
    if picture is None or mask is None:
        return {}
    layer = paint_layer(picture, mask)
    composite = picture.convert("RGBA")
    composite.alpha_composite(layer)
    files = _files_of(picture=picture, paint=layer, composite=composite.convert("RGB"))
    out = {"source": picture,  # the State keeps the very pixels the tab compares the canvas with
           "canvas": {"background": files["picture"], "layers": [files["paint"]], "composite": files["composite"]}}
    strength = _number(params, "strength")
    return out if strength is None else {**out, "strengths": strength}


def input_values(shared: Shared, tab_id: str, params: dict, images, model, request: gr.Request | None = None) -> dict:
    """{role: value} for the chosen tab's "inputs" widgets; {} where the PNG carries no pictures."""
    if not images:
        return {}
    if not isinstance(images, dict) or not all(isinstance(v, Image.Image) for v in images.values()):
        raise ValueError("the dropped PNG's pictures are malformed: drop the PNG again")
    if tab_id == "controlnet":
        return controlnet_values(shared.labs.lab, params, images, model, request)
    if tab_id == "inpaint":
        return inpaint_values(params, images)
    return {}


def restore(shared: Shared, targets: dict, params, target, images=None, request: gr.Request = None):
    """Values for every restore target (only the chosen tab changes: its prompt, seed and the
    pictures `images` holds), the settings, the tab; messages in the request's language."""
    if not params:
        raise ValueError(say(request, "shared.restore.drop_first"))
    if not isinstance(target, str) or target not in targets:
        raise ValueError(f"restore into must be one of {', '.join(targets)}, got {str(target)[:40]!r}")
    # the size cap of the model the settings go to: the image's own when the picker offers it
    models = shared.labs.lab.models(runnable=True)
    model = params.get("model") if isinstance(params, dict) else None
    model = model if isinstance(model, str) and model in models else None
    raw, params = params, checked(params, shared.labs.lab.defaults(model)["max_size"], request)
    pictures = input_values(shared, target, raw, images, model, request)
    out = []
    for tab_id, widgets in targets.items():
        mine = tab_id == target
        out.append(gr.update(value=params["prompt"]) if mine and params.get("prompt") else gr.update())
        if widgets["seed"] is not None:
            out.append(gr.update(value=params["seed"]) if mine and params.get("seed") is not None else gr.update())
        for role in widgets.get("inputs", {}):
            out.append(gr.update(value=pictures[role]) if mine and role in pictures else gr.update())
    for name in SETTINGS:
        out.append(gr.update(value=params[name]) if params.get(name) not in (None, "") else gr.update())
    if params.get("model") and params["model"] not in models:
        warning(say(request, "shared.restore.model_missing", model=params["model"][:80]))
        out[-len(SETTINGS)] = gr.update()
    out.append(gr.Tabs(selected=target))
    return out


def wire_restore(shared: Shared, targets: dict) -> None:
    """targets: exercise id -> {"prompt": Textbox, "seed": Number or None, "inputs": {role:
    component}, optional}, from build_tab. The dropped PNG's pictures wait in a session State."""
    ui = shared.restore_ui
    images = gr.State({})
    cheap_event(ui["dropped"].upload, read_dropped, ui["dropped"], [ui["found"], images], api_name="read_params",
                decodes=True)
    outputs = []
    for widgets in targets.values():
        outputs += [w for w in (widgets["prompt"], widgets["seed"]) if w is not None]
        outputs += list(widgets.get("inputs", {}).values())
    # a def, not functools.partial: gradio finds the gr.Request annotation only on a function
    def restore_it(params, target, images=None, request: gr.Request = None):
        return restore(shared, targets, params, target, images, request)

    cheap_event(ui["button"].click, restore_it, [ui["found"], ui["target"], images],
                [*outputs, *shared.settings, shared.tabs], api_name="restore_settings")
