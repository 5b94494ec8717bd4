"""What every tab shares: the Lab, the advanced settings, the event wiring, errors, GPU.

Tabs are thin: each callback turns widget values into one Lab call through `lab_call`, which
also gives back the Lab for the picked model. Core ValueErrors become gr.Error toasts here,
once, so no tab repeats a try/except. (Panels and the portfolio: ui/panels.py; reading typed
values: ui/values.py.)
"""
from __future__ import annotations

import functools
import html
from dataclasses import dataclass, field
from typing import Any, Callable

import gradio as gr

from playground import batching
from playground.exercises.common import random_seed
from playground.params import SEED_MAX
from playground.registry import HubUnavailableError
from playground.store import PortfolioStore
from playground.uploads import MAX_FILE_BYTES, load_image
from playground.ui.fair import DEFAULT_IMAGES, MODEL_QUEUE, QueueClock, costed
from playground.ui.labs import Labs, _zero_gpu
from playground.ui.values import as_int, settings_kwargs, upscale_value
from playground.strings import refusal
from playground.ui.words import lang_of, say, w
from playground.upscale import check_upscaled_size

# Every event that runs a pipeline joins the queue MODEL_QUEUE: one model, one pipeline call at a
# time (its lock), MODEL_SLOTS requests in flight, so that a class's requests merge into batches.
MODEL_SLOTS = 8
# Waiting requests beyond this are turned away ("queue is full") rather than piling up: a class
# of 30 with a request or two each.
QUEUE_MAX_SIZE = 64
# Cheap events that decode images (upload previews, restore, export) take turns in one slot: 8 at
# once with a 4096 x 4096 PNG each added 1 GB under a class's load; two slots still added 360 MB (each
# thread's malloc arena keeps what it freed), one adds ~230 MB and makes a burst wait ~0.4 s each.
IMAGE_QUEUE, IMAGE_CONCURRENCY = "images", 1
MAX_FILE_SIZE = f"{MAX_FILE_BYTES // 2**20}mb"
# Settings the advanced accordion passes to every model callback, in this order.
SETTINGS = ("model", "negative_prompt", "num_inference_steps", "guidance_scale", "scheduler",
            "width", "height", "upscale")
OPTIONAL_SETTINGS = {"upscale": None}  # an API client that leaves it out gets it off


# ---------------------------------------------------------------- errors and GPU
# HubUnavailableError (a RuntimeError) is as much the user's to fix as a bad value: pick the
# embedded model, or run where the hub is reachable.
USER_ERRORS = (ValueError, HubUnavailableError)


# Toasts render HTML: every message that may echo user text (a prompt, a PNG chunk, a file
# name) is escaped, so a shared PNG cannot put an <img> fetching an outside URL on screen.
def info(message: str) -> None:
    gr.Info(html.escape(message, quote=False))


def warning(message: str) -> None:
    gr.Warning(html.escape(message, quote=False))


def user_error(message: str, title: str | None = None, request: gr.Request | None = None) -> gr.Error:
    """A toast for a value the user can fix; its title in the request's language (English without one)."""
    title = say(request, "message.check_settings") if title is None else title
    message = refusal(message, lang_of(request)) if request is not None else message  # the core's words, translated
    return gr.Error(html.escape(message, quote=False), title=title, print_exception=False)


def request_of(args, kwargs) -> gr.Request | None:
    """The gr.Request gradio passed a callback (it injects one where the signature asks for it)."""
    return next((a for a in (*args, *kwargs.values()) if isinstance(a, gr.Request)), None)


def core_errors(fn: Callable) -> Callable:
    """The core's ValueErrors (field + allowed range) shown as a toast; the app keeps serving."""
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except gr.Error:
            raise
        except USER_ERRORS as e:
            # A user error, not a server fault: a toast, and no traceback in the server log.
            raise user_error(str(e), request=request_of(args, kwargs)) from e
    return wrapper


def on_gpu(fn: Callable, duration: Callable | None = None) -> Callable:
    """ZeroGPU Spaces attach a GPU only inside `spaces.GPU` functions; elsewhere, no change.
    duration(*args, **kwargs): the seconds a call asks for (ZeroGPU's default is 60)."""
    if not _zero_gpu():
        return fn
    import spaces
    return spaces.GPU(fn) if duration is None else spaces.GPU(fn, duration=duration)


def gpu_seconds(labs: "Labs", images: Callable | None, n_inputs: int) -> Callable:
    """spaces.GPU's `duration` for one endpoint: the request's images x steps at its size on its
    model (registry.gpu_duration through Lab.gpu_seconds), read from the same arguments the
    callback gets. A malformed request asks for the least: it fails at once, with its message."""
    def duration(*args, **settings) -> int:
        lab = labs.lab
        try:
            count = images(*args[:n_inputs]) if images is not None else DEFAULT_IMAGES
            size = [as_int(settings.get(name), name) for name in ("num_inference_steps", "width", "height")]
            return lab.gpu_seconds(count, *size, model=settings.get("model") or None)
        except (ValueError, TypeError, IndexError, KeyError, AttributeError, OverflowError):
            return lab.gpu_seconds(1, 1)
    return duration


def model_fn(fn: Callable, labs: "Labs | None" = None, duration: Callable | None = None) -> Callable:
    """A callback that runs a pipeline: user errors as toasts, on the GPU where there is one.
    With `labs`, the request's model is loaded first, outside the GPU call: ZeroGPU runs each
    call in a forked worker under a time limit, where a hub model's load would eat the call's
    time and be lost with the worker (seen on ZeroGPU)."""
    gpu = on_gpu(core_errors(fn), duration)
    if labs is None:
        return gpu

    @functools.wraps(gpu)
    def loaded_first(*args, **settings):
        with labs.serving(settings.get("model") or None):  # no switch under another request's feet
            labs.load(settings.get("model") or None)
            return gpu(*args, **settings)
    return core_errors(loaded_first)


