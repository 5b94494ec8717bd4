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
    from playground.world.train_controlnet import camera_jitter
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


def test_scribble_maps_mix_in_thinned_outline_sketches():
    """--scribble-sketch: a share of the scribble maps comes from the scenes' outline views
    (contours without a style's texture), with a random part of the strokes left out."""
    import torch
    from playground.detectors import canny_map
    from playground.world import make_batch
    from playground.world.render import outline_view
    from playground.world.train_controlnet import control_maps
    images, _, scenes = make_batch(8, seed=5)
    outlines = np.stack([outline_view(s) for s in scenes])
    assert not np.array_equal(outlines, images)  # most of the batch is not flat illustration
    edges = lambda ims: np.stack([canny_map(im)[:, :, 0] > 0 for im in ims])  # noqa: E731
    grow = lambda e: torch.nn.functional.max_pool2d(  # noqa: E731
        torch.as_tensor(e).float()[:, None], 3, stride=1, padding=1)[:, 0].numpy() > 0
    photo = control_maps(images, "scribble", "cpu", torch.Generator().manual_seed(0))[:, 0].numpy() > 0
    sketch = control_maps(images, "scribble", "cpu", torch.Generator().manual_seed(0), outlines, 1.0)
    sketch = sketch[:, 0].numpy() > 0
    # every stroke lies on the (thickened) edges of its source, and only of that source
    assert not (photo & ~grow(edges(images))).any() and not (sketch & ~grow(edges(outlines))).any()
    assert (sketch & ~grow(edges(images))).any()
    kept = sketch.sum((1, 2)) / grow(edges(outlines)).sum((1, 2))
    assert kept.min() > 0.05 and kept.max() < 1.0 and kept.std() > 0.03  # thinned, by varying amounts
    same = control_maps(images, "scribble", "cpu", torch.Generator().manual_seed(0), outlines, 0.0)
    assert np.array_equal(same[:, 0].numpy() > 0, photo)  # share 0: the photo maps as before
    from playground.world.train_controlnet import edges_of  # the threaded canny the training uses
    assert edges_of(images[:0]).shape == (0, 128, 128)
    for part in (images[:1], images[:5], images):
        assert np.array_equal(edges_of(part) > 0, edges(part))
    canny = control_maps(images, "canny", "cpu", torch.Generator().manual_seed(0), outlines, 1.0)
    assert np.array_equal(canny[:, 0].numpy() > 0, edges(images))  # canny never uses outlines
