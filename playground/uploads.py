"""Checking images that come from outside (uploads, sketches) before any model sees them.

Pure helpers, no gradio: the UI turns their ValueErrors into toasts. The order of the checks
matters: the size is read from the file header and capped *before* any pixel is decoded, so a
small file that claims 50 000 x 50 000 pixels (a decompression bomb) costs nothing.
"""
from __future__ import annotations

import io
import struct
import warnings
from pathlib import Path
from typing import NamedTuple, Sequence, Union

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

# 4096 x 4096: well above any model's input (at most 1024 px) and a phone photo (~12 MP), far
# below what fills memory once decoded (16.7 MP x 4 bytes = 67 MB).
MAX_PIXELS = 4096 * 4096
# Uploads larger than this are refused before opening; the app's max_file_size matches it.
MAX_FILE_BYTES = 20 * 1024 * 1024
# A sketch comes from a 384 px canvas (768 px on a high-density screen); gradio decodes its
# background, every layer and the composite, so 1024 x 1024 RGBA each (4 MB) keeps a whole
# sketch under ~50 MB. A 10000 x 10000 composite would cost 1.2 GB.
MAX_SKETCH_PIXELS = 1024 * 1024
# The canvas has one layer; a few more leave room for the editor's own, never 10 000.
MAX_SKETCH_LAYERS = 4
_ORIENTATION = 0x0112  # the EXIF tag a phone sets when the picture was taken on its side
# What Pillow's parsers raise on hostile or damaged files (a TIFF without dimensions raises
# TypeError, a broken IFD KeyError, a short chunk struct.error): all mean "this file is damaged".
DECODE_ERRORS = (OSError, ValueError, SyntaxError, EOFError, TypeError, KeyError, IndexError, struct.error,
                 ZeroDivisionError, AttributeError)
# Modes whose samples are wider than 8 bits: scaled down to 8 bits, and the user told so.
_WIDE_MODES = {"I;16": 65535, "I;16L": 65535, "I;16B": 65535, "I;16N": 65535, "I": 65535}
# A sketch whose pixels all lie within this distance of one colour was never drawn on.
_EMPTY_SKETCH_SPREAD = 8

Source = Union[str, Path, Image.Image]


class LoadedImage(NamedTuple):
    """An RGB image ready for a pipeline, plus what was converted on the way (for the user)."""

    image: Image.Image
    notes: list[str]


def _side(max_pixels: int) -> str:
    side = int(max_pixels ** 0.5)
    return f"{side} x {side}"


def open_header(source: Union[Path, bytes], name: str, max_pixels: int = MAX_PIXELS) -> Image.Image:
    """A file (path) or bytes opened lazily: only the header is read, no pixel decoded."""
    # 1. refuse what is not a file, too big on disk, or not an image at all
    if isinstance(source, (bytes, bytearray, memoryview)):
        size, opened = len(source), io.BytesIO(bytes(source))
    else:
        if not source.is_file():
            raise ValueError(f"image upload: no file at {source.name!r}")
        size, opened = source.stat().st_size, source
    if size == 0:
        raise ValueError(f"image upload: {name!r} is empty (0 bytes)")
    if size > MAX_FILE_BYTES:
        raise ValueError(f"image upload: {name!r} is {size / 2**20:.1f} MB, "
                         f"the limit is {MAX_FILE_BYTES // 2**20} MB")
    # Pillow's own bomb guard (a warning past 89 MP, an error past 179 MP) fires at open();
    # our smaller cap below replaces it with one clear message either way.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        try:
            return Image.open(opened)
        except Image.DecompressionBombError:
            raise ValueError(f"image upload: {name!r} has more than {max_pixels:,} pixels "
                             f"(a decompression bomb?); the limit is {_side(max_pixels)}") from None
        except (UnidentifiedImageError, *DECODE_ERRORS):
            raise ValueError(f"image upload: {name!r} is not an image Pillow can read "
                             "(PNG, JPEG, WebP, BMP, GIF, TIFF)") from None


def _open_header(path: Path) -> Image.Image:
    return open_header(path, path.name)


def check_size(w: int, h: int, name: str, max_pixels: int = MAX_PIXELS) -> None:
    if w < 1 or h < 1 or w * h > max_pixels:
        raise ValueError(f"image upload: {name!r} is {w} x {h} = {w * h:,} pixels; "
                         f"allowed 1 to {max_pixels:,} pixels ({_side(max_pixels)})")


def check_header(img: Image.Image, name: str = "image", max_pixels: int = MAX_PIXELS) -> None:
    """Refuse too many pixels or several frames, from the header alone (nothing decoded)."""
    check_size(*img.size, name, max_pixels)
    try:
        frames = getattr(img, "n_frames", 1)
    except DECODE_ERRORS:  # counting frames reads past the header
        raise ValueError(f"image upload: {name!r} is damaged and cannot be decoded") from None
    if frames > 1:
        raise ValueError(f"image upload: {name!r} is animated ({frames} frames); "
                         "upload a still image (save one frame as PNG)")


