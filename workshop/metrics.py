"""The evaluation's measures (pure numpy and Pillow, tested on synthetic inputs) and the
prompt sets built from the world's grammar. workshop.evaluate applies them to generated images."""
from __future__ import annotations

import numpy as np
from PIL import Image

from playground.detectors import canny_map
from playground.world import VALUES, sample_scene
from workshop.captions import prompt_for
from workshop.render import outline_view, render

TOLERANCE = 2  # px: edge pixels match within a 5x5 box (see the model card on what that costs)


def _mask(edges) -> np.ndarray:
    edges = np.asarray(edges)
    return (edges.max(axis=2) if edges.ndim == 3 else edges) > 127


def edge_f1(pred, ref, tolerance: int = TOLERANCE) -> dict[str, float]:
    """Edge agreement with a tolerance of `tolerance` px (square box). Two empty maps agree."""
    import cv2
    p, r = _mask(pred), _mask(ref)
    if not p.any() and not r.any():
        return {"f1": 1.0, "precision": 1.0, "recall": 1.0}
    kernel = np.ones((2 * tolerance + 1,) * 2, np.uint8)
    near_r = cv2.dilate(r.astype(np.uint8), kernel) > 0
    near_p = cv2.dilate(p.astype(np.uint8), kernel) > 0
    precision = float((p & near_r).sum() / max(1, p.sum()))
    recall = float((r & near_p).sum() / max(1, r.sum()))
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"f1": f1, "precision": precision, "recall": recall}


def to_size(image, size: int) -> np.ndarray:
    """An image at size x size (Lanczos) unless it is already: a decoder that outputs more
    pixels than the control map has is judged at the map's size."""
    image = np.asarray(image)
    if image.shape[:2] == (size, size):
        return image
    return np.asarray(Image.fromarray(image).resize((size, size), Image.Resampling.LANCZOS))


def mean_edge_f1(images, maps, tolerance: int = TOLERANCE) -> float:
    """Mean edge F1 of each image's canny edges (the app's canny_map) against its map."""
    return float(np.mean([edge_f1(canny_map(to_size(im, np.asarray(m).shape[0])), m, tolerance)["f1"]
                          for im, m in zip(images, maps)]))


def pooled_share(named: list[dict], predicted: list[dict], attributes) -> float:
    """adherence() pooled over `attributes`: the share of all (prompt, attribute) pairs right."""
    per = {k: v for k, v in adherence(named, predicted).items() if k in attributes}
    n = sum(v["n"] for v in per.values())
    return sum(v["share"] * v["n"] for v in per.values()) / n if n else 1.0


def sharpness(images) -> float:
    """Mean absolute Laplacian (4-neighbour) of the grey images, 0-255 scale: how much fine
    edge an image has. The evaluation compares it as a ratio to renders of the same scenes."""
    import cv2
    grey = np.asarray(images, np.float32).mean(axis=3)
    return float(np.mean([np.abs(cv2.Laplacian(g, cv2.CV_32F, ksize=1)).mean() for g in grey]))


def blockiness(images, cell: int = 4) -> list[float]:
    """Per image: the share of its absolute neighbour differences (grey) that fall on a grid
    of `cell` px, at the grid's best phase, mean of both axes. Pure blocks of that size (the
    world's pixel art: 32 px drawn, shown at 128) give 1; an image without a grid about
    1 / cell; a flat one 1 / cell."""
    grey = np.asarray(images, np.float64).mean(axis=3)
    out = []
    for g in grey:
        shares = []
        for d in (np.abs(np.diff(g, axis=1)), np.abs(np.diff(g, axis=0)).T):
            lines = d.sum(axis=0)  # per boundary between columns j and j + 1
            total = lines.sum()
            shares.append(max(lines[p::cell].sum() for p in range(cell)) / total if total else 1 / cell)
        out.append(float(np.mean(shares)))
    return out


def _grey64(images) -> np.ndarray:
    return np.stack([np.asarray(Image.fromarray(np.asarray(im)).convert("L")
                                .resize((64, 64), Image.BILINEAR), np.float32) / 255
                     for im in images]).reshape(len(images), -1)


def mean_pairwise(vectors: np.ndarray, rms: bool = True) -> float:
    """Mean distance over all pairs: RMS difference (pixels) or Euclidean (features)."""
    v = np.asarray(vectors, np.float64).reshape(len(vectors), -1)
    if len(v) < 2:
        return 0.0
    sq = (v ** 2).sum(1)
    d2 = np.maximum(sq[:, None] + sq[None, :] - 2 * v @ v.T, 0) / (v.shape[1] if rms else 1)
    return float(np.sqrt(d2)[np.triu_indices(len(v), 1)].mean())


