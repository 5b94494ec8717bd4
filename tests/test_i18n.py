"""The page speaks English, Korean and Japanese: every key has all three, and every word a tab
shows is a key (read from the built Blocks config, not from a hand list)."""
from __future__ import annotations

import json
import re
import string
from types import SimpleNamespace

import pytest

from playground.strings import LANGUAGES, glossary, language, lesson_keys, missing, table, text

# Props that carry words a student reads, per component type ("*": every type).
SHOWN = {"*": ("label", "info", "placeholder"), "markdown": ("value",), "button": ("value",),
         "tabitem": ("label",), "accordion": ("label",)}
# Shown strings that are data, not words: what they hold and why it stays as it is.
DATA = {
    "textbox": ("value",),  # prompts: the student's own words, sent to the model as they are
}
MARK = "__i18n__"


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_every_key_has_korean_and_japanese_and_the_same_placeholders():
    assert missing() == {"ko": [], "ja": []}
    for key, english in table("en").items():
        for lang in LANGUAGES[1:]:
            assert placeholders(table(lang)[key]) == placeholders(english), (lang, key)


def test_the_lesson_texts_have_the_english_placeholders():
    import yaml

    from playground.params import PRESETS_DIR

    for key in lesson_keys():
        kind, ex_id = key.split(".", 1)
        english = (yaml.safe_load((PRESETS_DIR / f"{ex_id}.yaml").read_text()) or {})[kind]
        for lang in LANGUAGES[1:]:
            assert placeholders(table(lang)[key]) == placeholders(english), (lang, key)


def test_the_glossary_covers_all_three_languages():
    for term, ways in glossary().items():
        assert set(ways) == set(LANGUAGES), term


@pytest.mark.parametrize("header, lang", [("ko-KR,ko;q=0.9,en-US;q=0.8", "ko"), ("ja-JP", "ja"),
                                          ("fr-FR, ja;q=0.4, ko;q=0.5", "ko"), ("", "en"), (None, "en"),
                                          ("de-DE", "en"), ("en-GB,ja;q=0.9", "en")])
def test_the_request_language_follows_accept_language(header, lang):
    assert language(header) == lang


def test_server_messages_use_the_request_language():
    from playground.ui.words import say

    request = SimpleNamespace(headers={"accept-language": "ja-JP,ja;q=0.9"})
    assert say(request, "message.check_settings") == table("ja")["message.check_settings"]
    assert say(None, "message.check_settings") == text("message.check_settings")


def shown_strings(config: dict) -> list[tuple[str, str, str]]:
    """(component type, prop, value) of every word-carrying prop that is a plain string."""
    out = []
    for comp in config["components"]:
        kind, props = comp.get("type"), comp.get("props", {})
        for prop in SHOWN["*"] + SHOWN.get(kind, ()):
            value = props.get(prop)
            if prop in DATA.get(kind, ()) or value in (None, "") or not isinstance(value, str):
                continue
            if not value.startswith(MARK) and re.search(r"[A-Za-z]{2,}", value):
                out.append((kind, prop, value[:80]))
        for choice in props.get("choices") or []:  # (label, value) pairs: the label is shown
            label = choice[0] if isinstance(choice, (list, tuple)) else choice
            if isinstance(label, str) and not label.startswith(MARK) and kind not in ("dropdown",):
                if re.search(r"[A-Za-z]{3,}", label):
                    out.append((kind, "choice", label[:80]))
    return out


def used_keys(config: dict) -> set[str]:
    return {json.loads(m)["key"] for m in re.findall(r'__i18n__(\{[^}]*\})', json.dumps(config, default=str).replace('\\"', '"'))}


def test_every_string_the_page_shows_is_a_key_in_every_language(lab):
    from playground.ui.layout import build_blocks, launch_kwargs

    demo = build_blocks(lab)
    config = demo.get_config_file()
    plain = shown_strings(config)
    assert plain == [], f"{len(plain)} shown strings are not keys, e.g. {plain[:8]}"
    tables = launch_kwargs()["i18n"].translations
    keys = used_keys(config)
    assert len(keys) > 100
    for lang in LANGUAGES:
        lacking = sorted(k for k in keys if k not in tables.get(lang, {}))
        assert lacking == [], (lang, lacking[:10])


def test_the_english_share_counts_words_and_spares_names_and_glossary_terms():
    from tools.english_share import share

    # Korean: three Hangul words, "prompt" and "seed" kept in English by the glossary, "Run" is not
    assert share("같은 prompt 로 seed 를 바꾸면 Run", "ko") == (1, 7)
    # Japanese: 13 kana/kanji characters count as 6 words; "DDIM" is a name, "Button" English
    assert share("シードを変えると絵が変わる DDIM Button", "ja") == (1, 8)


@pytest.mark.integration
def test_a_refusal_comes_back_in_the_language_the_browser_asks_for(lab):
    """Through the running app: the same empty-portfolio export, asked in Korean and in Japanese."""
    from gradio_client import Client
    from gradio_client.exceptions import AppError

    from support import serve_app

    with serve_app(lab) as url:
        for lang in ("ko", "ja", "en"):
            client = Client(url, headers={"Accept-Language": f"{lang};q=0.9"}, verbose=False)
            with pytest.raises(AppError) as refused:
                client.predict([], "", "", "As made", api_name="/portfolio_export")
            assert table(lang)["portfolio.error.empty"] in str(refused.value), (lang, str(refused.value)[:200])


def test_the_cores_refusals_come_in_korean_and_japanese_with_their_values():
    from playground.params import GenerationParams
    from playground.strings import refusal

    with pytest.raises(ValueError) as refused:
        GenerationParams(prompt="a fox", guidance_scale=99.0)
    english = str(refused.value)
    assert refusal(english, "en") == english
    for lang in ("ko", "ja"):
        said = refusal(english, lang)
        assert said != english and "guidance_scale" in said and "99" in said and "0..30" in said, said
    assert refusal("something no pattern knows", "ko") == "something no pattern knows"


def test_every_refusal_pattern_has_both_languages_and_fills_only_its_parts():
    import yaml

    from playground.strings import I18N_DIR

    for entry in yaml.safe_load((I18N_DIR / "errors.yaml").read_text(encoding="utf-8")):
        parts = set(re.compile(entry["pattern"]).groupindex)
        for lang in LANGUAGES[1:]:
            assert placeholders(entry[lang]) <= parts, (entry["pattern"], lang)
