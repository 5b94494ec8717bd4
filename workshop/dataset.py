"""The tiny world as training data: rendered scenes with true captions.

make_batch draws random scenes, captions and renders them; render_dataset makes the whole
training set for workshop.train in worker processes (this module is what they import, so
it stays cheap: numpy and Pillow, no torch).
"""
from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor

import numpy as np

from playground.world.scene import sample_scene
from workshop.captions import caption
from workshop.render import outline_view, render


def make_batch(n: int, seed: int, size: int = 128):
    """n random scenes with captions: (uint8 array (n, size, size, 3), captions, scenes)."""
    if n < 0:
        raise ValueError(f"n must be >= 0, got {n}")
    rng = np.random.default_rng(seed)
    scenes = [sample_scene(rng) for _ in range(n)]
    captions = [caption(s, rng) for s in scenes]
    images = np.zeros((n, size, size, 3), np.uint8)
    for i, scene in enumerate(scenes):
        images[i] = render(scene, size)
    return images, captions, scenes


def _render_chunk(args):
    n, seed, k, outlines = args
    images, _, scenes = make_batch(n, seed)
    rng = np.random.default_rng(seed + 1_000_003)
    captions = [[caption(s, rng) for _ in range(k)] for s in scenes]
    if not outlines:
        return images, captions, None
    return images, captions, np.stack([outline_view(s) for s in scenes])


def render_dataset(cfg, outlines: bool = False):
    """All cfg.scenes scenes (cfg: a workshop.training.Config) as uint8 (N, 128, 128, 3) plus
    cfg.captions_per_scene captions for each, and with `outlines` each scene's outline view
    (render.outline_view; else None)."""
    chunk = 2000
    jobs = [(min(chunk, cfg.scenes - i), cfg.seed * 7919 + i // chunk, cfg.captions_per_scene,
             outlines) for i in range(0, cfg.scenes, chunk)]
    with ProcessPoolExecutor(cfg.workers) as pool:
        parts = list(pool.map(_render_chunk, jobs))
    images = np.concatenate([p[0] for p in parts])
    captions = [c for p in parts for c in p[1]]
    return images, captions, np.concatenate([p[2] for p in parts]) if outlines else None
