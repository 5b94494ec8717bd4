"""Every registry entry x every exercise, through Lab(model=id), offline, against the hub fixture.

The hub models load from tests/hub_fixture.py's cache (tiny random weights with the real repos'
classes, configs and file names; the hub switched off), tiny-world from its shipped folder. In
fp32 on the CPU, at 64 x 64 pixels and 2 steps: what is checked is that each exercise runs on
each model's real loading path and pipeline classes, not what the pictures look like.
"""
from __future__ import annotations

import numpy as np
import pytest
from hub_fixture import pointing_at, session_cache
from PIL import Image

from playground import upscale
from playground.exercises.common import steps_for_strength
from playground.lab import Lab
from playground.panels import Panel
from playground.params import PRESETS_DIR, load_preset
from playground.registry import load_registry
from playground.ui import catalog

pytestmark = pytest.mark.integration
REGISTRY, _ = load_registry(PRESETS_DIR / "models.yaml")
MODELS = list(REGISTRY)
S = dict(width=64, height=64, num_inference_steps=2)
# Every Lab call the exercise descriptors name (playground/ui/catalog.py), plus Lab.generate.
EXERCISES = {"generate": lambda lab, img, mask, **s: [lab.generate("a red car", seed=1, **s)]}
EXERCISES |= {f"{ex.id}-{i}": call for ex in catalog.EXERCISES for i, call in enumerate(ex.lab_examples)}
# The hub detectors build controlnet-aux's full-size networks (DPT-Hybrid, OpenPose) on the CPU.
HUB_DETECTORS = {"depth", "openpose"}
CONTROL = [pytest.param(m, d, id=f"{m}-{d}", marks=[pytest.mark.slow] if d in HUB_DETECTORS else [])
           for m, spec in REGISTRY.items() for d in spec.controlnets]


@pytest.fixture(scope="module")
def hub_cache(tmp_path_factory):
    cache = session_cache(tmp_path_factory)
    with pointing_at(cache):  # for the whole module: ControlNets and detectors load lazily
        yield cache


@pytest.fixture(scope="module")
def labs(hub_cache):
    """Lab(model=id) per registry entry, built on first use and dropped with the module."""
    built: dict[str, Lab] = {}

    def get(model: str) -> Lab:
        if model not in built:
            built[model] = Lab(model=model, device="cpu")
            built[model].progress = False
        return built[model]

    yield get
    built.clear()


@pytest.fixture(scope="module")
def mask():
    arr = np.zeros((64, 64), np.uint8)
    arr[16:48, 16:48] = 255
    return Image.fromarray(arr)


def check_panels(panels, model: str, count: int | None = None) -> None:
    assert panels and (count is None or len(panels) == count)
    for p in panels:
        side = 64 * p.params.get("hires_upscale", 1)  # the hires exercise's panels are upscaled
        assert isinstance(p, Panel) and p.image.size == (side, side) and p.caption
        assert p.params["model"] == model
        assert "nsfw_content_detected" not in p.params  # the fixture's checker never flags


@pytest.mark.parametrize("exercise", list(EXERCISES))
@pytest.mark.parametrize("model", MODELS)
def test_every_exercise_runs_on_every_registry_model(labs, photo, mask, model, exercise):
    lab = labs(model)
    assert lab.model == model and lab.dtype.is_floating_point and str(lab.dtype) == "torch.float32"
    panels = EXERCISES[exercise](lab, photo, mask, **S)
    check_panels(panels, model)


@pytest.mark.parametrize("model, detector", CONTROL)
def test_controlnet_runs_for_every_detector_of_every_entry(labs, photo, model, detector):
    lab = labs(model)
    result = lab.controlnet(photo, "a red car", detector=detector, scales=(0.5, 1.0), seed=1, **S)
    check_panels(result, model, count=2)
    assert result.control_map.image.size == (64, 64) and result[0].params["detector"] == detector


HUB = [m for m, spec in REGISTRY.items() if not spec.path]


@pytest.mark.parametrize("model", HUB)
def test_the_learnt_upscaler_runs_on_every_hub_model(labs, model):
    # the registry's Phips/2xParimgCompact (the fixture's tiny Real-ESRGAN Compact x2) from the cache
    lab = labs(model)
    panel = lab.generate("a red car", seed=1, **S)
    big = lab.upscale(panel, 2)
    assert big.image.size == (128, 128) and big.caption == f"{panel.caption} · x2 2xParimgCompact"
    assert big.params == dict(panel.params, hires_upscale=2, hires_upscaler="2xParimgCompact")
    net = upscale.load(upscale.upscaler_file(REGISTRY[model]), lab.device).model
    widths = []
    hook = net.register_forward_hook(lambda module, args, out: widths.append(args[0].shape[-1]))
    try:
        bigger = lab.upscale(panel, 4)
    finally:
        hook.remove()
    assert widths == [64, 128] and bigger.image.size == (256, 256)  # the x2 net twice
    assert bigger.caption.endswith("x4 2xParimgCompact") and bigger.params["hires_upscale"] == 4
    assert lab.upscale(panel, 1) is panel


