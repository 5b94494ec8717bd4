"""The pictures a panel was made from, kept with it so that a finished piece can be remade.

A ControlNet panel keeps its control image (the drawing or picture the detector read, at the
generation size) and its control map; an inpainting panel keeps its picture and its mask. The
panels of one run share the very same image objects, so a grid of four scales holds one map.

In a PNG each picture is a compressed iTXt chunk `playground-<name>` whose text is the picture
as a base64 PNG: text, because every PNG tool keeps text chunks and `parameters` (what A1111
and friends read) stays as it was. Pillow refuses a whole file whose one text chunk inflates
past 1 MiB (PngImagePlugin.MAX_TEXT_CHUNK), so a bigger picture (a 1024 px photo) continues in
`playground-<name>-2`, `-3`, ... Reading them back is reading an upload: the text, the bytes and
the pixels are bounded before anything is decoded, and only PNGs in the modes written here pass.
"""
from __future__ import annotations

import base64
import binascii
import io
import math
from pathlib import Path
from typing import BinaryIO, Mapping, Union

from PIL import Image, PngImagePlugin

from playground.uploads import DECODE_ERRORS, check_header, open_header

# name -> caption (the PDF's and the ZIP manifest's words); diffusers' images, in their order.
INPUTS = {"control_image": "control image", "control_map": "control map", "init_image": "picture", "mask": "mask"}
CHUNK_PREFIX = "playground-"
# A 1024 x 1024 photo as PNG is 2 to 3 MB (incompressible noise 3.1 MB); the largest model's
# size is 1024 px, so these leave room and still bound what a hostile PNG can make us decode.
MAX_BYTES = 4 * 2**20
MAX_PIXELS = 2048 * 2048
PART_CHARS = 1_000_000  # under Pillow's 1 MiB per text chunk
MAX_B64_CHARS = 4 * math.ceil(MAX_BYTES / 3)
MAX_PARTS = math.ceil(MAX_B64_CHARS / PART_CHARS)
MODES = ("RGB", "L")  # what the exercises make: RGB pictures and maps, "L" masks


def chunk_name(name: str, part: int = 1) -> str:
    return f"{CHUNK_PREFIX}{name}" + (f"-{part}" if part > 1 else "")


def check_inputs(inputs) -> dict[str, Image.Image]:
    """The inputs as a new dict, each a known name and a PIL image in RGB or L of bounded size."""
    if inputs is None:
        return {}
    if not isinstance(inputs, Mapping):
        raise ValueError(f"inputs must be a dict of name -> image, got {type(inputs).__name__}")
    out = {}
    for name, image in inputs.items():
        if name not in INPUTS:
            raise ValueError(f"inputs: {str(name)[:40]!r} is not one of {', '.join(INPUTS)}")
        if not isinstance(image, Image.Image):
            raise ValueError(f"inputs[{name!r}] must be a PIL.Image.Image, got {type(image).__name__}")
        if image.mode not in MODES:
            raise ValueError(f"inputs[{name!r}] must be in mode {' or '.join(MODES)}, got {image.mode}")
        w, h = image.size
        if not 1 <= w * h <= MAX_PIXELS:
            raise ValueError(f"inputs[{name!r}] is {w} x {h} pixels; allowed 1 to {MAX_PIXELS:,}")
        out[name] = image
    return out


def png_bytes(name: str, image: Image.Image, memo: dict | None = None) -> bytes:
    """The input as PNG bytes (within MAX_BYTES). `memo` (id -> (image, bytes)) lets one export
    encode a picture that several panels share once; the image is kept in it, so the id holds."""
    if memo is not None and id(image) in memo:
        return memo[id(image)][1]
    buf = io.BytesIO()
    image.save(buf, format="PNG")
    data = buf.getvalue()
    if len(data) > MAX_BYTES:
        raise ValueError(f"inputs[{name!r}] is {len(data):,} bytes as PNG; the limit is {MAX_BYTES:,}")
    if memo is not None:
        memo[id(image)] = (image, data)
    return data


def add_chunks(info: PngImagePlugin.PngInfo, inputs: Mapping[str, Image.Image], memo: dict | None = None) -> None:
    """One compressed iTXt chunk per input (more where its text passes PART_CHARS)."""
    for name, image in inputs.items():
        text = base64.b64encode(png_bytes(name, image, memo)).decode("ascii")
        for i in range(0, len(text), PART_CHARS):
            info.add_itxt(chunk_name(name, i // PART_CHARS + 1), text[i:i + PART_CHARS], zip=True)


def _chunk_text(chunks: Mapping, name: str) -> str | None:
    """An input's base64 text, its parts joined (None: the PNG has none), length-checked."""
    parts = []
    for part in range(1, MAX_PARTS + 2):  # one past the most we write: a longer text is refused
        raw = chunks.get(chunk_name(name, part))
        if raw is None:
            break
        if not isinstance(raw, str):
            raise ValueError(f"the {chunk_name(name, part)!r} chunk is not text")
        parts.append(raw)
    if not parts:
        return None
    size = sum(len(p) for p in parts)
    if size > MAX_B64_CHARS:
        raise ValueError(f"the {chunk_name(name)!r} chunks hold {size:,} characters; the limit is {MAX_B64_CHARS:,}")
    return "".join(parts)


def decode(data: bytes, name: str) -> Image.Image:
    """A PNG of an input, checked as an upload is (bytes, header, pixels) before decoding."""
    label = f"the {chunk_name(name)!r} chunk"
    if len(data) > MAX_BYTES:
        raise ValueError(f"{label} holds {len(data):,} bytes; the limit is {MAX_BYTES:,}")
    img = open_header(data, label, MAX_PIXELS)
    if img.format != "PNG" or img.mode not in MODES:
        raise ValueError(f"{label} must hold a PNG in mode {' or '.join(MODES)}, got {img.format} {img.mode}")
    check_header(img, label, MAX_PIXELS)
    try:
        img.load()
    except DECODE_ERRORS as e:
        raise ValueError(f"{label} is damaged and cannot be decoded ({type(e).__name__})") from None
    return img


def read_chunks(chunks: Mapping) -> dict[str, Image.Image]:
    """The inputs a PNG's text chunks carry ({} when none), or a ValueError naming the chunk."""
    out = {}
    for name in INPUTS:
        text = _chunk_text(chunks, name)
        if text is None:
            continue
        try:
            data = base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError):
            raise ValueError(f"the {chunk_name(name)!r} chunk is not base64 PNG data") from None
        out[name] = decode(data, name)
    return out


def read_inputs(source: Union[str, Path, BinaryIO, Image.Image]) -> dict[str, Image.Image]:
    """The pictures a saved PNG carries ({} when none): a panel's, or for a portfolio PNG its
    first panel's (as read_params gives that panel's settings). Only chunks before the image
    data count (where Pillow writes them): nothing is decoded to find them."""
    if isinstance(source, Image.Image):
        return read_chunks(source.info)
    try:
        img = Image.open(source)
    except (Image.DecompressionBombError, *DECODE_ERRORS) as e:
        raise ValueError(f"cannot read an image from {source!r}: {e}") from None
    with img:
        return read_chunks(img.info)
