"""workshop.train_controlnet's data: control maps as the lab's detectors make them, and the
camera jitter that moves the world's fixed layouts. No training here."""
import numpy as np
import torch

from PIL import Image

from playground.detectors import canny_map, control_map
from workshop.dataset import make_batch
from workshop.render import outline_view
from workshop.metrics import hand_sketch
from workshop.train_controlnet import camera_jitter, control_maps, edges_of, maps_of


def test_camera_jitter_moves_the_layout_only_where_asked():
    """The ControlNets' augmentation: a share of the batch zoomed onto a random window, so a
    horizon or a subject turns up where the world's fixed layouts never put it."""
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


def edges(images):
    return np.stack([canny_map(im)[:, :, 0] > 0 for im in images])


def app_maps(images, detector):
    """What the lab's ControlNet tab makes of each image: the oracle for training's maps."""
    return np.stack([np.asarray(control_map(Image.fromarray(im), detector))[:, :, 0] for im in images])


def test_training_maps_are_the_apps_maps():
    """One function per detector. Renders, moved views, hand sketches (dark strokes on
    paper, binarised by the app) and a drawing made in the sketch pad's style all map exactly
    as the app maps them; the old training code re-implemented scribble with thicker strokes."""
    images, _, scenes = make_batch(6, seed=11)
    rng = np.random.default_rng(0)
    sketches = np.stack([hand_sketch(s, rng) for s in scenes])
    pad = np.full((1, 128, 128, 3), 255, np.uint8)
    pad[0, 90:93, 10:118] = 0  # a ground line and a square sun, as drawn with the pen
    pad[0, 15:40, 90, :] = pad[0, 15:40, 115, :] = 0
    pad[0, 15, 90:116] = pad[0, 40, 90:116] = 0
    moved, _ = camera_jitter(images, 1.0, torch.Generator().manual_seed(0))
    for detector in ("canny", "scribble"):
        for batch in (images, moved, sketches, pad):
            assert np.array_equal(maps_of(batch, detector), app_maps(batch, detector)), detector
    assert app_maps(pad, "scribble")[0, 91, 50] == 255 and app_maps(pad, "scribble")[0, 60, 50] == 0
    # The batch maps fed to the net: canny is the app's map as is; scribble's only change is
    # the blotches it leaves out (every stroke pixel the net sees is one the app draws).
    gen = torch.Generator().manual_seed(0)
    assert np.array_equal(control_maps(images, "canny", "cpu", gen)[:, 0].numpy() * 255, app_maps(images, "canny"))
    scribble = control_maps(sketches, "scribble", "cpu", gen)[:, 0].numpy() > 0
    app = app_maps(sketches, "scribble") > 0
    assert not (scribble & ~app).any() and 0.5 < scribble.sum() / app.sum() < 0.95


def test_scribble_maps_mix_in_thinned_outline_sketches():
    """--scribble-sketch: a share of the scribble maps comes from the scenes' outline views
    (contours without a style's texture), with a random part of the strokes left out."""
    images, _, scenes = make_batch(8, seed=5)
    outlines = np.stack([outline_view(s) for s in scenes])
    assert not np.array_equal(outlines, images)  # most of the batch is not flat illustration
    photo = control_maps(images, "scribble", "cpu", torch.Generator().manual_seed(0))[:, 0].numpy() > 0
    sketch = control_maps(images, "scribble", "cpu", torch.Generator().manual_seed(0), outlines, 1.0)
    sketch = sketch[:, 0].numpy() > 0
    # every stroke lies on the app's scribble map of its source, and only of that source
    photo_app, outline_app = app_maps(images, "scribble") > 0, app_maps(outlines, "scribble") > 0
    assert not (photo & ~photo_app).any() and not (sketch & ~outline_app).any()
    assert (sketch & ~photo_app).any()
    kept = sketch.sum((1, 2)) / outline_app.sum((1, 2))
    assert kept.min() > 0.05 and kept.max() < 1.0 and kept.std() > 0.03  # thinned, by varying amounts
    same = control_maps(images, "scribble", "cpu", torch.Generator().manual_seed(0), outlines, 0.0)
    assert np.array_equal(same[:, 0].numpy() > 0, photo)  # share 0: the photo maps as before
    canny = control_maps(images, "canny", "cpu", torch.Generator().manual_seed(0), outlines, 1.0)
    assert np.array_equal(canny[:, 0].numpy() > 0, edges(images))  # canny never uses outlines


def test_threaded_edges_are_the_apps_canny():
    images, _, _ = make_batch(8, seed=5)
    assert edges_of(images[:0]).shape == (0, 128, 128)
    for part in (images[:1], images[:5], images):
        assert np.array_equal(edges_of(part) > 0, edges(part))
