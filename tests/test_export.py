"""Portfolio export: PNG with metadata, multi-page PDF, ZIP with panels and a JSON sidecar."""
import io
import json
import zipfile

import numpy as np
import pytest
from PIL import Image
from pypdf import PdfReader

from playground import pdf as pdf_module
from playground.export import export_all, export_pdf, export_png, export_zip, read_portfolio
from playground.panels import Panel, read_params, to_infotext

TITLE, STATEMENT = "Three guidance scales", "Low guidance wanders; high guidance shouts. " * 10


def triptych():
    rng = np.random.default_rng(1)
    return [Panel(Image.fromarray(rng.integers(0, 255, (128, 128, 3), dtype=np.uint8)), f"CFG {g}",
                  dict(prompt="a fox reading a book, soft light", negative_prompt="blurry",
                       num_inference_steps=20, guidance_scale=g, scheduler="DDIM", width=128,
                       height=128, seed=4, model="models/tiny-world", metrics={"ssim": 0.5}))
            for g in (1.0, 7.5, 20.0)]


def pdf_pages(data: bytes) -> int:
    return len(PdfReader(io.BytesIO(data)).pages)


def squeeze(text: str) -> str:
    """Text without whitespace: the PDF wraps lines wherever the page width says."""
    return "".join(str(text).split())


def pdf_text(data: bytes) -> list[str]:
    """Each page's text as a PDF reader extracts it (what select-and-copy gives)."""
    return [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]


def test_png_has_parameters_summary_and_json(tmp_path):
    ps = triptych()
    path = export_png(ps, tmp_path / "out" / "piece.png", TITLE, STATEMENT)
    img = Image.open(path)
    assert img.format == "PNG" and img.width >= 3 * 256
    # A1111 reads `parameters` as one generation: the first panel's infotext, nothing else
    assert img.info["parameters"] == to_infotext(ps[0].params)
    data = read_portfolio(path)
    assert data["title"] == TITLE and data["statement"] == STATEMENT
    assert [p["caption"] for p in data["panels"]] == ["CFG 1.0", "CFG 7.5", "CFG 20.0"]
    assert data["panels"][2]["params"]["guidance_scale"] == 20.0
    assert read_params(path) == ps[0].params  # dropping the piece restores its first panel


def test_pdf_has_one_page_per_panel_plus_cover(tmp_path):
    path = export_pdf(triptych(), tmp_path / "piece.pdf", TITLE, STATEMENT)
    data = path.read_bytes()
    assert data.startswith(b"%PDF") and pdf_pages(data) == 4
    assert pdf_pages(export_pdf(triptych()[:1], tmp_path / "one.pdf").read_bytes()) == 2


def test_pdf_text_holds_every_prompt_and_seed_and_the_json_is_attached(tmp_path):
    """A PDF of pictures only let no one copy a prompt out of it: every panel's caption, prompt,
    seed and settings are text a reader extracts, in any script, and portfolio.json is attached."""
    prompts = ['a fox, reading a "book": at night', "un renard — 狐, café au lait 🦊", "Лиса\tв лесу, Αλεπού"]
    ps = [Panel(p.image, f"seed {i + 11}", {**p.params, "prompt": text, "seed": i + 11})
          for i, (p, text) in enumerate(zip(triptych(), prompts))]
    data = export_pdf(ps, tmp_path / "piece.pdf", "Renards — 狐", STATEMENT).read_bytes()
    pages = pdf_text(data)
    assert len(pages) == 4 and "Renards — 狐" in pages[0] and squeeze(STATEMENT) in squeeze(pages[0])
    for i, panel in enumerate(ps):
        page = squeeze(pages[i + 1])
        assert squeeze(panel.params["prompt"]) in page and f"seed:{panel.params['seed']}" in page
        assert f"Seed:{panel.params['seed']}" in page and f"Panel{i + 1}of3:seed{i + 11}" in page
    attached = PdfReader(io.BytesIO(data)).attachments
    assert list(attached) == ["portfolio.json"]
    assert json.loads(attached["portfolio.json"][0]) == json.loads(json.dumps(read_portfolio_dict(ps)))


def read_portfolio_dict(ps):
    from playground.export import portfolio_dict
    return portfolio_dict(ps, "Renards — 狐", STATEMENT)


