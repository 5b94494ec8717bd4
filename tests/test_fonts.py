"""CJK text in the exports: a Korean title and a Japanese statement come out in Noto Sans CJK from
its PyPI package (playground/fonts.py), in the portfolio PNG (title, captions, statement) and in
the PDF, on a machine with no CJK font of its own, not as empty boxes or Last Resort placeholders."""
import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw
from pypdf import PdfReader

from playground import fonts
from playground.export import export_pdf, export_png
from playground.panels import Panel

TITLE, STATEMENT = "도서관의 여우", "図書館で本を読む狐。"
# Each pair has the same pattern of characters and spaces: set as boxes, the two look the same.
TITLES = (TITLE, "숲속에서 늑대")
STATEMENTS = (STATEMENT, "森の中で絵を描く猫。")
CAPTIONS = (("여우 한 마리", "本を読む狐"), ("늑대 두 마리", "絵を描く猫"))
PANEL_RGB = (200, 30, 30)


def panels(captions=CAPTIONS[0], prompts=("책을 읽는 여우", "図書館で本を読む狐")):
    img = Image.new("RGB", (128, 128), PANEL_RGB)
    return [Panel(img, caption, dict(prompt=prompt, num_inference_steps=20, guidance_scale=7.5, seed=4 + i,
                                     width=128, height=128))
            for i, (caption, prompt) in enumerate(zip(captions, prompts))]


def pdf_fonts(reader: PdfReader) -> set[str]:
    return {str(font.get_object()["/BaseFont"]) for page in reader.pages
            for font in page["/Resources"]["/Font"].values()}


def test_the_cjk_font_comes_from_its_package_not_the_system():
    import noto_cjk_sans_otc

    path = Path(fonts.cjk_font_path())
    assert path.parent == Path(noto_cjk_sans_otc.__file__).parent and path.name == "NotoSansCJK-Regular.ttc"
    assert fonts.font_for(TITLE, 20).getname()[0] == "Noto Sans CJK KR"
    assert fonts.font_for(STATEMENT, 20).getname()[0] == "Noto Sans CJK JP"
    assert fonts.font_for("Three guidance scales", 20).getname()[0] == "DejaVu Sans"  # Latin as before


def test_the_face_follows_the_script():
    assert fonts.cjk_face(STATEMENT) == fonts.cjk_face(TITLE + STATEMENT) == fonts.JAPANESE  # kana
    assert fonts.cjk_face(TITLE) == fonts.KOREAN
    assert fonts.cjk_face("狐") == fonts.SIMPLIFIED_CHINESE  # ideographs alone
    assert fonts.needs_cjk("a fox — 狐") and fonts.needs_cjk("ｱ") and not fonts.needs_cjk("Renards — café, Лиса 🦊")


def distinct_glyphs(text: str, font) -> int:
    """How many different pictures the text's characters are drawn as (a box: one for all)."""
    drawn = set()
    for ch in set(text) - {" "}:
        img = Image.new("L", (48, 48))
        ImageDraw.Draw(img).text((4, 4), ch, font=font, fill=255)
        drawn.add(img.tobytes())
    return len(drawn)


def test_every_character_gets_its_own_glyph_not_a_box():
    for text in (TITLE, STATEMENT):
        assert distinct_glyphs(text, fonts.font_for(text, 24)) == len(set(text) - {" "})
        assert distinct_glyphs(text, fonts.load_font(24)) == 1  # DejaVu: one box for all of them


