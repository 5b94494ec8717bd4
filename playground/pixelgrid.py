"""Pixel art upscaled on its own grid: find the grid of a picture's blocks, keep it when bigger.

A learnt upscaler (or bicubic) draws pixel art's block edges soft or a pixel off: the embedded
model's x2 network kept 0.71-0.76 of the true renders' blockiness, however its loss was weighed.
AUTOMATIC1111 and ComfyUI users pick nearest neighbour for pixel art by hand; here the picture
says so itself. Its neighbour differences (grey) fall on a grid of `cell` px far more often than
on any other line: for the world's pixel art at 128 px (4 px blocks) 48-66% of them at the best
phase on the sparser axis, for every other style 25-45% (a quarter is chance; 128 held-out
pictures of each set, workshop/upscaler_eval.py). Such a picture is upscaled by taking
each block's mean colour and repeating it: the blocks stay blocks, edges on the grid.
"""
from __future__ import annotations

import numpy as np

CELLS = (3, 4, 5, 6, 8)  # block sizes looked for (px); 2 would catch every dithered photo
STRENGTH = 1.9  # the share must reach STRENGTH / cell: 0.475 for 4 px (chance is 0.25)
KNOWN = 1.4  # for a picture known to be pixel art: 0.35 for 4 px, 0.175 for 8 px
FLOOR = 0.45  # and at least this: half a 4 px picture's boundaries lie on an 8 px grid (0.24-0.3)


def _shares(grey: np.ndarray, cell: int) -> list[tuple[float, int]]:
    """Per axis (x, then y): the best phase's share of neighbour differences on the grid, and that phase."""
    out = []
    for diffs in (np.abs(np.diff(grey, axis=1)).sum(axis=0), np.abs(np.diff(grey, axis=0)).sum(axis=1)):
        total = diffs.sum()
        if total <= 0:
            return [(0.0, 0), (0.0, 0)]
        # boundary j lies between pixels j and j + 1: a block grid at phase p has them at j = p - 1 + k * cell
        best = max(range(cell), key=lambda p: diffs[(p - 1) % cell::cell].sum())
        out.append((float(diffs[(best - 1) % cell::cell].sum() / total), best))
    return out


def find_grid(image, known: bool = False) -> tuple[int, int, int] | None:
    """(cell, phase x, phase y) of a pixel-art picture's blocks, or None for any other picture.
    known: something else (the embedded model's style reader) says it is pixel art; then the
    grid only has to stand out from chance (KNOWN x chance), not from flat illustrations."""
    rgb = np.asarray(image.convert("RGB") if hasattr(image, "convert") else image, np.float64)
    grey = rgb.mean(axis=2)
    found = []
    for cell in CELLS:
        if min(grey.shape) < 4 * cell:
            continue
        (sx, px), (sy, py) = _shares(grey, cell)
        if min(sx, sy) >= (KNOWN / cell if known else max(STRENGTH / cell, FLOOR)):
            found.append((min(sx, sy), cell, px, py))
    if not found:
        return None
    # the smallest cell that passes, or a multiple of it that explains as much (6 px blocks also
    # fill a 3 px grid): a 4 px picture whose features are mostly 8 px wide keeps its 4 px details
    share, cell, px, py = min(found, key=lambda f: f[1])
    for other in sorted(found, key=lambda f: f[1]):
        if other[1] > cell and other[1] % cell == 0 and other[0] >= 0.97 * share:
            share, cell, px, py = other
    return cell, px, py


def _edges(size: int, cell: int, phase: int) -> list[int]:
    return sorted({0, size, *range(phase % cell, size, cell)})


def snap(image, grid: tuple[int, int, int], factor: int):
    """The picture `factor` times bigger, each block filled with its mean colour."""
    from PIL import Image

    rgb = np.asarray(image.convert("RGB"), np.float64)
    cell, px, py = grid
    out = np.empty((rgb.shape[0] * factor, rgb.shape[1] * factor, 3), np.uint8)
    xs, ys = _edges(rgb.shape[1], cell, px), _edges(rgb.shape[0], cell, py)
    for y0, y1 in zip(ys, ys[1:]):
        for x0, x1 in zip(xs, xs[1:]):
            colour = rgb[y0:y1, x0:x1].reshape(-1, 3).mean(axis=0).round()
            out[y0 * factor:y1 * factor, x0 * factor:x1 * factor] = colour
    return Image.fromarray(out)
