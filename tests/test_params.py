"""GenerationParams validation: every bad value raises a ValueError naming field and range."""
import dataclasses

import numpy as np
import pytest

from playground.params import (GUIDANCE_RANGE, PRESETS_DIR, MAX_GRID_CELLS, SCHEDULERS, SEED_MAX, STEPS_RANGE,
                               GenerationParams, check_grid_cells, check_prompt, load_preset)

OK = dict(prompt="a cat", seed=7)


def make(**kw):
    return GenerationParams(**{**OK, **kw})


@pytest.mark.parametrize("field, value, words", [
    ("seed", -1, ["seed", "0..4294967295"]),
    ("seed", SEED_MAX + 1, ["seed", "0..4294967295"]),
    ("seed", True, ["seed"]),          # bool is an int subclass, still refused
    ("seed", 1.5, ["seed"]),
    ("seed", "7", ["seed"]),
    ("num_inference_steps", 0, ["num_inference_steps", "1..150"]),
    ("num_inference_steps", 151, ["num_inference_steps", "1..150"]),
    ("num_inference_steps", 2.0, ["num_inference_steps"]),
    ("guidance_scale", -0.1, ["guidance_scale", "0..30"]),
    ("guidance_scale", 30.01, ["guidance_scale", "0..30"]),
    ("guidance_scale", float("nan"), ["guidance_scale"]),
    ("scheduler", "Heun", ["scheduler", "DDIM"]),
    ("width", 100, ["width", "multiple of 8"]),
    ("height", 56, ["height", "at least 64"]),
    ("width", 0, ["width"]),
    ("strength", 0.0, ["strength", "(0, 1]"]),
    ("strength", 1.01, ["strength", "(0, 1]"]),
    ("controlnet_conditioning_scale", 2.5, ["controlnet_conditioning_scale", "0..2"]),
    ("prompt", "", ["prompt", "non-empty"]),
    ("prompt", "   ", ["prompt"]),
    ("negative_prompt", None, ["negative_prompt"]),
])
def test_bad_values_name_field_and_range(field, value, words):
    with pytest.raises(ValueError) as err:
        make(**{field: value})
    for word in words:
        assert word in str(err.value)


def test_limits_are_inclusive():
    assert make(seed=0).seed == 0
    assert make(seed=SEED_MAX).seed == 4294967295
    assert make(num_inference_steps=STEPS_RANGE[1]).num_inference_steps == 150
    assert make(guidance_scale=GUIDANCE_RANGE[1]).guidance_scale == 30
    assert make(guidance_scale=0).guidance_scale == 0
    assert make(strength=1.0).strength == 1.0


def test_numpy_integers_are_seeds():
    p = make(seed=np.int64(42))
    assert p.seed == 42 and type(p.seed) is int  # plain int: JSON and torch both take it


def test_strength_must_leave_a_denoising_step():
    # diffusers runs int(steps * strength) steps: 20 * 0.04 = 0.8 -> 0 steps.
    with pytest.raises(ValueError, match=r"strength 0.04 x 20 steps leaves 0 denoising steps.*0.05"):
        make(strength=0.04, num_inference_steps=20)
    assert make(strength=0.05, num_inference_steps=20).strength == 0.05


def test_size_cap_is_per_model():
    p = make(width=512, height=256)
    p.check_size(512)
    with pytest.raises(ValueError, match=r"width must be at most 256 pixels.*64\.\.256"):
        p.check_size(256)


def test_frozen_and_replace_validates_again():
    p = make()
    with pytest.raises(dataclasses.FrozenInstanceError):
        p.seed = 3
    assert p.replace(seed=3).seed == 3 and p.seed == 7
    with pytest.raises(ValueError, match="guidance_scale"):
        p.replace(guidance_scale=99)


def test_to_dict_uses_diffusers_names_and_skips_unset():
    d = make().to_dict()
    assert set(d) == {"prompt", "negative_prompt", "num_inference_steps", "guidance_scale",
                      "scheduler", "width", "height", "seed"}
    assert make(strength=0.5).to_dict()["strength"] == 0.5
    kwargs = make(strength=0.5).call_kwargs()
    assert "seed" not in kwargs and "scheduler" not in kwargs and kwargs["strength"] == 0.5


def test_grid_cells_and_prompt_helpers():
    check_grid_cells(MAX_GRID_CELLS)
    with pytest.raises(ValueError, match=r"grid must have 1..64 cells, got 65"):
        check_grid_cells(65)
    with pytest.raises(ValueError, match="1..64"):
        check_grid_cells(0, "seeds")
    with pytest.raises(ValueError, match="variants\\[2\\]"):
        check_prompt("", "variants[2]")


def test_scheduler_names_are_a1111s():
    for name in ("DDIM", "Euler", "Euler a", "DPM++ 2M", "DPM++ 2M Karras", "UniPC"):
        assert name in SCHEDULERS


PRESETS = sorted(p.stem for p in PRESETS_DIR.glob("*.yaml") if p.stem != "models")


@pytest.mark.parametrize("name", PRESETS)
def test_presets_load_and_stay_inside_the_hard_limits(name):
    preset = load_preset(name)
    limits = {"num_inference_steps": STEPS_RANGE, "guidance_scale": GUIDANCE_RANGE, "seed": (0, SEED_MAX),
              "count": (1, MAX_GRID_CELLS), "strength": (0.0, 1.0), "controlnet_conditioning_scale": (0.0, 2.0)}
    for key, slider in (preset.get("sliders") or {}).items():
        if key in limits:
            lo, hi = limits[key]
            assert lo <= slider["min"] and slider.get("max", hi) <= hi, (name, key, slider)
    for key in ("prompt", "generic"):
        if key in preset:
            check_prompt(preset[key])
    if "seed" in preset:
        make(seed=preset["seed"])


def test_preset_values_validate():
    tri = load_preset("triptych")
    base = make(prompt=tri["prompt"], seed=tri["seed"])
    for vary, values in tri["values"].items():
        for v in values:
            base.replace(**{vary: v})
    for s in load_preset("img2img")["strengths"]:
        make(strength=s)
    load_preset("bandit")["variants"][0] = "changed"  # a copy: the cached preset stays intact
    assert load_preset("bandit")["variants"][0] == "a cat"
    with pytest.raises(ValueError, match="preset must be one of"):
        load_preset("nope")


def test_prompts_lose_surrounding_whitespace_only():
    from playground.infotext import parse_infotext, to_infotext

    p = GenerationParams(prompt="  a fox\n  reading a book \n", negative_prompt="\tblurry, dark ")
    assert (p.prompt, p.negative_prompt) == ("a fox\n  reading a book", "blurry, dark")
    assert p.replace(prompt=" a cat\n").prompt == "a cat"
    read = parse_infotext(to_infotext(p.to_dict()))  # the saved prompt is the one read back
    assert (read["prompt"], read["negative_prompt"]) == (p.prompt, p.negative_prompt)
