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
from workshop.drawn_scenes import drawn_pairs
from workshop.render import outline_view, render
from workshop.sketch_views import scene_drawing


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


def sketch_view(scene, rng, drawings: float) -> np.ndarray:
    """A scene's view for sketch training: a person-style drawing of it a `drawings` share of
    the time, else its outline view."""
    return scene_drawing(scene, rng) if rng.random() < drawings else outline_view(scene)


def _render_chunk(args):
    n, seed, k, outlines, drawings = args
    images, _, scenes = make_batch(n, seed)
    rng = np.random.default_rng(seed + 1_000_003)
    captions = [[caption(s, rng) for _ in range(k)] for s in scenes]
    if not outlines:
        return images, captions, None
    views = np.random.default_rng(seed + 2_000_003)  # its own stream: the captions stay as they were
    return images, captions, np.stack([sketch_view(s, views, drawings) for s in scenes])


def render_dataset(cfg, outlines: bool = False):
    """All cfg.scenes scenes (cfg: a workshop.training.Config) as uint8 (N, 128, 128, 3) plus
    cfg.captions_per_scene captions for each, and with `outlines` each scene's sketch view
    (outline view, or for a cfg.scribble_drawings share a person-style drawing; else None)."""
    chunk = 2000
    jobs = [(min(chunk, cfg.scenes - i), cfg.seed * 7919 + i // chunk, cfg.captions_per_scene,
             outlines, cfg.scribble_drawings) for i in range(0, cfg.scenes, chunk)]
    with ProcessPoolExecutor(cfg.workers) as pool:
        parts = list(pool.map(_render_chunk, jobs))
    images = np.concatenate([p[0] for p in parts])
    captions = [c for p in parts for c in p[1]]
    return images, captions, np.concatenate([p[2] for p in parts]) if outlines else None


DRAWN_SEED = 610_000  # person drawings for training; the evaluation's are 10_010 + its seed


def _drawn_chunk(args):
    n, seed, k = args
    return drawn_pairs(n, seed, k)


def drawn_jobs(cfg, chunk: int = 1000) -> list[tuple[int, int, int]]:
    """(pairs, seed, captions each) per worker job."""
    return [(min(chunk, cfg.drawn_pairs - i), DRAWN_SEED + cfg.seed * 7919 + i // chunk, cfg.captions_per_scene)
            for i in range(0, cfg.drawn_pairs, chunk)]


def drawn_dataset(cfg):
    """cfg.drawn_pairs person drawings with their pictures and cfg.captions_per_scene captions
    each (workshop.drawn_scenes), made in worker processes: (drawings, pictures, captions)."""
    if cfg.drawn_pairs < 1:
        raise ValueError(f"drawn_pairs must be >= 1 with scribble_drawn or unet_drawn, got {cfg.drawn_pairs}")
    with ProcessPoolExecutor(cfg.workers) as pool:
        parts = list(pool.map(_drawn_chunk, drawn_jobs(cfg)))
    return (np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts]),
            [c for p in parts for c in p[2]])


def chunked_pictures(n: int, seed: int, drawn: bool = False) -> np.ndarray:
    """n world renders (make_batch) or, with drawn, pictures of people's drawings (drawn_pairs),
    made 1,000 at a time from seeds seed, seed + 1, ... (one process: the decoder's cache)."""
    make = (lambda k, s: drawn_pairs(k, s)[1]) if drawn else (lambda k, s: make_batch(k, s)[0])
    return np.concatenate([make(min(1000, n - i), seed + i // 1000) for i in range(0, n, 1000)])
