"""Every tab adapter, called directly on the tiny Lab of conftest.py (no server, no browser)."""
from __future__ import annotations

import zipfile

import gradio as gr
import numpy as np
import pytest
from PIL import Image

from playground.panels import read_params
from playground.ui import (bandit, controlnet, denoising, img2img, portfolio, prompt_styles, restore,
                           seed_grid, triptych, xy_grid)
from playground.ui.shared import Labs, model_fn
from support import UI_STEPS, panel, settings_for


@pytest.fixture(scope="module")
def labs(lab):
    return Labs(lab)


@pytest.fixture
def settings(lab):
    return settings_for(lab)


@pytest.fixture
def photo_path(photo, tmp_path):
    path = tmp_path / "photo.png"
    photo.save(path)
    return str(path)


def _images(gallery):
    return [img for img, _ in gallery]


def test_triptych_three_captioned_panels(labs, settings):
    gallery, panels = triptych.run_triptych(labs, "a fox", "guidance_scale", "1, 5, 15", 7, **settings)
    assert [c for _, c in gallery] == ["CFG 1", "CFG 5", "CFG 15"]
    assert [p.params["guidance_scale"] for p in panels] == [1.0, 5.0, 15.0]
    assert {p.params["seed"] for p in panels} == {7}
    a, b = (np.asarray(i, dtype=np.int16) for i in _images(gallery)[:2])
    assert np.abs(a - b).mean() > 0  # guidance changed the image


def test_triptych_notes_go_into_the_portfolio_and_its_zip(tmp_path):
    import json
    from playground.ui.panels import add_to_portfolio, with_notes
    made = [panel(c, f"CFG {g}", guidance_scale=g) for c, g in (("red", 1.0), ("green", 5.0), ("blue", 15.0))]
    notes = ("Washed out, the fox barely there.", "", "Harsh colours.")
    items = add_to_portfolio([], with_notes(made, notes))
    assert [p.params.get("note") for p in items] == [notes[0], None, notes[2]]
    _, files = portfolio.export_piece(None, items, [0, 1, 2], "Three", "A statement.")
    zipped = next(f for f in files if f.endswith(".zip"))
    sidecar = json.loads(zipfile.ZipFile(zipped).read("portfolio.json"))
    assert [p["params"].get("note") for p in sidecar["panels"]] == [notes[0], None, notes[2]]


def test_triptych_values_per_knob_come_from_the_preset():
    from playground.params import load_preset
    assert triptych.values_for("scheduler") == ", ".join(load_preset("triptych")["values"]["scheduler"])


def test_triptych_out_of_range_value_is_a_toast(labs, settings):
    with pytest.raises(gr.Error, match="guidance_scale must be a number in 0..30"):
        model_fn(triptych.run_triptych)(labs, "a fox", "guidance_scale", "1, 99", 7, **settings)
    with pytest.raises(gr.Error, match="prompt"):
        model_fn(triptych.run_triptych)(labs, "  ", "seed", "1, 2", 7, **settings)


def test_prompt_styles_same_seed_three_captions(labs, settings):
    gallery, panels = prompt_styles.run_prompt_styles(labs, "Paint hills.", "a photo of hills", "Wide shot.", 3,
                                                      **settings)
    assert [c for _, c in gallery] == ["command", "caption", "director"]
    assert {p.params["seed"] for p in panels} == {3}


def test_seed_grid_random_and_typed(labs, settings):
    out = seed_grid.run_seed_grid(labs, "a cat", seed_grid.RANDOM, 3, "", **settings)
    gallery, panels, used, palette, brightness, colourfulness, summary, prior_plot, note = out
    assert len(panels) == 3 and [int(s) for s in used.split(",")] == [p.params["seed"] for p in panels]
    assert {palette.type, brightness.type, colourfulness.type} == {"altair"} and "3 images" in summary
    assert prior_plot.visible is False  # the tiny Lab is not the embedded model
    _, typed, used, *_ = seed_grid.run_seed_grid(labs, "a cat", seed_grid.TYPED, 8, "0, 4294967295", **settings)
    assert [p.params["seed"] for p in typed] == [0, 4294967295] and used == "0, 4294967295"
    with pytest.raises(ValueError, match="seed"):
        seed_grid.run_seed_grid(labs, "a cat", seed_grid.TYPED, 8, "4294967296", **settings)


def test_xy_grid_labelled_and_spread_per_row(labs, settings):
    image, gallery, panels, spread = xy_grid.run_xy_grid(labs, "a cat", "seed", "1, 2", "prompt",
                                                         "a cat\na red car, on a street", 5, **settings)
    assert len(panels) == 4 and isinstance(image, Image.Image)
    assert image.width > 2 * panels[0].image.width
    assert [row[0] for row in spread] == ['"a cat"', '"a red car, on a street"']  # commas kept in prompts
    assert all(row[1] is not None and row[1] >= 0 for row in spread)


