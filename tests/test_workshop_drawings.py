"""Drawings a person would make in the sketch pad (workshop.drawings), the measures decoders and
scribble ControlNets are judged by (the evaluation's sharp and sketch sections), and a miniature
run of them on the shipped weights (slow)."""
import hashlib
import json

import numpy as np
import pytest
from PIL import Image

from playground.detectors import control_map, looks_like_sketch, scribble_map
from playground.world import parse_prompt
from workshop.drawings import KINDS, drawing_set, make_drawing
from workshop.eval_drawings import DRAWING_SEED
from workshop.metrics import blockiness, to_size
from workshop.model import MODEL_DIR

DRAWINGS = drawing_set(30, seed=5)


def test_drawings_are_dark_pen_strokes_on_white_paper():
    for d in DRAWINGS:
        assert d.image.dtype == np.uint8 and d.image.shape == (128, 128, 3)
        grey = d.image.mean(axis=2)
        assert (grey > 200).mean() > 0.8, d.caption  # mostly paper
        assert 0.01 < (grey < 128).mean() < 0.2, d.caption  # some strokes, not a fill
        assert looks_like_sketch(d.image)  # the app takes them as drawn, not as a photo


def test_strokes_are_thin_like_the_sketch_pads_brush():
    """The pad's 6 px brush at 384 px is 2 px at 128: a 3x3 erosion leaves almost nothing."""
    import cv2
    for d in DRAWINGS[:10]:
        dark = (d.image[:, :, 0] < 128).astype(np.uint8)
        assert cv2.erode(dark, np.ones((3, 3), np.uint8)).sum() < 0.25 * dark.sum()


def test_drawings_are_seeded_and_each_depends_only_on_its_index():
    again = drawing_set(30, seed=5)
    assert all(np.array_equal(a.image, b.image) and a.caption == b.caption for a, b in zip(DRAWINGS, again))
    assert np.array_equal(drawing_set(3, seed=5)[2].image, DRAWINGS[2].image)
    assert not np.array_equal(drawing_set(1, seed=6)[0].image, DRAWINGS[0].image)
    assert [d.kind for d in DRAWINGS[:6]] == list(KINDS) * 2
    with pytest.raises(ValueError):
        make_drawing(np.random.default_rng(0), "dragon")


def test_captions_name_what_is_drawn_in_the_worlds_words():
    for d in DRAWINGS:
        assert parse_prompt(d.caption) == d.named, d.caption
        assert d.named["subject"] == ("none" if d.kind == "mountains" else d.kind)
        if d.kind != "mountains":
            assert d.kind in d.parts and "colour" in d.named
        if "ridge" in d.parts:
            assert d.named["setting"] == "mountains"
        elif "tree" in d.parts:
            assert d.named["setting"] == "meadow"
        if "sun" in d.parts:
            assert d.named["light"] in ("day", "sunset")
    assert all("ridge" in d.parts for d in DRAWINGS if d.kind == "mountains")


def test_layouts_go_where_the_world_never_does():
    """The world's horizon is always at 0.55-0.62 and its subjects stay in from the edges."""
    horizons = [d.layout["horizon"] for d in DRAWINGS]
    assert min(horizons) < 0.45 and max(horizons) > 0.75
    boxes = [d.layout["subject_box"] for d in DRAWINGS if "subject_box" in d.layout]
    assert any(b[0] < 0.05 or b[2] > 0.95 for b in boxes)
    assert {d.layout.get("placement") for d in DRAWINGS} >= {"left", "centre", "right"}


def test_the_apps_scribble_map_keeps_every_stroke():
    for d in DRAWINGS[:10]:
        strokes = d.image[:, :, 0] < 128
        m = scribble_map(d.image)[:, :, 0] > 0
        assert m[strokes].all()
        assert m.sum() < 4 * strokes.sum()  # thickened, not doubled into two canny edges each
        assert np.array_equal(np.asarray(control_map(Image.fromarray(d.image), "scribble")), scribble_map(d.image))


