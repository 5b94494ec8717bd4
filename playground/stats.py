"""Statistics over a set of images (a seed grid): what does the model draw when left alone?

Lesson 1 (docs/lessons.md) asks students to describe the model's "default" by colour, brightness and spread;
these numbers make that description checkable. Their charts are Vega-Lite specs the browser draws
(playground/charts.py).
"""
from __future__ import annotations

import itertools
import math
from typing import Any, Iterable, Mapping, Sequence

import numpy as np
from PIL import Image

THUMB = 64  # side used for palette/diversity: enough for colour and layout, fast for 64 images
MAX_SSIM_PAIRS = 600  # 64 images have 2016 pairs; a fixed subsample keeps SSIM under a second
# Hasler & Suesstrunk (2003), table 2: colourfulness M on 0..255 RGB and what people called it.
COLOURFULNESS_LABELS = ((0, "not colourful"), (15, "slightly colourful"), (33, "moderately colourful"),
                        (45, "averagely colourful"), (59, "quite colourful"), (82, "highly colourful"),
                        (109, "extremely colourful"))


def as_image(item: Any) -> Image.Image:
    """A PIL RGB image from a PIL image, a Panel (anything with .image) or an HxWx3 array."""
    item = getattr(item, "image", item)
    if isinstance(item, np.ndarray):
        item = Image.fromarray(item.astype(np.uint8) if item.dtype != np.uint8 else item)
    if not isinstance(item, Image.Image):
        raise ValueError(f"images must be PIL images, Panels or arrays, got {type(item).__name__}")
    return item.convert("RGB")


def _images(items: Iterable[Any], at_least: int = 1) -> list[Image.Image]:
    images = [as_image(i) for i in items]
    if len(images) < at_least:
        raise ValueError(f"images must hold at least {at_least} image(s), got {len(images)}")
    return images


def _rgb(img: Image.Image) -> np.ndarray:
    return np.asarray(img, dtype=np.float64)


def _thumb(img: Image.Image) -> np.ndarray:
    """THUMB x THUMB in [0, 1]: images of different sizes become comparable."""
    return np.asarray(img.resize((THUMB, THUMB), Image.Resampling.BILINEAR), dtype=np.float64) / 255.0


def brightness(image: Any) -> float:
    """Mean luma (ITU-R BT.601 weights) in [0, 1]: 0 is black, 1 is white."""
    rgb = _rgb(as_image(image))
    return float((rgb @ np.array([0.299, 0.587, 0.114])).mean() / 255.0)


def colourfulness(image: Any) -> float:
    """Hasler & Suesstrunk's M on 0..255 RGB: 0 for greys, about 100+ for vivid images."""
    rgb = _rgb(as_image(image))
    rg = rgb[..., 0] - rgb[..., 1]
    yb = 0.5 * (rgb[..., 0] + rgb[..., 1]) - rgb[..., 2]
    return float(math.hypot(rg.std(), yb.std()) + 0.3 * math.hypot(rg.mean(), yb.mean()))


def colourfulness_label(value: float) -> str:
    return [label for threshold, label in COLOURFULNESS_LABELS if value >= threshold][-1] \
        if value >= 0 else COLOURFULNESS_LABELS[0][1]


