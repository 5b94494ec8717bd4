"""The walks exercise, between seeds and prompts: slerp stays on the noise's sphere, lerp cuts inside."""
from __future__ import annotations

import struct
import zlib

import numpy as np
import pytest
import torch
from PIL import Image
from conftest import PIXEL_TOLERANCE, max_diff

from playground.exercises.interpolate import even_steps, lerp, slerp, walk_noise
from playground.exercises.spacing import MIN_WIDTH, ROUND, budget_for, distances, even_walk, pick, pixels


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
    frames = any_lab.interpolate("a red car", seeds=(3, 4), frames=3, spacing="uniform")
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
    from support import settings_for

    from playground.ui import interpolate as tab
    from playground.ui.shared import Labs

    strip, gif, gallery, panels = tab.run_walk(Labs(lab), "a cat", "", 1, 2, 3, "lerp", "uniform", **settings_for(lab))
    assert gif.endswith(".gif") and len(gallery) == 3 and strip.width >= 3 * panels[0].image.width
    assert [p.caption for p in panels] == ["lerp t=0.00", "lerp t=0.50", "lerp t=1.00"]
    # what the cost cap, the queue's ETA and a ZeroGPU call are told: an even walk's budget
    assert tab.walk_images(3, "uniform", 32) == 3 and tab.walk_images(8, "even", 32) == 32
    with pytest.raises(ValueError, match=r"renders must be at least the frames \(16\)"):
        tab.walk_images(16, "even", 4)
    gallery, panels = tab.run_variation(Labs(lab), "a cat", 1, 2, 0.3, **settings_for(lab))
    assert [p.caption for p in panels] == ["seed 1", "variation 0.3 toward seed 2"]


def test_the_walk_tab_tells_where_the_picture_jumps(lab, monkeypatch, toasts):
    from support import settings_for

    from playground.exercises.interpolate import Walk
    from playground.ui import interpolate as tab
    from playground.ui.shared import Labs

    made = lab.interpolate("a cat", seeds=(1, 2), frames=3, spacing="uniform")
    monkeypatch.setattr(type(lab), "interpolate", lambda self, *a, **k: Walk(list(made), "even", 20, cuts=[2]))
    tab.run_walk(Labs(lab), "a cat", "", 1, 2, 3, "slerp", "even", 20, **settings_for(lab))
    assert any("jumps at 1 place" in t for t in toasts)
    toasts.clear()
    monkeypatch.setattr(type(lab), "interpolate", lambda self, *a, **k: Walk(list(made), "even", 20))
    tab.run_walk(Labs(lab), "a cat", "", 1, 2, 3, "slerp", "even", 20, **settings_for(lab))
    assert not any("jumps" in t for t in toasts)


# ---------------------------------------------------------------- even spacing (equal image steps)
def _sharp_turn(ts):
    """A stand-in for the embedded model: a picture that drifts slowly, then turns within a
    ten-thousandth of t (as a blurry scene snaps sharp), as grey images 0..255."""
    turn = [0.5 * (1 + np.tanh((t - 0.4321) / 4e-4)) for t in ts]
    return [Image.new("RGB", (8, 8), (int(round(30 * t + 150 * s)),) * 3) for t, s in zip(ts, turn)]


def test_picking_frames_evens_out_steps_of_a_known_path():
    xs = [0, 1, 2, 3, 10, 11, 20, 21, 30]  # positions along a line: distances add up
    dist = distances([np.full(4, x, np.float32) for x in xs])
    path, ratio = pick(dist, 4)
    assert path == [0, 4, 6, 8] and ratio == pytest.approx(1.0)
    assert pick(dist, 9)[0] == list(range(9))  # as many frames as candidates: all of them
    # a walk that goes out and comes back: its far end is shown, not two near-copies of the start
    out_and_back = distances([np.full(4, x, np.float32) for x in (0, 5, 10, 15, 20, 15, 10, 5, 0)])
    assert pick(out_and_back, 3)[0] == [0, 4, 8]


def _chaotic_cut(ts):
    """A stand-in for a cut: a slow drift, and within 2e-4 of t = 0.3 a picture that flips
    between three looks by a hash of t (as the 20-step sampler does where noise a hair apart
    gives different pictures), past it the third look."""
    out = []
    for t in ts:
        look = zlib.crc32(struct.pack("d", t)) % 3 if abs(t - 0.3) < 2e-4 else 2 * (t > 0.3)
        out.append(Image.new("RGB", (8, 8), (int(round(60 * t + 60 * look)),) * 3))
    return out


