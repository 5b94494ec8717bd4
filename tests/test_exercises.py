"""Every exercise on the tiny pipelines of both families: shapes, determinism, behaviour."""
import json
import math
import warnings

import numpy as np
import pytest
import torch
from conftest import PIXEL_TOLERANCE, TINY_STEPS, max_diff, pixels

from playground.exercises import common, controlnet, img2img, trajectory
from playground.exercises.bandit import PromptBandit, beta_pdf
from playground.registry import HubUnavailableError


@pytest.fixture
def count_calls(monkeypatch):
    """How many pipeline calls an exercise makes (the batching promise)."""
    calls = []
    original = common.call_pipeline

    def counting(manager, batch, *args, **kwargs):
        calls.append(len(batch))
        return original(manager, batch, *args, **kwargs)
    monkeypatch.setattr(common, "call_pipeline", counting)
    return calls


# ------------------------------------------------------------------ generate / seed grid
def test_seed_grid_is_one_batched_call_and_cells_equal_single_runs(any_lab, count_calls):
    seeds = [0, 1, 4294967295]
    grid = any_lab.seed_grid("a cat", seeds=seeds)
    assert count_calls == [3]
    assert [p.params["seed"] for p in grid] == seeds and [p.caption for p in grid] == [f"seed {s}" for s in seeds]
    for seed, cell in zip(seeds, grid):
        single = any_lab.generate("a cat", seed=seed)
        assert max_diff(cell.image, single.image) <= PIXEL_TOLERANCE
    assert np.abs(pixels(grid[0].image) - pixels(grid[1].image)).mean() > 1  # seeds matter


def test_seed_grid_is_chunked_to_max_batch(lab, count_calls, monkeypatch):
    whole = lab.seed_grid("a cat", seeds=range(5))
    monkeypatch.setenv("PLAYGROUND_MAX_BATCH", "2")
    chunked = lab.seed_grid("a cat", seeds=range(5))
    assert count_calls == [5, 2, 2, 1]
    assert all(max_diff(a.image, b.image) <= PIXEL_TOLERANCE for a, b in zip(whole, chunked))


def test_seed_grid_limits(lab):
    with pytest.raises(ValueError, match="seeds must have 1..64 cells, got 65"):
        lab.seed_grid("a cat", seeds=range(65))
    with pytest.raises(ValueError, match="seed must be an integer"):
        lab.seed_grid("a cat", seeds=[1, -2])


def test_same_seed_same_image_and_panel_params_remake(any_lab):
    a = any_lab.generate("a red car", seed=11, guidance_scale=3.0, scheduler="Euler a")
    b = any_lab.generate(**{k: v for k, v in a.params.items() if k not in ("model",)})
    assert max_diff(a.image, b.image) == 0
    assert a.image.size == (64, 64)
    assert a.params["model"] == any_lab.model and a.params["scheduler"] == "Euler a"


def test_long_prompt_cut_is_reported(lab):
    # The tiny tokenizer: one token per letter, spaces free. 20 x "a cat" = 80 tokens, 75 fit.
    text = "a cat " * 20
    with pytest.warns(common.PromptTruncatedWarning, match="not seen"):
        panel = lab.generate(text, seed=1)
    assert panel.params["truncated"] == "t a cat"
    assert "truncated" not in lab.generate("a cat", seed=1).params


# ------------------------------------------------------------------ triptych
@pytest.mark.parametrize("vary, values, captions", [
    ("guidance_scale", [1.0, 7.5, 20.0], ["CFG 1", "CFG 7.5", "CFG 20"]),
    ("num_inference_steps", [1, 2, 4], ["1 steps", "2 steps", "4 steps"]),
    ("scheduler", ["DDIM", "Euler a", "DPM++ 2M Karras"], ["DDIM", "Euler a", "DPM++ 2M Karras"]),
    ("seed", [1, 2, 3], ["seed 1", "seed 2", "seed 3"]),
    ("prompt", ["a fox", "a dog"], ['"a fox"', '"a dog"']),
    ("negative_prompt", ["", "blurry"], ["no negative", 'negative "blurry"']),
])
def test_triptych_varies_one_argument(lab, vary, values, captions):
    panels = lab.triptych("a fox reading a book", vary=vary, values=values, seed=7)
    assert [p.caption for p in panels] == captions
    assert [p.params[vary] for p in panels] == values
    others = {k for k in panels[0].params if k != vary}
    assert all(p.params[k] == panels[0].params[k] for p in panels for k in others)
    assert max_diff(panels[0].image, panels[-1].image) > 0


