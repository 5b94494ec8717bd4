"""The tabs' texts (playground/texts.py): templates over their presets, so they cannot drift.

A text that writes a default out by hand ("Guidance 1, 5, 15", "16 seeds", "a cat") is right
the day it is written and wrong the day the preset changes. So the raw templates of every
preset hold no digit and no quoted text outside a {placeholder}, except what the preset's
`text_facts` lists: numbers and names that are facts of the lesson (scale 0 ignores the map),
not defaults. And every text renders, for every model of the registry.
"""
from __future__ import annotations

import inspect
import re
import string

import pytest
import yaml

from playground.lab import Lab
from playground.params import PRESETS_DIR, load_preset
from playground.texts import Shown, about_text, fill, intro_text
from playground.ui.catalog import EXERCISES

TEXTS = ("intro", "about")
PRESETS = {p.stem: yaml.safe_load(p.read_text(encoding="utf-8")) or {} for p in sorted(PRESETS_DIR.glob("*.yaml"))}
WITH_TEXTS = [name for name, data in PRESETS.items() if any(k in data for k in TEXTS)]
SLOT = "\x00"  # where a placeholder stood in a template's literal text
QUOTED = re.compile(r'"([^"]*)"|“([^”]*)”')
NUMBER = re.compile(r"\d+(?:\.\d+)?")


def literal(template: str) -> str:
    """The template's own words: every {placeholder} (its index and format spec too) a SLOT."""
    return "".join(text + (SLOT if field is not None else "")
                   for text, field, _, _ in string.Formatter().parse(template))


def stray(template: str, facts: list) -> list[str]:
    """Numbers and quoted texts the template states outright that are not among `facts`. A
    quote holding a placeholder is built from the preset ("no {thing}"): not stray."""
    words = [f for f in facts if isinstance(f, str)]
    numbers = [float(f) for f in facts if isinstance(f, (int, float)) and not isinstance(f, bool)]
    text, found = literal(template), []
    for match in QUOTED.finditer(text):
        quoted = " ".join((match.group(1) if match.group(1) is not None else match.group(2)).split())
        if SLOT not in quoted and quoted not in words:
            found.append(f'"{quoted}"')
    text = QUOTED.sub(" ", text)
    for word in words:  # names with digits in them (AUTOMATIC1111)
        text = re.sub(rf"(?<!\w){re.escape(word)}(?!\w)", " ", text)
    found += [n for n in NUMBER.findall(text) if float(n) not in numbers]
    return found


@pytest.fixture(scope="module")
def model_defaults() -> dict[str, dict]:
    """Every registry model's defaults (read from the registry: nothing loads)."""
    lab = Lab()
    return {model: lab.defaults(model) for model in lab.models()}


# ---------------------------------------------------------------- the templating
def test_values_read_as_a_person_writes_them():
    preset = {"strengths": [0.2, 0.5, 0.8], "values": {"guidance_scale": [0.0, 2.0, 15.0]}, "seeds": [3, 11],
              "examples": [["a fox", 7], ["a cat", 3]], "strength": 0.3, "start": "a cat in"}
    d = {"width": 128, "guidance_scale": 2.0}
    assert fill("{strengths}", preset, d) == "0.2, 0.5, 0.8"
    assert fill("{values[guidance_scale]}", preset, d) == "0, 2, 15"
    assert fill("{seeds[0]} to {seeds[1]}", preset, d) == "3 to 11"
    assert fill('"{examples[1][0]}" at {strength}, {size} px', preset, d) == '"a cat" at 0.3, 128 px'
    assert fill("{strengths:.2f} / {defaults[guidance_scale]}", preset, d) == "0.20, 0.50, 0.80 / 2"
    assert fill('"{start}"', preset, d) == '"a cat in"' and str(Shown(1.0)) == "1"


