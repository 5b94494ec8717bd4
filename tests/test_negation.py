"""Negation (seed 004): the prompt, "no <thing>" written in, <thing> as the negative prompt."""
from __future__ import annotations

import pytest
from conftest import PIXEL_TOLERANCE, max_diff

from playground.exercises.negation import negation_prompts
from playground.ui import negation as tab
from test_ui_helpers import settings_for


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
