"""Fonts for the exports' text (the portfolio PNG's title, captions and statement; the PDF).

Latin, Greek and Cyrillic: DejaVu Sans (the system's or matplotlib's copy, Liberation or Arial
where neither is there; Pillow's default last). Hangul, kana and kanji: Noto Sans CJK from the
noto-cjk-sans-otc package (SIL OFL 1.1) that requirements.txt installs, never from whatever
the system has: a fresh machine or a Space has no CJK font, and text set in DejaVu there came out
as empty boxes in the PNG and Last Resort placeholders in the PDF.

The package ships one OpenType collection, NotoSansCJK-Regular.ttc (Regular only: CJK text in a
bold place stays regular). Its faces share every Hangul and kana glyph and differ in the shapes
of some ideographs, so `cjk_face` picks one by the text. Pillow reads a face straight from the
collection. fpdf2 would embed its CFF outlines as a CIDFontType0 with an encoding CMap of its
own, which pypdf's text extraction misreads (a NUL before every character); so the PDF embeds
`cjk_truetype`: the document's characters only, with TrueType outlines (what fpdf2 embeds for
DejaVu too), which every reader extracts.
"""
from __future__ import annotations

import importlib.util
import io
import logging
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from PIL import ImageFont

log = logging.getLogger(__name__)

CJK_PACKAGE, CJK_FILE = "noto_cjk_sans_otc", "NotoSansCJK-Regular.ttc"
# The collection's faces: JP, KR, SC, TC, HK, then the same five monospaced.
JAPANESE, KOREAN, SIMPLIFIED_CHINESE = 0, 1, 2
# Code points set in the CJK font: Hangul (jamo, compatibility jamo, syllables), kana, CJK
# punctuation, radicals, ideographs (all extensions), compatibility forms, full/half-width forms.
_CJK_RANGES = ((0x1100, 0x11FF), (0x2E80, 0x2FDF), (0x2FF0, 0x31FF), (0x3200, 0x4DBF), (0x4E00, 0x9FFF),
               (0xA960, 0xA97F), (0xAC00, 0xD7FF), (0xF900, 0xFAFF), (0xFE30, 0xFE4F), (0xFF00, 0xFFEF),
               (0x20000, 0x3FFFF))
# Where a lab's Latin, Greek and Cyrillic text lives: Latin-1 to Cyrillic Supplement (IPA, spacing
# modifiers, combining marks), Latin Extended Additional and Greek Extended, then general punctuation
# to mathematical operators (sub- and superscripts, currency, letterlike, number forms, arrows).
_COMMON_RANGES = ((0x20, 0x52F), (0x1E00, 0x1FFF), (0x2000, 0x22FF))
_FONT_FILES = {False: ("DejaVuSans.ttf", "LiberationSans-Regular.ttf", "Arial.ttf"),
               True: ("DejaVuSans-Bold.ttf", "LiberationSans-Bold.ttf", "Arial Bold.ttf")}


def is_cjk(ch: str) -> bool:
    code = ord(ch)
    return any(lo <= code <= hi for lo, hi in _CJK_RANGES)


def needs_cjk(text: str) -> bool:
    return any(map(is_cjk, str(text or "")))


def cjk_face(text: str) -> int:
    """The collection's face for a text: kana, Japanese; else Hangul, Korean; else ideographs
    alone (most likely Chinese), Simplified Chinese."""
    codes = {ord(ch) for ch in str(text or "")}
    if any(0x3040 <= c <= 0x30FF or 0x31F0 <= c <= 0x31FF or 0xFF66 <= c <= 0xFF9F for c in codes):
        return JAPANESE
    if any(0xAC00 <= c <= 0xD7FF or 0x1100 <= c <= 0x11FF or 0x3130 <= c <= 0x318F for c in codes):
        return KOREAN
    return SIMPLIFIED_CHINESE


@lru_cache(maxsize=1)
def cjk_font_path() -> str | None:
    """The Noto Sans CJK collection inside its package (None where the package is missing: CJK
    text then shows as before, boxes and placeholders, and nothing fails)."""
    spec = importlib.util.find_spec(CJK_PACKAGE)
    for folder in (spec.submodule_search_locations or []) if spec else []:
        if (Path(folder) / CJK_FILE).is_file():
            return str(Path(folder) / CJK_FILE)
    return None


@lru_cache(maxsize=64)
def load_font(size: int, bold: bool = False) -> ImageFont.ImageFont:
    """A scalable Latin font without downloads: system DejaVu/Liberation, matplotlib's copy, Pillow's."""
    candidates = list(_FONT_FILES[bold])
    try:  # matplotlib ships DejaVu; find it without importing matplotlib
        spec = importlib.util.find_spec("matplotlib")
        if spec and spec.origin:
            candidates.append(str(Path(spec.origin).parent / "mpl-data/fonts/ttf" / _FONT_FILES[bold][0]))
    except (ImportError, ValueError):
        pass
    for name in candidates:
        try:
            return ImageFont.truetype(name, size)
        except OSError:
            continue
    try:
        return ImageFont.load_default(size=size)
    except TypeError:  # Pillow < 10.1: fixed-size bitmap font
        return ImageFont.load_default()


