"""A Sketchpad that checks what it is sent before gradio decodes it (a huge layer once cost gigabytes).

gr.ImageEditor decodes the background, every layer and the composite in its preprocess, before
any callback runs: a 118 KB PNG claiming 10000 x 10000 pixels cost 1.2 GB there, and the layer
list had no length. This one reads only the headers first (uploads.check_sketch), then
decodes the composite alone, the one image the ControlNet tab uses. The browser sends the
images as blobs to `accept_blobs` before the event; those are checked (and capped in number
and bytes) on arrival, and a refusal is reported when the event runs
(as a ValueError, which ui/guard.py shows as the message).

It is one gr.Sketchpad with two methods replaced, not a subclass: gradio writes a .pyi stub next
to the module of every Component subclass it sees.
"""
from __future__ import annotations

import types
from collections import OrderedDict

import gradio as gr
from gradio.components.base import server
from gradio.components.image_editor import EditorDataBlobs

from playground.uploads import DECODE_ERRORS, MAX_SKETCH_LAYERS, check_sketch

# Blobs waiting for their event, all sessions together: a sketch is a few hundred KB, so 64 MB
# is a class drawing at once; past it the oldest pending sketch is dropped (its event then
# says so), never the server's memory.
PENDING_BYTES = 64 * 2**20
PENDING_REFUSALS = 256  # messages kept for refused blobs until their event asks
BLOB_KINDS = ("background", "composite", "layer")
GONE = "sketch: the drawing expired on the server before it was used; press Run again"


def checked_sketchpad(**kwargs) -> gr.Sketchpad:
    """gr.Sketchpad(**kwargs) whose images are checked from their headers before any decoding.
    It opens with the brush ready (the page's script, ui/look.py, picks it: class brush-ready) and
    with one layer and no layer menu (its button was named "Show Layers" while it showed "Layer 1")."""
    side = kwargs.get("canvas_size", (800, 800))[0]
    # brush-ready: the page's script picks the brush; side-N: its canvas side, so on a phone the
    # script can zoom the pad to use the screen's width (ui/look.py)
    kwargs.setdefault("elem_classes", ["brush-ready", f"side-{side}"])
    kwargs.setdefault("layers", False)
    # PNG, not gradio's lossy WebP: the inpainting mask is the difference from the loaded picture
    kwargs.setdefault("format", "png")
    pad = gr.Sketchpad(**kwargs)
    pad.blob_storage = OrderedDict()
    pad.refused = OrderedDict()
    pad.accept_blobs = types.MethodType(accept_blobs, pad)
    pad.preprocess = types.MethodType(preprocess, pad)
    return pad


# ---------------------------------------------------------------- blobs from the browser
def _blob_bytes(pad) -> int:
    return sum(len(b or b"") for blobs in pad.blob_storage.values()
               for b in (blobs.background, blobs.composite, *blobs.layers))


def _remember_refusal(pad, blob_id: str, message: str) -> None:
    pad.blob_storage.pop(blob_id, None)
    pad.refused[blob_id] = message
    while len(pad.refused) > PENDING_REFUSALS:
        pad.refused.popitem(last=False)


def _check_blob(kind, index, blob) -> int | None:
    """The layer index (None for background/composite) of a blob that passes, else a ValueError."""
    if kind not in BLOB_KINDS:
        raise ValueError(f"sketch: unknown part {str(kind)[:40]!r}; expected one of {', '.join(BLOB_KINDS)}")
    if kind == "layer":
        index = int(index) if str(index).isdigit() else -1
        if not 0 <= index < MAX_SKETCH_LAYERS:
            raise ValueError(f"sketch: a layer beyond the {MAX_SKETCH_LAYERS} allowed")
    check_sketch(blob if kind == "background" else None, [blob] if kind == "layer" else [],
                 blob if kind == "composite" else None)
    return index if kind == "layer" else None


@server
def accept_blobs(pad, data):
    """One image of a sketch from the browser: checked now, kept until its event runs."""
    fields, files = getattr(data, "data", None), getattr(data, "files", None)
    if not isinstance(fields, dict) or not files or not isinstance(fields.get("id"), str):
        return None  # not a blob upload at all: nothing to keep, nothing to report to
    blob_id, kind = fields["id"], fields.get("type")
    try:
        blob = files[0][1]
        index = _check_blob(kind, fields.get("index"), blob)
    except (ValueError, TypeError, IndexError) as e:
        _remember_refusal(pad, blob_id, str(e) if isinstance(e, ValueError) else "sketch: malformed upload")
        return None
    if blob_id in pad.refused:
        return None
    current = pad.blob_storage.pop(blob_id, EditorDataBlobs(background=None, layers=[], composite=None))
    if kind == "layer":
        current.layers.extend([None] * (index + 1 - len(current.layers)))
        current.layers[index] = blob
    else:
        setattr(current, kind, blob)
    pad.blob_storage[blob_id] = current  # newest last
    while _blob_bytes(pad) > PENDING_BYTES and len(pad.blob_storage) > 1:
        pad.blob_storage.popitem(last=False)
    return None


# ---------------------------------------------------------------- the event's payload
def preprocess(pad, payload):
    """What the callback gets: {"background": None, "layers": [], "composite": image}."""
    if payload is None:
        return None
    if payload.id is not None:
        if payload.id in pad.refused:
            raise ValueError(pad.refused.pop(payload.id))
        source = pad.blob_storage.pop(payload.id, None)
        if source is None:
            raise ValueError(GONE)
        parts = (source.background, [b for b in source.layers if b is not None], source.composite)
    else:
        source = payload
        parts = (payload.background.path if payload.background else None,
                 [f.path for f in payload.layers if f is not None],
                 payload.composite.path if payload.composite else None)
    check_sketch(*parts)  # a ValueError reaches the user through ui/guard.py
    # Only the composite is decoded: the ControlNet tab draws its control map from it.
    try:
        composite = pad.convert_and_format_image(source.composite, flatten_on_white=True)
    except DECODE_ERRORS as e:  # a valid header over damaged data
        raise ValueError(f"sketch composite: damaged image data ({type(e).__name__})") from None
    return {"background": None, "layers": [], "composite": composite}