def palette(images: Iterable[Any], colors: int = 6, iterations: int = 5) -> list[dict]:
    """Dominant colours over all pixels of all images: [{'rgb', 'hex', 'share'}], largest first."""
    if not 1 <= colors <= 64:
        raise ValueError(f"colors must be in 1..64, got {colors}")
    # 1. pool pixels; nearest-neighbour thumbnails so no blended in-between colours appear
    side = THUMB // 2
    thumbs = [np.asarray(i.resize((side, side), Image.Resampling.NEAREST)) for i in _images(images)]
    pixels = np.concatenate([t.reshape(-1, 3) for t in thumbs]).astype(np.float64)
    # 2. median cut seeds k-means: deterministic, and a few Lloyd steps refine the centres
    strip = Image.fromarray(pixels.astype(np.uint8).reshape(-1, side, 3))
    seeds = strip.quantize(colors=colors, method=Image.Quantize.MEDIANCUT)
    used = sorted(c for _, c in seeds.getcolors(maxcolors=256) or [])
    centres = np.array(seeds.getpalette()[:3 * 256], dtype=np.float64).reshape(-1, 3)[used]
    for _ in range(iterations):
        label = ((pixels[:, None, :] - centres[None]) ** 2).sum(-1).argmin(1)
        counts = np.bincount(label, minlength=len(centres))
        keep = counts > 0
        sums = np.stack([np.bincount(label, weights=pixels[:, c], minlength=len(centres)) for c in range(3)], 1)
        centres = sums[keep] / counts[keep, None]
    label = ((pixels[:, None, :] - centres[None]) ** 2).sum(-1).argmin(1)
    counts = np.bincount(label, minlength=len(centres))
    # 3. report, largest share first
    out = []
    for k in np.argsort(-counts, kind="stable"):
        if counts[k]:
            rgb = tuple(int(round(v)) for v in centres[k])
            out.append({"rgb": rgb, "hex": "#{:02x}{:02x}{:02x}".format(*rgb), "share": float(counts[k] / len(pixels))})
    return out


def pairwise_distances(images: Iterable[Any]) -> np.ndarray:
    """N x N root-mean-square pixel distance of THUMB-size images, on [0, 1] pixel values."""
    flat = np.stack([_thumb(i).ravel() for i in _images(images)])
    sq = (flat ** 2).sum(1)
    d2 = np.maximum(sq[:, None] + sq[None, :] - 2 * flat @ flat.T, 0.0) / flat.shape[1]
    np.fill_diagonal(d2, 0.0)
    return np.sqrt(d2)


def diversity(images: Iterable[Any]) -> float:
    """Mean pairwise RMSE of thumbnails on [0, 1]: 0 when all images are equal, larger = more varied."""
    d = pairwise_distances(_images(images, at_least=2))
    n = len(d)
    return float(d.sum() / (n * (n - 1)))


def mean_ssim(images: Iterable[Any], max_pairs: int = MAX_SSIM_PAIRS) -> float:
    """Mean pairwise SSIM of greyscale thumbnails: 1 for identical images, ~0 for unrelated."""
    from skimage.metrics import structural_similarity  # heavy import, only when asked

    greys = [_thumb(i) @ np.array([0.299, 0.587, 0.114]) for i in _images(images, at_least=2)]
    pairs = list(itertools.combinations(range(len(greys)), 2))
    if len(pairs) > max_pairs:  # evenly spaced, so the same grid always gives the same number
        pairs = [pairs[k] for k in np.linspace(0, len(pairs) - 1, max_pairs).astype(int)]
    return float(np.mean([structural_similarity(greys[a], greys[b], data_range=1.0) for a, b in pairs]))


def _summary(values: Sequence[float]) -> dict:
    arr = np.asarray(values, dtype=np.float64)
    return {"mean": float(arr.mean()), "std": float(arr.std()), "min": float(arr.min()),
            "max": float(arr.max()), "per_image": [float(v) for v in arr]}


def grid_stats(images: Iterable[Any], colors: int = 6, with_ssim: bool = True) -> dict:
    """Everything the seed-grid tab shows, JSON-ready. Diversity needs 2+ images, else None."""
    images = _images(images)
    col = _summary([colourfulness(i) for i in images])
    col["label"] = colourfulness_label(col["mean"])
    many = len(images) >= 2
    ssim = None
    if many and with_ssim:
        try:
            ssim = mean_ssim(images)
        except ImportError:  # scikit-image is optional; the other numbers still stand
            ssim = None
    return {"count": len(images), "brightness": _summary([brightness(i) for i in images]),
            "colourfulness": col, "palette": palette(images, colors),
            "diversity_rmse": diversity(images) if many else None, "mean_ssim": ssim}
