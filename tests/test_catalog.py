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


def test_every_exercise_has_a_preset_of_its_own_name():
    presets = {p.stem for p in PRESETS_DIR.glob("*.yaml")}
    assert {ex.id for ex in catalog.EXERCISES} <= presets


def test_lessons_and_groups_are_the_lesson_maps():
    lessons = (ROOT / "docs" / "lessons.md").read_text(encoding="utf-8")
    for ex in catalog.EXERCISES:
        assert ex.group in catalog.GROUPS, ex.id
        row = next(line for line in lessons.splitlines() if line.startswith(f"| {ex.group} | {ex.lesson} |"))
        assert ex.title in row, (ex.id, row)


def test_readme_tables_are_the_descriptors(tmp_path):
    copy = tmp_path / "README.md"
    copy.write_text((ROOT / "README.md").read_text(encoding="utf-8"), encoding="utf-8")
    assert not catalog.rewrite_readme(copy), "README's tables differ: run python -m playground.ui.catalog"
    text = copy.read_text(encoding="utf-8")
    assert catalog.readme_table() in text and catalog.api_table() in text
    assert all(f"`/{name}`" in text for name in catalog.model_endpoints())


def test_every_model_endpoint_has_an_example_call():
    for ex in catalog.EXERCISES:
        assert bool(ex.api) == (ex.lab_method is not None), ex.id
        for e in ex.api:
            assert e.inputs and isinstance(e.example, tuple), e.name


def test_cheap_endpoints_follow_the_descriptor_flags():
    tri, bandit = catalog.BY_ID["triptych"], catalog.BY_ID["bandit"]
    assert tri.cheap_endpoints == {"triptych_new_seed", "triptych_add_selected", "triptych_add_all", "triptych_values",
                                   "triptych_send_to_img2img"}
    assert bandit.cheap_endpoints == {"bandit_add_selected", "bandit_add_all"}
    assert catalog.model_endpoints() >= {"bandit_start", "denoising"}


def test_every_tab_has_an_about_text_in_its_preset():
    from playground.params import load_preset

    for ex in catalog.EXERCISES:
        about = load_preset(ex.id).get("about", "")
        assert len(about.split()) >= 30, f"{ex.id}: presets/{ex.id}.yaml needs an 'about' text"
    # a preset with an About text belongs to a tab (no text left behind by a tab that is gone)
    ids = {ex.id for ex in catalog.EXERCISES}
    assert {p.stem for p in PRESETS_DIR.glob("*.yaml") if "about" in load_preset(p.stem)} == ids
