"""Drawings a person would make in the app's sketch pad, each with a caption in the world's
words whose subject fits what is drawn: the person-drawing set the evaluation's sketch section
judges any scribble ControlNet on.

The sketch pad (playground/ui/controlnet.py) is a 384 px canvas with a 6 px black brush that
the app shrinks to 128 px (fit_image, Lanczos): strokes about 2 px wide, slightly wobbly, of
simple shapes. So drawings are made the same way: wobbly round-capped pen strokes on a
384 px white canvas, shrunk to `size`. The shapes: a house (walls, roof, door, maybe a
window), a car (body, cabin, two wheels), a mountain ridge (a zig-zag across), a tree (trunk
and round crown), a sun (a circle, maybe rays) and a ground line, composed at random places
and scales, with horizons higher and lower than the world ever draws and subjects near the
edges. Seeded: the same seed gives the same drawings.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from PIL import Image, ImageDraw

from playground.world.vocab import ATTRIBUTES
from workshop.captions import prompt_for

PAD, BRUSH = 384, 6  # the sketch pad's canvas and default brush (playground/ui/controlnet.py)
KINDS = ("house", "car", "mountains")  # the drawn subject ("mountains": a ridge, no subject)
OUTDOOR = ("meadow", "beach", "fjord", "city")


@dataclass(frozen=True)
class Drawing:
    image: np.ndarray            # uint8 (size, size, 3): dark strokes on white
    caption: str                 # in the world's words; parse_prompt(caption) == named
    named: dict[str, str]        # the attributes the caption names
    kind: str                    # one of KINDS
    parts: tuple[str, ...]       # what was drawn: "house", "ground", "sun", "tree", "ridge", ...
    layout: dict = field(default_factory=dict)  # horizon (0..1 from the top), subject box, placement


class Pen:
    """Round-capped strokes in normalised coordinates (0..1, y down) on a white canvas, with
    a slow wobble, as a hand on a sketch pad draws them."""

    def __init__(self, rng: np.random.Generator, size: int = PAD, width: int = BRUSH,
                 wobble: float = 0.004):
        self.rng, self.size, self.width, self.wobble = rng, size, width, wobble
        self.image = Image.new("L", (size, size), 255)
        self.draw = ImageDraw.Draw(self.image)
        self.avoid: list[tuple[float, float, float, float]] = []  # boxes strokes behind stop at

    def _shake(self, pts: np.ndarray) -> np.ndarray:
        """Densify to ~1/100 of the canvas a segment, then add smooth random drift."""
        dense = [pts[0]]
        for a, b in zip(pts[:-1], pts[1:]):
            n = max(1, int(np.hypot(*(b - a)) / 0.01))
            dense += [a + (b - a) * t for t in np.linspace(0, 1, n + 1)[1:]]
        dense = np.asarray(dense)
        drift = np.cumsum(self.rng.normal(0, 1, dense.shape), axis=0)
        drift -= np.linspace(0, 1, len(dense))[:, None] * drift[-1]  # ends stay close to where aimed
        drift /= max(1.0, np.abs(drift).max())
        return dense + self.wobble * 2 * drift

    def stroke(self, pts, behind: bool = False) -> None:
        """One pen stroke through pts; behind=True: broken where it passes an avoided box."""
        dense = self._shake(np.asarray(pts, float))
        keep = np.ones(len(dense), bool)
        if behind:
            for x0, y0, x1, y1 in self.avoid:
                keep &= ~((dense[:, 0] > x0) & (dense[:, 0] < x1) & (dense[:, 1] > y0) & (dense[:, 1] < y1))
        idx = np.flatnonzero(keep)
        r = self.width / 2
        for run in np.split(idx, np.flatnonzero(np.diff(idx) > 1) + 1) if len(idx) else []:
            if len(run) < 2:
                continue
            xy = [tuple(p) for p in dense[run] * self.size]
            self.draw.line(xy, fill=0, width=self.width, joint="curve")
            for x, y in (xy[0], xy[-1]):
                self.draw.ellipse((x - r, y - r, x + r, y + r), fill=0)

    def circle(self, cx: float, cy: float, r: float) -> None:
        """A hand-drawn circle: uneven radius, starting anywhere, overshooting a little."""
        start = self.rng.uniform(0, 2 * np.pi)
        t = start + np.linspace(0, 2 * np.pi + self.rng.uniform(0, 0.4), 40)
        radius = r * (1 + 0.06 * np.sin(t * 2 + self.rng.uniform(0, 6)))
        self.stroke(np.stack([cx + radius * np.cos(t), cy + radius * np.sin(t)], 1))

    def result(self, size: int) -> np.ndarray:
        """The drawing as the app receives it: shrunk to `size` (Lanczos), RGB."""
        small = self.image.resize((size, size), Image.Resampling.LANCZOS)
        return np.repeat(np.asarray(small)[:, :, None], 3, axis=2)


# --- shapes: (x centre, ground y, width) in normalised units; each returns its box ----------

def house(pen: Pen, cx: float, base: float, w: float) -> tuple:
    rng, h = pen.rng, w * pen.rng.uniform(0.7, 1.0)
    x0, x1, top = cx - w / 2, cx + w / 2, base - h
    apex = top - w * rng.uniform(0.35, 0.6)
    pen.stroke([(x0, top), (x0, base), (x1, base), (x1, top), (x0, top)])
    pen.stroke([(x0 - 0.06 * w, top + 0.02 * w), (cx, apex), (x1 + 0.06 * w, top + 0.02 * w)])
    dw, dx = w * 0.22, cx + w * rng.uniform(-0.25, 0.25)
    pen.stroke([(dx - dw / 2, base), (dx - dw / 2, base - 0.5 * h), (dx + dw / 2, base - 0.5 * h), (dx + dw / 2, base)])
    if rng.random() < 0.7:  # a window on the side the door leaves free
        wx, s = (x0 + 0.27 * w) if dx > cx else (x1 - 0.27 * w), 0.2 * w
        pen.stroke([(wx - s / 2, top + 0.2 * h), (wx + s / 2, top + 0.2 * h), (wx + s / 2, top + 0.2 * h + s),
                    (wx - s / 2, top + 0.2 * h + s), (wx - s / 2, top + 0.2 * h)])
    return (x0 - 0.06 * w, apex, x1 + 0.06 * w, base)


def car(pen: Pen, cx: float, base: float, w: float) -> tuple:
    rng, r = pen.rng, w * 0.12
    x0, x1, bottom = cx - w / 2, cx + w / 2, base - r
    top = bottom - w * rng.uniform(0.22, 0.3)
    pen.stroke([(x0, top), (x0, bottom), (x1, bottom), (x1, top), (x0, top)])
    c0, c1 = cx - w * rng.uniform(0.22, 0.3), cx + w * rng.uniform(0.15, 0.25)
    roof = top - w * rng.uniform(0.18, 0.26)
    pen.stroke([(c0 - 0.06 * w, top), (c0 + 0.04 * w, roof), (c1, roof), (c1 + 0.1 * w, top)])
    for wx in (x0 + 0.22 * w, x1 - 0.22 * w):
        pen.circle(wx, bottom, r)
    return (x0, roof, x1, base)


def tree(pen: Pen, cx: float, base: float, h: float) -> tuple:
    t, crown = 0.06 * h, 0.27 * h
    neck = base - 0.45 * h
    pen.stroke([(cx - t, base), (cx - t, neck)])
    pen.stroke([(cx + t, base), (cx + t, neck)])
    pen.circle(cx, neck - crown * 0.9, crown)
    return (cx - crown, neck - 1.9 * crown, cx + crown, base)


def sun(pen: Pen, cx: float, cy: float, r: float) -> tuple:
    pen.circle(cx, cy, r)
    if pen.rng.random() < 0.5:
        for a in np.linspace(0, 2 * np.pi, int(pen.rng.integers(6, 10)), endpoint=False) + pen.rng.uniform(0, 1):
            c, s = np.cos(a), np.sin(a)
            pen.stroke([(cx + 1.4 * r * c, cy + 1.4 * r * s), (cx + 2.0 * r * c, cy + 2.0 * r * s)])
    return (cx - 2 * r, cy - 2 * r, cx + 2 * r, cy + 2 * r)


def ground(pen: Pen, y: float) -> None:
    a, b = pen.rng.uniform(-0.02, 0.08), pen.rng.uniform(0.92, 1.02)
    pen.stroke([(a, y + pen.rng.uniform(-0.02, 0.02)), (b, y + pen.rng.uniform(-0.02, 0.02))], behind=True)


def ridge(pen: Pen, foot: float, top: float) -> None:
    """A zig-zag across the picture: 2-5 peaks between `top` and the foot line."""
    peaks = int(pen.rng.integers(2, 6))
    xs = np.linspace(pen.rng.uniform(-0.03, 0.05), pen.rng.uniform(0.95, 1.03), 2 * peaks + 1)
    xs[1:-1] += pen.rng.uniform(-0.3, 0.3, len(xs) - 2) * (xs[1] - xs[0])
    ys = [foot - pen.rng.uniform(0.0, 0.06) if i % 2 == 0 else pen.rng.uniform(top, foot - 0.12)
          for i in range(len(xs))]
    pen.stroke(list(zip(xs, ys)), behind=True)


# --- composing ----------------------------------------------------------------------------

def weighted(rng, table: dict[str, float], among=None) -> str:
    keys = [k for k, p in table.items() if p > 0 and (among is None or k in among)]
    p = np.array([table[k] for k in keys])
    return keys[int(rng.choice(len(keys), p=p / p.sum()))]


def free_spot(rng, avoid, x_range, y_range, r: float, tries: int = 12):
    """A centre in the ranges whose 2r box touches none of `avoid` (else the last try)."""
    for _ in range(tries):
        x, y = rng.uniform(*x_range), rng.uniform(*y_range)
        if all(x + r < a or x - r > c or y + r < b or y - r > d for a, b, c, d in avoid):
            break
    return x, y


def draw_scene(pen: Pen, kind: str) -> tuple[list[str], dict]:
    """Subject on a ground line at a random horizon, then maybe a tree and a sun, then the
    ridge and the ground line behind them; returns the parts drawn and the layout."""
    rng = pen.rng
    horizon = rng.uniform(0.35, 0.9)  # the world's horizon always sits at 0.55-0.62
    parts, layout = [], {"horizon": round(float(horizon), 3)}
    if kind in ("house", "car"):
        base = min(0.95, horizon + rng.uniform(0, 0.05))
        w = rng.uniform(0.25, 0.55) if kind == "house" else rng.uniform(0.3, 0.65)
        w = min(w, (base - 0.05) / (1.6 if kind == "house" else 0.75))
        cx = rng.uniform(0.3 * w, 1 - 0.3 * w)  # up to a fifth of it past an edge
        box = (house if kind == "house" else car)(pen, cx, base, w)
        pen.avoid.append(box)
        parts.append(kind)
        layout.update(subject_box=tuple(round(float(v), 3) for v in box),
                      placement="left" if cx < 0.385 else "right" if cx > 0.615 else "centre")
        if rng.random() < 0.4:  # a tree on the other side
            h = min(rng.uniform(0.2, 0.4), base - 0.05)
            tx = rng.uniform(0.05, max(0.06, box[0] - 0.15)) if cx > 0.5 else rng.uniform(min(0.94, box[2] + 0.15), 0.95)
            pen.avoid.append(tree(pen, tx, base, h))
            parts.append("tree")
    if rng.random() < 0.6:
        r = rng.uniform(0.035, 0.07) * (1.3 if kind == "mountains" else 1.0)
        sx, sy = free_spot(rng, pen.avoid, (0.08, 0.92), (0.1, max(0.11, horizon - 0.18)), 2 * r)
        pen.avoid.append(sun(pen, sx, sy, r))
        parts.append("sun")
        layout["sun_low"] = bool(sy > horizon - 0.3)
    if kind == "mountains" or rng.random() < 0.25:
        foot = horizon if kind == "mountains" else horizon - rng.uniform(0.02, 0.08)
        ridge(pen, foot, max(0.06, foot - rng.uniform(0.3, 0.55)))
        parts.append("ridge")
    if kind != "mountains" or rng.random() < 0.5:
        ground(pen, horizon if kind != "mountains" else min(0.95, horizon + rng.uniform(0.05, 0.15)))
        parts.append("ground")
    return parts, layout


def caption_for(rng, kind: str, parts, sun_low: bool = False) -> tuple[str, dict]:
    """A caption naming subject, colour, setting, light and style, true to the drawing:
    a ridge makes it mountains, a tree a meadow, a sun daylight (sunset when low)."""
    subject = "none" if kind == "mountains" else kind
    if "ridge" in parts:
        setting = "mountains"
    elif "tree" in parts:
        setting = "meadow"
    else:
        setting = weighted(rng, ATTRIBUTES[f"{subject}_setting"], OUTDOOR)
    light = ("sunset" if sun_low else "day") if "sun" in parts else weighted(rng, ATTRIBUTES["light"])
    named = {"subject": subject, "setting": setting, "light": light, "style": weighted(rng, ATTRIBUTES["style"])}
    if subject != "none":
        named["colour"] = weighted(rng, ATTRIBUTES[f"{subject}_colour"])
    return prompt_for(named, rng), named


def make_drawing(rng: np.random.Generator, kind: str, size: int = 128) -> Drawing:
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
    pen = Pen(rng)
    parts, layout = draw_scene(pen, kind)
    text, named = caption_for(rng, kind, parts, layout.get("sun_low", False))
    return Drawing(pen.result(size), text, named, kind, tuple(parts), layout)


def drawing_set(n: int, seed: int = 0, size: int = 128) -> list[Drawing]:
    """n drawings, the kinds in turn; drawing i depends only on (seed, i)."""
    if n < 0:
        raise ValueError(f"n must be >= 0, got {n}")
    return [make_drawing(np.random.default_rng([seed, i]), KINDS[i % len(KINDS)], size) for i in range(n)]