@lru_cache(maxsize=64)
def _cjk_font(size: int, face: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(cjk_font_path(), size, index=face)


def font_for(text: str, size: int, bold: bool = False) -> ImageFont.ImageFont:
    """The font to set `text` in: Noto Sans CJK (the face `cjk_face` picks) when it holds Hangul,
    kana or kanji, else `load_font`'s, so Latin text looks as it always did."""
    if needs_cjk(text) and cjk_font_path():
        return _cjk_font(size, cjk_face(text))
    return load_font(size, bold)


def cjk_truetype(chars: str, face: int, out: Path) -> Path | None:
    """A TrueType font at `out` with the glyphs of `chars` the CJK face has (None: it has none):
    fontTools subsets the face, then turns its cubic curves into quadratic ones (cu2qu, within
    1/1000 em), as TrueType outlines need."""
    from fontTools import subset
    from fontTools.pens.cu2quPen import Cu2QuPen
    from fontTools.pens.ttGlyphPen import TTGlyphPen
    from fontTools.ttLib import TTFont, newTable

    path = cjk_font_path()
    if path is None:
        return None
    font = TTFont(path, fontNumber=face, lazy=True)
    options = subset.Options(layout_features=[], name_IDs=["*"], notdef_outline=True, hinting=False,
                             desubroutinize=True)
    options.drop_tables += ["VORG", "vhea", "vmtx", "BASE", "GSUB", "GPOS"]  # vertical metrics, shaping
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=sorted({ord(ch) for ch in chars}))  # those the face lacks are left out
    subsetter.subset(font)
    if not font.getBestCmap():
        return None
    glyphs, order = font.getGlyphSet(), font.getGlyphOrder()
    glyf = font["glyf"] = newTable("glyf")
    glyf.glyphOrder, glyf.glyphs = order, {}
    for name in order:
        pen = TTGlyphPen(glyphs)
        glyphs[name].draw(Cu2QuPen(pen, max_err=1.0, reverse_direction=True))  # CFF winds the other way
        glyf.glyphs[name] = pen.glyph()
    del font["CFF "]
    font["loca"] = newTable("loca")
    maxp = font["maxp"] = newTable("maxp")  # version 1.0 (TrueType); save() counts points and contours
    maxp.tableVersion, maxp.maxZones = 0x00010000, 1
    for key in ("maxTwilightPoints", "maxStorage", "maxFunctionDefs", "maxInstructionDefs",
                "maxStackElements", "maxSizeOfInstructions", "maxComponentElements"):
        setattr(maxp, key, 0)
    font["head"].glyphDataFormat = 0
    font["post"].formatType = 3.0  # no glyph names
    font.sfntVersion = "\0\1\0\0"
    font.save(str(out))
    font.close()
    return out


@dataclass(frozen=True)
class Cut:
    """A font cut down to _COMMON_RANGES: its TrueType bytes, the code points it keeps, and those
    of the whole font it came from."""
    data: bytes
    kept: frozenset
    whole: frozenset

    def covers(self, codes: set[int]) -> bool:
        """Does the cut hold every one of `codes` the whole font holds (those it lacks go to the
        fallback fonts either way)?"""
        return (codes & self.whole) <= self.kept


@lru_cache(maxsize=4)
def common_cut(path: str) -> Cut | None:
    """`path` (DejaVu Sans: 6,241 glyphs) cut to the blocks students type in (1,575 glyphs), made
    once per process (0.4 s). fpdf2 reads every glyph's width and outline offset when a document
    adds a font, and subsets it again on output: 0.1 s of every PDF export for the two faces of the
    whole font, about a sixth of that for the cut. None where fontTools cannot read or cut the file."""
    from fontTools import subset
    from fontTools.ttLib import TTFont, TTLibError

    try:
        font = TTFont(path, lazy=True)
    except (OSError, TTLibError):
        return None
    try:
        whole = frozenset(font.getBestCmap())
        # glyph_names: fpdf2 subsets by glyph name on output
        options = subset.Options(notdef_outline=True, name_IDs=["*"], glyph_names=True, layout_features=[])
        options.drop_tables += ["FFTM"]  # FontForge's timestamps: fontTools cannot subset them (and warns)
        subsetter = subset.Subsetter(options)
        subsetter.populate(unicodes=[c for lo, hi in _COMMON_RANGES for c in range(lo, hi + 1)])
        subsetter.subset(font)
        out = io.BytesIO()
        font.save(out)
        return Cut(out.getvalue(), frozenset(font.getBestCmap()), whole)
    except Exception as exc:  # noqa: BLE001 - the cut only saves time: the PDF takes the whole font
        log.warning("DejaVu not cut for the PDF (%s: %s); it embeds the whole font", type(exc).__name__, exc)
        return None
    finally:
        font.close()
