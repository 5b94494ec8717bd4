"""The portfolio as a PDF with real text: the piece and every panel as images, every caption,
prompt, seed and setting as selectable text, and the portfolio JSON as an attachment.

A PDF of pictures only let no one copy a prompt out of it. fpdf2 writes text with an
embedded, subset TrueType font: DejaVu Sans (Latin, Greek, Cyrillic, ...) from the system or
from matplotlib's package data, which is always installed here. Characters DejaVu lacks go to
fallback fonts: Hangul, kana and kanji to Noto Sans CJK from its PyPI package (playground/fonts.py:
the document's characters as a small TrueType font, never a system font), anything else (an
emoji) to Last Resort (also in matplotlib), which draws a placeholder box for any code point.
Either way the text layer keeps the real characters, so they copy out and search as written.

A panel made from a drawing, map or mask shows those pictures small under it, each captioned
("control map", "mask"), so a reader sees what the panel followed.
"""
from __future__ import annotations

import importlib.util
import tempfile
import unicodedata
from functools import lru_cache
from pathlib import Path
from typing import Sequence

from PIL import Image

from playground.fonts import cjk_face, cjk_font_path, cjk_truetype, common_cut, is_cjk
from playground.inputs import INPUTS
from playground.panels import Panel, compose, to_infotext, to_json

PAGE_W, MARGIN = 210.0, 15.0  # A4 portrait, millimetres
TEXT_W = PAGE_W - 2 * MARGIN
PRINT_DPI = 150  # small model images are upscaled (nearest) to about this, so they stay crisp
ATTACHMENT = "portfolio.json"
INPUT_W, INPUT_GAP = 40.0, 6.0  # mm: a panel's input pictures, small in a row under it
_FAMILY, _CORE_FAMILY = "body", "helvetica"
_SYSTEM_DIRS = ("/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/dejavu", "/usr/share/fonts/TTF",
                "/Library/Fonts", "C:/Windows/Fonts")
# The last fallback, after Noto Sans CJK (fonts.cjk_font_path): Last Resort, a glyph for every code point.
_FALLBACK_FILES = ("LastResortHE-Regular.ttf",)


def _font_dirs() -> list[Path]:
    dirs = [Path(d) for d in _SYSTEM_DIRS]
    spec = importlib.util.find_spec("matplotlib")  # its fonts, without importing it
    if spec and spec.origin:
        dirs.insert(0, Path(spec.origin).parent / "mpl-data" / "fonts" / "ttf")
    return dirs


def _find(name: str) -> str | None:
    return next((str(d / name) for d in _font_dirs() if (d / name).is_file()), None)


@lru_cache(maxsize=1)
def fonts() -> dict:
    """{"regular", "bold", "fallbacks", "cjk"}: font files found (None: none found); "cjk" is
    the Noto Sans CJK collection from its package."""
    return {"regular": _find("DejaVuSans.ttf"), "bold": _find("DejaVuSans-Bold.ttf"),
            "fallbacks": tuple(p for p in map(_find, _FALLBACK_FILES) if p), "cjk": cjk_font_path()}


def _printable(text: str, core: bool) -> str:
    """Control characters (tabs, carriage returns, NULs a pasted prompt may hold) as spaces; with
    only the core font (no TTF found at all), what Latin-1 cannot hold as '?'."""
    text = str(text).replace("\r\n", "\n")
    text = "".join(" " if ch != "\n" and unicodedata.category(ch) == "Cc" else ch for ch in text)
    return text.encode("latin-1", "replace").decode("latin-1") if core else text


def _body_faces(found: dict, chars: set[str], tmp: Path) -> tuple[str, str]:
    """The regular and bold font files the text is set in: DejaVu cut to the common blocks
    (fonts.common_cut) when those hold every character of the document DejaVu has, else DejaVu
    whole (a prompt in Armenian or Hebrew), so no character falls to a fallback font that DejaVu
    would have drawn."""
    faces = (found["regular"], found["bold"] or found["regular"])
    codes = {ord(ch) for ch in chars if ch != "\n"}
    cuts = [common_cut(path) for path in faces]
    if not all(cut and cut.covers(codes) for cut in cuts):
        return faces
    paths = (tmp / "body.ttf", tmp / "body-bold.ttf")
    for path, cut in zip(paths, cuts):
        path.write_bytes(cut.data)
    return str(paths[0]), str(paths[1])