def bands(img: Image.Image) -> dict[str, slice]:
    """The PNG's rows: the title's (above the panels), the captions' (the first inked rows under
    them) and the statement's (from the middle of the blank rows after the captions)."""
    a = np.asarray(img.convert("RGB"))
    rows = np.flatnonzero((a[:, a.shape[1] // 4] == PANEL_RGB).all(axis=1))
    top, bottom = rows.min(), rows.max() + 1
    inked = bottom + np.flatnonzero((a[bottom:] != 255).any(axis=(1, 2)))
    gaps = np.flatnonzero(np.diff(inked) > 1)  # where one run of inked rows ends
    split = (inked[gaps[0]] + inked[gaps[0] + 1]) // 2
    return {"title": slice(0, top), "captions": slice(bottom, split), "statement": slice(split, a.shape[0])}


def piece(tmp_path, name, title=TITLES[0], captions=CAPTIONS[0], statement=STATEMENTS[0]) -> Image.Image:
    return Image.open(export_png(panels(captions), tmp_path / f"{name}.png", title, statement))


@pytest.mark.parametrize("boxes", [False, True], ids=["noto-cjk", "without-the-package"])
def test_png_title_captions_and_statement_show_the_real_characters(tmp_path, monkeypatch, boxes):
    """Two Korean titles (two captions, two Japanese statements) of the same shape give different
    pixels in their own rows and the same pixels elsewhere; set as boxes (the package missing)
    they give the same pixels: the control that shows the check sees boxes."""
    if boxes:
        monkeypatch.setattr(fonts, "cjk_font_path", lambda: None)
    base = piece(tmp_path, "base")
    rows, a = bands(base), np.asarray(base)
    changed = {"title": piece(tmp_path, "title", title=TITLES[1]),
               "captions": piece(tmp_path, "captions", captions=CAPTIONS[1]),
               "statement": piece(tmp_path, "statement", statement=STATEMENTS[1])}
    for what, other in changed.items():
        assert other.size == base.size, what
        b = np.asarray(other)
        differ = {band for band, r in rows.items() if not np.array_equal(a[r], b[r])}
        assert differ == (set() if boxes else {what}), what


def test_pdf_extracts_korean_and_japanese_and_embeds_noto_sans_cjk_not_last_resort(tmp_path):
    long = "図書館で本を読む狐が静かに頁をめくる。" * 100  # wraps: every line starts with kanji, two pages
    ps = panels(prompts=("책을 읽는 여우", long))
    reader = PdfReader(io.BytesIO(export_pdf(ps, tmp_path / "piece.pdf", TITLE, STATEMENT).read_bytes()))
    pages = [page.extract_text() for page in reader.pages]
    assert TITLE in pages[0] and STATEMENT in pages[0] and "\x00" not in "".join(pages)
    assert "Panel 1 of 2: 여우 한 마리" in pages[1] and "prompt: 책을 읽는 여우" in pages[1]
    # the Latin lines after a line that starts with CJK (fpdf2 set their font inside that line's q..Q)
    assert "Steps: 20, CFG scale: 7.5, Seed: 4" in pages[1]
    text = "".join("".join(pages[2:]).split())
    assert long in text and "Steps:20,CFGscale:7.5,Seed:5" in text
    names = pdf_fonts(reader)
    assert any("NotoSansCJK" in name for name in names), names
    assert not any("LastResort" in name for name in names), names


def test_pdf_keeps_last_resort_for_what_the_cjk_font_lacks(tmp_path):
    reader = PdfReader(io.BytesIO(export_pdf(panels(prompts=("여우 🦊", "fox")), tmp_path / "p.pdf").read_bytes()))
    assert "여우 🦊" in reader.pages[1].extract_text()
    names = pdf_fonts(reader)
    assert any("NotoSansCJK" in n for n in names) and any("LastResort" in n for n in names), names


def test_dejavu_cut_to_the_common_blocks_holds_latin_greek_cyrillic_and_not_armenian():
    from playground.pdf import fonts as found_fonts
    cut = fonts.common_cut(found_fonts()["regular"])
    assert cut.kept < cut.whole and len(cut.kept) < len(cut.whole) / 2
    latin = {ord(c) for c in "Crème brûlée, Straße, αβγ, Москва — “quoted” → ≤ 2×3 €"}
    assert latin <= cut.kept and cut.covers(latin)
    assert cut.covers({ord("🦊"), ord("여")})  # DejaVu lacks these: fallback fonts either way
    assert not cut.covers({ord(c) for c in "Բարեւ"})  # Armenian: DejaVu has it, the cut does not


def test_a_font_fonttools_cannot_cut_leaves_the_pdf_on_the_whole_font(tmp_path):
    from playground.pdf import _body_faces
    junk = tmp_path / "junk.ttf"
    junk.write_bytes(b"not a font" * 100)
    assert fonts.common_cut(str(junk)) is None
    found = {"regular": str(junk), "bold": None}
    assert _body_faces(found, set("fox"), tmp_path) == (str(junk), str(junk))


def test_a_font_the_cut_trips_on_leaves_the_pdf_on_the_whole_font(tmp_path, monkeypatch, caplog):
    from fontTools import subset
    from playground.pdf import fonts as found_fonts
    copy = tmp_path / "DejaVuSans.ttf"  # a path the cache has not seen
    copy.write_bytes(Path(found_fonts()["regular"]).read_bytes())
    monkeypatch.setattr(subset.Subsetter, "subset", lambda self, font: [][0])  # an IndexError deep inside
    assert fonts.common_cut(str(copy)) is None and "whole font" in caplog.text


@pytest.mark.parametrize("prompt, cut", [("Crème brûlée à Москва, αβγ", True), ("Բարեւ աղվես", False)])
def test_pdf_text_in_dejavu_is_set_in_dejavu_cut_or_whole(tmp_path, prompt, cut):
    from playground.pdf import _body_faces, fonts as found_fonts
    regular, bold = _body_faces(found_fonts(), set(prompt), tmp_path)
    if cut:  # the cut's bytes, written for this document
        assert Path(regular).read_bytes() == fonts.common_cut(found_fonts()["regular"]).data
        assert Path(bold).read_bytes() == fonts.common_cut(found_fonts()["bold"]).data
    else:
        assert (regular, bold) == (found_fonts()["regular"], found_fonts()["bold"])
    reader = PdfReader(io.BytesIO(export_pdf(panels(prompts=(prompt, "fox")), tmp_path / "p.pdf").read_bytes()))
    assert f"prompt: {prompt}" in reader.pages[1].extract_text()
    names = pdf_fonts(reader)
    assert any("DejaVuSans" in n for n in names) and not any("LastResort" in n for n in names), names
