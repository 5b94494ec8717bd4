"""The negation exercise: the prompt, "no <thing>" written in, <thing> as the negative prompt."""
from __future__ import annotations

import pytest
from conftest import PIXEL_TOLERANCE, max_diff

from playground.exercises.negation import negation_prompts
from playground.ui import negation as tab
from support import settings_for


def test_the_three_prompts():
    rows = negation_prompts("a house in a meadow.", " birds ")
    assert rows == [("plain prompt", "a house in a meadow.", ""),
                    ('"no birds" in the prompt', "a house in a meadow, no birds", ""),
                    ('negative prompt "birds"', "a house in a meadow.", "birds")]
    with pytest.raises(ValueError, match="thing must be a non-empty text"):
        negation_prompts("a house", "  ")


def test_negation_panels_share_one_seed_and_differ_only_where_asked(any_lab):
    panels = any_lab.negation("a house in a meadow", "birds", seed=5, negative_prompt="blurry")
    assert [p.caption for p in panels] == ["plain prompt", '"no birds" in the prompt', 'negative prompt "birds"']
    assert {p.params["seed"] for p in panels} == {5} and {p.params["thing"] for p in panels} == {"birds"}
    assert [p.params["negative_prompt"] for p in panels] == ["", "", "birds"]  # the settings' own is replaced
    # The plain panel is the same image as a plain generation: batching changed nothing.
    plain = any_lab.generate("a house in a meadow", seed=5)
    assert max_diff(panels[0].image, plain.image) <= PIXEL_TOLERANCE
    assert max_diff(panels[0].image, panels[1].image) > 0 and max_diff(panels[0].image, panels[2].image) > 0


def test_negation_tab_runs_and_says_the_negative_prompt_is_its_own(lab):
    from playground.ui.shared import Labs

    gallery, panels = tab.run_negation(Labs(lab), "a cat", "armchair", 2, **settings_for(lab))
    assert len(gallery) == 3 and panels[2].params["negative_prompt"] == "armchair"


def test_what_the_classifier_can_count():
    from playground.exercises.negation import appears

    pred = {"birds": "2", "colour": "red", "subject": "car", "light": "night", "setting": "city"}
    assert appears("birds")(pred) and appears("a few birds")(pred) and appears("red")(pred)
    assert appears("a car")(pred) and appears("night")(pred) and not appears("a cat")(pred)
    assert not appears("birds")({**pred, "birds": "0"})
    with pytest.raises(ValueError, match="thing must be something the embedded model's classifier sees"):
        appears("armchair")


def test_negation_shares_count_each_panel_over_the_seeds(lab, monkeypatch):
    from playground import prior
    from playground.exercises import negation

    seen = []

    class Stand:  # reads "red" in every other image it is shown
        def predict(self, images):
            seen.extend(images)
            return [{"colour": "red" if i % 2 else "black", "birds": "0"} for i in range(len(images))]
    monkeypatch.setattr(prior, "classifier", lambda folder=None: Stand())
    result = negation.negation_shares(lab.manager, lab.params("a house", 0), "red", seeds=[1, 2, 3, 4])
    assert len(seen) == 12 and result["seeds"] == 4
    assert result["counts"] == {"plain prompt": 2, '"no red" in the prompt': 2, 'negative prompt "red"': 2}
    with pytest.raises(ValueError, match="needs the embedded model"):
        lab.negation_shares("a house", "red", seeds=[1])
