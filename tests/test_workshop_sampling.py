"""workshop.sampling: the evaluation generates through the app's Lab (lab.batch) and takes the
app's defaults from it; a stand-in Lab checks what is asked for and what comes back."""
from types import SimpleNamespace

import numpy as np
import pytest
from PIL import Image

from playground.params import PRESETS_DIR
from playground.registry import load_registry
from workshop.model import MODEL_DIR
from workshop.sampling import EXAMPLE_PROMPTS, contact_sheet, generate, open_lab

DEFAULTS = {"negative_prompt": "", "num_inference_steps": 20, "guidance_scale": 2.0,
            "scheduler": "DDIM", "width": 128, "height": 128}


class FakeLab:
    """Records each batch call; answers with noise images (the worst case for PNG size)."""

    def __init__(self):
        self.calls = []

    def defaults(self):
        return dict(DEFAULTS)

    def batch(self, prompts, seeds, **settings):
        self.calls.append(dict(settings, prompts=list(prompts), seeds=list(seeds)))
        rng = np.random.default_rng(len(prompts))
        return [SimpleNamespace(image=Image.fromarray(rng.integers(0, 256, (128, 128, 3), dtype=np.uint8)))
                for _ in prompts]


def test_generate_is_lab_batch_as_one_uint8_array():
    lab = FakeLab()
    images = generate(lab, ["a cat", "a dog"], np.array([3, 4]), 12, 2.5, "Euler")
    assert images.shape == (2, 128, 128, 3) and images.dtype == np.uint8
    assert lab.calls == [{"prompts": ["a cat", "a dog"], "seeds": [3, 4], "num_inference_steps": 12,
                          "guidance_scale": 2.5, "scheduler": "Euler"}]
    assert isinstance(lab.calls[0]["seeds"][0], int)
    generate(lab, ["a cat"], [0])  # settings left out: the model's defaults, so none are sent
    assert set(lab.calls[-1]) == {"prompts", "seeds"}
    assert generate(lab, [], []).shape == (0, 128, 128, 3) and len(lab.calls) == 2
    with pytest.raises(ValueError, match="as many"):
        generate(lab, ["a cat"], [1, 2])


def test_generate_sends_one_control_map_per_prompt_as_an_image():
    lab = FakeLab()
    maps = [np.zeros((128, 128, 3), np.uint8), Image.new("RGB", (128, 128))]
    generate(lab, ["a house", "a car"], [1, 2], 20, 2.0, control=maps, detector="scribble")
    call = lab.calls[0]
    assert call["detector"] == "scribble" and call["controlnet_conditioning_scale"] == 1.0
    assert [im.size for im in call["control_images"]] == [(128, 128)] * 2
    assert all(isinstance(im, Image.Image) for im in call["control_images"])
    with pytest.raises(ValueError, match="detector"):
        generate(lab, ["a house"], [1], control=maps[:1])
    with pytest.raises(ValueError, match="one map per prompt"):
        generate(lab, ["a house"], [1], control=maps, detector="canny")


def test_contact_sheet_is_labelled_and_small(tmp_path):
    lab = FakeLab()
    sheet = contact_sheet(lab, EXAMPLE_PROMPTS, tmp_path / "sheet.png")
    image = Image.open(sheet)
    assert sheet.stat().st_size < 1_000_000
    assert image.width >= 4 * 128 and image.height >= len(EXAMPLE_PROMPTS) * 128
    (call,) = lab.calls  # one batch: every prompt under every seed, at the lab's defaults
    assert call["seeds"] == [0, 1, 2, 3] * len(EXAMPLE_PROMPTS)
    assert (call["num_inference_steps"], call["guidance_scale"]) == (20, 2.0)


@pytest.mark.skipif(not any((MODEL_DIR / "unet").glob("*.safetensors")), reason="models/tiny-world has no weights")
def test_evaluation_uses_the_apps_defaults():
    """"Targets at the default settings": the evaluation's Lab on the model folder starts from
    the registry's entry for it (presets/models.yaml), so the figures describe what a student
    gets. Nothing loads."""
    specs, default = load_registry(PRESETS_DIR / "models.yaml")
    spec = specs[default]
    lab = open_lab(MODEL_DIR, "cpu")
    defaults = lab.defaults()
    assert (defaults["num_inference_steps"], defaults["guidance_scale"], defaults["scheduler"]) == \
        (spec.steps, spec.guidance, spec.scheduler)
    assert not lab.loaded and lab.progress is False


def test_before_and_after_sheets_side_by_side(tmp_path):
    from workshop.sampling import before_after

    rng = np.random.default_rng(0)
    a, b = tmp_path / "a.png", tmp_path / "b.png"
    Image.fromarray(rng.integers(0, 255, (300, 200, 3), dtype=np.uint8)).save(a)
    Image.fromarray(np.full((280, 220, 3), 40, np.uint8)).save(b)
    out = Image.open(before_after(a, b, tmp_path / "ab.png")).convert("RGB")
    assert out.size == (200 + 8 + 220, 18 + 300)
    left, right = np.asarray(out)[18:, :200], np.asarray(out)[18:298, 208:]
    assert np.array_equal(left, np.asarray(Image.open(a))) and (right == 40).all()
    assert (tmp_path / "ab.png").stat().st_size < 1_000_000


def test_the_sketch_sheet_puts_an_earlier_run_beside_this_one(tmp_path):
    """workshop.pad_sketches' sheet (the card's sketches/sheet.png): one row a drawing, drawing |
    map | the earlier run's outputs | this run's, each 128 px under a label."""
    from workshop.pad_sketches import labelled_sheet

    def grey(v):
        return Image.new("RGB", (256, 256), (v, v, v))
    rows = {name: {"drawing": grey(250), "map": grey(0), "scale_0.5": grey(100), "scale_1.0": grey(120)}
            for name in ("house", "car")}
    before = tmp_path / "before"
    before.mkdir()
    for name in rows:
        for scale, v in (("0.5", 30), ("1.0", 60)):
            grey(v).save(before / f"{name}_scale_{scale}.png")
    sheet = np.asarray(Image.open(labelled_sheet(rows, tmp_path / "sheet.png", before)).convert("L"))
    assert sheet.shape == (16 + 2 * 132, 6 * 132)
    middles = [int(sheet[16 + 64, c * 132 + 64]) for c in range(6)]
    assert middles == [250, 0, 30, 60, 100, 120]
    alone = Image.open(labelled_sheet(rows, tmp_path / "alone.png"))
    assert alone.size == (4 * 132, 16 + 2 * 132)
