"""Lesson 7: the session's panels, a composed piece with a statement, export, restore."""
from __future__ import annotations

import gradio as gr

from playground import scratch
from playground.export import export_all
from playground.panels import compose
from playground.params import STATEMENT_MAX_CHARS, TITLE_MAX_CHARS, load_preset
from playground.strings import text
from playground.texts import lesson_text
from playground.ui.panels import PORTFOLIO_MAX, PORTFOLIO_MAX_MB, commit, portfolio_view
from playground.ui.shared import Labs, Shared, cheap_event
from playground.ui.values import as_int
from playground.ui.words import filled, filled_text, say, w

STATEMENT_WORDS = 150  # lesson 7 (docs/lessons.md): a ~150-word artist's statement


def _indices(picked, what: str) -> list[int]:
    if picked is None:
        return []
    if not isinstance(picked, (list, tuple)):
        raise ValueError(f"{what} must be a list of panel numbers, got {type(picked).__name__}")
    return [as_int(i, what) for i in picked]


def kept_text(shared: Shared, lang: str = "en") -> str:
    """Where the portfolio lives and its cap, in the words the tab shows (in `lang`)."""
    store = shared.store
    cap = text("shared.cap", lang, panels=PORTFOLIO_MAX, mb=PORTFOLIO_MAX_MB)
    if store is None:
        return text("portfolio.kept.session", lang, cap=cap)
    where = (text("portfolio.kept.days", lang, days=f"{store.keep_days:g}") if store.persistent
             else text("portfolio.kept.restart", lang))
    return text("portfolio.kept.server", lang, cap=cap, where=where)


def picked_panels(portfolio, picked, request: gr.Request | None = None):
    if not portfolio:
        raise ValueError(say(request, "portfolio.error.empty"))
    picked = sorted(_indices(picked, "picked panels"))
    if not picked:
        raise ValueError(say(request, "portfolio.error.pick_one"))
    bad = [i + 1 for i in picked if not 0 <= i < len(portfolio)]
    if bad:
        raise ValueError(say(request, "portfolio.error.pick_range", n=len(portfolio), bad=bad))
    return [portfolio[i] for i in picked]


def word_count(statement, request: gr.Request = None) -> str:
    """The statement's length under its box, in the request's language."""
    n = len(str(statement or "").split())
    return say(request, "portfolio.words", n=n, aim=STATEMENT_WORDS)


def preview_piece(portfolio, picked, title, statement, request: gr.Request = None):
    return compose(picked_panels(portfolio, picked, request), title=title or None, statement=statement or None)


# The export's panel size: as made, or upscaled by the current model's learnt upscaler (panels
# already upscaled when they were made are kept as they are).
EXPORT_SIZES = {"As made": 1, "x2 (learnt upscaler)": 2, "x4 (learnt upscaler)": 4}
# ... as the radio shows them: (label in the page's language, the English value an API client sends)
SIZE_KEYS = {"As made": "portfolio.size.as_made", "x2 (learnt upscaler)": "portfolio.size.x2",
             "x4 (learnt upscaler)": "portfolio.size.x4"}


def export_size(size) -> int:
    if size is None or size == "":
        return 1
    if size not in EXPORT_SIZES:
        raise ValueError(f"export size must be one of {', '.join(EXPORT_SIZES)}, got {str(size)[:40]!r}")
    return EXPORT_SIZES[size]


def export_piece(labs: Labs, portfolio, picked, title, statement, size="As made", request: gr.Request = None):
    """PNG (with the `parameters` chunk), PDF and ZIP of the picked panels, ready to download."""
    panels, factor = picked_panels(portfolio, picked, request), export_size(size)
    if factor > 1:
        # on the CPU: this event runs outside the model queue and any GPU call (a 0.3 MB network)
        panels = [p if p.params.get("hires_upscale") else labs.lab.upscale(p, factor, device="cpu") for p in panels]
    files = export_all(panels, scratch.new_folder(), title or None, statement or None)
    # the piece shown is the exported PNG itself: composed and encoded once (25 ms of a 3-panel
    # export), and saved from the page it keeps its parameters
    return str(files["png"]), [str(files[k]) for k in ("png", "pdf", "zip")]


