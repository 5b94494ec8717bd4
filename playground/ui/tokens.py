"""A token count under a prompt box: how much of the prompt the text encoder reads."""
from __future__ import annotations

from html import escape

import gradio as gr

from playground.params import PROMPT_MAX_CHARS
from playground.ui.shared import Labs, cheap_event


def count_text(labs: Labs, text) -> str:
    counted = labs.lab.tokens(text)
    if counted is None:
        return "<small>token count: the model is still loading</small>"
    line = f"{counted['count']} of {counted['max']} tokens"
    if counted["cut"]:
        return f"<small>**{line}**: the text encoder will not see “{escape(counted['cut'][:120])}”</small>"
    return f"<small>{line}</small>"


def token_count(labs: Labs, box, name: str) -> gr.Markdown:
    """A line under `box` that follows its text (private endpoint <name>_tokens)."""
    shown = gr.Markdown(count_text(labs, box.value) if labs.lab.loaded else "", elem_classes=["token-count"])
    cheap_event(box.change, lambda text: count_text(labs, text), box, shown, api_name=f"{name}_tokens",
                api_visibility="private", trigger_mode="always_last", show_progress="hidden")
    return shown


def prompt_box(labs: Labs, name: str, scale: int | None = None, **textbox) -> gr.Textbox:
    """A prompt Textbox (capped at PROMPT_MAX_CHARS) with its token count right under it."""
    textbox.setdefault("max_length", PROMPT_MAX_CHARS)
    with gr.Column(scale=scale or 1, min_width=240):
        box = gr.Textbox(**textbox)
        token_count(labs, box, name)
    return box
