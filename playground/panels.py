"""Panels: one generated image with its caption and settings, PNG metadata, and composition.

A saved panel carries `parameters` in AUTOMATIC1111's infotext format (so A1111, ComfyUI,
civitai and friends read it), `playground`, a JSON copy of every parameter (infotext is lossy:
no metrics, no ControlNet details beyond a summary), and one `playground-<name>` chunk per
picture it was made from, a drawing, map or mask (playground/inputs.py), so it can be remade.
"""
from __future__ import annotations

import io
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Sequence, Union

from PIL import Image, ImageDraw, ImageFont, PngImagePlugin

from playground.fonts import font_for, load_font  # noqa: F401 (load_font: still importable here)
from playground.infotext import (check_text_size, comfyui_note, exif_comment, parse_infotext, to_infotext,
                                 to_json)
from playground.inputs import add_chunks, check_inputs, read_chunks
from playground.params import STATEMENT_MAX_CHARS, TITLE_MAX_CHARS, check_length
from playground.uploads import DECODE_ERRORS

__all__ = ["Panel", "compose", "parse_infotext", "read_panel", "read_params", "to_infotext", "to_json"]

JSON_CHUNK = "playground"
PORTFOLIO_CHUNK = "playground-portfolio"  # written by export.export_png (several panels)
FORMAT = "diffusion-lab-playground/1"

ImageSource = Union[str, Path, BinaryIO, Image.Image]


