"""The temperature lab: the shipped caption model (models/tiny-world/captioner), its sampler's
knobs and errors, the valid-scene check, the exercise and its tab adapter."""
from __future__ import annotations

import json

import gradio as gr
import numpy as np
import pytest
from PIL import Image

from playground.exercises import captions as ex
from playground.lab import Lab
from playground.panels import Panel
from playground.ui import captions as tab
from playground.ui.shared import Labs, model_fn
from playground.world.captioner import (DEFAULT_DIR, SEED_MAX, Captioner, detokenize, load_captioner,
                                        tokenize)
from playground.world.scene import sample_scene
from support import settings_for
from workshop.captions import caption


class AllKnown:
    """A stand-in vocabulary that knows every word: the parser's rules tested apart from the model's."""

    @staticmethod
    def unknown_words(text):
        return []


@pytest.fixture(scope="module")
def model() -> Captioner:
    return load_captioner()


def texts(model, start="", t=1.0, n=8, seed=0, **kw):
    return [s.text for s in model.sample(start, [t] * n, range(seed, seed + n), **kw)]


def test_words_round_trip():
    words = tokenize("A photo of a cat by a Norwegian fjord, 8-bit")
    assert words == ["a", "photo", "of", "a", "cat", "by", "a", "norwegian", "fjord", ",", "8-bit"]
    assert detokenize(words, {"norwegian": "Norwegian"}) == "a photo of a cat by a Norwegian fjord, 8-bit"
    assert tokenize("cat.") == ["cat", "."]  # punctuation is a word of its own, and unknown


def test_shipped_files_are_safetensors_and_small():
    files = {p.name: p.stat().st_size for p in DEFAULT_DIR.iterdir()}
    assert set(files) == {"captioner.safetensors", "config.json", "evaluation.json"}
    assert sum(files.values()) < 400_000  # the model folder's 40 MB cap leaves little room
    config = json.loads((DEFAULT_DIR / "config.json").read_text())
    assert config["vocab"][:3] == ["<pad>", "<bos>", "<eos>"] and "cat" in config["vocab"]


def test_the_pair_table_marks_word_salad(model):
    assert model.unseen_pairs("a ginger cat sitting upright by a Norwegian fjord, warm tones") == []
    assert model.unseen_pairs("a cat bright on photo") == ["cat bright", "bright on", "on photo"]
    assert model.unseen_pairs("sitting") == ["[start] sitting"]


def test_same_seed_same_caption_and_batch_equals_alone(model):
    batch = model.sample("a cat", [0.7, 1.2, 1.2], [5, 5, 6])
    alone = [model.sample("a cat", [t], [s])[0] for t, s in ((0.7, 5), (1.2, 5), (1.2, 6))]
    assert [b.text for b in batch] == [a.text for a in alone]
    assert all(b.text.startswith("a cat") for b in batch)
    assert texts(model, "a dog", 1.0, 8, seed=3) == texts(model, "a dog", 1.0, 8, seed=3)
    assert len(set(texts(model, "", 1.0, 16))) > 1  # different seeds, different captions


def test_temperature_narrows_and_widens(model):
    cold = texts(model, "", 0.05, 32)
    hot = texts(model, "", 1.5, 32)
    assert len(set(cold)) == 1  # near argmax: one caption whatever the seed
    assert len(set(hot)) > 20
    greedy = texts(model, "", 2.0, 4, top_k=1)  # top-k 1 is argmax at any temperature
    assert set(greedy) == set(cold)


def test_top_k_and_top_p_cut_the_tail(model):
    greedy = texts(model, "", 1.0, 1, top_k=1)
    assert set(texts(model, "", 2.0, 6, top_p=0.01)) == set(greedy)  # only the top word is left
    wild = len(set(texts(model, "a cat", 1.5, 32)))
    tame = len(set(texts(model, "a cat", 1.5, 32, top_k=3)))
    assert tame < wild
    valid = [ex.scene_check(s.text, s.finished, model)[0]
             for s in model.sample("", [1.5] * 64, range(64), top_p=0.8)]
    hot = [ex.scene_check(s.text, s.finished, model)[0]
           for s in model.sample("", [1.5] * 64, range(64))]
    assert np.mean(valid) > np.mean(hot)


