"""Portfolio export: PNG with metadata, multi-page PDF, ZIP with panels and a JSON sidecar."""
import io
import json
import zipfile

import numpy as np
import pytest
from PIL import Image

from playground.export import (export_all, export_pdf, export_png, export_zip, panel_page,
                               read_portfolio)
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
    """Pages of the final page tree (the PDF is written page by page, as incremental updates)."""
    from PIL import PdfParser
    return len(PdfParser.PdfParser(buf=data).pages)


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


def test_panel_page_grows_for_long_prompts():
    p = triptych()[0]
    long = Panel(p.image, p.caption, {**p.params, "prompt": "a very long prompt " * 200})
    assert panel_page(long, 1, 1).height > panel_page(p, 1, 1).height


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
    assert "fox fades" not in sidecar["panels"][0]["infotext"]  # A1111 infotext has no note field
    assert panel_page(ps[0], 1, 3).height >= panel_page(ps[1], 1, 3).height


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