def test_triptych_on_sdxl(xl_lab):
    panels = xl_lab.triptych("a fox", vary="guidance_scale", values=[1.0, 9.0], seed=7)
    assert [p.caption for p in panels] == ["CFG 1", "CFG 9"] and max_diff(panels[0].image, panels[1].image) > 0


def test_triptych_rejects_bad_requests(lab, photo):
    with pytest.raises(ValueError, match="vary must be one of guidance_scale"):
        lab.triptych("a fox", vary="eta", values=[0, 1])
    with pytest.raises(ValueError, match="guidance_scale must be a number in 0..30"):
        lab.triptych("a fox", vary="guidance_scale", values=[1, 99])
    with pytest.raises(ValueError, match="vary must be one of"):
        lab.triptych("a fox", vary="strength", values=[0.5])  # strength needs an image
    strengths = lab.triptych("a fox", vary="strength", values=[0.5, 1.0], image=photo, seed=1)
    assert [p.caption for p in strengths] == ["strength 0.5", "strength 1"]


# ------------------------------------------------------------------ prompt styles
def test_prompt_styles_share_seed_and_one_call(any_lab, count_calls):
    styles = {"command": "paint a landscape", "caption": "a photo of hills", "director": "wide shot, dawn"}
    panels = any_lab.prompt_styles(styles, seed=5)
    assert count_calls == [3]
    assert [p.caption for p in panels] == list(styles)
    assert {p.params["seed"] for p in panels} == {5}
    assert [p.params["style"] for p in panels] == list(styles)
    listed = any_lab.prompt_styles(["a hill", "a lake"], seed=5)
    assert [p.caption for p in listed] == ['"a hill"', '"a lake"']
    with pytest.raises(ValueError, match=r"prompts\[1\] must be a non-empty text"):
        any_lab.prompt_styles(["a hill", " "], seed=5)


# ------------------------------------------------------------------ xy grid
def test_xy_grid_labels_and_order(any_lab, count_calls):
    grid = any_lab.xy_grid("a cat", "seed", [1, 2, 3], "prompt", ["a cat", "a dog"])
    assert len(grid) == 6 and grid.columns == 3
    assert grid.col_labels == ["seed 1", "seed 2", "seed 3"] and grid.row_labels == ['"a cat"', '"a dog"']
    assert grid[4].caption == 'seed 2 · "a dog"'
    assert grid[4].params["seed"] == 2 and grid[4].params["prompt"] == "a dog"
    assert count_calls == [6]  # seeds and prompts batch together
    single = any_lab.generate("a dog", seed=2)
    assert max_diff(grid[4].image, single.image) <= PIXEL_TOLERANCE


def test_xy_grid_sampler_axes_and_strength(lab, photo):
    grid = lab.xy_grid("a cat", "guidance_scale", [1.0, 9.0], "scheduler", ["DDIM", "UniPC"], seed=3)
    assert grid.row_labels == ["DDIM", "UniPC"] and grid.col_labels == ["CFG 1", "CFG 9"]
    grid = lab.xy_grid("a cat", "strength", [0.5, 1.0], "seed", [1], image=photo)
    assert [p.params["strength"] for p in grid] == [0.5, 1.0]
    image = lab.compose(grid, title="strength x seed")
    assert image.width > 2 * 64


@pytest.mark.parametrize("kwargs, message", [
    (dict(x_axis="seed", x_values=[1], y_axis="seed", y_values=[2]), "x_axis and y_axis must differ"),
    (dict(x_axis="eta", x_values=[1], y_axis="seed", y_values=[2]), "x_axis must be one of seed"),
    (dict(x_axis="seed", x_values=range(9), y_axis="guidance_scale", y_values=range(8)), "grid must have 1..64 cells, got 72"),
    (dict(x_axis="strength", x_values=[0.5], y_axis="seed", y_values=[2]), "image is needed"),
    (dict(x_axis="seed", x_values=[], y_axis="prompt", y_values=["a"]), "at least 1 value"),
])
def test_xy_grid_errors(lab, kwargs, message):
    with pytest.raises(ValueError, match=message):
        lab.xy_grid("a cat", **kwargs)


