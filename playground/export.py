"""Portfolio export: a finished piece as PNG (with metadata), PDF and ZIP (+ JSON sidecar).

Every format carries every setting, so a student's triptych can be re-made from any one of
them: the PNG in text chunks, the PDF as selectable text with the JSON attached, the ZIP as
per-panel PNGs and JSON. A panel made from a drawing, map or mask (its inputs) carries those too:
in its own PNG's chunks, as panel_NN_<name>.png files in the ZIP (the JSON names them), and small
under the panel in the PDF; the piece's PNG carries the first panel's, as `parameters` its settings.
"""
from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import Sequence, Union

from PIL import Image, PngImagePlugin

from playground.inputs import INPUTS, add_chunks, png_bytes
from playground.panels import FORMAT, PORTFOLIO_CHUNK, Panel, compose, to_infotext, to_json
from playground.pdf import portfolio_pdf
from playground.params import STATEMENT_MAX_CHARS, TITLE_MAX_CHARS, check_length

PathLike = Union[str, Path]
PANEL_FILE = "panel_{:02d}.png"
INPUT_FILE = "panel_{:02d}_{}.png"  # panel number, input name: panel_01_control_map.png


def _check(panels: Sequence[Panel], title: str | None = None, statement: str | None = None) -> list[Panel]:
    """The panels as a list; title and statement checked first, before any drawing starts."""
    check_length(title, "title", TITLE_MAX_CHARS)
    check_length(statement, "statement", STATEMENT_MAX_CHARS)
    panels = list(panels or [])
    if not panels:
        raise ValueError("panels must hold at least 1 panel to export, got 0")
    for i, p in enumerate(panels):
        if not isinstance(p, Panel):
            raise ValueError(f"panels[{i}] must be a Panel, got {type(p).__name__}")
    return panels


def _panel_entry(panel: Panel, number: int) -> dict:
    entry = {"file": PANEL_FILE.format(number), "caption": panel.caption, "params": panel.params,
             "infotext": to_infotext(panel.params)}
    if panel.inputs:  # only then: a piece without drawings reads as it always did
        entry["inputs"] = {name: {"file": INPUT_FILE.format(number, name), "caption": INPUTS[name]}
                           for name in panel.inputs}
    return entry


def portfolio_dict(panels: Sequence[Panel], title: str | None = None,
                   statement: str | None = None) -> dict:
    """Everything needed to re-make the piece: title, statement, each panel's caption/params and
    the files of its input pictures (in the ZIP)."""
    panels = _check(panels)
    return {"format": FORMAT, "title": title or "", "statement": statement or "",
            "panels": [_panel_entry(p, i + 1) for i, p in enumerate(panels)]}


def _summary(panels: list[Panel]) -> str:
    # AUTOMATIC1111 (and the tools that read its format) take `parameters` as ONE generation:
    # a prompt, a negative prompt and one settings line. Several panels' infotexts in a row read
    # as a prompt "Portfolio: ...", the other panels in the negative prompt and the last panel's
    # CFG. So the first panel, which is also what restore fills in; every panel is
    # in the JSON chunk.
    return to_infotext(panels[0].params)


def _png_bytes(panels: list[Panel], title: str | None, statement: str | None, memo: dict | None = None) -> bytes:
    info = PngImagePlugin.PngInfo()
    info.add_text("parameters", _summary(panels))
    info.add_text(PORTFOLIO_CHUNK, to_json(portfolio_dict(panels, title, statement)))
    if title:
        info.add_text("Title", title)
    if statement:
        info.add_text("Description", statement)
    add_chunks(info, panels[0].inputs, memo)  # restore fills in the first panel: its pictures too
    buf = io.BytesIO()
    compose(panels, title=title, statement=statement).save(buf, format="PNG", pnginfo=info)
    return buf.getvalue()


def _write(path: PathLike, data: bytes) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def export_png(panels: Sequence[Panel], path: PathLike, title: str | None = None,
               statement: str | None = None) -> Path:
    """The composed piece as PNG: `parameters` is the first panel's infotext (what A1111 reads
    as one generation), the JSON chunk every panel's params."""
    return _write(path, _png_bytes(_check(panels, title, statement), title, statement))


def _pdf_bytes(panels: list[Panel], title: str | None, statement: str | None) -> bytes:
    return portfolio_pdf(panels, title, statement, to_json(portfolio_dict(panels, title, statement), indent=2))


def export_pdf(panels: Sequence[Panel], path: PathLike, title: str | None = None,
               statement: str | None = None) -> Path:
    """Page 1 the composed piece, then one page per panel: images with every caption, prompt
    and setting as selectable text, and the portfolio JSON attached (playground/pdf.py)."""
    return _write(path, _pdf_bytes(_check(panels, title, statement), title, statement))


def _zip_bytes(panels: list[Panel], title: str | None, statement: str | None, png: bytes | None = None,
               pdf: bytes | None = None) -> bytes:
    buf, memo = io.BytesIO(), {}  # memo: a map the panels of one run share is encoded once
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for i, p in enumerate(panels):
            zf.writestr(PANEL_FILE.format(i + 1), p.to_bytes(memo))
            for name, image in p.inputs.items():
                zf.writestr(INPUT_FILE.format(i + 1, name), png_bytes(name, image, memo))
        zf.writestr("portfolio.png", png if png is not None else _png_bytes(panels, title, statement, memo))
        zf.writestr("portfolio.pdf", pdf if pdf is not None else _pdf_bytes(panels, title, statement))
        zf.writestr("portfolio.json", to_json(portfolio_dict(panels, title, statement), indent=2))
    return buf.getvalue()


def export_zip(panels: Sequence[Panel], path: PathLike, title: str | None = None,
               statement: str | None = None) -> Path:
    """panel_NN.png (each with its metadata), panel_NN_<input>.png (a ControlNet panel's
    control_image and control_map, an inpainting panel's init_image and mask), portfolio.png,
    portfolio.pdf, portfolio.json."""
    return _write(path, _zip_bytes(_check(panels, title, statement), title, statement))


def export_all(panels: Sequence[Panel], folder: PathLike, title: str | None = None,
               statement: str | None = None, stem: str = "portfolio") -> dict[str, Path]:
    """All three formats into one folder: {"png": ..., "pdf": ..., "zip": ...}; the piece and the
    PDF are made once and go into the ZIP as they are."""
    panels = _check(panels, title, statement)
    folder = Path(folder)
    png, pdf = _png_bytes(panels, title, statement), _pdf_bytes(panels, title, statement)
    return {"png": _write(folder / f"{stem}.png", png), "pdf": _write(folder / f"{stem}.pdf", pdf),
            "zip": _write(folder / f"{stem}.zip", _zip_bytes(panels, title, statement, png, pdf))}


def read_portfolio(source: PathLike) -> dict:
    """The portfolio dict back from an exported PNG or ZIP (title, statement, panels)."""
    source = Path(source)
    try:
        if zipfile.is_zipfile(source):
            with zipfile.ZipFile(source) as zf:
                return json.loads(zf.read("portfolio.json"))
        raw = Image.open(source).info.get(PORTFOLIO_CHUNK)
    except (OSError, KeyError, json.JSONDecodeError) as e:
        raise ValueError(f"{source.name} is not a portfolio export: {e}") from None
    if not raw:
        raise ValueError(f"{source.name} has no {PORTFOLIO_CHUNK!r} chunk: not a portfolio PNG")
    return json.loads(raw)
