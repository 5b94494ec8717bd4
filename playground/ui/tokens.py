"""A token count under a prompt box: how much of the prompt the text encoder reads."""
from __future__ import annotations

from html import escape

import gradio as gr

from playground.params import PROMPT_MAX_CHARS
from playground.strings import table, text as words
from playground.ui.shared import Labs, cheap_event
from playground.ui.words import filled, lang_of


# When much of a prompt reaches the text encoder as [UNK] or fragments of characters
# (playground/tokens.py): what the model reads, said plainly in the student's language
# (presets/i18n/<lang>/tokens.yaml); the prompt itself is never translated.
def count_text(labs: Labs, text, lang: str = "en") -> str:
    counted = labs.lab.tokens(text)
    if counted is None:
        return "<small>" + words("tokens.loading", lang) + "</small>"
    line = words("tokens.count", lang, count=counted["count"], max=counted["max"])
    if counted.get("unknown"):
        line += words("tokens.unknown", lang, unknown=counted["unknown"])
    stated = counted.get("languages") or ""
    languages = escape(words(f"tokens.language.{stated}", lang) if f"tokens.language.{stated}" in table("en") else stated)
    note = ("<br>" + (words("tokens.note", lang, languages=languages) if languages else words("tokens.note_unstated", lang))
            if counted.get("unreadable") else "")
    if counted["cut"]:
        return "<small>**" + line + "**" + words("tokens.cut", lang, cut=escape(counted["cut"][:120])) + note + "</small>"
    return f"<small>{line}{note}</small>"


def token_count(labs: Labs, box, name: str) -> gr.Markdown:
    """A line under `box` that follows its text (private endpoint <name>_tokens), in the
    student's language (the first one: every language at build time)."""
    first = filled(f"tokens.first.{name}", lambda lang: count_text(labs, box.value, lang)) if labs.lab.loaded else ""
    shown = gr.Markdown(first, elem_classes=["token-count"])

    def follow(text, request: gr.Request = None):
        return count_text(labs, text, lang_of(request) if request is not None else "en")

    cheap_event(box.change, follow, box, shown, api_name=f"{name}_tokens",
                api_visibility="private", trigger_mode="always_last", show_progress="hidden")
    return shown


def prompt_box(labs: Labs, name: str, scale: int | None = None, **textbox) -> gr.Textbox:
    """A prompt Textbox (capped at PROMPT_MAX_CHARS) with its token count right under it."""
    textbox.setdefault("max_length", PROMPT_MAX_CHARS)
    with gr.Column(scale=scale or 1, min_width=240):
        box = gr.Textbox(**textbox)
        token_count(labs, box, name)
    return box