# ------------------------------------------------------------------ img2img
def test_img2img_reports_survival(any_lab, photo):
    panels = any_lab.img2img_strength(photo, "a house", strengths=[0.25, 1.0], seed=7)
    for p, s in zip(panels, [0.25, 1.0]):
        ssim = p.params["metrics"]["ssim"]
        assert p.params["strength"] == s and -1 <= ssim <= 1
        assert p.caption == f"strength {s:g} · SSIM {ssim:.2f}"
    assert img2img.ssim(photo, photo) == pytest.approx(1.0)
    assert img2img.ssim(photo, photo.point(lambda v: 255 - v)) < 0.5


def test_img2img_strength_errors(lab, photo):
    with pytest.raises(ValueError, match=r"strength must be a number in \(0, 1\]"):
        lab.img2img_strength(photo, "a cat", strengths=[0.0], seed=1)
    # 0.2 x 4 steps would run no denoising step: the steps are raised (diffusers' advice for Turbo)
    p = lab.img2img_strength(photo, "a cat", strengths=[0.2], seed=1, num_inference_steps=4)[0]
    assert p.params["num_inference_steps"] == 5 and p.params["steps_raised_from"] == 4
    assert "5 steps (raised from 4)" in p.caption


# ------------------------------------------------------------------ controlnet
@pytest.mark.parametrize("family, detector", [("sd1.x", "canny"), ("sd1.x", "scribble"), ("sdxl", "canny")])
def test_controlnet_returns_map_and_panels(lab, xl_lab, photo, family, detector):
    any_lab = lab if family == "sd1.x" else xl_lab
    result = any_lab.controlnet(photo, "a house", detector=detector, scales=[0.0, 1.5], seed=4)
    cmap = np.asarray(result.control_map.image)
    assert cmap.shape == (64, 64, 3) and set(np.unique(cmap)) <= {0, 255} and cmap.max() == 255
    assert result.control_map.caption == f"{detector} map"
    assert [p.caption for p in result] == [f"{detector} 0", f"{detector} 1.5"]
    assert result[1].params["detector"] == detector and result[1].params["controlnet_conditioning_scale"] == 1.5
    assert max_diff(result[0].image, result[1].image) > 0  # the map changed the image


def test_scribble_takes_a_drawn_sketch_as_drawn():
    from PIL import Image, ImageDraw
    sketch = Image.new("RGB", (64, 64), "white")
    ImageDraw.Draw(sketch).line([(5, 32), (58, 32)], fill="black", width=2)
    cmap = np.asarray(controlnet.control_map(sketch, "scribble", 64, 64))
    assert cmap[32, 30].tolist() == [255, 255, 255] and cmap[5, 30].tolist() == [0, 0, 0]
    assert (cmap[:, 30, 0] > 0).sum() >= 3  # thickened


def test_controlnet_detector_errors(lab, photo):
    with pytest.raises(ValueError, match=r"detector must be one of canny, scribble, depth, openpose"):
        lab.controlnet(photo, "a cat", detector="hed")
    with pytest.raises(ValueError, match=r"ControlNet for tiny-sd1.x \(canny, scribble\), got 'depth'"):
        lab.controlnet(photo, "a cat", detector="depth")
    with pytest.raises(HubUnavailableError, match="lllyasviel/Annotators"):
        controlnet.control_map(photo, "depth", 64, 64)  # a hub detector, offline


# ------------------------------------------------------------------ trajectory
@pytest.mark.parametrize("family, scheduler", [("sd1.x", "DDIM"), ("sd1.x", "DPM++ 2M"), ("sd1.x", "Euler"),
                                               ("sdxl", "UniPC")])
