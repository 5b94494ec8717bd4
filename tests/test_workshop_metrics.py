"""workshop.metrics: the evaluation's measures mean what they say, and the shipped figures
(models/tiny-world/evaluation.json) are complete, consistent and relative to the repository."""
import json
from pathlib import Path

import numpy as np
import pytest

from playground.detectors import canny_map, looks_like_sketch, scribble_map
from playground.world import VALUES, parse_prompt
from workshop.dataset import make_batch
from workshop.metrics import (adherence, build_prompt_set, edge_f1, hand_sketch, mean_pairwise,
                              pixel_diversity, pooled_share, shares)
from workshop.render import outline_view

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = ROOT / "models" / "tiny-world" / "evaluation.json"
SECTIONS = ("settings", "classifier", "adherence", "sweep", "diversity", "prior", "control", "vae", "generated",
            "styles", "sketches", "checks")


def test_edge_f1():
    a = np.zeros((64, 64), np.uint8)
    a[10:50, 20] = 255
    assert edge_f1(a, a)["f1"] == 1.0
    far = np.zeros_like(a)
    far[10:50, 40] = 255
    assert edge_f1(a, far)["f1"] == 0.0
    near = np.zeros_like(a)
    near[10:50, 22] = 255  # 2 px away: inside the tolerance
    assert edge_f1(a, near, tolerance=2)["f1"] == 1.0
    assert edge_f1(a, near, tolerance=1)["f1"] == 0.0
    rgb = np.repeat(a[:, :, None], 3, axis=2)
    assert edge_f1(rgb, a)["f1"] == 1.0
    half = a.copy()
    half[30:50, 20] = 0
    scores = edge_f1(half, a)
    assert scores["precision"] == 1.0 and 0.4 < scores["recall"] < 0.7
    assert edge_f1(np.zeros_like(a), np.zeros_like(a))["f1"] == 1.0
    assert edge_f1(np.zeros_like(a), a)["f1"] == 0.0


def test_diversity():
    rng = np.random.default_rng(0)
    image = rng.integers(0, 256, (64, 64, 3), dtype=np.uint8)
    assert pixel_diversity([image] * 4) == pytest.approx(0.0, abs=1e-6)
    black, white = np.zeros_like(image), np.full_like(image, 255)
    assert pixel_diversity([black, white]) == pytest.approx(1.0, abs=1e-3)
    spread = [rng.integers(0, 256, (64, 64, 3), dtype=np.uint8) for _ in range(4)]
    assert pixel_diversity(spread) > 0.2
    assert mean_pairwise(np.array([[0.0, 0.0], [3.0, 4.0]]), rms=False) == pytest.approx(5.0)


def test_adherence_and_shares():
    named = [{"subject": "cat", "colour": "ginger"}, {"subject": "car", "birds": "3"},
             {"subject": "dog"}]
    predicted = [{"subject": "cat", "colour": "black", "birds": "0"},
                 {"subject": "car", "colour": "red", "birds": "4"},
                 {"subject": "fox", "colour": "orange", "birds": "0"}]
    result = adherence(named, predicted)
    assert result["subject"] == {"share": pytest.approx(2 / 3), "n": 3}
    assert result["colour"] == {"share": 0.0, "n": 1}
    assert result["birds"]["share"] == 0.0 and result["birds_within_1"]["share"] == 1.0
    assert "light" not in result  # no prompt named it
    # pooled: 2 of 3 subjects and 0 of 1 colour right; birds are left out when not asked for
    assert pooled_share(named, predicted, ("subject", "colour")) == pytest.approx(2 / 4)
    assert pooled_share(named, predicted, ("light",)) == 1.0  # nothing to judge
    table = {"ginger": 0.5, "black": 0.5}
    out = shares(["ginger", "ginger", "ginger", "white"], table)
    assert out["observed"] == {"ginger": 0.75, "black": 0.0}
    assert out["max_deviation"] == pytest.approx(0.5)
    # 32 of 64 ginger against a 35% table is 15 points: on the target, not past it by 2e-17
    edge = shares(["ginger"] * 32 + ["black"] * 32, {"ginger": 0.35, "black": 0.65})
    assert edge["max_deviation"] <= 0.15


def test_prompt_set_names_what_it_says():
    prompt_set = build_prompt_set(70, seed=3)
    assert {n["subject"] for _, n in prompt_set} == set(VALUES["subject"])
    mismatched = [(p, n) for p, n in prompt_set if parse_prompt(p) != n]
    assert len(mismatched) <= 2, mismatched[:3]
    assert build_prompt_set(5, seed=3) == prompt_set[:5]  # seeded


def test_hand_sketch_is_a_thinned_drawing_of_the_outlines():
    _, _, scenes = make_batch(4, seed=11)
    for scene in scenes:
        drawing = hand_sketch(scene, np.random.default_rng(0))
        assert drawing.shape == (128, 128, 3) and looks_like_sketch(drawing)  # the app sees a sketch
        strokes = drawing[:, :, 0] < 128
        outline = canny_map(outline_view(scene))[:, :, 0] > 0
        assert strokes.any() and not (strokes & ~outline).any()  # only the scene's contours
        assert strokes.sum() < 0.95 * outline.sum()  # with parts left out
        assert np.array_equal(drawing, hand_sketch(scene, np.random.default_rng(0)))
        assert scribble_map(drawing)[strokes].min() == 255  # the scribble map keeps every stroke


def strings(data):
    if isinstance(data, dict):
        return [s for v in data.values() for s in strings(v)]
    if isinstance(data, list):
        return [s for v in data for s in strings(v)]
    return [data] if isinstance(data, str) else []


def test_shipped_evaluation_is_complete_and_passes_what_the_model_card_says(check_rows):
    results = json.loads(SHIPPED.read_text())
    assert set(SECTIONS) <= set(results)
    assert results["settings"]["model_dir"] == "models/tiny-world"
    assert results["classifier"]["folder"] == "models/tiny-world/classifier"
    assert not [s for s in strings(results) if s.startswith(("/", "~")) or ":\\" in s]  # no machine paths
    status = check_rows(results["checks"])
    failed = {f.split(" (")[0] for f, r in status.items() if r == "FAIL"}
    # what the model card's Known limits name: the new decoder's L1 (sharpness costs it) and
    # drawings a person makes, which the scribble net does not follow well yet
    assert failed == {"VAE round trip: L1 in [-1, 1]", "person drawings: scribble edge F1",
                      "person drawings: caption adherence", "person drawings: adherence with - without"}
    passed = {f.split(" (")[0] for f, r in status.items() if r == "PASS"}
    assert {f"classifier accuracy: {a}" for a in VALUES} | {
        f"adherence: {a}" for a in ("subject", "colour", "setting", "light", "style")} | {
        "VAE round trip: sharpness ratio", "generated: sharpness ratio", "canny: F1 above chance, with / without",
        "scribble: F1 above chance, with / without", "hand sketches of world scenes: scribble edge F1",
        "hand sketches of world scenes: caption adherence"} <= passed
    assert sum(r == "PASS" for r in status.values()) == 23
