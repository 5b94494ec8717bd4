"""The page: a lesson map in the sidebar, a header (model picker, advanced settings, portfolio
badge), then one tab per exercise, in the course's order.

Why a sidebar: fifteen tabs outgrew one row (gradio folds the rest behind an unlabelled "..."),
and nested tabs by group would put most lessons two clicks away. gr.Sidebar holds the lesson map
(the course's groups, each lesson one button): every lesson is one click away at desktop widths,
and two on a phone, where the sidebar folds away behind its toggle. Multipage routes would split
the portfolio, which every tab adds to, across pages.

Functions first, then layout, then wiring (as in gradio's demos); each tab module owns its
widgets and callbacks, this module only places them and shares what they share.
"""
from __future__ import annotations

from functools import partial

import gradio as gr
from starlette.middleware import Middleware

from playground.params import load_preset, preset_picture
from playground.strings import text
from playground.store import PortfolioStore
from playground.ui import upkeep
from playground.ui.catalog import EXERCISES, GROUPS
from playground.ui.fair import MODEL_QUEUE, install_eta
from playground.ui.guard import GuardedBlocks
from playground.ui.keep import make_token_widgets, wire_reopen
from playground.ui.look import CSS, HEAD, page_js, theme
from playground.ui.panels import panels_gallery
from playground.ui.restore import wire_restore
from playground.ui.infocache import InfoCache
from playground.ui.shared import Labs, MAX_FILE_SIZE, QUEUE_MAX_SIZE, Shared, cheap_event, core_errors, model_slots
from playground.ui.values import UPSCALE_CHOICES, slider
from playground.ui.words import filled, filled_text, i18n, lesson_text, w

# Sessions held in memory at most (gradio's default is 10 000, each a copy of the page's config):
# a class with a few tabs each, plus API clients; the least recently used go first.
SESSION_CAPACITY = 512
QUEUE_POLL_S = 0.02  # seconds between looks at an empty queue (gradio: 0.001)



def model_settings(labs: Labs, model: str) -> tuple:
    """The picked model's defaults and size cap, applied to the advanced settings (no loading)."""
    d = labs.lab.defaults(model)
    return (gr.update(value=d["num_inference_steps"]), gr.update(value=d["guidance_scale"]),
            gr.update(value=d["scheduler"]), gr.update(value=d["width"], maximum=d["max_size"]),
            gr.update(value=d["height"], maximum=d["max_size"]))


def load_model(labs: Labs, model: str) -> None:
    """The picked model loaded now, in the model queue and outside any GPU call (ZeroGPU)."""
    with labs.serving(model):
        labs.load(model)


def model_picker(lab) -> dict:
    """The model dropdown's choices and note: on CPU hardware only the embedded models, so no
    visitor starts a 14 GB download that cannot run there."""
    offered = lab.models(runnable=True)
    info = w("header.model.info") if offered == lab.models() else w("header.model.info_cpu")
    return dict(choices=[(label, key) for key, label in offered.items()], info=info,
                value=lab.model if lab.model in offered else next(iter(offered)))


def build_header(labs: Labs, shared: Shared) -> None:
    lab = labs.lab
    d = lab.defaults()
    preset = load_preset("generate")
    with gr.Row(equal_height=True):
        shared.model = gr.Dropdown(label=w("header.model.label"), scale=3, min_width=240, **model_picker(lab))
        shared.badge = gr.Button(filled_text("shared.badge.many", n=0), elem_id="portfolio-badge", scale=1, min_width=160,
                                 size="sm")
    with gr.Accordion(w("header.advanced"), open=False):
        with gr.Row():
            shared.negative_prompt = gr.Textbox(label=w("header.negative.label"), value="", scale=3,
                                                placeholder=w("header.negative.placeholder"))
            shared.scheduler = gr.Dropdown(label=w("header.scheduler.label"), choices=lab.schedulers(),
                                           value=d["scheduler"])
        with gr.Row():
            shared.num_inference_steps = gr.Slider(**slider(preset, "num_inference_steps"),
                                                   value=d["num_inference_steps"], label=w("header.steps.label"))
            shared.guidance_scale = gr.Slider(**slider(preset, "guidance_scale"), value=d["guidance_scale"],
                                              label=w("header.guidance.label"))
            size = preset["sliders"]["size"]
            shared.width = gr.Slider(size["min"], d["max_size"], value=d["width"], step=size["step"], label=w("header.width.label"))
            shared.height = gr.Slider(size["min"], d["max_size"], value=d["height"], step=size["step"],
                                      label=w("header.height.label"))
        # Off by default: the lessons are about the model's own pictures; on, every tab's panels
        # (and what goes to the portfolio) come back bigger through the model's learnt upscaler.
        shared.upscale = gr.Radio([(w("header.upscale.off") if c == "Off" else c, c) for c in UPSCALE_CHOICES],
                                  value="Off", label=w("header.upscale.label"), info=w("header.upscale.info"))
    advanced = [shared.num_inference_steps, shared.guidance_scale, shared.scheduler, shared.width, shared.height]
    picked = cheap_event(shared.model.input, lambda model: model_settings(labs, model), shared.model, advanced,
                         api_name="model_defaults")
    # then the model itself, outside the GPU wrapper (API clients: each call loads its model first)
    picked.then(core_errors(partial(load_model, labs)), shared.model, None, api_name="model_load",
                api_visibility="private", concurrency_id=MODEL_QUEUE, concurrency_limit=model_slots(),
                show_progress="minimal")