def pixel_diversity(images) -> float:
    """Mean pairwise RMSE of the 64x64 greyscale images (0..1 scale); 0 for identical ones."""
    return mean_pairwise(_grey64(images))


def adherence(named: list[dict], predicted: list[dict]) -> dict[str, dict]:
    """Per attribute: share of predictions equal to the named value, over prompts naming it."""
    out = {}
    for attr in VALUES:
        pairs = [(n[attr], p[attr]) for n, p in zip(named, predicted) if attr in n]
        if pairs:
            out[attr] = {"share": float(np.mean([a == b for a, b in pairs])), "n": len(pairs)}
    pairs = [(int(n["birds"]), int(p["birds"])) for n, p in zip(named, predicted) if "birds" in n]
    if pairs:
        out["birds_within_1"] = {"share": float(np.mean([abs(a - b) <= 1 for a, b in pairs])),
                                 "n": len(pairs)}
    return out


def shares(values: list[str], table: dict[str, float]) -> dict:
    """Observed share of each value of table among values, the table's, and the max gap."""
    n = max(1, len(values))
    seen = {k: values.count(k) / n for k in table}
    return {"observed": seen, "table": dict(table),
            # rounded: 0.50 - 0.35 must compare as 0.15, not 0.15000000000000002
            "max_deviation": round(max(abs(seen[k] - table[k]) for k in table), 9)}


def saturation(images) -> float:
    return float(np.mean([np.asarray(Image.fromarray(im).convert("HSV"))[..., 1].mean() / 255
                          for im in images]))


# --- control maps no caption implies --------------------------------------------------------

def moved_camera(scenes, rng, pad: int = 24, size: int = 128) -> np.ndarray:
    """Each scene rendered larger and cropped at a random offset: the world's fixed layouts
    (horizon heights, walls) shifted and zoomed by up to 1.375x."""
    out = np.zeros((len(scenes), size, size, 3), np.uint8)
    for i, scene in enumerate(scenes):
        big = render(scene, size + 2 * pad)
        oy, ox = rng.integers(0, 2 * pad + 1, 2)
        out[i] = big[oy:oy + size, ox:ox + size]
    return out


def hand_sketch(scene, rng, keep: float = 0.67, size: int = 128) -> np.ndarray:
    """The scene as a student might sketch it: its outline view's edges as dark strokes on
    white paper, with blotches of them (about 1 - keep) left out."""
    import cv2
    edges = canny_map(outline_view(scene, size))[:, :, 0] > 0
    cells = rng.random((8, 8)).astype(np.float32)
    edges &= cv2.resize(cells, (size, size), interpolation=cv2.INTER_LINEAR) < keep
    paper = np.full((size, size), 255, np.uint8)
    paper[edges] = 30
    return np.repeat(paper[:, :, None], 3, axis=2)


# --- prompts ------------------------------------------------------------------------------

def build_prompt_set(n: int, seed: int = 0) -> list[tuple[str, dict]]:
    """n (prompt, named attributes): subjects in turn, uniform light and style, each other
    attribute named at random so prompts range from terse to detailed."""
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        subject = VALUES["subject"][i % len(VALUES["subject"])]
        scene = sample_scene(rng, subject=subject, light=str(rng.choice(VALUES["light"])),
                             style=str(rng.choice(VALUES["style"])))
        attrs = scene.attributes()
        # a fox is always orange: naming it would inflate colour adherence for free
        odds = {"colour": 0.8 if subject != "fox" else 0.0, "setting": 0.7, "light": 0.7, "style": 0.7, "placement": 0.35,
                "birds": 0.35 if scene.setting not in ("living room", "library") else 0.0}
        named = {"subject": subject}
        named.update({k: attrs[k] for k, p in odds.items() if attrs[k] != "none" and rng.random() < p})
        if subject == "none":
            named["setting"] = attrs["setting"]  # a landscape is named by its place
        out.append((prompt_for(named, rng), named))
    return out


def detailed_prompt(subject: str, rng) -> tuple[str, dict]:
    attrs = sample_scene(rng, subject=subject).attributes()
    named = {k: attrs[k] for k in ("subject", "colour", "setting", "light", "style", "placement")}
    return prompt_for(named, rng), named