def _counted(render):
    calls = []

    def render_ts(ts):
        calls.append(list(ts))
        return render(ts)
    return render_ts, calls


def test_an_even_walk_resolves_a_sharp_turn_and_keeps_both_ends():
    render_ts, calls = _counted(_sharp_turn)
    ts, images, facts = even_walk(render_ts, 8, budget=40)
    assert len(ts) == len(images) == 8 and ts[0] == 0.0 and ts[-1] == 1.0
    assert all(x < y for x, y in zip(ts, ts[1:]))
    assert calls[0] == even_steps(8)  # first the uniform walk, in one call
    assert [len(c) for c in calls] == [8] * 5  # then rounds of one full batch each, not bisection by ones
    assert facts["renders"] == sum(map(len, calls)) <= 40 and facts["rounds"] == len(calls) - 1
    steps = [distances([pixels(a), pixels(b)])[0, 1] for a, b in zip(images, images[1:])]
    uniform = _sharp_turn(even_steps(8))
    before = [distances([pixels(a), pixels(b)])[0, 1] for a, b in zip(uniform, uniform[1:])]
    assert max(before) / np.median(before) > 10  # the turn is one step of the uniform walk
    assert max(steps) / np.median(steps) <= 2  # spread over several frames of the even one
    assert sum(0.432 < t < 0.4325 for t in ts) >= 2  # frames inside the turn
    assert facts["cuts"] == []  # a steep but smooth turn is no cut


def test_a_round_cuts_the_largest_step_into_a_full_batch_of_parts():
    render_ts, calls = _counted(_sharp_turn)
    ts, _, facts = even_walk(render_ts, 8)  # the default budget: the uniform walk and one round
    assert budget_for(8) == 16 and [len(c) for c in calls] == [8, 8]
    assert facts["renders"] == 16 and facts["rounds"] == 1
    # the turn (t = 0.4321) lies in the uniform step 3/7..4/7: its 8 points cut it into 9 equal parts
    assert calls[1] == pytest.approx([3 / 7 + k / 63 for k in range(1, 9)])
    # ... and two frames bracket it 1/63 of t apart (the uniform walk: 1/7)
    assert min(t for t in ts if t > 0.4321) - max(t for t in ts if t < 0.4321) == pytest.approx(1 / 63)
    render_ts, calls = _counted(_sharp_turn)
    even_walk(render_ts, 8, budget=20)  # a last round takes what the budget leaves
    assert [len(c) for c in calls] == [8, 8, 4]
    render_ts, calls = _counted(_sharp_turn)
    even_walk(render_ts, 4, budget=20)  # fewer frames: still rounds of ROUND points
    assert [len(c) for c in calls] == [4, ROUND, 20 - 4 - ROUND]


def test_frames_do_not_crowd_around_a_chaotic_cut():
    """Across a cut, frames picked among the flipping pictures would crowd there (seeds 3 and
    11 of the embedded model: four of eight frames at t = 0.2908..0.2913): the walk reaches
    across it in one step, named, and spreads the other frames over the drift."""
    for budget in (40, 64):
        render_ts, calls = _counted(_chaotic_cut)
        ts, _, facts = even_walk(render_ts, 8, budget=budget)
        assert sum(abs(t - 0.3) < 2e-4 for t in ts) <= 1 and sum(abs(t - 0.3) < 0.01 for t in ts) <= 2
        assert len(facts["cuts"]) == 1 and facts["ratio_between_cuts"] <= 2
        assert all(len(c) == 8 for c in calls) and facts["renders"] <= budget


def test_an_even_walk_is_deterministic():
    for render in (_sharp_turn, _chaotic_cut):
        first, second = even_walk(render, 8, budget=40), even_walk(render, 8, budget=40)
        assert first[0] == second[0] and first[2] == second[2]
        assert [np.asarray(a).tolist() for a in first[1]] == [np.asarray(b).tolist() for b in second[1]]


def test_an_even_walk_stops_at_the_uniform_one_when_that_is_even():
    calls = []

    def render_ts(ts):
        calls.append(ts)
        return [Image.new("RGB", (4, 4), (int(200 * t),) * 3) for t in ts]

    ts, _, facts = even_walk(render_ts, 6)
    assert ts == even_steps(6) and facts["renders"] == 6 and len(calls) == 1