def test_knob_and_start_errors_name_the_field(model):
    for kwargs, match in ((dict(temperatures=[0.0]), r"temperature must be a number in 0.05..2.0"),
                          (dict(temperatures=[2.5]), "temperature"),
                          (dict(top_k=-1), r"top_k must be a whole number in 0..\d+"),
                          (dict(top_p=0.0), r"top_p must be a number in \(0, 1\]"),
                          (dict(seed=SEED_MAX + 1), f"seed must be an integer in 0..{SEED_MAX}"),
                          (dict(seed=-1), "seed"), (dict(samples=0), r"samples must be a whole number in 1..8"),
                          (dict(temperatures=[]), r"temperatures must hold 1..8"),
                          (dict(max_length=0), r"max_length must be a whole number in 1..48")):
        with pytest.raises(ValueError, match=match):
            ex.captions("a cat", **{"temperatures": [1.0], **kwargs}, captioner=model)
    with pytest.raises(ValueError, match="does not know: 'kitten', '!'"):
        ex.captions("a kitten!", captioner=model)
    with pytest.raises(ValueError, match="start must have at most 24 words"):
        ex.captions("a cat " * 13, captioner=model)


def test_every_world_caption_is_a_valid_scene():
    """The check is as lenient as the world's own caption writer: 3,000 of its captions pass."""
    rng = np.random.default_rng(11)
    for _ in range(3000):
        text = caption(sample_scene(rng), rng)
        valid, reason, attrs = ex.scene_check(text, True, AllKnown())
        assert valid, (text, reason)


@pytest.mark.parametrize("text, reason", [
    ("a green cat", "prior probability 0"),
    ("a cat in a library, two birds overhead", "prior probability 0"),
    ("a fox in a living room", "prior probability 0"),
    ("a cat on a beach in a meadow", "setting: beach, meadow"),
    ("a dog and a cat", "subject: cat, dog"),
    ("a cat at night, at dawn", "light: dawn, night"),
    ("a red blue car", "colour: blue, red"),
    ("a dog reading a book", "a dog is never reading"),
    ("in the sky", "names no subject")])
def test_invalid_scenes_say_why(text, reason):
    valid, why, _ = ex.scene_check(text, True, AllKnown())
    assert not valid and reason in why
    assert ex.scene_check(text, False, AllKnown())[1].startswith("unfinished")


def test_exercise_returns_texts_temperatures_and_verdicts(model):
    out = ex.captions("a cat", [0.2, 1.2], seed=SEED_MAX, samples=2, captioner=model)
    assert [c.temperature for c in out] == [0.2, 0.2, 1.2, 1.2]
    assert [c.seed for c in out] == [SEED_MAX, 0, SEED_MAX, 0]  # sample j: (seed + j) mod 2^32
    assert all(c.text.startswith("a cat") for c in out)
    assert out[0].valid and out[0].attributes["subject"] == "cat" and out[0].unseen_pairs == ()
    assert ex.scene_check("a kitten", True, model)[1] == "unknown words: kitten"


def test_label_panels_caption_and_record_the_sampling(model):
    out = ex.captions("a fox", [0.2], seed=1, captioner=model)
    panels = ex.label_panels([Panel(Image.new("RGB", (8, 8)), "seed 1", {"seed": 1})], out, top_k=5)
    assert panels[0].caption.startswith(f"T 0.2 · {out[0].text} · ")
    assert panels[0].params["caption_temperature"] == 0.2 and panels[0].params["caption_top_k"] == 5
    with pytest.raises(ValueError, match="equally many"):
        ex.label_panels([], out)


class CaptionLab:
    """The tiny Lab plus the captions method the tab calls (Lab.captions, once wired)."""

    def __init__(self, lab):
        self._lab = lab

    def __getattr__(self, name):
        return getattr(self._lab, name)

    def captions(self, start="", temperatures=(0.2, 0.7, 1.2), top_k=0, top_p=1.0, seed=None,
                 samples=1, max_length=32):
        return ex.captions(start, temperatures, top_k=top_k, top_p=top_p, seed=0 if seed is None else seed,
                           samples=samples, max_length=max_length)


def test_tab_renders_each_caption_under_one_seed(lab):
    labs = Labs(lab if hasattr(Lab, "captions") else CaptionLab(lab))
    gallery, panels, table = tab.run_captions(labs, "a cat", "0.2, 1.2", 0, 1.0, 1, 9, **settings_for(lab))
    assert len(gallery) == len(panels) == 2 and {p.params["seed"] for p in panels} == {9}
    assert [p.params["caption_temperature"] for p in panels] == [0.2, 1.2]
    assert panels[0].params["prompt"].startswith("a cat") and "| 0.2 | 9 | a cat" in table
    assert tab.image_count("a cat", "0.2, 1.2", 0, 1.0, 3, 9) == 6  # what the cost cap reads
    with pytest.raises(gr.Error, match="temperature must be a number"):
        model_fn(tab.run_captions)(labs, "a cat", "0.2, 9", 0, 1.0, 1, 9, **settings_for(lab))
    with pytest.raises(gr.Error, match="does not know: 'zebra'"):
        model_fn(tab.run_captions)(labs, "a zebra", "0.2", 0, 1.0, 1, 9, **settings_for(lab))