def test_a_placeholder_that_names_no_value_is_a_clear_error():
    with pytest.raises(ValueError, match=r"about names \{strenght\}"):
        about_text({"about": "at {strenght}", "strength": 0.3}, {"width": 128})
    with pytest.raises(ValueError, match=r"intro names \{2\}"):
        intro_text({"intro": "{seeds[2]}", "seeds": [3, 11]}, {"width": 128})
    with pytest.raises(ValueError, match="preset keys must not be"):
        about_text({"about": "{size}", "size": 64}, {"width": 128})


def test_the_drift_check_finds_what_is_written_out():
    assert stray('Try "a cat" on 16 seeds', []) == ['"a cat"', "16"]
    assert stray('Try "{prompt}" on {count} seeds, seed {seeds[0]}', []) == []
    assert stray('"no {thing}"; "no birds"; AUTOMATIC1111; scale 1.5',
                 ["no birds", "AUTOMATIC1111", 1.5]) == []
    assert stray('"hires\n  fix" at 0', ["hires fix"]) == ["0"]


# ---------------------------------------------------------------- the presets' texts
@pytest.mark.parametrize("name", WITH_TEXTS)
def test_texts_quote_no_default_by_hand(name):
    preset = PRESETS[name]
    facts = preset.get("text_facts", [])
    assert isinstance(facts, list), f"presets/{name}.yaml: text_facts must be a list"
    for key in TEXTS:
        if key in preset:
            found = stray(preset[key], facts)
            assert not found, (f"presets/{name}.yaml {key}: {found} written out; use a {{placeholder}} "
                               "for a default, or list a fact of the lesson in text_facts")
    # a fact nothing states any more is a stale allowance
    said = " ".join(literal(preset.get(k, "")) for k in TEXTS)
    for fact in facts:
        if isinstance(fact, str):
            assert " ".join(fact.split()) in " ".join(said.split()), f"presets/{name}.yaml: text_facts {fact!r} unused"
        else:
            assert float(fact) in {float(n) for n in NUMBER.findall(said)}, f"presets/{name}.yaml: text_facts {fact} unused"


@pytest.mark.parametrize("name", WITH_TEXTS)
def test_texts_render_for_every_model(name, model_defaults):
    preset = load_preset(name)
    for model, defaults in model_defaults.items():
        for key in TEXTS:
            if key in preset:
                shown = fill(preset[key], preset, defaults, key)
                assert "{" not in shown and "}" not in shown, f"{name} {key} on {model}"


def test_every_tab_shows_its_intro_and_about_from_its_preset(model_defaults):
    defaults = model_defaults[Lab().model]  # the embedded model, as the page starts
    for ex in EXERCISES:
        preset = load_preset(ex.id)
        assert len(intro_text(preset, defaults).split()) >= 15, f"presets/{ex.id}.yaml needs an intro"
        assert len(about_text(preset, defaults).split()) >= 30, f"presets/{ex.id}.yaml needs an about"
        source = inspect.getsource(ex.tab)  # ui/words.lesson_text: the intro in every language
        assert "lesson_text(\"intro\"" in source or "lesson_text('intro'" in source, f"{ex.tab.__name__} writes its intro by hand"


def test_the_texts_say_what_the_tabs_start_from(model_defaults):
    """The contradictions these templates replaced, each read back from the rendered text."""
    d = model_defaults[Lab().model]
    about = {ex.id: about_text(load_preset(ex.id), d) for ex in EXERCISES}
    triptych = load_preset("triptych")
    low, default, high = triptych["values"]["guidance_scale"]
    # the low end ignores the prompt on the embedded model (playground/guidance.py): the About says so
    assert low == 0 and default == d["guidance_scale"] and "At guidance 0 the embedded model ignores" in about["triptych"]
    assert f"Guidance {low:g}, {default:g}, {high:g}" in about["triptych"]
    assert "samplers" not in intro_text(triptych, d)
    assert f"on {load_preset('seed_grid')['count']} seeds" in about["seed_grid"]
    captions = load_preset("captions")
    assert f'"{captions["start"]}" at temperatures {", ".join(f"{t:g}" for t in captions["temperatures"])}' \
        in about["captions"]
    assert f'("{load_preset("controlnet")["prompt"]}")' in about["controlnet"]
    assert "white" not in about["inpaint"]
