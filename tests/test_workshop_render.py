"""workshop.render: renders are deterministic and the attributes show in the pixels."""
import dataclasses

import numpy as np
import pytest

from playground.detectors import canny_map
from playground.world import VALUES, Scene, sample_scene
from workshop.dataset import make_batch
from workshop.metrics import edge_f1
from workshop.render import outline_view, render


def scenes(n, seed=0, **fixed):
    rng = np.random.default_rng(seed)
    return [sample_scene(rng, **fixed) for _ in range(n)]


def test_render_shape_dtype_and_determinism():
    for scene in scenes(20):
        image = render(scene)
        assert image.shape == (128, 128, 3) and image.dtype == np.uint8
        assert np.array_equal(image, render(scene))
    assert render(scenes(1)[0], size=64).shape == (64, 64, 3)


def test_render_rejects_bad_size():
    with pytest.raises(ValueError, match="size"):
        render(scenes(1)[0], size=4)


def test_seed_changes_the_jitter_only():
    a = scenes(1, subject="cat", style="photo")[0]
    b = Scene(**{**a.__dict__, "seed": a.seed + 1})
    assert not np.array_equal(render(a), render(b))
    assert a.attributes() == b.attributes()


def mean_image(n, **fixed):
    return np.mean([render(s).astype(np.float32) for s in scenes(n, seed=8, **fixed)], axis=0)


def test_light_shows_in_the_pixels():
    night, day = mean_image(30, light="night"), mean_image(30, light="day")
    sunset = mean_image(30, light="sunset")
    assert night.mean() < 0.6 * day.mean()
    sky = slice(0, 30)
    assert sunset[sky, :, 0].mean() > sunset[sky, :, 2].mean() + 30  # red-orange sky
    assert day[sky, :, 2].mean() > day[sky, :, 0].mean() + 30        # blue sky


def test_styles_look_different():
    for scene in scenes(20, seed=9, style="pencil sketch"):
        image = render(scene).astype(np.float32)
        assert np.abs(image - image.mean(axis=2, keepdims=True)).max() < 12  # grayscale paper
    for scene in scenes(20, seed=9, style="pixel art"):
        image = render(scene)
        blocks = image.reshape(32, 4, 32, 4, 3)
        assert (blocks == blocks[:, :1, :, :1]).all()  # 4x4 blocks of one colour
    photo = scenes(1, seed=9, style="photo")[0]
    variants = {style: render(Scene(**{**photo.__dict__, "style": style})).astype(np.float32)
                for style in VALUES["style"]}
    for a in variants:
        for b in variants:
            if a < b:
                assert np.abs(variants[a] - variants[b]).mean() > 8, (a, b)


def test_subject_position_follows_placement():
    def centre_of_change(placement):
        base = scenes(1, seed=10, subject="none", setting="beach", light="day",
                      style="flat illustration", birds=0)[0]
        base = Scene(**{**base.__dict__, "placement": placement})  # same sun, same jitter
        with_subject = Scene(**{**base.__dict__, "subject": "car", "colour": "red",
                                "variant": "sedan"})
        diff = np.abs(render(with_subject).astype(int) - render(base).astype(int)).sum(axis=2)
        columns = (diff > 40).sum(axis=0)
        return (columns * np.arange(128)).sum() / columns.sum() / 128

    assert centre_of_change("left") < 0.4 < centre_of_change("centre") < 0.6 < centre_of_change("right")


def test_outline_view_keeps_the_layout_and_drops_the_style():
    """The outline view is the scene's own layout (its edges fall on the render's edges far
    more than on another scene's), drawn flat: a flat illustration is its own outline view."""
    images, _, batch = make_batch(8, seed=19)
    views = [outline_view(s) for s in batch]
    own = [edge_f1(canny_map(v), canny_map(im))["f1"] for v, im in zip(views, images)]
    other = [edge_f1(canny_map(v), canny_map(im))["f1"] for v, im in zip(views, np.roll(images, 1, 0))]
    assert np.mean(own) > np.mean(other) + 0.2
    flat = dataclasses.replace(batch[0], style="flat illustration")
    assert np.array_equal(outline_view(flat), render(flat))
    pencil = dataclasses.replace(batch[0], style="pencil sketch")
    assert not np.array_equal(outline_view(pencil), render(pencil))
