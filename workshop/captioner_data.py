"""Training data for the caption model (playground.world.captioner): world captions, seeded.

Every caption is workshop.captions.caption(scene, rng) of a scene from the world's prior
(playground.world.sample_scene), exactly as the image model's training captions are written.
Training and held-out captions come from two disjoint seed streams (SeedSequence([seed, 0, k])
and SeedSequence([seed, 1, k])), so held-out figures measure fresh draws of the grammar; short
captions ("a cat") recur in both, as they would in any sample of this world.
No torch here: render workers and the evaluation import this module cheaply.
"""
from __future__ import annotations

import math
import re
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from typing import Sequence

import numpy as np

from playground.world.captioner import BOS, EOS, PAD, SPECIALS, tokenize
from playground.world.scene import sample_scene
from workshop.captions import caption

CHUNK = 5000
TRAIN, HELD_OUT = 0, 1  # the two seed streams


def _chunk(job: tuple[int, int, int, int]) -> list[str]:
    seed, stream, k, n = job
    rng = np.random.default_rng(np.random.SeedSequence([seed, stream, k]))
    return [caption(sample_scene(rng), rng) for _ in range(n)]


def world_captions(n: int, seed: int = 0, stream: int = TRAIN, workers: int = 1) -> list[str]:
    """n captions of prior scenes from one seed stream (the same n, seed, stream: the same list,
    whatever the number of workers)."""
    if n < 0:
        raise ValueError(f"n must be >= 0, got {n}")
    jobs = [(seed, stream, k, min(CHUNK, n - i)) for k, i in enumerate(range(0, n, CHUNK))]
    if workers <= 1 or len(jobs) == 1:
        parts = [_chunk(j) for j in jobs]
    else:
        with ProcessPoolExecutor(workers) as pool:
            parts = list(pool.map(_chunk, jobs))
    return [c for part in parts for c in part]


def build_vocab(texts: Sequence[str]) -> tuple[list[str], dict[str, str]]:
    """(vocabulary: the specials, then words by falling count; display forms of words written
    with capitals, e.g. {"norwegian": "Norwegian"})."""
    counts = Counter(w for t in texts for w in tokenize(t))
    vocab = list(SPECIALS) + sorted(counts, key=lambda w: (-counts[w], w))
    display = {w.lower(): w for t in texts for w in re.findall(r"\b[A-Z][a-z]+\b", t)}
    return vocab, display


def encode(texts: Sequence[str], vocab: Sequence[str]) -> list[np.ndarray]:
    """Each text as int64 ids [<bos>, words..., <eos>] (every word must be in vocab)."""
    index = {w: i for i, w in enumerate(vocab)}
    return [np.array([BOS] + [index[w] for w in tokenize(t)] + [EOS], np.int64) for t in texts]


def batches(rows: Sequence[np.ndarray], batch: int, rng: np.random.Generator, sort_window: int = 16):
    """Padded (B, T) id arrays for one pass over rows. Rows are shuffled, then sorted by length
    within windows of sort_window batches: less padding, so fewer wasted GRU steps on a CPU."""
    order = rng.permutation(len(rows))
    out = []
    for i in range(0, len(order), batch * sort_window):
        window = sorted(order[i:i + batch * sort_window], key=lambda r: len(rows[r]))
        for j in range(0, len(window), batch):
            chunk = [rows[r] for r in window[j:j + batch]]
            ids = np.full((len(chunk), max(map(len, chunk))), PAD, np.int64)
            for k, row in enumerate(chunk):
                ids[k, :len(row)] = row
            out.append(ids)
    return [out[i] for i in rng.permutation(len(out))]


# --- baselines for the perplexity: what counting words (or word pairs) alone achieves -----

def ngram_perplexity(train: Sequence[str], test: Sequence[str], n: int, alpha: float = 0.01) -> float:
    """Per-word perplexity (<eos> counted) of an add-alpha unigram (n=1) or bigram (n=2) model."""
    if n not in (1, 2):
        raise ValueError(f"n must be 1 or 2, got {n}")
    vocab = {w for t in train for w in tokenize(t)} | {"<eos>"}
    seqs = [["<bos>"] + tokenize(t) + ["<eos>"] for t in train]
    grams = Counter(tuple(s[i - n + 1:i + 1]) for s in seqs for i in range(1, len(s)))
    context = Counter(tuple(s[i - n + 1:i]) for s in seqs for i in range(1, len(s)))
    nll, count = 0.0, 0
    for t in test:
        s = ["<bos>"] + tokenize(t) + ["<eos>"]
        for i in range(1, len(s)):
            gram = tuple(s[i - n + 1:i + 1])
            p = (grams[gram] + alpha) / (context[gram[:-1]] + alpha * len(vocab))
            nll, count = nll - math.log(p), count + 1
    return math.exp(nll / count)


def pair_table(rows: Sequence[np.ndarray], size: int) -> np.ndarray:
    """(size, size) bools: table[a, b] when id b follows id a in some row (the grammar's
    transitions, shipped with the model so the app can say when a caption leaves them)."""
    table = np.zeros((size, size), bool)
    for row in rows:
        table[row[:-1], row[1:]] = True
    return table


def distinct_per(texts: Sequence[str], group: int = 32) -> float:
    """Mean number of distinct texts per consecutive group of `group` (the last partial dropped)."""
    groups = [texts[i:i + group] for i in range(0, len(texts) - group + 1, group)]
    if not groups:
        raise ValueError(f"need at least {group} texts, got {len(texts)}")
    return float(np.mean([len(set(g)) for g in groups]))
