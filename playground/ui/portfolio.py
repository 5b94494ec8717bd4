"""Lesson 7: the session's panels, a composed piece with a statement, export, restore."""
from __future__ import annotations

from functools import partial

import gradio as gr

from playground import scratch
from playground.export import export_all
from playground.panels import compose
from playground.params import STATEMENT_MAX_CHARS, TITLE_MAX_CHARS, load_preset
from playground.texts import intro_text
from playground.ui.panels import cap_text, commit, portfolio_view
from playground.ui.shared import Labs, Shared, cheap_event
from playground.ui.values import as_int

STATEMENT_WORDS = 150  # lesson 7 (docs/lessons.md): a ~150-word artist's statement


def _indices(picked, what: str) -> list[int]:
    if picked is None:
        return []
    if not isinstance(picked, (list, tuple)):
        raise ValueError(f"{what} must be a list of panel numbers, got {type(picked).__name__}")
    return [as_int(i, what) for i in picked]


def kept_text(shared: Shared) -> str:
    """Where the portfolio lives and its cap, in the words the tab shows."""
    store = shared.store
    if store is None:
        return f"The portfolio lives in this browser session and holds {cap_text()}."
    where = (f"kept on this server for {store.keep_days:g} days after your last visit" if store.persistent
             else "kept on this server until it restarts")
    return (f"The portfolio holds {cap_text()}. It is {where}, linked to this browser: a page reload brings it "
            "back (one tab at a time). Export it to keep it for good.")


def picked_panels(portfolio, picked):
    if not portfolio:
        raise ValueError("the portfolio is empty: use 'Add to portfolio' under any panel first")
    picked = sorted(_indices(picked, "picked panels"))
    if not picked:
        raise ValueError("pick at least one panel (three make a triptych)")
    bad = [i + 1 for i in picked if not 0 <= i < len(portfolio)]
    if bad:
        raise ValueError(f"picked panels must be in 1..{len(portfolio)}, got {bad}")
    return [portfolio[i] for i in picked]


def word_count(statement) -> str:
    n = len(str(statement or "").split())
    return f"{n} words (aim for about {STATEMENT_WORDS})"


def preview_piece(portfolio, picked, title, statement):
    return compose(picked_panels(portfolio, picked), title=title or None, statement=statement or None)


# The export's panel size: as made, or upscaled by the current model's learnt upscaler (panels
# already upscaled when they were made are kept as they are).
EXPORT_SIZES = {"As made": 1, "x2 (learnt upscaler)": 2, "x4 (learnt upscaler)": 4}


def export_size(size) -> int:
    if size is None or size == "":
        return 1
    if size not in EXPORT_SIZES:
        raise ValueError(f"export size must be one of {', '.join(EXPORT_SIZES)}, got {str(size)[:40]!r}")
    return EXPORT_SIZES[size]


def export_piece(labs: Labs, portfolio, picked, title, statement, size="As made"):
    """PNG (with the `parameters` chunk), PDF and ZIP of the picked panels, ready to download."""
    panels, factor = picked_panels(portfolio, picked), export_size(size)
    if factor > 1:
        # on the CPU: this event runs outside the model queue and any GPU call (a 0.3 MB network)
        panels = [p if p.params.get("hires_upscale") else labs.lab.upscale(p, factor, device="cpu") for p in panels]
    files = export_all(panels, scratch.new_folder(), title or None, statement or None)
    piece = compose(panels, title=title or None, statement=statement or None)
    return piece, [str(files[k]) for k in ("png", "pdf", "zip")]


def remove_picked(portfolio, picked):
    drop = set(_indices(picked, "picked panels"))
    if not drop:
        raise ValueError("pick the panels to remove first")
    return portfolio_view([p for i, p in enumerate(portfolio or []) if i not in drop])


def build_tab(labs: Labs, shared: Shared, ex) -> dict | None:
    gr.Markdown(f"{intro_text(load_preset(ex.id), labs.lab.defaults())} {kept_text(shared)}")
    shared.portfolio_gallery.render()
    picked = shared.picked.render()
    with gr.Row():
        title = gr.Textbox(label=f"Title (up to {TITLE_MAX_CHARS} characters)", placeholder="e.g. Three guidance scales",
                           scale=1, elem_id="portfolio-title", max_length=TITLE_MAX_CHARS)
        with gr.Column(scale=2):
            statement = gr.Textbox(label=f"Artist's statement (up to {STATEMENT_MAX_CHARS} characters)", lines=5,
                                   elem_id="portfolio-statement", max_length=STATEMENT_MAX_CHARS,
                                   placeholder="What you tried, what changed, what it taught you.")
            words = gr.Markdown(word_count(""))
    size = gr.Radio(list(EXPORT_SIZES), value="As made", label="Panel size in the export",
                    info="the PNG, PDF and ZIP; a panel made with 'Upscale results' on keeps its size")
    with gr.Row():
        preview = gr.Button("Preview piece")
        export = gr.Button("Export PNG, PDF and ZIP", variant="primary")
        remove = gr.Button("Remove picked panels", variant="stop")
    piece = gr.Image(label="The piece", type="pil", format="png", interactive=False,
                     elem_classes=["pixelated", "upscale"])
    downloads = gr.File(label="Downloads", file_count="multiple", interactive=False, elem_id="portfolio-downloads",
                        height=160)
    with gr.Accordion("Restore settings from a saved PNG (ours or AUTOMATIC1111's)", open=False):
        with gr.Row():
            dropped = gr.File(label="Drop a PNG", file_types=["image"], type="filepath", height=120,
                              elem_id="restore-drop")
            with gr.Column():
                found = gr.JSON(label="Settings found")
                into = [(e.title, e.id) for e in shared.exercises if e.restores]
                target = gr.Dropdown(into, value=into[0][1], label="Restore into tab")
                restore_btn = gr.Button("Restore settings")
    # Wired by ui/restore.py once every tab exists (its outputs are widgets of every tab).
    shared.restore_ui = {"dropped": dropped, "found": found, "target": target, "button": restore_btn}

    cheap_event(statement.change, word_count, statement, words, api_name="statement_words", api_visibility="private")
    cheap_event(preview.click, preview_piece, [shared.portfolio, picked, title, statement], piece,
                api_name="portfolio_preview", decodes=True)
    cheap_event(export.click, partial(export_piece, labs), [shared.portfolio, picked, title, statement, size],
                [piece, downloads],
                api_name="portfolio_export", decodes=True)

    def remove_and_keep(portfolio, owner, picked):
        kept = remove_picked(portfolio, picked)[0]
        return commit(shared, owner, kept)

    cheap_event(remove.click, remove_and_keep, [shared.portfolio, shared.owner, picked], shared.portfolio_outputs,
                api_name="portfolio_remove")
