"""The shipped embedded model: loads offline, follows colour words, and can be re-trained."""
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from playground.world.model import MODEL_DIR

ROOT = Path(__file__).resolve().parents[1]
SEEDS = [0, 1, 2, 3]


@pytest.fixture(scope="module")
def lab():
    from playground import Lab
    return Lab()


def test_shipped_files_are_small_enough_for_a_space():
    files = [p for p in MODEL_DIR.rglob("*") if p.is_file()]
    assert any(p.suffix == ".safetensors" for p in files)
    assert not any(p.suffix in (".bin", ".pt", ".ckpt", ".pkl") for p in files)
    assert max(p.stat().st_size for p in files) <= 9_500_000
    assert sum(p.stat().st_size for p in files) <= 40_000_000
    index = json.loads((MODEL_DIR / "model_index.json").read_text())
    assert index["unet"] == ["diffusers", "UNet2DConditionModel"]


def test_default_lab_uses_the_embedded_model(lab):
    panel = lab.generate("a cat", seed=3, num_inference_steps=4)
    assert panel.image.size == (128, 128)
    assert panel.params["model"] == "tiny-world"


def red_minus_blue(images):
    arr = np.stack([np.asarray(im.convert("RGB"), dtype=np.float32) for im in images])
    return arr[..., 0].mean(axis=(1, 2)) - arr[..., 2].mean(axis=(1, 2))


def test_colour_words_move_the_image_colour(lab):
    # Same seeds, same settings: only the colour word differs, so any shift comes from it.
    red = lab.seed_grid("a red car on a city street, daylight", seeds=SEEDS,
                        num_inference_steps=12)
    blue = lab.seed_grid("a blue car on a city street, daylight", seeds=SEEDS,
                         num_inference_steps=12)
    shift = red_minus_blue([p.image for p in red]) - red_minus_blue([p.image for p in blue])
    assert (shift > 0).sum() >= 3, shift
    assert shift.mean() > 2.0, shift


def test_vague_prompt_spreads_wider_than_a_detailed_one(lab):
    from playground.stats import diversity
    seeds = list(range(6))
    vague = lab.seed_grid("a cat", seeds=seeds, num_inference_steps=10)
    detailed = lab.seed_grid("a ginger cat sitting in a living room, daylight, photograph",
                             seeds=seeds, num_inference_steps=10)
    assert diversity([p.image for p in vague]) > diversity([p.image for p in detailed])


def test_smoke_training_writes_a_loadable_model(tmp_path):
    env = dict(os.environ, HF_HUB_OFFLINE="1")
    out = tmp_path / "tw"
    subprocess.run([sys.executable, "-m", "playground.world.train", "--smoke", "--out", str(out)],
                   cwd=ROOT, env=env, check=True, capture_output=True, timeout=600)
    for part in ("unet", "vae", "scheduler", "controlnet-canny", "controlnet-scribble"):
        assert (out / part).is_dir(), part
    from diffusers import ControlNetModel, UNet2DConditionModel
    unet = UNet2DConditionModel.from_pretrained(out / "unet", use_safetensors=True)
    assert unet.config.cross_attention_dim == 384
    net = ControlNetModel.from_pretrained(out / "controlnet-canny", use_safetensors=True)
    assert net.config.block_out_channels == unet.config.block_out_channels


def test_camera_jitter_moves_the_layout_only_where_asked():
    """The ControlNets' augmentation: a share of the batch zoomed onto a random window, so a
    horizon or a subject turns up where the world's fixed layouts never put it."""
    import torch
    from playground.world import make_batch
    from playground.world.train import camera_jitter
    images, _, _ = make_batch(16, seed=3)
    same, none = camera_jitter(images, 0.0, torch.Generator().manual_seed(0))
    assert same.dtype == np.uint8 and same.shape == images.shape
    assert np.array_equal(same, images) and not none.any()  # share 0: every image untouched
    moved, every = camera_jitter(images, 1.0, torch.Generator().manual_seed(0))
    assert every.all()
    assert np.array_equal(moved, camera_jitter(images, 1.0, torch.Generator().manual_seed(0))[0])  # seeded
    change = np.abs(moved.astype(int) - images).mean(axis=(1, 2, 3))
    assert (change > 2).mean() > 0.8  # nearly all moved (a zoom near 1 barely shows)
    half, which = camera_jitter(images, 0.5, torch.Generator().manual_seed(1))
    untouched = np.array([np.array_equal(a, b) for a, b in zip(half, images)])
    assert 0 < untouched.sum() < len(images)
    assert not untouched[which].any() and untouched[~which].all()  # the mask says which moved
