"""The evaluation's one command line (sections and groups, the lessons' rows), the attribute
classifier learns from renders (workshop.classifier_train), and a miniature evaluation
(workshop.evaluate, through the app's Lab) writes a complete, consistent JSON. Slow: those that
train a classifier or generate with the shipped weights."""
import json

import numpy as np
import pytest
from PIL import Image

from playground.world import VALUES
from playground.world.classifier import AttributeClassifier, build_net
from workshop.classifier_train import render_dataset, train_classifier
from workshop.evaluate import DEFAULT_SECTIONS, FULL, QUICK, RUNS, parse_args, sections_of
from workshop.lessons_eval import cost_rows, walk_rows
from workshop.model import MODEL_DIR

SHIPPED_CLASSIFIER = MODEL_DIR / "classifier"


def test_sections_take_names_and_groups_in_order_each_once():
    assert sections_of(DEFAULT_SECTIONS) == ["adherence", "sweep", "diversity", "prior", "control",
                                             "vae", "generated", "styles", "sketches"]  # evaluation.json's
    assert sections_of("sharp,sketch,lessons") == ["vae", "generated", "styles", "sketches", "attention",
                                                   "walks", "negation", "inpaint", "costs"]
    assert sections_of("vae,sharp") == ["vae", "generated", "styles"] and sections_of("none") == []
    with pytest.raises(ValueError, match="sections must be among"):
        sections_of("sharp,colour")
    assert sections_of("upscaler,sharp") == ["upscaler", "vae", "generated", "styles"]
    assert set(RUNS) == set(sections_of("world,sharp,sketch,lessons,upscaler")) and set(FULL) == set(QUICK)


def test_the_command_line_checks_before_anything_loads(capsys):
    args = parse_args(["--model", "m", "--sections", "lessons", "--walk-pairs", "1"])
    assert args.sections[0] == "attention" and args.model_dir.name == "m" and args.walk_pairs == 1
    for bad in (["--sections", "colour"], ["--before-after", "a.png", "before", "after"]):
        with pytest.raises(SystemExit):
            parse_args(bad)


def test_lesson_rows_judge_their_figures():
    costs = {"attention_overhead": 0.2, "negation_extra_s_per_image": 1.5, "inpaint_extra_s_per_image": 0.1,
             "captions_s_per_caption": 0.01, "walk_extra_cpu_s_per_image": 0.3}
    assert [r[3] for r in cost_rows(costs)] == ["PASS", "FAIL", "PASS", "PASS", "PASS"]
    steps = {"rgb_max": 3.0, "grey_max": 2.5, "renders_max": 9, "grey_between_cuts_max": 1.5, "walks_with_cuts": 1,
             "rgb_between_cuts_max": 1.8}
    walks = {"slerp_max_norm_deviation": 0.01, "lerp_middle_norm_ratio": 0.70,
             "middle_contrast_vs_ends": {"lerp": 0.6, "slerp": 0.9}, "slerp_noise_max_step_over_median": 1.1,
             "image_steps": {"even": steps, "uniform": {"rgb_max": 4.0}}}
    rows = {r[0]: r[3] for r in walk_rows(walks)}
    assert rows["walks: lerp middle contrast < slerp's"] == "PASS" and rows["walks: even walks with a cut (count)"] == "-"
    assert sum(v == "PASS" for v in rows.values()) == 5 and "FAIL" not in rows.values()


@pytest.fixture(scope="module")
def quick_classifier(tmp_path_factory):
    """A classifier trained in ~30 s on a 2-core CPU (the --quick recipe, a bit smaller)."""
    clf = train_classifier(quick=True, n_train=1500, n_test=200, epochs=3, log=lambda m: None)
    folder = tmp_path_factory.mktemp("classifier")
    clf.save(folder)
    return clf, folder


@pytest.mark.slow
def test_quick_classifier_is_well_above_chance(quick_classifier):
    clf, _ = quick_classifier
    x, y = render_dataset(200, seed=4242, workers=1)  # seeds neither training nor its test drew
    acc = clf.accuracy(x, y)
    assert acc["subject"] > 0.5, acc  # 7 classes; the commonest is under 20% of the mix
    assert acc["light"] > 0.6 and acc["setting"] > 0.6, acc


@pytest.mark.slow
def test_classifier_saves_loads_and_predicts(quick_classifier):
    clf, folder = quick_classifier
    again = AttributeClassifier.load(folder, "cpu")
    x, _ = render_dataset(8, seed=7, workers=1)
    predicted = again.predict(list(x))  # a list of arrays, as well as one array
    assert predicted == again.predict(x)
    assert all(set(p) == set(VALUES) and all(p[k] in VALUES[k] for k in p) for p in predicted)
    floats = x.astype(np.float32) / 255  # what diffusers returns with output_type="np"
    assert again.predict([Image.fromarray(im) for im in x]) == again.predict(floats)
    assert again.features(x).shape == (8, 192)
    assert (folder / "classifier.safetensors").stat().st_size < 2_000_000
    # the GPU recipe's full-width network must also fit in 2 MB at fp16
    assert 2 * sum(p.numel() for p in build_net(1.0).parameters()) < 2_000_000


@pytest.mark.slow
@pytest.mark.skipif(not (SHIPPED_CLASSIFIER / "config.json").exists() or
                    not any((MODEL_DIR / "unet").glob("*.safetensors")), reason="no trained models/tiny-world")
def test_tiny_evaluation_writes_a_complete_json(tmp_path, check_rows):
    """Two prompts and one control map at the app's defaults, judged by the shipped classifier:
    every section is there, every row a number whose PASS / FAIL follows from its target, and
    the rows the shipped model and classifier are known to pass do pass."""
    from workshop.evaluate import main
    out = tmp_path / "results.json"
    code = main(["--quick", "--device", "cpu", "--classifier-dir", str(SHIPPED_CLASSIFIER),
                 "--prompts", "2", "--control-maps", "1", "--held-out", "40",
                 "--sections", "adherence,control", "--out", str(out)])
    assert code == 0
    results = json.loads(out.read_text())
    assert {"settings", "classifier", "adherence", "control", "checks"} <= set(results)
    assert results["settings"]["model_dir"] == "models/tiny-world"  # relative, no machine path
    assert results["classifier"]["folder"] == "models/tiny-world/classifier"
    assert (results["settings"]["steps"], results["settings"]["guidance"]) == (20, 2.0)
    assert results["adherence"]["by_attribute"]["subject"]["n"] == 2
    canny = results["control"]["canny"]
    assert all(0.0 <= canny[k] <= 1.0 for k in ("f1", "f1_without", "f1_chance", "f1_text_only_renders"))
    assert canny["f1_renders"] == 1.0  # a render's own edges are its map
    assert 0.0 <= results["control"]["scribble"]["moved_camera"]["f1"] <= 1.0
    assert "hand_sketch" in results["control"]["scribble"]
    status = check_rows(results["checks"])
    assert len(status) >= 7 + 1 + 2 * 6 + 2
    known_good = [f for f in status if f.startswith(("classifier accuracy:", "adherence: subject"))]
    assert len(known_good) == 8 and all(status[f] == "PASS" for f in known_good), status