class _Doc:
    """An FPDF document with the fonts set up and a few writing helpers."""

    def __init__(self, title: str | None, statement: str | None, chars: set[str], tmp: str):
        from fpdf import FPDF

        pdf = FPDF(format="A4", unit="mm")
        pdf.set_margins(MARGIN, MARGIN, MARGIN)
        pdf.set_auto_page_break(True, margin=MARGIN)  # long prompts flow on to the next page
        found = fonts()
        self.core = found["regular"] is None
        if not self.core:
            regular, bold = _body_faces(found, chars, Path(tmp))
            pdf.add_font(_FAMILY, "", regular)
            pdf.add_font(_FAMILY, "B", bold)
            self._fallbacks(pdf, found, chars, Path(tmp))
        pdf.set_title(_printable(title or "Portfolio", self.core))
        pdf.set_subject(_printable((statement or "")[:500], self.core))
        pdf.set_creator("Diffusion Lab Playground")
        pdf.header = self._font_on_page  # FPDF.add_page calls it, a page break inside a text too
        self.pdf = pdf

    def _font_on_page(self) -> None:
        """The current font set on the page now, not as the next line is drawn: fpdf2 2.8.9 sets it
        inside that line's q..Q when the line starts with a fallback glyph (every wrapped line of a
        Japanese prompt does) and then counts it as set, so the lines after it came out in the
        previous font's glyph numbers, unreadable."""
        pdf = self.pdf
        if not self.core and pdf.font_family and not pdf.current_font_is_set_on_page:
            pdf.text(pdf.x, pdf.y, "")  # sets the font on the page; draws nothing

    @staticmethod
    def _fallbacks(pdf, found: dict, chars: set[str], tmp: Path) -> None:
        """Fallback fonts for the characters the document holds and DejaVu lacks, only then and
        only for those: Hangul, kana and kanji in Noto Sans CJK (the face the document's text
        picks: kana, Japanese; else Hangul, Korean), then Last Resort for whatever is still
        missing (an emoji), only then: it maps all 1.1 million code points, and reading it took
        2 s for every export (0.8 s for a few characters)."""
        missing = {ord(ch) for ch in chars if ch != "\n"} - set(pdf.fonts[_FAMILY].cmap)
        text, files = "".join(map(chr, sorted(missing))), list(found["fallbacks"])
        if found.get("cjk") and any(map(is_cjk, text)):
            cjk = cjk_truetype(text, cjk_face("".join(chars)), tmp / "cjk.ttf")
            if cjk:
                files.insert(0, str(cjk))
        names: list[str] = []
        for path in files:
            if not missing:
                break
            names.append(f"fallback{len(names)}")
            pdf.add_font(names[-1], "", path, unicode_range=sorted(missing))
            missing -= set(pdf.fonts[names[-1]].cmap)
        if names:
            pdf.set_fallback_fonts(names, exact_match=False)  # bold text falls back to regular

    def text(self, text: str, size: float = 10.0, bold: bool = False, gap: float = 1.5) -> None:
        self.pdf.set_font(_CORE_FAMILY if self.core else _FAMILY, "B" if bold else "", size)
        self._font_on_page()
        self.pdf.multi_cell(TEXT_W, size * 0.45, _printable(text, self.core), new_x="LMARGIN", new_y="NEXT")
        self.pdf.ln(gap)

    def image(self, img: Image.Image, max_h: float, alt: str) -> None:
        """The image as large as fits TEXT_W x max_h (or the rest of the page, when that holds
        at least half of it), centred."""
        pdf = self.pdf
        room = pdf.h - MARGIN - pdf.y
        if room < max_h / 2:
            pdf.add_page()
            room = pdf.h - 2 * MARGIN
        scale = min(TEXT_W / img.width, min(max_h, room) / img.height)
        w, h = img.width * scale, img.height * scale
        pdf.image(_crisp(img, w), x=MARGIN + (TEXT_W - w) / 2, w=w, h=h, alt_text=_printable(alt, self.core)[:500])
        pdf.ln(4)

    def pictures(self, items: list[tuple[Image.Image, str]]) -> None:
        """Small pictures in a row, centred, each with its caption under it (a new page first
        when the row does not fit on this one)."""
        pdf, n = self.pdf, len(items)
        w = min(INPUT_W, (TEXT_W - (n - 1) * INPUT_GAP) / n)
        heights = [w * img.height / img.width for img, _ in items]
        row_h = max(heights) + 6  # the caption's line under the tallest
        if pdf.h - MARGIN - pdf.y < row_h:
            pdf.add_page()
        x0, y = MARGIN + (TEXT_W - n * w - (n - 1) * INPUT_GAP) / 2, pdf.y
        pdf.set_font(_CORE_FAMILY if self.core else _FAMILY, "", 8.5)
        self._font_on_page()
        for k, ((img, caption), h) in enumerate(zip(items, heights)):
            x = x0 + k * (w + INPUT_GAP)
            pdf.image(_crisp(img, w), x=x, y=y, w=w, h=h, alt_text=_printable(caption, self.core))
            pdf.set_xy(x, y + max(heights) + 1)
            pdf.cell(w, 4, _printable(caption, self.core), align="C")
        pdf.set_xy(MARGIN, y + row_h + 2)


