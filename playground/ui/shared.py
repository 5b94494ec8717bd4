"""What every tab shares: the model picker, the advanced settings, the portfolio, errors, GPU.

Tabs are thin: each callback turns widget values into one Lab call through `lab_call`, which
also gives back the Lab for the picked model. Core ValueErrors become gr.Error toasts here,
once, so no tab repeats a try/except.
"""
from __future__ import annotations

import functools
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Sequence

import gradio as gr

from playground.panels import Panel
from playground.params import SEED_MAX
from playground.uploads import MAX_FILE_BYTES, load_image

# Every event that runs a pipeline joins this queue: one model, one generation at a time.
MODEL_QUEUE = "model"
# Waiting requests beyond this are turned away ("queue is full") rather than piling up.
QUEUE_MAX_SIZE = 32
MAX_FILE_SIZE = f"{MAX_FILE_BYTES // 2**20}mb"
# Panels held per session: 48 x 128 px is nothing, 48 x 1024 px RGB is 150 MB; say no beyond.
PORTFOLIO_MAX = 48
# 128 px panels shown ~3x larger, crisp (see CSS): students must see what the model drew.
GALLERY_HEIGHT = 460
CSS = """
.pixelated img, .pixelated canvas { image-rendering: pixelated; }
.panel-notes textarea { font-size: 0.9em; }
"""
# Settings the advanced accordion passes to every model callback, in this order.
SETTINGS = ("model", "negative_prompt", "num_inference_steps", "guidance_scale", "scheduler",
            "width", "height")


# ---------------------------------------------------------------- errors and GPU
def _core_errors_type() -> tuple[type, ...]:
    # HubUnavailableError (a RuntimeError) is as much the user's to fix as a bad value:
    # pick the embedded model, or run where the hub is reachable.
    from playground.registry import HubUnavailableError
    return (ValueError, HubUnavailableError)


def core_errors(fn: Callable) -> Callable:
    """The core's ValueErrors (field + allowed range) shown as a toast; the app keeps serving."""
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except gr.Error:
            raise
        except _core_errors_type() as e:
            # A user error, not a server fault: a toast, and no traceback in the server log.
            raise gr.Error(str(e), title="Please check the settings", print_exception=False) from e
    return wrapper


def on_gpu(fn: Callable) -> Callable:
    """ZeroGPU Spaces attach a GPU only inside `spaces.GPU` functions; elsewhere, no change."""
    try:
        import spaces
    except ImportError:
        return fn
    return spaces.GPU(fn)


def model_fn(fn: Callable) -> Callable:
    """A callback that runs a pipeline: user errors as toasts, on the GPU where there is one."""
    return on_gpu(core_errors(fn))


def model_event(shared: "Shared", trigger, fn: Callable, inputs, outputs, api_name: str, **kw):
    """Wire a pipeline callback: one shared queue slot, a named API endpoint. The advanced
    settings reach `fn` as keyword arguments named like the Lab's (model, guidance_scale, ...)."""
    return trigger(model_fn(fn), inputs, outputs, api_name=api_name, concurrency_id=MODEL_QUEUE,
                   inputs_kwargs=shared.settings_kwargs, **kw)


def cheap_event(trigger, fn: Callable, inputs, outputs, api_name: str, **kw):
    """Wire a callback that touches no model (state, plots, files): never waits behind one."""
    kw.setdefault("concurrency_limit", None)
    return trigger(core_errors(fn), inputs, outputs, api_name=api_name, **kw)


# ---------------------------------------------------------------- one Lab per picked model
class Labs:
    """The Lab for the picked model. One pipeline in memory: picking another model frees the
    old one (Lab.switch_model), so two users on two models take turns, not 2x memory."""

    def __init__(self, lab=None):
        self._lab = lab
        self._lock = threading.Lock()

    @property
    def lab(self):
        with self._lock:
            if self._lab is None:
                from playground import Lab
                self._lab = Lab()
            return self._lab

    def preload(self) -> threading.Thread:
        """Load the default model in the background while the first page is being served, so
        the first click does not wait for it (the pipeline lock makes a click wait, not reload)."""
        def load():
            lab = self.lab
            with lab.manager.lock:
                lab.manager.base  # noqa: B018 - the property loads the pipeline

        thread = threading.Thread(target=load, name="preload-model", daemon=True)
        thread.start()
        return thread

    def get(self, model: str | None):
        lab = self.lab
        if model and model != lab.model:
            with self._lock:
                lab.switch_model(model)
        return lab


def as_int(value: Any, name: str) -> int:
    """Widget numbers arrive as floats (128.0); a fractional one is an error, not rounded."""
    if value is None or value == "":
        raise ValueError(f"{name} must be a whole number, got nothing")
    number = float(value)
    if not number.is_integer():
        raise ValueError(f"{name} must be a whole number, got {value!r}")
    return int(number)


def settings_kwargs(model, negative_prompt, num_inference_steps, guidance_scale, scheduler,
                    width, height) -> dict:
    """The advanced accordion's values as Lab keyword arguments (model apart)."""
    return dict(negative_prompt=negative_prompt or "",
                num_inference_steps=as_int(num_inference_steps, "num_inference_steps"),
                guidance_scale=float(guidance_scale), scheduler=scheduler,
                width=as_int(width, "width"), height=as_int(height, "height"))


