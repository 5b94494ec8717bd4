"""Pixel art upscaled on its own grid (playground/pixelgrid.py): found where the blocks are,
kept as blocks when bigger, and never imposed on a picture without them."""
import numpy as np
from PIL import Image, ImageFilter

from playground import pixelgrid


def blocky(cell=4, size=128, phase=(0, 0), seed=0, blur=0.0):
    """Random-colour blocks of `cell` px starting at `phase`, optionally softened (like a VAE)."""
    rng = np.random.default_rng(seed)
    n = size // cell + 2
    colours = rng.integers(0, 256, (n, n, 3), dtype=np.uint8)
    big = colours.repeat(cell, 0).repeat(cell, 1)
    py, px = phase
    img = Image.fromarray(big[cell - py:cell - py + size, cell - px:cell - px + size].copy())
    return img.filter(ImageFilter.GaussianBlur(blur)) if blur else img


def smooth(seed=0, size=128):
    """A photo-like picture: smooth shapes, no grid."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[:size, :size] / size
    arr = np.stack([np.sin(6 * xx + rng.random() * 6) * np.cos(5 * yy + c) for c in range(3)], -1)
    arr = (arr - arr.min()) / (arr.max() - arr.min()) * 255
    return Image.fromarray(arr.astype(np.uint8)).filter(ImageFilter.GaussianBlur(1.2))


def grid_share(image, cell):
    grey = np.asarray(image.convert("RGB"), float).mean(2)
    return min(share for share, _ in pixelgrid._shares(grey, cell))


def test_the_grid_and_its_phase_are_found_also_when_softened():
    assert pixelgrid.find_grid(blocky()) == (4, 0, 0)
    assert pixelgrid.find_grid(blocky(phase=(1, 3), seed=1)) == (4, 3, 1)
    assert pixelgrid.find_grid(blocky(cell=6, seed=2)) == (6, 0, 0)
    assert pixelgrid.find_grid(blocky(seed=3, blur=0.8)) == (4, 0, 0)  # edges rounded off, as after a VAE


def test_pictures_without_blocks_get_no_grid():
    for seed in range(4):
        assert pixelgrid.find_grid(smooth(seed)) is None
    noise = Image.fromarray(np.random.default_rng(5).integers(0, 256, (128, 128, 3), dtype=np.uint8))
    assert pixelgrid.find_grid(noise) is None
    assert pixelgrid.find_grid(Image.new("RGB", (128, 128), "white")) is None  # flat: no differences at all


def test_snapped_blocks_stay_blocks_with_their_colours():
    src = blocky(phase=(2, 1), seed=4, blur=0.7)
    grid = pixelgrid.find_grid(src)
    out = pixelgrid.snap(src, grid, 2)
    assert out.size == (256, 256)
    assert grid_share(out, 8) > 0.999  # every edge on the 8 px grid of the doubled blocks
    a = np.asarray(out, int)
    assert (a[4:12, 2:10] == a[4, 2]).all()  # one full block: one colour (the blocks start at 2, 1 -> 4, 2)
    mean = np.asarray(src, float)[2:6, 1:5].reshape(-1, 3).mean(0)
    assert np.abs(a[4, 2] - mean).max() <= 0.5  # the block's mean colour


def test_a_picture_known_to_be_pixel_art_needs_only_a_fainter_grid():
    noise = Image.fromarray(np.random.default_rng(9).integers(0, 256, (128, 128, 3), dtype=np.uint8))
    faint = Image.blend(blocky(seed=6), noise, 0.35)  # blocks under grain
    assert grid_share(faint, 4) < pixelgrid.STRENGTH / 4
    assert pixelgrid.find_grid(faint) is None
    assert pixelgrid.find_grid(faint, known=True) == (4, 0, 0)
    assert pixelgrid.find_grid(smooth(7), known=True) is None  # known or not, no grid is no grid