def test_blockiness_is_one_for_pixel_blocks_and_a_quarter_without_a_grid():
    rng = np.random.default_rng(0)
    blocks = np.kron(rng.integers(0, 255, (2, 32, 32, 3)), np.ones((1, 4, 4, 1))).astype(np.uint8)
    smooth = np.asarray(Image.fromarray(blocks[0]).resize((128, 128), Image.BILINEAR).rotate(7))[None]
    assert blockiness(blocks) == pytest.approx([1.0, 1.0])
    assert blockiness(np.roll(blocks, 1, axis=2))[0] == pytest.approx(1.0)  # the grid's phase does not matter
    assert blockiness(rng.integers(0, 255, (1, 128, 128, 3)))[0] < 0.3
    assert blockiness(np.full((1, 64, 64, 3), 7, np.uint8)) == [0.25]
    assert blockiness(smooth)[0] < 0.5
    assert to_size(blocks[0], 64).shape == (64, 64, 3) and np.array_equal(to_size(blocks[0], 128), blocks[0])


def test_the_evaluations_drawings_stay_as_they_were():
    """The 24 drawings every scribble net is judged on (the seed the evaluation uses), pinned by
    hash: the same hash as the drawings of the shipped evaluation (drawings.py of commit eb1903c)."""
    h = hashlib.sha256()
    for d in drawing_set(24, DRAWING_SEED):
        h.update(d.image.tobytes())
        h.update(d.caption.encode())
    assert h.hexdigest() == "8ff2371d725764bde82c1782ebc31e1bb0dbd5c7b219e827989e9a2011ab00e9"


@pytest.mark.slow
@pytest.mark.skipif(not any((MODEL_DIR / "unet").glob("*.safetensors")), reason="no trained models/tiny-world")
def test_a_miniature_run_on_a_model_folder_writes_every_measure(tmp_path, check_rows):
    """The sharp, sketch and control sections on 1-3 items (2 steps: the mechanics, not the
    figures) on a candidate folder made the decoder trainer's way: the shipped parts linked in."""
    from workshop.evaluate import main
    folder = tmp_path / "candidate"
    folder.mkdir()
    for part in MODEL_DIR.iterdir():
        (folder / part.name).symlink_to(part.resolve())
    out, png = tmp_path / "sharp.json", tmp_path / "drawings.png"
    assert main(["--model", str(folder), "--quick", "--steps", "2", "--vae-scenes", "2", "--gen-scenes", "2",
                 "--style-seeds", "1", "--sketches", "1", "--drawings", "3", "--control-maps", "1",
                 "--held-out", "20", "--sections", "sharp,sketch,control", "--out", str(out),
                 "--drawings-sheet", str(png)]) == 0
    r = json.loads(out.read_text())
    assert {"vae", "generated", "styles", "sketches", "control", "checks"} <= set(r)
    assert r["settings"]["steps"] == 2 and r["settings"]["model_dir"].endswith("candidate")
    assert 0 < r["vae"]["l1"] < 0.2 and 0 < r["vae"]["sharpness_ratio"] < 2
    assert 0 < r["generated"]["sharpness_ratio"] < 2
    assert r["styles"]["pixel art"]["renders"]["blockiness"] == pytest.approx(1.0)
    drawings = r["sketches"]["drawings"]
    assert drawings["n"] == 3 and set(drawings["by_kind"]) == set(KINDS)
    assert all(0 <= drawings[k] <= 1 for k in ("f1", "f1_without", "adherence", "adherence_without"))
    assert "ratio_above_chance" in r["control"]["scribble"] and "ratio" in r["control"]["canny"]
    status = check_rows(r["checks"])  # every PASS / FAIL follows from its value and target
    assert sum(f.startswith("person drawings:") for f in status) == 4  # 3 targets and placement
    assert Image.open(png).size == (4 * 4 * 128, 128)
