"""The "Where words land" exercise: DAAM heatmaps per word, on the tiny pipelines."""
from __future__ import annotations

import numpy as np
from conftest import PIXEL_TOLERANCE, max_diff
from PIL import Image

from playground.exercises.attention import centre_of_mass, heatmap, words_of
from playground.tiny import tiny_tokenizer


def test_word_pieces_merge_back_into_words():
    # The tiny CLIP tokenizer splits into characters; "</w>" ends a word.
    assert words_of(tiny_tokenizer(), "a cat, on it") == [("a", [1]), ("cat", [2, 3, 4]), ("on", [6, 7]),
                                                          ("it", [8, 9])]

    class Bert:  # WordPiece: "##" continues a word
        model_max_length = 32

        def __call__(self, text, **kw):
            return type("T", (), {"input_ids": list(range(7))})()

        def convert_ids_to_tokens(self, ids):
            return ["[CLS]", "a", "tab", "##by", ",", "cat", "[SEP]"]
    assert words_of(Bert(), "a tabby, cat") == [("a", [1]), ("tabby", [2, 3]), ("cat", [5])]


def test_centre_of_mass_and_heatmap():
    w = np.zeros((8, 8))
    w[:, 1] = 1.0
    x, y = centre_of_mass(w)
    assert abs(x - 1 / 7) < 1e-6 and abs(y - 0.5) < 1e-6
    image = Image.new("RGB", (8, 8), (0, 0, 0))
    hot, faded = np.asarray(heatmap(image, w), int), np.asarray(heatmap(image, w, faded=True), int)
    assert hot[0, 1].sum() > hot[0, 5].sum()  # bright where the word acted
    assert faded.mean() > hot.mean()  # washed out


def test_attention_maps_one_panel_per_word_and_the_same_image(any_lab):
    panels = any_lab.attention_maps("a red car on a street", seed=3)
    assert [p.caption for p in panels] == ["image", "a (stop word)", "red", "car", "on (stop word)",
                                           "a (stop word)", "street"]
    assert max_diff(panels[0].image, any_lab.generate("a red car on a street", seed=3).image) <= PIXEL_TOLERANCE
    shares = [p.params["share"] for p in panels[1:]]
    assert abs(sum(shares) - 1) < 0.01 and all(s > 0 for s in shares)
    assert all(0 <= c <= 1 for p in panels[1:] for c in p.params["centre"])
    assert panels[2].image.size == panels[0].image.size


def test_the_shared_unet_gets_its_processors_back(lab):
    before = {k: type(v) for k, v in lab.manager.base.unet.attn_processors.items()}
    lab.attention_maps("a cat", seed=1)
    assert {k: type(v) for k, v in lab.manager.base.unet.attn_processors.items()} == before


def test_attention_tab(lab):
    from support import settings_for

    from playground.ui import attention as tab
    from playground.ui.shared import Labs

    gallery, panels = tab.run_attention(Labs(lab), "a cat in a meadow", 2, **settings_for(lab))
    assert [c for _, c in gallery][:3] == ["image", "a (stop word)", "cat"]