def test_pdf_fonts_cover_any_script_and_fall_back_to_latin1_without_any():
    found = pdf_module.fonts()
    assert found["regular"].endswith("DejaVuSans.ttf") and found["fallbacks"][-1].endswith("LastResortHE-Regular.ttf")
    assert pdf_module._printable("a\tb\r\nc\x00", core=False) == "a b\nc "
    assert pdf_module._printable("renard 狐", core=True) == "renard ?"


def test_pdf_without_a_truetype_font_still_has_text(tmp_path, monkeypatch):
    monkeypatch.setattr(pdf_module, "fonts", lambda: {"regular": None, "bold": None, "fallbacks": ()})
    ps = triptych()[:1]
    ps[0].params["prompt"] = "a fox — 狐"
    pages = pdf_text(export_pdf(ps, tmp_path / "piece.pdf").read_bytes())
    assert "a fox ? ?" in pages[1]


def test_a_long_prompt_flows_on_to_the_next_page(tmp_path):
    p = triptych()[0]
    long = Panel(p.image, p.caption, {**p.params, "prompt": "a very long prompt " * 100})
    pages = pdf_text(export_pdf([long], tmp_path / "long.pdf").read_bytes())
    assert len(pages) > 2 and squeeze(long.params["prompt"]) in squeeze("".join(pages[1:]))


def test_zip_lists_panels_piece_pdf_and_json(tmp_path):
    ps = triptych()
    path = export_zip(ps, tmp_path / "piece.zip", TITLE, STATEMENT)
    with zipfile.ZipFile(path) as zf:
        assert sorted(zf.namelist()) == sorted(["panel_01.png", "panel_02.png", "panel_03.png",
                                                "portfolio.png", "portfolio.pdf", "portfolio.json"])
        sidecar = json.loads(zf.read("portfolio.json"))
        assert sidecar["title"] == TITLE and sidecar["statement"] == STATEMENT
        assert [p["params"] for p in sidecar["panels"]] == [p.params for p in ps]
        assert sidecar["panels"][1]["file"] == "panel_02.png"
        assert read_params(io.BytesIO(zf.read("panel_02.png"))) == ps[1].params
        assert pdf_pages(zf.read("portfolio.pdf")) == 4
        assert "parameters" in Image.open(io.BytesIO(zf.read("portfolio.png"))).info
    assert read_portfolio(path)["panels"][0]["caption"] == "CFG 1.0"


def test_student_notes_travel_in_json_chunk_sidecar_and_pdf(tmp_path):
    ps = triptych()
    ps[0].params["note"] = "Low guidance: the fox fades into the background."
    path = export_zip(ps, tmp_path / "piece.zip", TITLE, STATEMENT)
    with zipfile.ZipFile(path) as zf:
        sidecar = json.loads(zf.read("portfolio.json"))
        assert sidecar["panels"][0]["params"]["note"] == ps[0].params["note"]
        assert "note" not in sidecar["panels"][1]["params"]  # no note, no key
        assert read_params(io.BytesIO(zf.read("panel_01.png")))["note"] == ps[0].params["note"]
        pages = pdf_text(zf.read("portfolio.pdf"))
    assert "fox fades" not in sidecar["panels"][0]["infotext"]  # A1111 infotext has no note field
    assert "Note" in pages[1] and squeeze(ps[0].params["note"]) in squeeze(pages[1]) and "Note" not in pages[2]


def test_export_all_and_numpy_values(tmp_path):
    ps = triptych()
    ps[0].params["seed"] = np.int64(7)  # values straight from numpy must still serialise
    ps[0].params["metrics"] = {"ssim": np.float32(0.25)}
    files = export_all(ps, tmp_path, TITLE, STATEMENT)
    assert set(files) == {"png", "pdf", "zip"} and all(f.exists() for f in files.values())
    assert read_portfolio(files["zip"])["panels"][0]["params"]["seed"] == 7


def test_empty_or_bad_input_is_a_clear_error(tmp_path):
    for fn in (export_png, export_pdf, export_zip):
        with pytest.raises(ValueError, match="at least 1 panel"):
            fn([], tmp_path / "x", TITLE, STATEMENT)
    with pytest.raises(ValueError, match=r"panels\[0\]"):
        export_png([Image.new("RGB", (8, 8))], tmp_path / "x.png")
    Image.new("RGB", (8, 8)).save(tmp_path / "plain.png")
    with pytest.raises(ValueError, match="not a portfolio"):
        read_portfolio(tmp_path / "plain.png")
