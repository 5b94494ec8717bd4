"""The tiny world's evaluation: the attribute classifier learns, the metrics mean what they
say, and (when models/tiny-world exists) a miniature evaluation writes its JSON."""
import json
import os

import numpy as np
import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from playground.world import VALUES, parse_prompt  # noqa: E402
from playground.world.classifier import (AttributeClassifier, build_net,  # noqa: E402
                                         render_dataset, train_classifier)
from playground.world.metrics import (adherence, build_prompt_set, edge_f1,  # noqa: E402
                                      mean_pairwise, pixel_diversity, pooled_share, shares)
from playground.world.model import MODEL_DIR  # noqa: E402


@pytest.fixture(scope="module")
def quick_classifier(tmp_path_factory):
    """A classifier trained in ~30 s on a 2-core CPU (the --quick recipe, a bit smaller)."""
    clf = train_classifier(quick=True, n_train=1500, n_test=200, epochs=3, log=lambda m: None)
    folder = tmp_path_factory.mktemp("classifier")
    clf.save(folder)
    return clf, folder


def test_quick_classifier_is_well_above_chance(quick_classifier):
    clf, _ = quick_classifier
    x, y = render_dataset(200, seed=4242, workers=1)  # seeds neither training nor its test drew
    acc = clf.accuracy(x, y)
    assert acc["subject"] > 0.5, acc  # 7 classes; the commonest is under 20% of the mix
    assert acc["light"] > 0.6 and acc["setting"] > 0.6, acc


def test_classifier_saves_loads_and_predicts(quick_classifier):
    clf, folder = quick_classifier
    again = AttributeClassifier.load(folder, "cpu")
    x, _ = render_dataset(8, seed=7, workers=1)
    predicted = again.predict(list(x))  # a list of arrays, as well as one array
    assert predicted == again.predict(x)
    assert all(set(p) == set(VALUES) and all(p[k] in VALUES[k] for k in p) for p in predicted)
    from PIL import Image
    floats = x.astype(np.float32) / 255  # what diffusers returns with output_type="np"
    assert again.predict([Image.fromarray(im) for im in x]) == again.predict(floats)
    assert again.features(x).shape == (8, 192)
    assert (folder / "classifier.safetensors").stat().st_size < 2_000_000
    # the GPU recipe's full-width network must also fit in 2 MB at fp16
    assert 2 * sum(p.numel() for p in build_net(1.0).parameters()) < 2_000_000


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


@pytest.mark.skipif(not (MODEL_DIR / "model_index.json").exists(), reason="no models/tiny-world")
def test_evaluation_uses_the_apps_defaults(tmp_path):
    """"Targets at the default settings": evaluate reads them from presets/models.yaml, so the
    figures describe what a student gets, and a foreign folder gets the registry's fallback."""
    import shutil
    from playground.params import PRESETS_DIR
    from playground.registry import load_registry
    from playground.world.sampling import app_defaults
    specs, default = load_registry(PRESETS_DIR / "models.yaml")
    spec = specs[default]
    assert app_defaults(MODEL_DIR) == {"steps": spec.steps, "guidance": spec.guidance,
                                       "scheduler": spec.scheduler}
    copy = tmp_path / "my-world"
    shutil.copytree(MODEL_DIR, copy, ignore=shutil.ignore_patterns("*.safetensors", "*.png"))
    assert app_defaults(copy)["guidance"] == spec.guidance  # the embedded family's fallback


def test_prompt_set_names_what_it_says():
    prompt_set = build_prompt_set(70, seed=3)
    assert {n["subject"] for _, n in prompt_set} == set(VALUES["subject"])
    mismatched = [(p, n) for p, n in prompt_set if parse_prompt(p) != n]
    assert len(mismatched) <= 2, mismatched[:3]
    assert build_prompt_set(5, seed=3) == prompt_set[:5]  # seeded


class FakePipe:
    """Stands in for a pipeline: noise images, the worst case for PNG size."""

    def __call__(self, prompt, generator, **kwargs):
        from types import SimpleNamespace
        rng = np.random.default_rng(len(prompt))
        return SimpleNamespace(images=rng.random((len(prompt), 128, 128, 3), dtype=np.float32))


def test_contact_sheet_is_labelled_and_small(tmp_path):
    from PIL import Image
    from playground.world.sampling import EXAMPLE_PROMPTS, contact_sheet
    sheet = contact_sheet(FakePipe(), EXAMPLE_PROMPTS, tmp_path / "sheet.png")
    image = Image.open(sheet)
    assert sheet.stat().st_size < 1_000_000
    assert image.width >= 4 * 128 and image.height >= len(EXAMPLE_PROMPTS) * 128


@pytest.mark.skipif(not (MODEL_DIR / "model_index.json").exists(), reason="no models/tiny-world")
def test_tiny_evaluation_writes_json(quick_classifier, tmp_path):
    from playground.world.evaluate import main
    _, folder = quick_classifier
    out = tmp_path / "results.json"
    code = main(["--quick", "--device", "cpu", "--classifier-dir", str(folder), "--steps", "2",
                 "--prompts", "2", "--control-maps", "1", "--held-out", "40", "--sections", "adherence,control",
                 "--out", str(out)])
    assert code == 0
    results = json.loads(out.read_text())
    assert results["adherence"]["by_attribute"]["subject"]["n"] == 2
    assert set(results["control"]) >= {"canny", "scribble"}
    canny = results["control"]["canny"]
    assert all(0.0 <= canny[k] <= 1.0 for k in ("f1", "f1_without", "f1_chance", "f1_text_only_renders"))
    assert canny["f1_renders"] == 1.0  # a render's own edges are its map
    assert 0.0 <= canny["moved_camera"]["f1"] <= 1.0
    assert {c["result"] for c in results["checks"]} & {"PASS", "FAIL"}


def test_hand_sketch_is_a_thinned_drawing_of_the_outlines():
    from playground.detectors import canny_map, looks_like_sketch, scribble_map
    from playground.world import make_batch
    from playground.world.metrics import hand_sketch
    from playground.world.render import outline_view
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
