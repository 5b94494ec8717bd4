"""workshop.captions and workshop.dataset: captions never lie (playground.world.parse reads
them back), detail sets their length, and training batches are seeded."""
import numpy as np
import pytest

from playground.world import EVAL_ATTRIBUTES, parse_prompt, sample_scene
from playground.world.text_encoder import MAX_TOKENS
from workshop.captions import TOKEN_BUDGET, caption, prompt_for, token_estimate
from workshop.dataset import make_batch
from workshop.render import render


def scenes(n, seed=0, **fixed):
    rng = np.random.default_rng(seed)
    return [sample_scene(rng, **fixed) for _ in range(n)]


def test_captions_never_contradict_the_scene():
    rng = np.random.default_rng(2)
    for scene in scenes(3000, seed=2):
        text = caption(scene, rng)
        named = parse_prompt(text)
        truth = scene.attributes()
        assert named.get("subject") == scene.subject, text
        assert all(truth[k] == v for k, v in named.items()), (text, named, truth)


def test_detail_controls_caption_length():
    rng = np.random.default_rng(3)
    sample = scenes(300, seed=3)
    terse = [set(parse_prompt(caption(s, rng, detail=0.0))) for s in sample]
    full = [len(parse_prompt(caption(s, rng, detail=1.0))) for s in sample]
    assert all(named <= {"subject", "setting"} for named in terse)  # a street is never "a landscape"
    assert np.mean([len(named) for named in terse]) < 1.1 and np.mean(full) > 4
    assert caption(scenes(1, subject="cat")[0], rng, detail=0.0) == "a cat"
    with pytest.raises(ValueError, match="detail"):
        caption(sample[0], rng, detail=1.5)


def test_captions_fit_the_text_encoder():
    assert TOKEN_BUDGET <= MAX_TOKENS - 2  # [CLS] and [SEP]
    rng = np.random.default_rng(11)
    for scene in scenes(500, seed=11):
        assert token_estimate(caption(scene, rng, detail=1.0)) <= TOKEN_BUDGET


def test_prompt_for_names_exactly_the_attributes():
    rng = np.random.default_rng(5)
    for scene in scenes(400, seed=5):
        truth = scene.attributes()
        attrs = {k: truth[k] for k in EVAL_ATTRIBUTES if rng.random() < 0.5}
        attrs.setdefault("subject", scene.subject)
        attrs = {k: v for k, v in attrs.items() if v != "none" or k == "subject"}
        prompt = prompt_for(attrs, rng)
        assert parse_prompt(prompt) == attrs, (attrs, prompt)


def test_make_batch_shapes():
    images, captions, batch = make_batch(6, seed=7)
    assert images.shape == (6, 128, 128, 3) and images.dtype == np.uint8
    assert len(captions) == len(batch) == 6
    assert np.array_equal(images[2], render(batch[2]))
    again, captions2, _ = make_batch(6, seed=7)
    assert np.array_equal(images, again) and captions == captions2
    with pytest.raises(ValueError, match="n must be"):
        make_batch(-1, seed=0)
