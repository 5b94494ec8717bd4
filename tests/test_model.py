"""The shipped embedded model: small enough for a Space, loads offline, follows colour words.
(How it is built and re-trained: tests/test_workshop_*.py.)"""
import json
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
MODEL_DIR = ROOT / "models" / "tiny-world"
SEEDS = [0, 1, 2, 3]


@pytest.fixture(scope="module")
def lab():
    from playground import Lab
    lab = Lab()
    lab.progress = False
    return lab


def test_shipped_files_are_small_enough_for_a_space():
    files = [p for p in MODEL_DIR.rglob("*") if p.is_file()]
    assert any(p.suffix == ".safetensors" for p in files)
    assert not any(p.suffix in (".bin", ".pt", ".ckpt", ".pkl") for p in files)
    assert max(p.stat().st_size for p in files) <= 9_500_000
    # the budget is on the weights: 40 MB; the card's pictures each stay under 1 MB
    assert sum(p.stat().st_size for p in files if p.suffix == ".safetensors") <= 40_000_000
    assert all(p.stat().st_size < 1_000_000 for p in files if p.suffix == ".png")
    assert sum(p.stat().st_size for p in files) <= 42_000_000
    index = json.loads((MODEL_DIR / "model_index.json").read_text())
    assert index["unet"] == ["diffusers", "UNet2DConditionModel"]


@pytest.mark.slow
def test_default_lab_uses_the_embedded_model(lab):
    panel = lab.generate("a cat", seed=3, num_inference_steps=4)
    assert panel.image.size == (128, 128)
    assert panel.params["model"] == "tiny-world"


def red_minus_blue(images):
    arr = np.stack([np.asarray(im.convert("RGB"), dtype=np.float32) for im in images])
    return arr[..., 0].mean(axis=(1, 2)) - arr[..., 2].mean(axis=(1, 2))


@pytest.mark.slow
def test_colour_words_move_the_image_colour(lab):
    # Same seeds, same settings: only the colour word differs, so any shift comes from it.
    red = lab.seed_grid("a red car on a city street, daylight", seeds=SEEDS,
                        num_inference_steps=12)
    blue = lab.seed_grid("a blue car on a city street, daylight", seeds=SEEDS,
                         num_inference_steps=12)
    shift = red_minus_blue([p.image for p in red]) - red_minus_blue([p.image for p in blue])
    assert (shift > 0).sum() >= 3, shift
    assert shift.mean() > 2.0, shift


@pytest.mark.slow
def test_vague_prompt_spreads_wider_than_a_detailed_one(lab):
    from playground.stats import diversity
    seeds = list(range(6))
    vague = lab.seed_grid("a cat", seeds=seeds, num_inference_steps=10)
    detailed = lab.seed_grid("a ginger cat sitting in a living room, daylight, photograph",
                             seeds=seeds, num_inference_steps=10)
    assert diversity([p.image for p in vague]) > diversity([p.image for p in detailed])


def test_spandrel_loads_the_shipped_upscaler_and_names_its_scale():
    """The file ComfyUI and AUTOMATIC1111 would load, read the way they read it."""
    import spandrel
    from PIL import Image

    from playground import upscale
    from playground.registry import spec_for_folder

    path = upscale.upscaler_file(spec_for_folder(MODEL_DIR))  # what the registry's tiny-world names
    assert path.endswith("upscaler/tiny-world-x2.safetensors")
    model = spandrel.ModelLoader().load_from_file(path)
    assert model.architecture.name == "RealESRGAN Compact" and model.scale == 2
    assert upscale.run(upscale.load(path), Image.new("RGB", (128, 128), (40, 90, 160)), 2).size == (256, 256)