def model_event(shared: "Shared", trigger, fn: Callable, inputs, outputs, api_name: str,
                images: Callable | None = None, **kw):
    """Wire a pipeline callback: one shared queue slot, a named API endpoint. The advanced
    settings reach `fn` as keyword arguments named like the Lab's (model, guidance_scale, ...).
    images(*inputs) says how many images a request makes (the cost cap, the queue's ETA and the
    GPU call's duration read it; default 1); it parses like the callback, so a bad value fails
    with the same message."""
    inputs = list(inputs)
    shared.costs[api_name] = (images, len(inputs), SETTINGS)
    run = model_fn(costed(fn, images, len(inputs)), shared.labs, gpu_seconds(shared.labs, images, len(inputs)))
    return trigger(request_hint(run, fn), inputs, outputs, api_name=api_name, concurrency_id=MODEL_QUEUE,
                   concurrency_limit=model_slots(), inputs_kwargs=shared.settings_kwargs, **kw)


def model_slots() -> int:
    """Model requests that run side by side: MODEL_SLOTS, so that those waiting while the model
    is busy merge into one batched call (playground/batching.py); 1 (one at a time) where they
    cannot merge: batching off, or ZeroGPU (each GPU call runs in its own forked worker)."""
    return MODEL_SLOTS if batching.enabled() and not _zero_gpu() else 1


def cheap_event(trigger, fn: Callable, inputs, outputs, api_name: str, decodes: bool = False, **kw):
    """Wire a callback that touches no model (state, plots, files): never waits behind one.
    decodes=True: it decodes images, so it shares the IMAGE_CONCURRENCY slots."""
    if decodes:
        kw.setdefault("concurrency_id", IMAGE_QUEUE)
        kw.setdefault("concurrency_limit", IMAGE_CONCURRENCY)
    kw.setdefault("concurrency_limit", None)
    return trigger(request_hint(core_errors(fn), fn), inputs, outputs, api_name=api_name, **kw)


def request_hint(wrapper: Callable, fn: Callable) -> Callable:
    """gradio hands a callback the gr.Request (the student's language) only where an annotation
    asks for it; functools.wraps copies none from a functools.partial, so the wrapper gets the
    wrapped function's own gr.Request annotation."""
    import typing

    try:
        hints = typing.get_type_hints(getattr(fn, "func", fn))
    except (NameError, TypeError):  # an annotation that does not resolve: no request wanted
        return wrapper
    wanted = {name: hint for name, hint in hints.items() if hint is gr.Request}
    if wanted:
        wrapper.__annotations__ = {**getattr(wrapper, "__annotations__", {}), **wanted}
    return wrapper


def lab_call(labs: Labs, settings: dict):
    """(lab, kwargs) from the advanced settings a callback received as keywords."""
    missing = [name for name in SETTINGS if name not in settings and name not in OPTIONAL_SETTINGS]
    if missing:
        raise ValueError(f"settings must include {', '.join(missing)}")
    values = {name: settings.get(name, OPTIONAL_SETTINGS.get(name)) for name in SETTINGS}
    lab, factor = labs.get(values.pop("model")), upscale_value(values["upscale"])
    if factor > 1:  # refused before the generation, not after it
        check_upscaled_size(as_int(values["width"], "width"), as_int(values["height"], "height"), factor)
    # Every panel the Lab returns comes back `factor` times bigger (Lab.upscaled), whatever the tab.
    return (lab.upscaled(factor) if factor > 1 else lab), settings_kwargs(None, **values)


def new_seed() -> int:
    return random_seed()


def seed_input(value: int, name: str):
    """A seed box (0..2^32-1, checked by Gradio) with a dice button for a fresh one."""
    with gr.Column(min_width=180, scale=1):
        # the label writes SEED_MAX out in each language (presets/i18n/<lang>/shared.yaml)
        seed = gr.Number(label=w("shared.seed.label"), value=value, precision=0, minimum=0,
                         maximum=SEED_MAX)
        dice = gr.Button(w("shared.seed.new"), size="sm")
    cheap_event(dice.click, new_seed, None, seed, api_name=f"{name}_new_seed")
    return seed


def checked_image(path):
    """An upload, validated and converted to RGB; conversions are announced, not hidden (the
    notes are playground/uploads.py's, in English, as the core's messages are)."""
    image, notes = load_image(path)
    for note in notes:
        info(note)
    return image


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
    upscale: Any = None
    portfolio: Any = None
    owner: Any = None  # gr.State: this session's portfolio token (None: not kept, e.g. an API client)
    browser_token: Any = None  # gr.BrowserState: the same token, kept by the browser (ui/keep.py)
    store: PortfolioStore | None = None  # where portfolios outlive a reload (ui/keep.py)
    badge: Any = None
    tabs: Any = None
    # Made before the tabs, rendered inside one tab, written to by buttons in every tab:
    img2img_source: Any = None  # the Image-to-image input ("send to img2img")
    portfolio_gallery: Any = None  # the Portfolio tab's gallery and pick list ("add to portfolio")
    picked: Any = None
    exercises: tuple = ()  # ui.catalog.EXERCISES: the tabs, in order
    restore_ui: dict = field(default_factory=dict)  # the portfolio's restore widgets (ui/restore.py)
    costs: dict = field(default_factory=dict)  # api_name -> how to read a request's cost (ui/fair.py)
    clock: QueueClock = field(default_factory=QueueClock)  # learned run times, for the queue's ETAs

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


