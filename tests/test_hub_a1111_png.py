"""Every PNG the app writes, read as AUTOMATIC1111 reads it (tests/a1111_parser.py, a second
implementation of its infotext grammar): prompt, negative prompt, steps, sampler, CFG, seed and
size must be the app's own. Panels from every exercise, saved as the app saves them
(Panel.save for downloads and the store, Panel.to_bytes in the ZIP), and the portfolio PNG."""
from __future__ import annotations

import io
import zipfile

import numpy as np
import pytest
from a1111_parser import as_app_settings, parse_generation_parameters
from PIL import Image

from playground import export
from playground.panels import Panel
from playground.params import SCHEDULERS

S = dict(width=64, height=64, num_inference_steps=2)
PROMPTS = ['a fox, reading a "book": at night', "two lines\nof prompt", "un renard — 狐, café au lait"]
NEGATIVE = "blurry, low quality: 2"
FIELDS = ("prompt", "negative_prompt", "num_inference_steps", "scheduler", "guidance_scale", "seed", "width", "height")


@pytest.fixture(scope="module")
def panels(lab, xl_lab, photo) -> list[Panel]:
    """Panels of every exercise (the tiny SD 1.x lab), every scheduler, and SDXL's."""
    mask = Image.fromarray(np.pad(np.full((32, 32), 255, np.uint8), 16))
    out = [lab.generate(PROMPTS[0], seed=2**32 - 1, scheduler=name, negative_prompt=NEGATIVE, **S) for name in SCHEDULERS]
    out += [xl_lab.generate(p, seed=3, guidance_scale=0.0, **S) for p in PROMPTS]
    out += lab.seed_grid(PROMPTS[1], seeds=[1, 2], **S)
    out += lab.triptych(PROMPTS[2], vary="guidance_scale", values=[1.5, 7.0, 12.25], seed=4, **S)
    out += lab.prompt_styles({"command": "draw a fox", "caption": PROMPTS[0]}, seed=5, **S)
    out += lab.xy_grid(PROMPTS[0], "seed", [1, 2], "num_inference_steps", [1, 2], seed=1, **{**S, "num_inference_steps": None})
    out += lab.img2img_strength(photo, PROMPTS[0], strengths=(0.25, 1.0), seed=6, negative_prompt=NEGATIVE, **S)
    out += lab.controlnet(photo, PROMPTS[2], detector="canny", scales=(0.5,), seed=7, **S)
    out += lab.trajectory(PROMPTS[0], seed=8, **S)
    out += [lab.bandit_round(lab.bandit(PROMPTS[:2], rng_seed=0), **S)]
    out += lab.attention_maps(PROMPTS[0], seed=9, **S)[:2]
    out += lab.interpolate(PROMPTS[0], seeds=(1, 2), frames=2, **S)
    out += [lab.variation(PROMPTS[0], seed=1, variation_seed=2, strength=0.25, **S)]
    out += lab.negation(PROMPTS[0], "birds", seed=10, **S)
    out += lab.inpaint(photo, mask, PROMPTS[1], strengths=(1.0,), seed=11, **S)
    return out


def read(png: bytes) -> dict:
    return as_app_settings(parse_generation_parameters(Image.open(io.BytesIO(png)).info["parameters"]))


def expected(params: dict) -> dict:
    return {f: params.get(f, "") if f == "negative_prompt" else params[f] for f in FIELDS}


def test_the_parser_reads_a1111s_own_example():
    text = ("a castle, oil painting\nNegative prompt: blurry\nSteps: 20, Sampler: DPM++ 2M, Schedule type: Karras, "
            'CFG scale: 7, Seed: 1, Size: 512x768, Model: sd, Lora hashes: "a: 1, b: 2"')
    read = parse_generation_parameters(text)
    assert read["Prompt"] == "a castle, oil painting" and read["Negative prompt"] == "blurry"
    assert read["Lora hashes"] == "a: 1, b: 2" and (read["Size-1"], read["Size-2"]) == ("512", "768")
    assert as_app_settings(read)["scheduler"] == "DPM++ 2M Karras"
    old = parse_generation_parameters("a\nSteps: 5, Sampler: DPM++ 2M Karras, Seed: 1")
    assert (old["Sampler"], old["Schedule type"]) == ("DPM++ 2M", "Karras")
    assert parse_generation_parameters("a\nb: c, d: e")["Prompt"] == "a\nb: c, d: e"  # < 3 pairs: prompt


def test_every_panel_png_reads_back_in_a1111(panels, tmp_path):
    seen = set()
    for i, panel in enumerate(panels):
        want = expected(panel.params)
        saved = panel.save(tmp_path / f"{i}.png").read_bytes()
        assert read(saved) == want == read(panel.to_bytes()), f"panel {i}: {panel.caption}"
        seen.add(panel.params["scheduler"])
    assert seen == set(SCHEDULERS)


def test_the_zips_panel_pngs_read_back_in_a1111(panels, tmp_path):
    path = export.export_zip(panels[:6], tmp_path / "piece.zip", title="Six", statement="Why.")
    with zipfile.ZipFile(path) as zf:
        for i, panel in enumerate(panels[:6]):
            assert read(zf.read(export.PANEL_FILE.format(i + 1))) == expected(panel.params)


def test_the_portfolio_png_reads_as_its_first_panel(panels, tmp_path):
    piece = [panels[0], panels[12], panels[14]]
    png = export.export_png(piece, tmp_path / "piece.png", title="Three guidance scales", statement="Why.")
    assert read(png.read_bytes()) == expected(piece[0].params)
