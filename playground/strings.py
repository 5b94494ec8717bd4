"""The app's own words in English, Korean and Japanese: tables of key -> text, kept as data.

presets/i18n/<lang>.yaml holds one flat table per language (keys like "header.model.label"),
with one more file per tab in presets/i18n/<lang>/ (<tab id>.yaml, keys "<tab id>.*");
English is the reference: every key lives there first, and a test fails when Korean or Japanese
lacks one. Texts may hold {placeholders} (str.format), filled the same way in every language.
presets/i18n/glossary.yaml lists the course's terms and how each language writes them (the
Korean lessons keep "prompt", "seed", "latent space" in English; the Japanese ones write
プロンプト and シード), so translations agree with the lessons the students read.

Pure Python (no gradio): the UI builds gr.I18n from these tables (ui/words.py) and picks a
language for server-built messages from the request's Accept-Language header (language()).
"""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import yaml

from playground.params import PRESETS_DIR

LANGUAGES = ("en", "ko", "ja")  # English first: the reference table, and the fallback
I18N_DIR = PRESETS_DIR / "i18n"


@lru_cache(maxsize=None)
def table(lang: str) -> dict[str, str]:
    """presets/i18n/<lang>.yaml as a flat dict (read once)."""
    if lang not in LANGUAGES:
        raise ValueError(f"language must be one of {', '.join(LANGUAGES)}, got {lang!r}")
    data: dict[str, str] = {}
    for path in [I18N_DIR / f"{lang}.yaml", *sorted((I18N_DIR / lang).glob("*.yaml"))]:
        part = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        if not all(isinstance(k, str) and isinstance(v, str) for k, v in part.items()):
            raise ValueError(f"{path}: every entry must be key: text")
        twice = set(part) & set(data)
        if twice:
            raise ValueError(f"{path}: keys already defined elsewhere: {sorted(twice)[:5]}")
        data.update(part)
    return data


def text(key: str, lang: str = "en", **values) -> str:
    """The text of `key` in `lang` (English where that language lacks it), values filled in."""
    if key not in table("en"):
        raise KeyError(f"no such text key {key!r} in presets/i18n/en.yaml")
    template = table(lang).get(key) if lang in LANGUAGES else None
    template = template if template is not None else table("en")[key]
    return template.format(**values) if values else template


def language(accept_language: str | None) -> str:
    """The first of the browser's languages (an Accept-Language header) that the app speaks;
    English when none is (q-values respected: "ja;q=0.5, ko" is Korean)."""
    ranked = []
    for n, part in enumerate(str(accept_language or "").split(",")[:20]):
        tag, _, q = part.strip().partition(";q=")
        try:
            weight = float(q) if q else 1.0
        except ValueError:
            weight = 0.0
        ranked.append((-weight, n, tag.strip().lower()[:2]))
    for _, _, code in sorted(ranked):
        if code in LANGUAGES:
            return code
    return "en"


def lesson_keys() -> set[str]:
    """intro.<id> and about.<id> for every preset with those texts: English keeps them in the
    preset (presets/<id>.yaml), Korean and Japanese in presets/i18n/<lang>/lessons.yaml."""
    keys = set()
    for path in PRESETS_DIR.glob("*.yaml"):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        keys |= {f"{kind}.{path.stem}" for kind in ("intro", "about") if kind in data}
    return keys


def missing() -> dict[str, list[str]]:
    """Per language, the English keys it lacks, and the keys it has that English does not."""
    english = set(table("en")) | lesson_keys()
    out = {}
    for lang in LANGUAGES[1:]:
        own = set(table(lang))
        out[lang] = sorted(english - own) + [f"(unknown) {k}" for k in sorted(own - english)]
    return out


@lru_cache(maxsize=1)
def _refusals() -> list[tuple]:
    entries = yaml.safe_load((I18N_DIR / "errors.yaml").read_text(encoding="utf-8")) or []
    return [(re.compile(e["pattern"], re.S), e) for e in entries]


def refusal(message: str, lang: str) -> str:
    """The core's English refusal in `lang` (presets/i18n/errors.yaml's patterns), or as it is
    where no pattern matches (or in English)."""
    if lang == "en":
        return message
    for pattern, entry in _refusals():
        found = pattern.match(message)
        if found and lang in entry:
            return entry[lang].format(**found.groupdict())
    return message


def glossary() -> dict[str, dict[str, str]]:
    """presets/i18n/glossary.yaml: term -> {lang: how that language writes it}."""
    return yaml.safe_load((I18N_DIR / "glossary.yaml").read_text(encoding="utf-8")) or {}


def languages_dir() -> Path:
    return I18N_DIR
