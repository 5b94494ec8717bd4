"""workshop.captioner_train: a --quick training and evaluation end to end (a few seconds on a
CPU), and its data: seeded caption streams, the vocabulary, the baselines' arithmetic."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from playground.world.captioner import EOS, PAD, Captioner, load_captioner
from workshop.captioner_data import (HELD_OUT, TRAIN, batches, build_vocab, distinct_per, encode,
                                     ngram_perplexity, pair_table, world_captions)
from workshop.captioner_train import lr_at

ROOT = Path(__file__).resolve().parents[1]


def test_caption_streams_are_seeded_and_disjoint():
    a = world_captions(300, seed=0, stream=TRAIN)
    assert a == world_captions(300, seed=0, stream=TRAIN, workers=2)  # workers change nothing
    assert world_captions(100, seed=0, stream=TRAIN) == a[:100]  # a prefix is the same captions
    held = world_captions(300, seed=0, stream=HELD_OUT)
    assert held != a and len(set(held) - set(a)) > 100


def test_vocabulary_ids_and_padded_batches():
    texts = ["a cat", "a Norwegian fjord, at night"]
    vocab, display = build_vocab(texts)
    assert vocab[:4] == ["<pad>", "<bos>", "<eos>", "a"] and display == {"norwegian": "Norwegian"}
    rows = encode(texts, vocab)
    assert rows[0].tolist() == [1, vocab.index("a"), vocab.index("cat"), EOS]
    table = pair_table(rows, len(vocab))
    assert table[1, vocab.index("a")] and table[vocab.index("cat"), EOS] and table.sum() == 3 + 6  # <bos> a is in both
    out = batches(rows, 2, np.random.default_rng(0))
    assert len(out) == 1 and out[0].shape == (2, 8) and (out[0] == PAD).sum() == 4


def test_baselines_and_distinct_counts():
    train = ["a cat", "a dog"] * 50
    assert ngram_perplexity(train, ["a cat"], 2, alpha=1e-9) == pytest.approx(2 ** (1 / 3), rel=1e-6)
    assert ngram_perplexity(train, ["a cat"], 1) > ngram_perplexity(train, ["a cat"], 2)
    assert distinct_per(["x"] * 32 + [str(i) for i in range(32)], 32) == 16.5
    with pytest.raises(ValueError, match="n must be 1 or 2"):
        ngram_perplexity(train, train, 3)


def test_learning_rate_warms_up_then_decays():
    cfg = dict(lr=1.0, warmup=10, steps=110)
    assert lr_at(0, cfg) == pytest.approx(0.1) and lr_at(10, cfg) == pytest.approx(1.0)
    assert lr_at(110, cfg) == pytest.approx(0.05) and lr_at(60, cfg) == pytest.approx(0.525)
    assert lr_at(20, cfg, time_share=1.0) == pytest.approx(0.05)  # the time cap ends the decay early


@pytest.mark.slow  # ~5 s alone, ~30 s on a busy 2-core CPU
def test_quick_training_writes_a_model_the_runtime_loads(tmp_path):
    out = tmp_path / "captioner"
    result = subprocess.run([sys.executable, "-m", "workshop.captioner_train", "--quick", "--out", str(out)],
                            cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "held-out perplexity" in result.stdout and "| 0.2 |" in result.stdout
    assert sorted(p.name for p in out.iterdir()) == ["captioner.safetensors", "config.json", "evaluation.json"]
    ev = json.loads((out / "evaluation.json").read_text())
    # even 60 steps beat counting words; the bigram baseline needs the full run to beat
    assert 1.0 < ev["perplexity"] < ev["baseline_unigram"]
    assert [r["temperature"] for r in ev["temperatures"][:7]] == [0.2, 0.5, 0.7, 1.0, 1.2, 1.5, 2.0]
    assert ev["reference"]["valid_share"] == 1.0
    model = load_captioner(out)
    assert isinstance(model, Captioner) and model.config["training"]["steps_done"] == 60
    assert model.pairs[model.index["<bos>"], model.index["a"]] and not model.pairs[model.index["a"], model.index["a"]]
    assert model.sample("a cat", [1.0], [3])[0].text == Captioner.load(out).sample("a cat", [1.0], [3])[0].text