@dataclass
class Panel:
    """One image, the caption naming what varied, every setting needed to re-make it and the
    pictures it was made from (`inputs`, at the generation size: playground/inputs.py)."""

    image: Image.Image
    caption: str = ""
    params: dict = field(default_factory=dict)
    inputs: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not isinstance(self.image, Image.Image):
            raise ValueError(f"image must be a PIL.Image.Image, got {type(self.image).__name__}")
        self.inputs = check_inputs(self.inputs)

    def pnginfo(self, memo: dict | None = None) -> PngImagePlugin.PngInfo:
        info = PngImagePlugin.PngInfo()
        info.add_text("parameters", to_infotext(self.params))
        info.add_text(JSON_CHUNK, to_json({"format": FORMAT, "caption": self.caption, "params": self.params}))
        add_chunks(info, self.inputs, memo)
        return info

    def save(self, path: Union[str, Path]) -> Path:
        """Write a PNG (whatever the suffix) with its text chunks (and its pictures')."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        self.image.save(path, format="PNG", pnginfo=self.pnginfo())
        return path

    def to_bytes(self, memo: dict | None = None) -> bytes:
        buf = io.BytesIO()
        self.image.save(buf, format="PNG", pnginfo=self.pnginfo(memo))
        return buf.getvalue()


# ---------------------------------------------------------------- reading images back
def _open(source: ImageSource) -> Image.Image:
    if isinstance(source, Image.Image):
        return source
    try:
        return Image.open(source)
    except (Image.DecompressionBombError, *DECODE_ERRORS) as e:
        raise ValueError(f"cannot read an image from {source!r}: {e}") from None


def _text_chunks(img: Image.Image) -> dict:
    chunks = dict(img.info)
    try:
        chunks.update(getattr(img, "text", None) or {})  # chunks placed after the image data
    except DECODE_ERRORS as e:  # reading them decodes the image: damaged data
        raise ValueError(f"the image's text chunks cannot be read ({type(e).__name__})") from None
    return chunks


def _chunk_json(chunks: dict, name: str) -> dict | None:
    """A JSON text chunk as a dict (None when absent); any other shape is a clear error."""
    raw = chunks.get(name)
    if not raw:
        return None
    if not isinstance(raw, str):
        raise ValueError(f"the {name!r} chunk is not text")
    try:
        data = json.loads(check_text_size(raw, name))
    except (json.JSONDecodeError, RecursionError):
        raise ValueError(f"the {name!r} chunk is not valid JSON") from None
    if not isinstance(data, dict):
        raise ValueError(f"the {name!r} chunk must hold a JSON object, got a {type(data).__name__}")
    return data


def read_panel_json(source: ImageSource) -> dict | None:
    """Our JSON chunk ({'format', 'caption', 'params'}) or None when the image has none."""
    data = _chunk_json(_text_chunks(_open(source)), JSON_CHUNK)
    if data is not None and not isinstance(data.get("params"), dict):
        raise ValueError(f"the {JSON_CHUNK!r} chunk has no 'params' object")
    return data


def read_params(source: ImageSource) -> dict:
    """Generation settings of a saved image: ours (JSON chunk) or A1111's (PNG chunk/EXIF).

    For a portfolio PNG of several panels the first panel's settings are returned.
    """
    img = _open(source)
    chunks = _text_chunks(img)
    data = read_panel_json(img)
    if data is not None:
        return dict(data["params"])
    portfolio = _chunk_json(chunks, PORTFOLIO_CHUNK)
    if portfolio is not None:
        panels = portfolio.get("panels")
        if not isinstance(panels, list) or not panels or not isinstance(panels[0], dict) \
                or not isinstance(panels[0].get("params"), dict):
            raise ValueError(f"the {PORTFOLIO_CHUNK!r} chunk has no panels with a 'params' object")
        return dict(panels[0]["params"])
    text = chunks.get("parameters") or exif_comment(img)
    if not text or not str(text).strip():  # a ComfyUI graph gets its own message
        raise ValueError(comfyui_note(chunks) or "image has no generation parameters: no 'parameters' "
                         f"or {JSON_CHUNK!r} PNG chunk and no EXIF UserComment")
    return parse_infotext(str(text))


def read_panel(source: ImageSource) -> Panel:
    """A Panel back from a saved PNG: image, caption (ours only), params and input pictures."""
    img = _open(source)
    data = read_panel_json(img)
    caption = data.get("caption", "") if data else ""
    params, inputs = read_params(img), read_chunks(_text_chunks(img))
    img.load()
    return Panel(img.copy(), str(caption or ""), params, inputs)


# ---------------------------------------------------------------- composition
INK, MUTED, PAPER = (17, 17, 17), (70, 70, 70), (255, 255, 255)


def line_height(font: ImageFont.ImageFont) -> int:
    if hasattr(font, "getmetrics"):
        ascent, descent = font.getmetrics()
        return int((ascent + descent) * 1.15)
    return int(font.getbbox("Ag")[3] * 1.3) + 2


def wrap_text(text: str, font: ImageFont.ImageFont, max_width: int) -> list[str]:
    """Greedy word wrap by rendered width; over-long words are split by characters."""
    lines: list[str] = []
    for paragraph in str(text or "").split("\n"):
        current = ""
        for word in paragraph.split():
            trial = f"{current} {word}".strip()
            if font.getlength(trial) <= max_width:
                current = trial
                continue
            if current:
                lines.append(current)
            current = ""
            for ch in word:
                if current and font.getlength(current + ch) > max_width:
                    lines.append(current)
                    current = ""
                current += ch
        lines.append(current)
    while lines and not lines[-1]:
        lines.pop()
    return lines


def _draw_lines(draw: ImageDraw.ImageDraw, lines: list[str], font, x: int, y: int, width: int,
                fill=INK, align: str = "center") -> None:
    lh = line_height(font)
    for i, line in enumerate(lines):
        dx = (width - font.getlength(line)) / 2 if align == "center" else \
            (width - font.getlength(line)) if align == "right" else 0
        draw.text((x + dx, y + i * lh), line, font=font, fill=fill)


def _upscale(img: Image.Image, min_side: int) -> Image.Image:
    # Whole-number nearest upscaling keeps a 128 px model's pixels honest (no invented detail).
    img = img.convert("RGB")
    factor = max(1, math.ceil(min_side / max(1, min(img.size))))
    return img if factor == 1 else img.resize((img.width * factor, img.height * factor), Image.Resampling.NEAREST)


def _grid_shape(n: int, columns: int | None, row_labels, col_labels) -> tuple[int, int]:
    """(columns, rows) of a grid of n panels, or a ValueError naming the bad argument."""
    if not n:
        raise ValueError("panels must hold at least 1 panel, got 0")
    columns = n if columns is None else int(columns)
    if not 1 <= columns <= n:
        raise ValueError(f"columns must be in 1..{n} (the number of panels), got {columns}")
    rows = math.ceil(n / columns)
    if row_labels is not None and len(row_labels) != rows:
        raise ValueError(f"row_labels must have {rows} entries (one per row), got {len(row_labels)}")
    if col_labels is not None and len(col_labels) != columns:
        raise ValueError(f"col_labels must have {columns} entries (one per column), got {len(col_labels)}")
    return columns, rows


def _page_texts(title, statement) -> tuple[str | None, str | None]:
    return (check_length(title, "title", TITLE_MAX_CHARS) or None,
            check_length(statement, "statement", STATEMENT_MAX_CHARS) or None)


def compose(panels: Sequence[Panel], title: str | None = None, statement: str | None = None,
            columns: int | None = None, row_labels: Sequence[str] | None = None,
            col_labels: Sequence[str] | None = None, caption_size: int | None = None,
            min_side: int = 256, margin: int = 24, gap: int = 16) -> Image.Image:
    """Panels in one row (columns=None) or a labelled grid, captions under images, on white."""
    # 1. validate (long text is refused: wrapping 80 000 characters took a minute)
    panels, title, statement = list(panels), *_page_texts(title, statement)
    n, columns, rows = len(panels), *_grid_shape(len(panels), columns, row_labels, col_labels)

    # 2. measure: cells share one size so rows and columns line up
    images = [_upscale(p.image, min_side) for p in panels]
    cell_w, cell_h = max(im.width for im in images), max(im.height for im in images)
    size = caption_size or max(14, round(min(cell_w, 768) / 16))
    body = " ".join(map(str, [*(p.caption for p in panels), *(row_labels or ()), *(col_labels or ()), statement or ""]))
    f_cap, f_label = font_for(body, size), font_for(body, size, bold=True)  # CJK anywhere: Noto Sans CJK
    f_title = font_for(title or "", round(size * 1.6), bold=True)
    lh = line_height(f_cap)
    captions = [wrap_text(p.caption, f_cap, cell_w) for p in panels]
    cap_h = [max(len(c) for c in captions[r * columns:(r + 1) * columns]) * lh for r in range(rows)]
    label_w = 0
    row_lines: list[list[str]] = []
    if row_labels is not None:
        label_w = min(max(int(f_label.getlength(str(t))) for t in row_labels) + 1, cell_w * 2 // 3)
        row_lines = [wrap_text(str(t), f_label, label_w) for t in row_labels]
        label_w += gap
    col_lines = [wrap_text(str(t), f_label, cell_w) for t in col_labels] if col_labels is not None else []
    col_h = max((len(c) for c in col_lines), default=0) * lh + (gap // 2 if col_lines else 0)
    grid_w = label_w + columns * cell_w + (columns - 1) * gap
    # A statement wrapped to one 256 px panel is a tall ribbon, so text gets a wider page.
    page_w = max(grid_w, 560 if (title or statement) else 0)
    title_lines = wrap_text(title, f_title, page_w) if title else []
    stmt_lines = wrap_text(statement, f_cap, page_w) if statement else []
    title_h = len(title_lines) * line_height(f_title) + (gap if title_lines else 0)
    stmt_h = len(stmt_lines) * lh + (gap if stmt_lines else 0)
    grid_h = col_h + sum(cell_h + gap // 2 + h for h in cap_h) + (rows - 1) * gap
    canvas = Image.new("RGB", (page_w + 2 * margin, margin + title_h + grid_h + stmt_h + margin), PAPER)
    draw = ImageDraw.Draw(canvas)

    # 3. draw title, column labels, then each row: label, images, captions
    _draw_lines(draw, title_lines, f_title, margin, margin, page_w)
    x0 = margin + (page_w - grid_w) // 2 + label_w
    y = margin + title_h
    for c, lines in enumerate(col_lines):
        top = y + col_h - gap // 2 - len(lines) * lh
        _draw_lines(draw, lines, f_label, x0 + c * (cell_w + gap), top, cell_w)
    y += col_h
    for r in range(rows):
        if row_lines:
            top = y + (cell_h - len(row_lines[r]) * lh) // 2
            _draw_lines(draw, row_lines[r], f_label, x0 - label_w, top, label_w - gap, align="right")
        for c in range(columns):
            i = r * columns + c
            if i >= n:
                break
            im, x = images[i], x0 + c * (cell_w + gap)
            canvas.paste(im, (x + (cell_w - im.width) // 2, y + (cell_h - im.height) // 2))
            _draw_lines(draw, captions[i], f_cap, x, y + cell_h + gap // 2, cell_w, fill=MUTED)
        y += cell_h + gap // 2 + cap_h[r] + gap
    _draw_lines(draw, stmt_lines, f_cap, margin, y, page_w, align="left")
    return canvas
