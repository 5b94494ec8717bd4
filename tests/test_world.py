"""The tiny world at run time (playground.world): sampling follows the prior tables, prompts
are read back right, and a scene for a prompt shows what it says. Nothing here renders."""
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from playground.world import (ATTRIBUTES, EVAL_ATTRIBUTES, VALUES, parse_details, parse_prompt,
                              sample_scene, scene_for_prompt)

ROOT = Path(__file__).resolve().parents[1]
LAB_PROMPTS = {
    "sunset over mountains": {"subject": "none", "setting": "mountains", "light": "sunset"},
    "a cat": {"subject": "cat"},
    "a ginger tabby cat sleeping on a navy velvet armchair, afternoon light from a window on "
    "the left, 35mm photography": {"subject": "cat", "colour": "ginger", "light": "day",
                                   "style": "photo"},
    "a golden retriever playing fetch on a beach at sunset":
        {"subject": "dog", "colour": "golden", "setting": "beach", "light": "sunset"},
    "a vintage red sports car parked on a city street, blue apartment building in the "
    "background, a few birds overhead": {"subject": "car", "colour": "red", "setting": "city"},
    "a beautiful landscape": {"subject": "none"},
    "a watercolour illustration of a fox reading a book in a library, soft lighting, warm "
    "tones": {"subject": "fox", "setting": "library", "style": "watercolour"},
    "a Norwegian fjord": {"subject": "none", "setting": "fjord"},
}
LIST_PROMPTS = list(LAB_PROMPTS)


def scenes(n, seed=0, **fixed):
    rng = np.random.default_rng(seed)
    return [sample_scene(rng, **fixed) for _ in range(n)]


def test_the_runtime_world_imports_nothing_heavy_and_no_workshop():
    code = ("import sys, playground.world, playground.world.classifier, playground.world.text_encoder\n"
            "print(sorted(m for m in ('torch', 'diffusers', 'transformers', 'cv2', 'workshop', "
            "'playground.lab', 'playground.pipelines') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_tables_are_distributions():
    for name, table in ATTRIBUTES.items():
        assert abs(sum(table.values()) - 1.0) < 1e-9, name
        assert all(p >= 0 for p in table.values()), name


def test_attributes_use_the_evaluation_vocabulary():
    for scene in scenes(2000):
        attrs = scene.attributes()
        assert tuple(attrs) == EVAL_ATTRIBUTES
        for key, value in attrs.items():
            assert value in VALUES[key], (key, value)


def test_fixed_attributes_are_honoured():
    for fixed in ({"subject": "car", "colour": "red"}, {"colour": "ginger"},
                  {"light": "night", "style": "pixel art"}, {"birds": 3}, {"birds": "5"},
                  {"subject": "fox", "setting": "library", "pose": "reading"},
                  {"subject": "car", "setting": "library"}, {"placement": "left"}):
        for scene in scenes(50, **fixed):
            attrs = {**scene.attributes(), "pose": scene.pose}
            for key, value in fixed.items():
                assert attrs[key] == str(value), (fixed, scene)
    assert {s.subject for s in scenes(200, colour="ginger")} == {"cat"}
    assert all(s.setting not in ("living room", "library") for s in scenes(200, birds=2))


def test_impossible_combinations_raise():
    rng = np.random.default_rng(0)
    for fixed in ({"subject": "cat", "colour": "green"}, {"setting": "library", "birds": 2},
                  {"subject": "none", "placement": "left"}, {"subject": "unicorn"},
                  {"flavour": "sweet"}):
        with pytest.raises(ValueError):
            sample_scene(rng, **fixed)


def frequencies(values):
    keys, counts = np.unique(values, return_counts=True)
    return dict(zip(keys, counts / len(values)))


def test_prior_frequencies_match_the_tables():
    sample = scenes(5000, seed=1)
    checks = [("subject", [s.subject for s in sample]),
              ("light", [s.light for s in sample]),
              ("style", [s.style for s in sample]),
              ("cat_colour", [s.colour for s in sample if s.subject == "cat"]),
              ("car_setting", [s.setting for s in sample if s.subject == "car"]),
              ("placement", [s.placement for s in sample if s.subject != "none"]),
              ("outdoor_birds", [str(s.birds) for s in sample
                                 if s.setting not in ("living room", "library")])]
    for table, values in checks:
        seen = frequencies(values)
        for value, p in ATTRIBUTES[table].items():
            assert abs(seen.get(value, 0.0) - p) < 0.04, (table, value, seen.get(value), p)


def test_synonyms_are_understood():
    pairs = {"golden hour": "sunset", "in the evening": "sunset", "at sunrise": "dawn",
             "by moonlight": "night", "watercolor painting": "watercolour",
             "35mm photography": "photo", "8-bit": "pixel art", "pencil drawing": "pencil sketch",
             "flat vector illustration": "flat illustration"}
    for phrase, value in pairs.items():
        named = parse_prompt(f"a cat, {phrase}")
        assert value in (named.get("light"), named.get("style")), phrase
    assert parse_prompt("a dog on the left side")["placement"] == "left"
    assert "placement" not in parse_prompt("a dog, light from a window on the right")
    assert parse_prompt("a fox, three birds")["birds"] == "3"
    assert "birds" not in parse_prompt("a fox, a few birds")
    assert parse_prompt("a grey tabby cat")["colour"] == "grey"
    assert parse_prompt("a tabby cat")["colour"] == "tabby"


def test_lab_prompts_parse_to_scenes_that_fit():
    rng = np.random.default_rng(4)
    for prompt, expected in LAB_PROMPTS.items():
        assert parse_prompt(prompt) == expected, prompt
        scene = sample_scene(rng, **expected)
        assert scene.attributes().items() >= expected.items()


def test_parse_details_reads_pose_kind_and_extras():
    assert parse_details(LIST_PROMPTS[2], "cat") == {"pose": "sleeping", "variant": "tabby",
                                                     "armchair": "navy", "window": "left"}
    assert parse_details(LIST_PROMPTS[4], "car") == {"variant": "vintage sports", "building": "blue"}
    assert parse_details("a fox among pine trees", "fox") == {"trees": ""}
    assert parse_details("a cat", "cat") == {}


def test_scene_for_prompt_honours_details():
    rng = np.random.default_rng(12)
    for _ in range(20):
        cat = scene_for_prompt(LIST_PROMPTS[2], rng)
        assert (cat.pose, cat.variant, cat.extra("armchair"), cat.extra("window")) == \
            ("sleeping", "tabby", "navy", "left")
        assert cat.placement != "left" and cat.setting == "living room"
        car = scene_for_prompt(LIST_PROMPTS[4], rng)
        assert (car.variant, car.extra("building")) == ("vintage sports", "blue")
        assert scene_for_prompt(LIST_PROMPTS[3], rng).pose == "fetch"
        assert scene_for_prompt(LIST_PROMPTS[6], rng).extra("book") == ""
        assert scene_for_prompt("a beautiful landscape", rng).setting != "city"
