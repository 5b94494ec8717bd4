"""The exercise descriptors: the one list the page, restore, README and tests iterate."""
from __future__ import annotations

import inspect
from pathlib import Path

from playground.lab import Lab
from playground.params import PRESETS_DIR
from playground.ui import catalog

ROOT = Path(__file__).resolve().parents[1]


def test_every_descriptor_names_a_real_lab_method_tab_and_preset():
    for ex in catalog.EXERCISES:
        assert callable(getattr(ex.tab, "build_tab", None)), ex.id
        assert list(inspect.signature(ex.tab.build_tab).parameters) == ["labs", "shared", "ex"], ex.id
        if ex.lab_method is not None:
            assert callable(getattr(Lab, ex.lab_method, None)), f"{ex.id}: Lab.{ex.lab_method} is missing"
            assert ex.endpoints, f"{ex.id} runs the model but names no endpoint"
    ids = [ex.id for ex in catalog.EXERCISES]
    assert len(set(ids)) == len(ids) and ids[-1] == "portfolio"


def test_every_exercise_with_a_model_has_a_preset():
    presets = {p.stem for p in PRESETS_DIR.glob("*.yaml")}
    aliases = {"denoising": "trajectory"}  # the tab shows the Lab's trajectory
    for ex in catalog.EXERCISES:
        if ex.lab_method is not None:
            assert aliases.get(ex.id, ex.id) in presets, ex.id


def test_readme_table_is_the_descriptors():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert catalog.readme_table() in readme, "README's tab table differs: paste catalog.readme_table()"


def test_cheap_endpoints_follow_the_descriptor_flags():
    tri, bandit = catalog.BY_ID["triptych"], catalog.BY_ID["bandit"]
    assert tri.cheap_endpoints == {"triptych_new_seed", "triptych_add_selected", "triptych_add_all", "triptych_values",
                                   "triptych_send_to_img2img"}
    assert bandit.cheap_endpoints == {"bandit_add_selected", "bandit_add_all"}
    assert catalog.model_endpoints() >= {"bandit_start", "denoising"}


def test_every_tab_has_an_about_text_and_nothing_else_does():
    from playground.params import load_preset

    about = load_preset("about")
    ids = {ex.id for ex in catalog.EXERCISES}
    assert ids <= set(about), f"no 'About this lesson' for {ids - set(about)}"
    # texts may be written ahead of a tab (the captions lab), never for a tab that is gone
    assert set(about) - ids <= {"captions"}
    assert all(len(about[i].split()) >= 30 for i in ids)
