"""The page's words through gradio's own i18n: w("key") in a label, a button, a Markdown.

gr.I18n sends every table to the browser, which picks the language the browser asks for (or the
one picked in gradio's Settings); nothing here switches languages by hand. Texts filled from a
preset (each tab's intro and About, with its numbers and prompts) are made at build time in
every language and added under their own keys (`filled`). Messages made on the server (toasts,
counts) are worded in the request's language (`say`, from Accept-Language).
"""
from __future__ import annotations

import gradio as gr
from gradio.i18n import I18nData

from playground import texts
from playground.strings import LANGUAGES, language, table, text

# Texts made at build time: key -> {lang: text}. Added to the tables gr.I18n gets at launch.
_FILLED: dict[str, dict[str, str]] = {}


def w(key: str) -> I18nData:
    """The translation marker of `key` (a KeyError at build time for a key English lacks)."""
    text(key)  # fails early on a typo, not as a raw key on the page
    return I18nData(key)


def filled(key: str, make) -> I18nData:
    """A text made per language by make(lang) -> str (a preset's template filled with its
    values), registered under `key` for launch(i18n=...), and its marker."""
    _FILLED[key] = {lang: make(lang) for lang in LANGUAGES}
    return I18nData(key)


def i18n() -> gr.I18n:
    """Every table, with the texts filled at build time: what launch(i18n=...) takes."""
    tables = {lang: dict(table(lang)) for lang in LANGUAGES}
    for key, by_lang in _FILLED.items():
        for lang, value in by_lang.items():
            tables[lang][key] = value
    return gr.I18n(**tables)


def lang_of(request) -> str:
    headers = getattr(request, "headers", None) or {}
    return language(headers.get("accept-language"))


def say(request, key: str, **values) -> str:
    """A server-built message in the request's language (English without a request)."""
    return text(key, lang_of(request) if request is not None else "en", **values)


def lesson_text(kind: str, ex_id: str, preset: dict, defaults: dict) -> I18nData:
    """A tab's intro or About, filled with its preset's values in every language."""
    return filled(f"{kind}.{ex_id}", lambda lang: texts.lesson_text(kind, ex_id, preset, defaults, lang))


def filled_text(key: str, **values) -> I18nData:
    """A table text with values filled in, in every language, under key#values."""
    name = key + "#" + "&".join(f"{k}={v}" for k, v in sorted(values.items()))
    return filled(name, lambda lang: text(key, lang, **values))
