"""Walks between seeds and prompts (seed 002): slerp stays on the noise's sphere, lerp cuts inside."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from conftest import PIXEL_TOLERANCE, max_diff

from playground.exercises.interpolate import even_steps, lerp, slerp, walk_noise


def test_slerp_keeps_the_norm_and_lerp_shrinks_the_middle():
    a = torch.randn(4, 16, 16, generator=torch.Generator().manual_seed(1))
    b = torch.randn(4, 16, 16, generator=torch.Generator().manual_seed(2))
    lo, hi = sorted(float(x.norm()) for x in (a, b))
    for t in even_steps(9):  # every frame's norm within 2% of the ends' range
        assert 0.98 * lo <= float(slerp(t, a, b).norm()) <= 1.02 * hi
    assert 0.6 < float(lerp(0.5, a, b).norm()) / ((lo + hi) / 2) < 0.8  # about 1/sqrt(2)
    assert torch.equal(slerp(0.0, a, b), a) or torch.allclose(slerp(0.0, a, b), a)
    assert torch.allclose(slerp(1.0, a, b), b, atol=1e-5)
    steps = [float((x - y).norm()) for x, y in zip(walk_noise(a, b, even_steps(9), "slerp")[1:],
                                                   walk_noise(a, b, even_steps(9), "slerp"))]
    assert max(steps) <= 2 * float(np.median(steps))


def test_the_walks_ends_are_the_seeds_own_images(any_lab):
    frames = any_lab.interpolate("a red car", seeds=(3, 4), frames=3)
    assert [p.caption for p in frames] == ["slerp t=0.00", "slerp t=0.50", "slerp t=1.00"]
    assert max_diff(frames[0].image, any_lab.generate("a red car", seed=3).image) <= PIXEL_TOLERANCE
    assert max_diff(frames[2].image, any_lab.generate("a red car", seed=4).image) <= PIXEL_TOLERANCE
    assert max_diff(frames[1].image, frames[0].image) > 0
    assert frames[1].params["seed"] == 3 and frames[1].params["seed_b"] == 4 and frames[1].params["t"] == 0.5


def test_a_prompt_walk_ends_at_the_second_prompt(lab):
    frames = lab.interpolate("a red car", seeds=(3, 3), frames=2, prompt_b="a blue house", mode="lerp")
    assert max_diff(frames[0].image, lab.generate("a red car", seed=3).image) <= PIXEL_TOLERANCE
    assert max_diff(frames[1].image, lab.generate("a blue house", seed=3).image) <= PIXEL_TOLERANCE
    assert frames[1].params["prompt_b"] == "a blue house" and frames[1].params["mode"] == "lerp"


def test_variation_is_the_walk_stopped_early(lab):
    near = lab.variation("a cat", seed=5, variation_seed=9, strength=0.1)
    far = lab.variation("a cat", seed=5, variation_seed=9, strength=0.9)
    own = lab.generate("a cat", seed=5).image
    assert max_diff(lab.variation("a cat", seed=5, variation_seed=9, strength=0.0).image, own) <= PIXEL_TOLERANCE
    dist = [np.abs(np.asarray(p.image, float) - np.asarray(own, float)).mean() for p in (near, far)]
    assert dist[0] < dist[1]


@pytest.mark.parametrize("kwargs, message", [
    (dict(seeds=(1,)), "seeds must hold 2"), (dict(frames=1), "frames must be an integer in 2..16"),
    (dict(frames=40), "frames must be an integer in 2..16"), (dict(mode="cubic"), "mode must be one of slerp, lerp"),
    (dict(seeds=(1, -2)), "seed must be an integer"), (dict(prompt_b=" "), "prompt_b must be a non-empty"),
])
def test_walk_errors_name_the_field(lab, kwargs, message):
    with pytest.raises(ValueError, match=message):
        lab.interpolate("a cat", **kwargs)


def test_walk_tab_returns_strip_gif_and_panels(lab):
    from test_ui_helpers import settings_for

    from playground.ui import interpolate as tab
    from playground.ui.shared import Labs

    strip, gif, gallery, panels = tab.run_walk(Labs(lab), "a cat", "", 1, 2, 3, "lerp", **settings_for(lab))
    assert gif.endswith(".gif") and len(gallery) == 3 and strip.width >= 3 * panels[0].image.width
    gallery, panels = tab.run_variation(Labs(lab), "a cat", 1, 2, 0.3, **settings_for(lab))
    assert [p.caption for p in panels] == ["seed 1", "variation 0.3 toward seed 2"]