def lesson_heading(ex):
    """The shown lesson's name, where the hidden tab bar was: the map's button and this heading agree."""
    return filled(f"heading.{ex.id}", lambda lang: "## " + text(f"title.{ex.id}", lang) + "\n" + text(
        "lesson.heading", lang, group=text(f"group.{ex.group}", lang), lesson=ex.lesson))


def lesson_map() -> dict:
    """The sidebar: the course's groups in order, one button per lesson (the portfolio last)."""
    gr.Markdown(w("map.title"))
    nav = {}
    for group in GROUPS:
        lessons = [ex for ex in EXERCISES if ex.group == group]
        if group != "Portfolio":
            gr.Markdown(w(f"group.{group}"), elem_classes=["group-name"])
        for ex in lessons:
            label = w(f"title.{ex.id}") if group == "Portfolio" else filled(
                f"map.{ex.id}", lambda lang, ex=ex: f"{ex.lesson} · " + text(f"title.{ex.id}", lang))
            nav[ex.id] = gr.Button(label, size="sm", variant="secondary", elem_id=f"nav-{ex.id}")
    return nav


def wire_lesson_map(shared: Shared, nav: dict) -> None:
    """Each map button (and the portfolio badge) shows its lesson: one cheap round trip that
    selects the tab; the page's script marks the current one and clears the old tab's toasts."""
    for ex_id, button in nav.items():
        cheap_event(button.click, partial(gr.Tabs, selected=ex_id), None, shared.tabs,
                    api_name=f"show_{ex_id}", api_visibility="private", queue=False)
    cheap_event(shared.badge.click, partial(gr.Tabs, selected="portfolio"), None, shared.tabs,
                api_name="show_portfolio_from_badge", api_visibility="private", queue=False)


def build_blocks(lab=None, preload: bool = False, store: PortfolioStore | None = None) -> gr.Blocks:
    """The whole app. `lab` is any Lab (tests pass one on a tiny pipeline); None: Lab().
    preload=True starts loading the model in the background (python app.py does). `store`: where
    portfolios outlive a reload (default: /data, PLAYGROUND_STORE or the scratch folder)."""
    labs = Labs(lab)
    shared = Shared(labs=labs, exercises=EXERCISES)
    store = store or PortfolioStore()
    # delete_cache: gradio's copies of uploads and results go by age (ui/upkeep.py also caps bytes)
    with GuardedBlocks(title="Diffusion Lab Playground", delete_cache=upkeep.delete_cache()) as demo:
        with gr.Sidebar(label=w("map.label"), open=True, width=250, elem_id="lesson-map"):
            nav = lesson_map()
        gr.Markdown(w("app.title"))
        gr.Markdown(w("app.intro"))
        shared.portfolio = gr.State([])
        make_token_widgets(shared, store)
        build_header(labs, shared)
        with gr.Tabs(elem_id="lessons") as shared.tabs:
            # Made here, shown in their tabs: buttons in every tab write to them, so they must
            # exist before the first tab is wired.
            # it starts from a world render, so the tab's first press works before any upload
            shared.img2img_source = gr.File(str(preset_picture(load_preset("img2img")["picture"])),
                                            label=w("shared.img2img_source.label"), file_types=["image"],
                                            type="filepath", render=False, height=120)
            shared.portfolio_gallery = panels_gallery(w("shared.portfolio_gallery.label"), columns=6, height=300, render=False,
                                                      elem_id="portfolio-gallery")
            shared.picked = gr.CheckboxGroup(label=w("shared.picked.label"), choices=[], render=False)
            targets = {}
            defaults = labs.lab.defaults()  # the About texts quote the model's size
            for ex in EXERCISES:
                with gr.Tab(w(f"title.{ex.id}"), id=ex.id, elem_id=f"lesson-{ex.id}"):
                    gr.Markdown(lesson_heading(ex))
                    with gr.Accordion(w("lesson.about"), open=False):
                        gr.Markdown(lesson_text("about", ex.id, load_preset(ex.id), defaults))
                    widgets = ex.tab.build_tab(labs, shared, ex)
                if ex.restores != (widgets is not None):
                    raise RuntimeError(f"exercise {ex.id}: restores={ex.restores} but its tab returned {widgets!r}")
                if widgets is not None:
                    targets[ex.id] = widgets
            wire_restore(shared, targets)
        wire_lesson_map(shared, nav)
        wire_reopen(demo, shared)
    # One queue: model work in MODEL_SLOTS slots (concurrency_id "model"), one pipeline call at a
    # time; max_size bounds waiting.
    demo.queue(default_concurrency_limit=1, max_size=QUEUE_MAX_SIZE)
    install_eta(demo._queue, shared.costs, shared.clock, model_slots())  # ETAs from each request's own cost
    # gradio's queue looks for work every 1 ms when free (1,000 wake-ups a second: 6.4% of a core
    # on an idle app, measured); every 20 ms is 50 and costs a request at most 20 ms more
    demo._queue.sleep_when_free = QUEUE_POLL_S
    demo._queue.progress_update_sleep_when_free = max(demo._queue.progress_update_sleep_when_free, QUEUE_POLL_S)
    demo.portfolio_store = store  # the upkeep sweep finds it here
    if preload:
        labs.preload()
    return demo


def launch_kwargs() -> dict:
    """What `python app.py` and the tests pass to launch(): limits, look, error display."""
    return dict(max_file_size=MAX_FILE_SIZE, css=CSS, js=page_js(), head=HEAD, theme=theme(), show_error=False, i18n=i18n(),
                state_session_capacity=SESSION_CAPACITY,
                app_kwargs={"lifespan": upkeep.lifespan(), "middleware": [Middleware(InfoCache)]})
