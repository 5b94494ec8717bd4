"""A tab's words, filled in from its preset: the intro line above the tab (`intro:`) and its
"About this lesson" (`about:`), both in presets/<id>.yaml.

Both are str.format templates over the preset's own values, so a number or a prompt they quote
is the one the tab starts from: change the preset and the text follows (tests/test_texts.py
fails a text that writes a default out by hand). Besides the preset's keys a template may name
{size} (the model's width in pixels) and {defaults[...]} (the model's default settings, as
Lab.defaults() gives them: {defaults[guidance_scale]}). Values read as a person writes them:
a list as "0.2, 0.5, 0.8", a float without a trailing ".0"; items and keys by index
({seeds[0]}, {values[guidance_scale]}, {examples[1][0]}); a format spec applies to each item.
"""
from __future__ import annotations

from typing import Any

from playground.strings import table

# Names the texts get besides the preset's keys (a preset key of the same name is refused).
EXTRA = ("size", "defaults")


class Shown:
    """A preset value as a text shows it: lists joined with ", ", floats as %g; indexing a list
    or a mapping gives the item, shown the same way."""

    def __init__(self, value: Any):
        self.value = value

    def __getitem__(self, key):
        try:
            return Shown(self.value[key])
        except (KeyError, IndexError, TypeError):
            raise KeyError(f"{key}") from None

    def __format__(self, spec: str) -> str:
        value = self.value
        if isinstance(value, (list, tuple)):
            return ", ".join(format(Shown(v), spec) for v in value)
        if isinstance(value, dict):
            return ", ".join(f"{k}: {format(Shown(v), spec)}" for k, v in value.items())
        if spec:
            return format(value, spec)
        if isinstance(value, float):
            return f"{value:g}"  # 1.0 -> "1", as the tabs' text boxes show it
        return str(value)

    def __str__(self) -> str:
        return format(self, "")


def fill(template: str, preset: dict, defaults: dict, what: str = "text") -> str:
    """`template` with the preset's values (and {size}, {defaults[...]}) filled in; a ValueError
    names a placeholder that is no preset value."""
    if not isinstance(template, str):
        raise ValueError(f"{what} must be a text, got {type(template).__name__}")
    clash = [k for k in EXTRA if k in preset]
    if clash:
        raise ValueError(f"preset keys must not be {', '.join(EXTRA)} (the texts' own names), got {clash}")
    values = {str(k): Shown(v) for k, v in preset.items()}
    values.update(size=Shown(defaults["width"]), defaults=Shown(dict(defaults)))
    try:
        return template.format(**values)
    except KeyError as e:
        raise ValueError(f"{what} names {{{e.args[0]}}}, which is no value of its preset "
                         f"(nor {', '.join(EXTRA)})") from None
    except (IndexError, ValueError) as e:
        raise ValueError(f"{what} does not format: {e}") from None


def about_text(preset: dict, defaults: dict) -> str:
    """A tab's "About this lesson" (its preset's `about`), its values filled in."""
    return fill(preset["about"], preset, defaults, "about")


def intro_text(preset: dict, defaults: dict) -> str:
    """The line above a tab's widgets (its preset's `intro`), its values filled in."""
    return fill(preset["intro"], preset, defaults, "intro")


def lesson_text(kind: str, ex_id: str, preset: dict, defaults: dict, lang: str = "en") -> str:
    """A tab's `intro` or `about` in `lang`: English from its preset, Korean and Japanese from
    presets/i18n/<lang>/lessons.yaml (keys intro.<id>, about.<id>; English where one is missing),
    filled with the same values."""
    template = preset[kind] if lang == "en" else table(lang).get(f"{kind}.{ex_id}", preset[kind])
    return fill(template, preset, defaults, f"{kind} of {ex_id} ({lang})")