@pytest.mark.parametrize("method", ["bicubic", "nearest"])
def test_bicubic_and_nearest_need_no_upscaler_file(labs, monkeypatch, method):
    lab = labs(HUB[0])
    panel = lab.generate("a red car", seed=1, **S)

    def no_file(*args):
        raise AssertionError("bicubic and nearest read no upscaler file")
    monkeypatch.setattr(upscale, "upscaler_file", no_file)
    monkeypatch.setattr(upscale, "load", no_file)
    big = lab.upscale(panel, 4, method)
    assert big.image.size == (256, 256) and big.caption.endswith(f"x4 {method}")
    assert big.params["hires_upscaler"] == method and big.params["hires_upscale"] == 4


def test_the_registry_pairs_detectors_as_documented(labs):
    assert labs("stabilityai/sd-turbo").detectors() == []
    assert labs("stable-diffusion-v1-5/stable-diffusion-v1-5").detectors() == ["canny", "scribble", "depth", "openpose"]
    assert labs("stabilityai/sdxl-turbo").detectors() == ["canny", "depth"]
    with pytest.raises(ValueError, match=r"ControlNet for stabilityai/sd-turbo \(none\)"):
        labs("stabilityai/sd-turbo").controlnet(Image.new("RGB", (64, 64)), "a car", detector="canny", **S)


@pytest.mark.parametrize("model", ["stabilityai/sd-turbo", "stabilityai/sdxl-turbo"])
def test_turbo_img2img_at_the_tabs_default_strengths_raises_the_steps(labs, photo, model):
    # 1 step x strength 0.2 left no denoising step and failed: the steps rise to give one.
    lab = labs(model)
    strengths = load_preset("img2img")["strengths"]
    assert lab.defaults()["num_inference_steps"] == 1
    panels = lab.img2img_strength(photo, "a red car", strengths=strengths, seed=7, width=64, height=64)
    for p, s in zip(panels, strengths):
        steps = p.params["num_inference_steps"]
        assert int(steps * s) >= 1 and int((steps - 1) * s) < 1  # the fewest steps that run one
        assert p.params["steps_raised_from"] == 1 and p.params["strength"] == s
        assert p.caption.startswith(f"strength {s:g} · {steps} steps (raised from 1) · SSIM ")


@pytest.mark.parametrize("steps, strength, raised", [(1, 0.2, 5), (1, 0.5, 2), (1, 0.8, 2), (1, 1 / 3, 3), (1, 0.29, 4),
                                                     (2, 0.5, 2), (20, 0.05, 20), (4, 0.2, 5), (1, 0.001, 1), (1, 0, 1)])
def test_steps_for_strength(steps, strength, raised):
    assert steps_for_strength(steps, strength) == raised


def test_a_strength_no_step_count_can_serve_still_says_so(labs, photo):
    with pytest.raises(ValueError, match=r"strength 0.001 x 1 steps leaves 0 denoising steps"):
        labs("stabilityai/sd-turbo").img2img_strength(photo, "a car", strengths=[0.001], width=64, height=64)


def test_enough_steps_are_left_alone(labs, photo):
    lab = labs("stable-diffusion-v1-5/stable-diffusion-v1-5")
    (panel,) = lab.img2img_strength(photo, "a red car", strengths=[0.5], seed=7, **S)
    assert panel.params["num_inference_steps"] == 2 and "steps_raised_from" not in panel.params
    assert "raised" not in panel.caption


def test_sd15_safety_checker_verdict_reaches_the_panel(labs, photo, mask):
    # A flagged image came back black with the caption "seed 1": the verdict must reach the panel.
    lab = labs("stable-diffusion-v1-5/stable-diffusion-v1-5")
    checker = lab.manager.base.safety_checker
    checker.concept_embeds_weights.data.fill_(-2.0)  # every cosine similarity now flags
    try:
        flagged = [lab.generate("a red car", seed=1, **S), *lab.seed_grid("a red car", seeds=[2, 3], **S),
                   *lab.trajectory("a red car", seed=1, **S), *lab.attention_maps("a red car", seed=1, **S),
                   *lab.inpaint(photo, mask, "a red car", strengths=(1.0,), seed=1, **S),
                   *lab.img2img_strength(photo, "a red car", strengths=(1.0,), seed=1, **S)]
    finally:
        checker.concept_embeds_weights.data.fill_(2.0)
    for p in flagged:
        assert p.params["nsfw_content_detected"] is True
        assert p.caption.endswith("filtered by the safety checker")
        assert not np.asarray(p.image).any()  # black, previews and heatmaps too
    assert flagged[0].caption == "seed 1 · filtered by the safety checker"
    # the same settings, no longer flagged, are a plain panel again (heatmaps included)
    again = lab.attention_maps("a red car", seed=1, **S)
    assert all("nsfw_content_detected" not in p.params and "filtered" not in p.caption for p in again)


def test_the_gpu_cost_script_fits_step_and_image_costs(labs):
    # scripts/gpu_cost.py measures what registry.gpu_duration needs; here a CPU smoke run
    import importlib.util

    spec = importlib.util.spec_from_file_location("gpu_cost", PRESETS_DIR.parent / "scripts" / "gpu_cost.py")
    gpu_cost = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gpu_cost)
    result = gpu_cost.measure(labs("stabilityai/sd-turbo"), steps=3, size=64, repeats=1)
    assert len(result["samples"]) == 4 and result["gpu_step_seconds"] >= 0 and result["gpu_image_seconds"] >= 0
    assert {(s["images"], s["steps"]) for s in result["samples"]} == {(1, 1), (1, 3), (8, 1), (8, 3)}
    assert all(s["seconds"] > 0 for s in result["samples"])