def test_trajectory_one_prediction_per_step(lab, xl_lab, family, scheduler):
    # DDIM and Euler return x0 themselves; DPM++ and UniPC need it computed from eps.
    any_lab = lab if family == "sd1.x" else xl_lab
    panels = any_lab.trajectory("sunset over mountains", seed=3, scheduler=scheduler)
    assert [p.params["step"] for p in panels] == list(range(1, TINY_STEPS + 1))
    assert panels[0].caption.startswith(f"step 1/{TINY_STEPS} · t=")
    final = any_lab.generate("sunset over mountains", seed=3, scheduler=scheduler)
    assert max_diff(panels[-1].image, final.image) <= PIXEL_TOLERANCE
    assert max_diff(panels[0].image, panels[-1].image) > 0  # the prediction moves


def test_trajectory_every_and_errors(lab):
    panels = lab.trajectory("a cat", seed=3, every=3)
    assert [p.params["step"] for p in panels] == [3, 4]  # every 3rd, and always the last
    with pytest.raises(ValueError, match=r"every must be an integer in 1..4"):
        lab.trajectory("a cat", seed=3, every=0)


def test_x0_from_eps_inverts_the_forward_process():
    from diffusers import DDIMScheduler
    sched = DDIMScheduler(beta_schedule="scaled_linear", beta_start=0.00085, beta_end=0.012)
    x0, eps = torch.randn(1, 4, 8, 8), torch.randn(1, 4, 8, 8)
    a = sched.alphas_cumprod[600]
    xt = a.sqrt() * x0 + (1 - a).sqrt() * eps
    assert torch.allclose(trajectory.x0_from_output(sched, eps, torch.tensor(600), xt), x0, atol=1e-4)


# ------------------------------------------------------------------ bandit
def test_bandit_learns_the_liked_variant():
    bandit = PromptBandit(["a cat", "a dog", "a fox"], rng_seed=0)
    for _ in range(30):
        bandit.record(1, True)
        bandit.record(0, False)
        bandit.record(2, False)
    picks = [bandit.choose().index for _ in range(200)]
    assert picks.count(1) > 190
    post = bandit.posterior()
    assert post[1]["alpha"] == 31 and post[1]["beta"] == 1 and post[1]["mean"] == pytest.approx(31 / 32)


def test_bandit_explores_and_draws_fresh_seeds():
    bandit = PromptBandit(["a cat", "a dog"], rng_seed=1)
    choices = [bandit.choose() for _ in range(100)]
    assert 20 < sum(c.index for c in choices) < 80  # no votes: both variants get shown
    seeds = {c.seed for c in choices}
    assert len(seeds) == 100 and all(0 <= s <= 4294967295 for s in seeds)


def test_bandit_state_round_trips_through_json():
    bandit = PromptBandit(["a cat", "a dog"], rng_seed=2)
    bandit.record(0, True, seed=5)
    bandit.choose()
    restored = PromptBandit.from_dict(json.loads(json.dumps(bandit.to_dict())))
    assert restored.likes == [1, 0] and restored.history == [{"variant": 0, "seed": 5, "liked": True}]
    assert [restored.choose() for _ in range(5)] == [bandit.choose() for _ in range(5)]


def test_bandit_errors_and_density():
    with pytest.raises(ValueError, match="variants must hold 2..16 prompts, got 1"):
        PromptBandit(["a cat"])
    bandit = PromptBandit(["a cat", "a dog"])
    with pytest.raises(ValueError, match=r"index must be an integer in 0..1"):
        bandit.record(2, True)
    with pytest.raises(ValueError, match="liked must be True or False"):
        bandit.record(0, 1)
    with pytest.raises(ValueError, match="likes must be 2 counts"):
        PromptBandit.from_dict({"variants": ["a", "b"], "likes": [1]})
    xs, curves = bandit.posterior_curves(201)
    assert len(xs) == 201 and len(curves) == 2
    area = sum(beta_pdf(x, 3, 5) for x in np.linspace(0.0005, 0.9995, 1000)) / 1000
    assert area == pytest.approx(1.0, abs=1e-3) and math.isclose(beta_pdf(0.3, 1, 1), 1.0)


def test_bandit_round_renders_the_choice(lab):
    bandit = lab.bandit(["a cat", "a dog"], rng_seed=3)
    panel = lab.bandit_round(bandit)
    assert panel.params["prompt"] == bandit.variants[panel.params["variant"]]
    assert panel.caption.startswith(f"variant {panel.params['variant'] + 1} · seed ")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        bandit.record(panel.params["variant"], liked=True, seed=panel.params["seed"])