def remove_picked(portfolio, picked, request: gr.Request | None = None):
    drop = set(_indices(picked, "picked panels"))
    if not drop:
        raise ValueError(say(request, "portfolio.error.pick_remove"))
    return portfolio_view([p for i, p in enumerate(portfolio or []) if i not in drop], request)


def build_tab(labs: Labs, shared: Shared, ex) -> dict | None:
    preset, defaults = load_preset(ex.id), labs.lab.defaults()
    gr.Markdown(filled(f"intro.{ex.id}",  # the intro (as ui/words.lesson_text makes it) and where it is kept
                       lambda lang: f"{lesson_text('intro', ex.id, preset, defaults, lang)} {kept_text(shared, lang)}"))
    shared.portfolio_gallery.render()
    picked = shared.picked.render()
    with gr.Row():
        # the labels write TITLE_MAX_CHARS and STATEMENT_MAX_CHARS out in each language
        title = gr.Textbox(label=w("portfolio.title.label"), placeholder=w("portfolio.title.placeholder"),
                           scale=1, elem_id="portfolio-title", max_length=TITLE_MAX_CHARS)
        with gr.Column(scale=2):
            statement = gr.Textbox(label=w("portfolio.statement.label"), lines=5,
                                   elem_id="portfolio-statement", max_length=STATEMENT_MAX_CHARS,
                                   placeholder=w("portfolio.statement.placeholder"))
            words = gr.Markdown(filled_text("portfolio.words", n=0, aim=STATEMENT_WORDS))
    size = gr.Radio([(w(SIZE_KEYS[s]), s) for s in EXPORT_SIZES], value="As made", label=w("portfolio.size.label"),
                    info=w("portfolio.size.info"))
    with gr.Row():
        preview = gr.Button(w("portfolio.preview"))
        export = gr.Button(w("portfolio.export"), variant="primary")
        remove = gr.Button(w("portfolio.remove"), variant="stop")
    piece = gr.Image(label=w("portfolio.piece.label"), type="pil", format="png", interactive=False,
                     elem_classes=["pixelated", "upscale"])
    downloads = gr.File(label=w("portfolio.downloads.label"), file_count="multiple", interactive=False,
                        elem_id="portfolio-downloads", height=160)
    with gr.Accordion(w("portfolio.restore.title"), open=False):
        with gr.Row():
            dropped = gr.File(label=w("portfolio.restore.drop"), file_types=["image"], type="filepath", height=120,
                              elem_id="restore-drop")
            with gr.Column():
                found = gr.JSON(label=w("portfolio.restore.found"))
                into = [(w(f"title.{e.id}"), e.id) for e in shared.exercises if e.restores]
                target = gr.Dropdown(into, value=into[0][1], label=w("portfolio.restore.target"))
                restore_btn = gr.Button(w("portfolio.restore.button"))
    # Wired by ui/restore.py once every tab exists (its outputs are widgets of every tab).
    shared.restore_ui = {"dropped": dropped, "found": found, "target": target, "button": restore_btn}

    cheap_event(statement.change, word_count, statement, words, api_name="statement_words", api_visibility="private")
    cheap_event(preview.click, preview_piece, [shared.portfolio, picked, title, statement], piece,
                api_name="portfolio_preview", decodes=True)

    # a def, not functools.partial: gradio finds the gr.Request annotation only on a function
    def export_it(portfolio, picked, title, statement, size="As made", request: gr.Request = None):
        return export_piece(labs, portfolio, picked, title, statement, size, request)

    cheap_event(export.click, export_it, [shared.portfolio, picked, title, statement, size],
                [piece, downloads],
                api_name="portfolio_export", decodes=True)

    def remove_and_keep(portfolio, owner, picked, request: gr.Request = None):
        kept = remove_picked(portfolio, picked, request)[0]
        return commit(shared, owner, kept, request)

    cheap_event(remove.click, remove_and_keep, [shared.portfolio, shared.owner, picked], shared.portfolio_outputs,
                api_name="portfolio_remove")
