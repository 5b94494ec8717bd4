"""Token counts under the prompt boxes: how much of a prompt the text encoder reads."""
from __future__ import annotations

from types import SimpleNamespace

from playground.ui.tokens import count_text


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