def _crisp(img: Image.Image, width_mm: float) -> Image.Image:
    """RGB, upscaled by a whole number (nearest) to about PRINT_DPI at that width: no viewer
    blurs a 128 px panel."""
    factor = int(width_mm / 25.4 * PRINT_DPI / img.width)
    if factor >= 2:
        img = img.resize((img.width * factor, img.height * factor), Image.Resampling.NEAREST)
    return img.convert("RGB")


def _param_lines(params: dict, prefix: str = "") -> list[str]:
    lines = []
    for key, value in params.items():
        if isinstance(value, dict):
            lines += _param_lines(value, f"{prefix}{key}.")
        else:
            lines.append(f"{prefix}{key}: {value if isinstance(value, str) else to_json(value)}")
    return lines


def _cover(doc: _Doc, panels: list[Panel], title: str | None, statement: str | None) -> None:
    doc.pdf.add_page()
    doc.text(title or "Portfolio", 18, bold=True, gap=3)
    if statement:
        doc.text(statement, 11, gap=4)
    doc.image(compose(panels), 200, alt=title or "the composed piece")
    doc.text(f"{len(panels)} panel{'s' * (len(panels) != 1)} follow, each from the top of a page. Every setting is "
             f"also attached to this PDF as {ATTACHMENT} (your PDF reader's attachments panel).", 9)


def _panel(doc: _Doc, panel: Panel, number: int, total: int) -> None:
    """One panel from the top of a page: heading, image, note, parameters, A1111 infotext."""
    doc.pdf.add_page()
    doc.text(f"Panel {number} of {total}: {panel.caption}".rstrip(": "), 14, bold=True, gap=2)
    doc.image(panel.image, 120, alt=panel.caption or f"panel {number}")
    if panel.inputs:  # what it was made from: its control map, its mask
        doc.pictures([(img, INPUTS[name]) for name, img in panel.inputs.items()])
    # the student's note (triptych "what changed?") gets its own heading, not a parameter line
    params = {k: v for k, v in panel.params.items() if k != "note"}
    if panel.params.get("note"):
        doc.text("Note", 11, bold=True, gap=0.5)
        doc.text(str(panel.params["note"]), 10, gap=3)
    doc.text("Parameters", 11, bold=True, gap=0.5)
    doc.text("\n".join(_param_lines(params)), 9.5, gap=3)
    doc.text("Infotext (AUTOMATIC1111 format)", 11, bold=True, gap=0.5)
    doc.text(to_infotext(panel.params), 9.5)


def portfolio_pdf(panels: Sequence[Panel], title: str | None, statement: str | None, attachment: str) -> bytes:
    """Page 1 the piece with its title and statement; then one panel per page (a long prompt
    flows on to the next); `attachment` (the portfolio JSON) embedded as portfolio.json."""
    panels = list(panels)
    # every character the text may hold: the params' values are all in their JSON
    chars = set("".join([title or "", statement or "", *(p.caption + to_json(p.params) for p in panels)]))
    with tempfile.TemporaryDirectory() as tmp:  # the CJK subset font, read until output()
        doc = _Doc(title, statement, chars, tmp)
        _cover(doc, panels, title, statement)
        for i, p in enumerate(panels):
            _panel(doc, p, i + 1, len(panels))
        doc.pdf.embed_file(bytes=attachment.encode("utf-8"), basename=ATTACHMENT, mime_type="application/json",
                           desc="every panel's caption and settings (diffusion-lab-playground/1)")
        return bytes(doc.pdf.output())