def to_rgb(img: Image.Image, name: str = "image") -> LoadedImage:
    """Decode and convert any single-frame image to 8-bit RGB, saying what was changed."""
    notes: list[str] = []
    try:
        img.load()
        # exif_transpose copies even an upright image: 48 MB more for a 4096 x 4096 upload
        if img.getexif().get(_ORIENTATION, 1) != 1:  # reading EXIF may fail on damage too
            img = ImageOps.exif_transpose(img)
    except DECODE_ERRORS as e:  # truncated or corrupt pixel data
        raise ValueError(f"image upload: {name!r} is damaged and cannot be decoded ({type(e).__name__})") from None
    mode = img.mode
    if mode in _WIDE_MODES:
        # convert("L") would clip every value above 255 to white; scale the range instead.
        arr = np.asarray(img, dtype=np.float64) * (255.0 / _WIDE_MODES[mode])
        img = Image.fromarray(np.clip(arr, 0, 255).round().astype(np.uint8), "L")
        notes.append(f"{name}: 16-bit image reduced to 8 bits per channel")
    elif mode == "F":
        raise ValueError(f"image upload: {name!r} holds floating-point samples (mode F); "
                         "save it as an 8- or 16-bit PNG or JPEG")
    elif mode == "CMYK":
        notes.append(f"{name}: CMYK image converted to RGB (colours may shift slightly)")
    if img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info):
        # Pipelines take RGB; transparent areas become white, as on paper.
        rgba = img.convert("RGBA")
        flat = Image.new("RGB", rgba.size, (255, 255, 255))
        flat.paste(rgba, mask=rgba.getchannel("A"))
        notes.append(f"{name}: transparent areas filled with white")
        return LoadedImage(flat, notes)
    return LoadedImage(img if img.mode == "RGB" else img.convert("RGB"), notes)


def load_image(source: Source) -> LoadedImage:
    """An uploaded file (path) or an in-memory image, checked and converted to RGB."""
    if source is None or (isinstance(source, str) and not source.strip()):
        raise ValueError("image: none given; upload an image or send a panel here")
    if isinstance(source, Image.Image):
        check_header(source)
        return to_rgb(source)
    path = Path(source)
    img = _open_header(path)
    check_header(img, path.name)
    return to_rgb(img, path.name)


def check_sketch(background, layers: Sequence, composite) -> None:
    """The parts of a sketch (paths or bytes, None for absent), checked from their headers before
    anyone decodes them: at most MAX_SKETCH_LAYERS layers and MAX_SKETCH_PIXELS pixels each."""
    layers = list(layers or [])
    if len(layers) > MAX_SKETCH_LAYERS:
        raise ValueError(f"sketch: {len(layers)} layers; at most {MAX_SKETCH_LAYERS} are allowed "
                         "(merge or delete some)")
    parts = [("sketch background", background), ("sketch composite", composite)]
    parts += [(f"sketch layer {i + 1}", layer) for i, layer in enumerate(layers)]
    for name, part in parts:
        if part is None:
            continue
        source = part if isinstance(part, (bytes, bytearray, memoryview)) else Path(part)
        with open_header(source, name, MAX_SKETCH_PIXELS) as img:
            check_header(img, name, MAX_SKETCH_PIXELS)


def sketch_to_image(sketch: Union[np.ndarray, Image.Image, None]) -> Image.Image:
    """A drawn sketch flattened onto white; an untouched canvas is an error, not a map."""
    if sketch is None:
        raise ValueError("sketch: the canvas is empty; draw something or upload an image")
    if not isinstance(sketch, Image.Image):
        arr = np.asarray(sketch)
        if arr.dtype == object or arr.ndim not in (2, 3) or (arr.ndim == 3 and arr.shape[2] not in (1, 3, 4)):
            raise ValueError(f"sketch: expected an image (height x width x 1, 3 or 4 channels), got shape {arr.shape}")
        check_size(arr.shape[1], arr.shape[0], "sketch", MAX_SKETCH_PIXELS)
        img = Image.fromarray((arr[:, :, 0] if arr.ndim == 3 and arr.shape[2] == 1 else arr).astype(np.uint8))
    else:
        img = sketch
    check_header(img, "sketch", MAX_SKETCH_PIXELS)
    rgba = img.convert("RGBA")
    flat = Image.new("RGB", rgba.size, (255, 255, 255))
    flat.paste(rgba, mask=rgba.getchannel("A"))
    arr = np.asarray(flat, dtype=np.int16)
    if int(arr.max() - arr.min()) <= _EMPTY_SKETCH_SPREAD:
        raise ValueError("sketch: the canvas is empty; draw something or upload an image")
    return flat