def lab_call(labs: Labs, settings: dict):
    """(lab, kwargs) from the advanced settings a callback received as keywords."""
    missing = [name for name in SETTINGS if name not in settings]
    if missing:
        raise ValueError(f"settings must include {', '.join(missing)}")
    values = {name: settings[name] for name in SETTINGS}
    return labs.get(values.pop("model")), settings_kwargs(None, **values)


def seed_value(seed: Any) -> int:
    return as_int(seed, "seed")


def parse_list(text: Any, name: str, cast: Callable = str, sep: str = ",") -> list:
    """'1, 7.5, 20' -> [1.0, 7.5, 20.0]; every bad item is named, not skipped."""
    items = [t.strip() for t in str(text or "").replace("\n", sep).split(sep) if t.strip()]
    if not items:
        raise ValueError(f"{name} must list at least one value, separated by '{sep}'")
    out = []
    for item in items:
        try:
            out.append(cast(item))
        except ValueError:
            kind = {int: "whole numbers", int_item: "whole numbers", float: "numbers"}.get(cast, "values")
            raise ValueError(f"{name} must be {kind} separated by '{sep}', got {item!r}") from None
    return out


def int_item(text: str) -> int:
    return as_int(float(text), "value")


def value_parser(field_name: str) -> Callable:
    """How to read one typed value of a generation argument (the core validates the range)."""
    if field_name in ("num_inference_steps", "seed", "width", "height"):
        return int_item
    if field_name in ("guidance_scale", "strength", "controlnet_conditioning_scale"):
        return float
    return str


def slider(preset: dict, name: str) -> dict:
    """minimum/maximum/step of a slider from a preset's `sliders` table (presets are the source)."""
    spec = preset["sliders"][name]
    return {"minimum": spec["min"], "maximum": spec["max"], "step": spec["step"]}


def new_seed() -> int:
    from playground.exercises.common import random_seed
    return random_seed()


def seed_input(value: int, name: str):
    """A seed box (0..2^32-1, checked by Gradio) with a dice button for a fresh one."""
    with gr.Column(min_width=180, scale=1):
        seed = gr.Number(label=f"Seed (0 to {SEED_MAX})", value=value, precision=0, minimum=0,
                         maximum=SEED_MAX)
        dice = gr.Button("New random seed", size="sm")
    cheap_event(dice.click, new_seed, None, seed, api_name=f"{name}_new_seed")
    return seed


def checked_image(path):
    """An upload, validated and converted to RGB; conversions are announced, not hidden."""
    image, notes = load_image(path)
    for note in notes:
        gr.Info(note)
    return image


# ---------------------------------------------------------------- panels and the portfolio
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


@dataclass
class Shared:
    """Widgets and state every tab reads: built once in layout.build_blocks."""

    labs: Labs
    model: Any = None
    negative_prompt: Any = None
    num_inference_steps: Any = None
    guidance_scale: Any = None
    scheduler: Any = None
    width: Any = None
    height: Any = None
    portfolio: Any = None
    badge: Any = None
    tabs: Any = None
    # Made before the tabs, rendered inside one tab, written to by buttons in every tab:
    img2img_source: Any = None  # the Image-to-image input ("send to img2img")
    portfolio_gallery: Any = None  # the Portfolio tab's gallery and pick list ("add to portfolio")
    picked: Any = None
    # tab id -> {"prompt": Textbox, "seed": Number}: where a dropped PNG's settings can go
    restore_targets: dict = field(default_factory=dict)

    @property
    def settings(self) -> list:
        return [getattr(self, name) for name in SETTINGS]

    @property
    def portfolio_outputs(self) -> list:
        """What portfolio_view() fills: every change of the portfolio updates all four at once."""
        return [self.portfolio, self.badge, self.portfolio_gallery, self.picked]

    @property
    def settings_kwargs(self) -> dict:
        return {name: getattr(self, name) for name in SETTINGS}


def panel_actions(shared: Shared, gallery, panels_state, name: str, send: bool = True) -> None:
    """Under a gallery: add the clicked panel or all panels to the portfolio, or send one to
    image-to-image. The click is remembered per session; a new result forgets it."""
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

    def add_selected(portfolio, panels, index):
        return portfolio_view(add_to_portfolio(portfolio, selected_panels(panels, index)))

    def add_every(portfolio, panels):
        return portfolio_view(add_to_portfolio(portfolio, panels))

    cheap_event(add_one.click, add_selected, [shared.portfolio, panels_state, selected], outs,
                api_name=f"{name}_add_selected")
    cheap_event(add_all.click, add_every, [shared.portfolio, panels_state], outs,
                api_name=f"{name}_add_all")
    if send:
        def send_selected(panels, index):
            path = save_panel_file(selected_panels(panels, index)[0], f"{name}-panel")
            return path, gr.Tabs(selected="img2img")

        cheap_event(to_img2img.click, send_selected, [panels_state, selected],
                    [shared.img2img_source, shared.tabs], api_name=f"{name}_send_to_img2img")


def panels_gallery(label: str, columns: int = 3, height: int = GALLERY_HEIGHT, render: bool = True,
                   elem_id: str | None = None):
    """A gallery that shows small model images large and crisp, as PNG (no WebP smearing)."""
    return gr.Gallery(label=label, columns=columns, height=height, object_fit="contain", format="png",
                      preview=False, elem_classes=["pixelated"], interactive=False, render=render, elem_id=elem_id)