def test_bandit_round_vote_and_posterior(labs, settings):
    gallery, current, state, status, frame, history = bandit.start_bandit(labs, "a cat\na dog\n", **settings)
    assert len(current) == 1 and "Round 1" in status and history == []
    labels = [t.get_text() for t in frame.legends[0].get_texts()]  # the legend sits below the axes
    assert [t[:2] for t in labels] == ["1:", "2:"] and "0 like" in labels[0]
    index = current[0].params["variant"]
    gallery, current, state, status, frame, history = bandit.vote(labs, True, state, current, **settings)
    assert state["likes"][index] == 1 and history[0][3] == "like" and "Round 2" in status
    with pytest.raises(ValueError, match="variants"):
        bandit.start_bandit(labs, "only one", **settings)
    with pytest.raises(ValueError, match="press Start"):
        bandit.vote(labs, False, None, [], **settings)


def test_img2img_sweep_reports_survival(labs, settings, photo_path):
    gallery, panels = img2img.run_img2img(labs, photo_path, "a fox", "0.5, 1.0", 7, **settings)
    assert [p.params["strength"] for p in panels] == [0.5, 1.0]
    assert all("SSIM" in c for _, c in gallery) and all("ssim" in p.params["metrics"] for p in panels)
    shown = img2img.preview_upload(photo_path, 48.0, 32)
    assert shown.mode == "RGB" and shown.size == (48, 32)  # cropped as the pipeline will see it
    assert img2img.preview_upload(None, 64, 64) is None


def test_send_to_img2img_targets_the_img2img_tab():
    from playground.ui.catalog import BY_ID
    from playground.ui.panels import SEND_TO_TAB
    assert BY_ID[SEND_TO_TAB].tab is img2img


def test_img2img_bad_uploads(labs, settings, tmp_path):
    (tmp_path / "x.png").write_text("not an image")
    with pytest.raises(gr.Error, match="not an image"):
        model_fn(img2img.run_img2img)(labs, str(tmp_path / "x.png"), "a fox", "0.5", 7, **settings)
    with pytest.raises(gr.Error, match="none given"):
        model_fn(img2img.run_img2img)(labs, None, "a fox", "0.5", 7, **settings)


def test_controlnet_from_upload_and_sketch(labs, settings, photo_path):
    cmap, gallery, panels = controlnet.run_controlnet(labs, controlnet.UPLOAD, None, photo_path, "canny",
                                                      "0.5, 1.0", "a house", 7, **settings)
    assert isinstance(cmap, Image.Image) and [c for _, c in gallery] == ["canny 0.5", "canny 1"]
    sketch = np.zeros((64, 64, 4), np.uint8)
    sketch[30:34, 8:56] = (0, 0, 0, 255)
    cmap, gallery, _ = controlnet.run_controlnet(labs, controlnet.SKETCH, {"composite": sketch, "layers": []}, None,
                                                 "scribble", "1", "a house", 7, **settings)
    assert np.asarray(cmap).max() == 255 and len(gallery) == 1  # the stroke is in the map


def test_controlnet_empty_sketch_and_unknown_detector(labs, settings):
    blank = {"composite": np.zeros((64, 64, 4), np.uint8), "layers": []}
    with pytest.raises(gr.Error, match="canvas is empty"):
        model_fn(controlnet.run_controlnet)(labs, controlnet.SKETCH, blank, None, "canny", "1", "a", 7, **settings)
    drawn = np.zeros((64, 64, 4), np.uint8)
    drawn[28:36, 28:36, 3] = 255  # an opaque black square
    drawn = {"composite": drawn, "layers": []}
    with pytest.raises(gr.Error, match="detector"):
        model_fn(controlnet.run_controlnet)(labs, controlnet.SKETCH, drawn, None, "depth", "1", "a", 7, **settings)


def test_denoising_strip_gif_and_steps(labs, lab):
    settings = settings_for(lab, num_inference_steps=3)
    strip, gif, gallery, panels = denoising.run_trajectory(labs, "sunset over mountains", 7, 1, **settings)
    assert len(panels) == 3 and strip.width >= 3 * panels[0].image.width
    with Image.open(gif) as anim:
        assert anim.n_frames == 3 and anim.width >= panels[0].image.width


def test_portfolio_export_png_pdf_zip(tmp_path):
    items = [panel(c, f"CFG {i}", guidance_scale=float(i)) for i, c in enumerate(("red", "green", "blue"))]
    piece, files = portfolio.export_piece(None, items, [0, 1, 2], "Three", "A statement.")
    png, pdf, zipped = files
    assert png.endswith(".png") and pdf.endswith(".pdf") and zipped.endswith(".zip")
    assert "parameters" in Image.open(png).info and read_params(png)["prompt"] == "a cat"
    assert zipfile.ZipFile(zipped).namelist()  # a readable archive
    # the piece shown is the exported PNG itself, metadata and all (composed and encoded once)
    assert piece == png and Image.open(piece).width > 3 * 16