def test_an_even_walk_leaves_a_cut_as_one_step_within_its_budget():
    def render_ts(ts):  # a true jump at t = 0.3: no halving of t finds a picture in between
        return [Image.new("RGB", (4, 4), (int(40 * t + (120 if t > 0.3 else 0)),) * 3) for t in ts]

    ts, _, facts = even_walk(render_ts, 5, budget=40)
    assert ts[0] == 0.0 and ts[-1] == 1.0 and len(ts) == 5
    assert any(0.3 < t < 0.3 + 2 * MIN_WIDTH for t in ts)  # the cut found, to MIN_WIDTH ...
    assert facts["renders"] < 40  # ... and left there: no renders spent past it
    jump = next(k for k, t in enumerate(ts) if t > 0.3)
    assert facts["cuts"] == [jump]  # ... and named: the frame reached across it
    assert facts["ratio"] > 2 and facts["ratio_between_cuts"] <= 2  # the rest of the walk is even


def test_a_frame_past_a_cut_says_so_in_its_caption(lab):
    from playground.exercises.interpolate import Walk, walk_panels

    params = lab._params("a red car", 3)
    images = [Image.new("RGB", (8, 8), (v,) * 3) for v in (0, 10, 200, 210)]
    facts = Walk.facts("even", renders=30, cuts=[2], ratio_between_cuts=1.0)
    walk = walk_panels(lab.manager, params, 4, "slerp", None, [0.0, 0.3, 0.300004, 1.0], images, facts)
    assert [p.caption.endswith("(jump)") for p in walk] == [False, False, True, False]
    assert walk.cuts == [2] and walk.ratio_between_cuts == 1.0


@pytest.mark.parametrize("kwargs, message", [
    (dict(spacing="log"), "spacing must be one of even, uniform"),
    (dict(budget=3, frames=4), "budget must be an integer in 4..256"),
    (dict(budget=2.5), "budget must be an integer in 8..256"),
])
def test_spacing_errors_name_the_field(lab, kwargs, message):
    with pytest.raises(ValueError, match=message):
        lab.interpolate("a cat", **kwargs)


def test_an_even_walk_on_a_pipeline_returns_its_frames_with_t_in_the_captions(lab):
    walk = lab.interpolate("a red car", seeds=(3, 4), frames=4, budget=10, num_inference_steps=2)
    assert len(walk) == 4 and walk.spacing == "even" and 4 <= walk.renders <= 10
    ts = [p.params["t"] for p in walk]
    assert ts[0] == 0.0 and ts[-1] == 1.0 and all(x < y for x, y in zip(ts, ts[1:]))
    assert all(p.caption.startswith("slerp t=") and p.params["spacing"] == "even" for p in walk)
    assert float(walk[1].caption.split("=")[1]) == pytest.approx(ts[1], abs=1e-2)
    assert max_diff(walk[0].image, lab.generate("a red car", seed=3, num_inference_steps=2).image) <= PIXEL_TOLERANCE
    assert lab.interpolate("a red car", seeds=(3, 4), frames=4, mode="lerp").spacing == "uniform"


@pytest.mark.slow
def test_on_the_embedded_model_an_even_walk_steps_more_evenly_than_a_uniform_one():
    """Seeds 0 and 1 at 64 px and 10 steps: with equal steps of t the picture holds, then turns
    (largest step 2.5x the median); the even walk spreads the turn over its frames."""
    from playground.lab import Lab

    lab = Lab()
    lab.progress = False
    small = dict(frames=5, width=64, height=64, num_inference_steps=10)
    uniform = lab.interpolate("a cat in a meadow", seeds=(0, 1), spacing="uniform", **small)
    even = lab.interpolate("a cat in a meadow", seeds=(0, 1), spacing="even", budget=16, **small)

    def evenness(walk):
        vectors = [pixels(p.image) for p in walk]
        steps = [distances([a, b])[0, 1] for a, b in zip(vectors, vectors[1:])]
        return max(steps) / np.median(steps)

    ts = [p.params["t"] for p in even]
    assert len(even) == 5 and ts[0] == 0.0 and ts[-1] == 1.0 and all(x < y for x, y in zip(ts, ts[1:]))
    assert max_diff(even[0].image, uniform[0].image) <= PIXEL_TOLERANCE  # both ends: the seeds' own images
    assert max_diff(even[-1].image, uniform[-1].image) <= PIXEL_TOLERANCE
    assert 5 < even.renders <= 16
    assert evenness(even) < evenness(uniform) and evenness(even) <= 2
