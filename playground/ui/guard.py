"""Malformed requests get a message: the Blocks of this app (a malformed API payload once crashed the request silently).

gradio turns a payload its components cannot read (a list where a dict is expected, text in a
number box, a damaged sketch) into an error that, with show_error=False, reaches the user as a
bare "Error". GuardedBlocks catches those at the one place every request passes, before and
after the callback, and answers with a toast naming the input and what was wrong. Messages are
escaped: toasts render HTML, and these echo what the request sent.
"""
from __future__ import annotations

import html
from typing import Any

import gradio as gr
from gradio.i18n import I18nData
from pydantic import ValidationError

from playground.strings import text

TITLE = "Please check the request"
REASON_CHARS = 300  # a reason longer than this is cut: it may quote a huge payload
# What reading a malformed payload raises inside gradio and its components; anything else is a
# bug and stays one.
MALFORMED = (ValueError, TypeError, KeyError, IndexError, AttributeError, OSError, OverflowError)


def escape(text: str) -> str:
    """Text shown as text in a toast (which renders HTML): <, > and & escaped, quotes kept."""
    return html.escape(text, quote=False)


def _short(text: str) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= REASON_CHARS else text[:REASON_CHARS] + "..."


def label_of(block: Any) -> str:
    """How the page names a component: its label (a translated one in English), else its kind."""
    label = getattr(block, "label", None)
    if isinstance(label, I18nData):
        try:
            label = text(label.key)
        except KeyError:  # a text made at build time (ui/words.filled): no English table entry
            label = label.key
    return str(label or type(block).__name__)


def _pydantic_reason(err: ValidationError) -> str:
    first = err.errors()[0] if err.errors() else {}
    where = ".".join(str(p) for p in first.get("loc", ()))
    return f"{first.get('msg', 'malformed value')}{f' at {where}' if where else ''}"


def _guess_block(block_fn, inputs: list) -> Any:
    """The first input whose payload its data model refuses (for pydantic errors, which gradio
    raises without saying which input)."""
    for block, value in zip(block_fn.inputs, inputs):
        model = getattr(block, "data_model", None)
        if model is None or value is None:
            continue
        try:
            model.model_validate(value, context={"validate_meta": True})
        except (ValidationError, ValueError, TypeError):
            return block
    return None


def malformed(block_fn, inputs: list, err: BaseException) -> gr.Error:
    """The toast for a request gradio could not read."""
    cause = err.__cause__ if isinstance(err.__cause__, Exception) else err
    if isinstance(cause, ValidationError):
        block = _guess_block(block_fn, inputs)
        where = f"{label_of(block)}: " if block is not None else ""
        text = f"{where}malformed value ({_pydantic_reason(cause)})"
    elif len(inputs) != len(block_fn.inputs):  # the API's inputs: session state is not one of them
        shown = [b for b in block_fn.inputs if not getattr(b, "skip_api", False)]
        names = ", ".join(label_of(b) for b in shown) or "none"
        text = f"this endpoint takes {len(shown)} input{'s' * (len(shown) != 1)} ({names}), got {len(inputs)}"
    else:
        text = str(err) if str(err) else type(err).__name__
    return gr.Error(escape(_short(text)), title=TITLE, print_exception=False)


class GuardedBlocks(gr.Blocks):
    """gr.Blocks whose requests fail with a message, never a bare "Error"."""

    @staticmethod
    def _format_processing_error(block_fn, index, block, value, is_input, original_error) -> str:
        # gradio's own text explains the Python types to a developer; ours names the widget.
        reason = str(original_error) or type(original_error).__name__
        if is_input and isinstance(original_error, TypeError):  # "'<' not supported between str and int"
            kind = (block.api_info() or {}).get("type", "a different value")
            kind = kind if isinstance(kind, str) else "a different value"
            return f"{label_of(block)}: expected {kind}, got {_short(repr(value))[:80]}"
        if is_input:
            return f"{label_of(block)}: {reason}"
        return f"the app could not show {label_of(block)} ({type(original_error).__name__}: {reason})"

    async def preprocess_data(self, block_fn, inputs, state, explicit_call: bool = False):
        try:
            return await super().preprocess_data(block_fn, inputs, state, explicit_call)
        except gr.Error as e:  # gradio's own checks (a value not among the choices) echo the value
            raise gr.Error(escape(_short(e.message)), title=e.title or TITLE, print_exception=False) from e
        except MALFORMED as e:
            raise malformed(block_fn, list(inputs or []), e) from e

    async def postprocess_data(self, block_fn, predictions, state):
        try:
            return await super().postprocess_data(block_fn, predictions, state)
        except gr.Error:
            raise
        except MALFORMED as e:
            raise gr.Error(escape(_short(str(e))), title="The result could not be shown",
                           print_exception=True) from e
