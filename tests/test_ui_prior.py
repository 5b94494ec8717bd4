"""playground.prior (the seed-grid tab's prior check) and its place in the seed-grid tab."""
from __future__ import annotations

import threading
import types

import pytest
from PIL import Image

from playground import prior
from playground.world import ATTRIBUTES


def test_open_attribute_is_what_the_prompt_leaves_out():
    assert prior.open_attribute("a cat") == "colour"
    assert prior.open_attribute("a ginger cat") == "setting"
    assert prior.open_attribute("a beautiful landscape") == "setting"
    with pytest.raises(ValueError, match="names every attribute"):
        prior.open_attribute("a ginger cat sleeping in a library at night, watercolour, on the left")


def test_true_shares_follow_the_world_table():
    shares = prior.true_shares("a cat", "colour", samples=2000)
    assert abs(sum(shares.values()) - 1) < 1e-9
    for colour, p in ATTRIBUTES["cat_colour"].items():
        assert abs(shares[colour] - p) < 0.04  # 2000 draws: about 1 point of sampling error


def test_compare_with_a_stand_in_classifier(monkeypatch):
    def predict(images):
        return [{"colour": "ginger"}] * (len(images) - 1) + [{"colour": "black"}]

    fake = types.SimpleNamespace(predict=predict)
    monkeypatch.setattr(prior, "classifier", lambda folder=None: fake)
    images = [Image.new("RGB", (8, 8))] * 4
    result = prior.compare("a cat", images)
    assert result["attribute"] == "colour" and result["observed"] == {"ginger": 0.75, "black": 0.25}
    assert 35 < result["gap"] < 45  # ginger: 75% seen vs ~35% true


def test_missing_classifier_is_a_clear_error(tmp_path):
    with pytest.raises(ValueError, match="attribute classifier"):
        prior.classifier(tmp_path)


def test_seed_grid_shows_the_prior_only_for_the_embedded_model(monkeypatch):
    from playground.ui import seed_grid

    from playground.lab import Lab

    panels = [types.SimpleNamespace(image=Image.new("RGB", (8, 8)))] * 4
    other = types.SimpleNamespace(family="sd1.x")
    plot, note = seed_grid.prior_plot(other, "a cat", panels)
    assert plot.visible is False and note == ""
    embedded = types.SimpleNamespace(family="embedded", prior=lambda prompt, images: Lab.prior(embedded, prompt, images),
                                     model="tiny-world", manager=types.SimpleNamespace(lock=threading.RLock()))
    monkeypatch.setattr(prior, "compare", lambda prompt, images: {
        "attribute": "colour", "observed": {"ginger": 1.0}, "truth": {"ginger": 0.35, "black": 0.65}, "gap": 65.0})
    plot, note = seed_grid.prior_plot(embedded, "a cat", panels)
    assert plot.visible is True and "65 points" in note
    monkeypatch.setattr(prior, "compare", lambda prompt, images: (_ for _ in ()).throw(ValueError("no classifier")))
    plot, note = seed_grid.prior_plot(embedded, "a cat", panels)
    assert plot.visible is False and "no classifier" in note


def test_the_prior_waits_for_a_running_pipeline_call(monkeypatch):
    """The classifier is model work: beside a pipeline call on two cores its torch threads slowed
    that call by a third, so it takes the model's lock as a pipeline call does."""
    from playground.lab import Lab

    lock = threading.RLock()
    embedded = types.SimpleNamespace(family="embedded", model="tiny-world", manager=types.SimpleNamespace(lock=lock))
    ran = threading.Event()
    monkeypatch.setattr(prior, "compare", lambda prompt, images: ran.set() or {"gap": 0.0})
    lock.acquire()  # a pipeline call is running
    worker = threading.Thread(target=Lab.prior, args=(embedded, "a cat", []))
    worker.start()
    assert not ran.wait(0.3)  # the classifier waits for it
    lock.release()
    worker.join(5)
    assert ran.is_set()