def test_portfolio_pick_remove_and_words():
    items = [panel(caption=str(i)) for i in range(4)]
    assert [p.caption for p in portfolio.picked_panels(items, [2, 0])] == ["0", "2"]
    with pytest.raises(ValueError, match="empty"):
        portfolio.picked_panels([], [0])
    with pytest.raises(ValueError, match="pick at least one"):
        portfolio.picked_panels(items, [])
    with pytest.raises(ValueError, match=r"1..4"):
        portfolio.picked_panels(items, [9])
    state, badge, gallery, picked = portfolio.remove_picked(items, [1, 3])
    assert [p.caption for p in state] == ["0", "2"] and "2 panels" in badge and picked.value == [0, 1]
    assert portfolio.word_count("one two three").startswith("3 words")


def test_read_saved_png_and_refuses_non_images(tmp_path):
    path = panel(seed=99, num_inference_steps=12).save(tmp_path / "p.png")
    assert read_params(path)["seed"] == 99 and restore.read_saved(str(path))["num_inference_steps"] == 12
    (tmp_path / "bad.png").write_bytes(b"\x89PNG broken")
    with pytest.raises(ValueError, match="image upload"):
        restore.read_saved(str(tmp_path / "bad.png"))
    Image.new("RGB", (8, 8)).save(tmp_path / "plain.png")
    with pytest.raises(ValueError, match="no generation parameters"):
        restore.read_saved(str(tmp_path / "plain.png"))


def test_restore_fills_only_the_target_tab():
    from playground.ui.shared import SETTINGS, Shared

    class FakeLabs:
        class lab:
            @staticmethod
            def models(runnable=False):
                return {"tiny-world": "Tiny"}

            @staticmethod
            def defaults(model=None):
                return {"max_size": 256}

    shared = Shared(labs=FakeLabs())
    targets = {"triptych": {"prompt": "p1", "seed": "s1"}, "seed_grid": {"prompt": "p2", "seed": None}}
    params = {"prompt": "a fox", "seed": 5, "num_inference_steps": 12, "model": "v1-5-pruned"}
    out = restore.restore(shared, targets, params, "seed_grid")
    assert len(out) == 3 + len(SETTINGS) + 1
    assert out[0] == gr.update() and out[2]["value"] == "a fox"  # triptych untouched, seed grid filled
    settings = dict(zip(SETTINGS, out[3:3 + len(SETTINGS)]))
    assert settings["num_inference_steps"]["value"] == 12 and settings["model"] == gr.update()
    with pytest.raises(ValueError, match="drop a saved PNG"):
        restore.restore(shared, targets, None, "triptych")


def test_steps_are_few_here():
    assert UI_STEPS <= 4  # keeps the whole UI suite within its time budget


def test_picking_a_model_applies_its_registry_defaults_without_loading():
    from types import SimpleNamespace

    from playground.lab import Lab
    from playground.registry import ModelSpec
    from playground.tiny import tiny_pipeline
    from playground.ui import layout

    turbo = ModelSpec(id="stabilityai/sd-turbo", family="sd2.x", size=512, max_size=768, steps=1,
                      guidance=0.0, scheduler="Euler")
    lab = Lab(pipeline=tiny_pipeline("sd1.x"), model="tiny")
    lab.manager.registry = {"tiny": lab.manager.spec, turbo.id: turbo}
    labs = SimpleNamespace(lab=lab)
    steps, guidance, scheduler, width, height = layout.model_settings(labs, turbo.id)
    assert (steps["value"], guidance["value"], scheduler["value"]) == (1, 0.0, "Euler")
    assert width["value"] == 512 and width["maximum"] == 768 and height["maximum"] == 768
    radio = controlnet.detector_choices(labs, turbo.id)
    assert radio.choices == [] and radio.value is None  # SD-Turbo pairs with no ControlNet


def test_the_sketch_pad_defaults_to_the_detector_trained_for_drawings():
    """People's drawings: canny draws two edges along every pen stroke; a drawing goes to scribble, an
    upload to canny, and a model without scribble falls back to what it has."""
    assert controlnet.default_detector(["canny", "scribble"], controlnet.SKETCH) == "scribble"
    assert controlnet.default_detector(["canny", "scribble"], controlnet.UPLOAD) == "canny"
    assert controlnet.default_detector(["canny", "depth"], controlnet.SKETCH) == "canny"
    assert controlnet.default_detector([], controlnet.SKETCH) is None
