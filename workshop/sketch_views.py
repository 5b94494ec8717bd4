"""A world scene drawn as a person would draw it in the sketch pad (issue 10): training views
for the scribble ControlNet that look like workshop.drawings, paired with the scene's render.

The scribble net learnt from detector maps of renders and of outline views: every contour of
the scene. A person draws an icon of a house, a zig-zag for mountains, a ground line and a
circle for the sun, nothing else; on such drawings the net smeared the picture and lost the
caption (person drawings: adherence 85.7% against 100% without). So a share of its sketch views
are this: the same pen and shapes as workshop.drawings, put where the render put the subject, the
horizon, the sun and the setting's contours (render's `layout`: the strokes must lie on the
render's edges, or the net learns that strokes are loose hints; a first fine-tune on drawings
with made-up ridges and skylines followed strokes less, F1 0.57 -> 0.42), with parts left out
as people leave them out. The
camera jitter of training then moves the drawing and the render together, so horizons land
where the world never draws them, as they do in people's drawings.
"""
from __future__ import annotations

import numpy as np

from playground.world.scene import Scene
from workshop.drawings import Pen, car, ground, house, sun
from workshop.render import render
from workshop.settings import subject_x
from workshop.subjects import HALF, HEIGHT

SKIP = 0.25  # each part besides the subject is left out this often


def box_stroke(pen: Pen, x0: float, y0: float, x1: float, y1: float) -> None:
    pen.stroke([(x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)])


def oval(pen: Pen, cx: float, cy: float, rx: float, ry: float) -> None:
    t = pen.rng.uniform(0, 2 * np.pi) + np.linspace(0, 2 * np.pi + 0.3, 36)
    pen.stroke(np.stack([cx + rx * np.cos(t), cy + ry * np.sin(t)], 1))


def animal(pen: Pen, cx: float, base: float, half: float, height: float, facing: int) -> tuple:
    """A cat, dog or fox as people draw one: an oval body, a round head with two pointed ears
    on the side it faces, and a tail."""
    body_h = 0.55 * height
    oval(pen, cx, base - body_h / 2, 0.7 * half, body_h / 2)
    r = 0.22 * height
    hx, hy = cx + facing * 0.45 * half, base - body_h - 0.6 * r
    pen.circle(hx, hy, r)
    for side in (-1, 1):
        ex = hx + side * 0.55 * r
        pen.stroke([(ex - 0.35 * r, hy - 0.7 * r), (ex, hy - 1.6 * r), (ex + 0.35 * r, hy - 0.8 * r)])
    tx = cx - facing * 0.7 * half
    pen.stroke([(tx, base - 0.2 * body_h), (tx - facing * 0.3 * half, base - 0.6 * body_h),
                (tx - facing * 0.35 * half, base - 0.95 * body_h)])
    return (cx - half, hy - 1.6 * r, cx + half, base)


def apartment(pen: Pen, cx: float, base: float, half: float, height: float) -> tuple:
    """A tall box with a grid of windows."""
    x0, x1, top = cx - half, cx + half, base - height
    box_stroke(pen, x0, top, x1, base)
    rows = int(pen.rng.integers(3, 5))
    for r in range(rows):
        y = top + (r + 0.3) * height / (rows + 0.5)
        for x in (x0 + 0.25 * (x1 - x0), x0 + 0.6 * (x1 - x0)):
            s = 0.18 * (x1 - x0)
            box_stroke(pen, x, y, x + s, y + 0.6 * s)
    return (x0, top, x1, base)


def subject(pen: Pen, scene: Scene, base: float) -> tuple | None:
    if scene.subject == "none":
        return None
    cx, half, height = subject_x(scene), HALF[scene.subject], HEIGHT[scene.subject]
    if scene.subject == "house":
        return house(pen, cx, base, 1.8 * half)
    if scene.subject == "car":
        return car(pen, cx, base, 2 * half)
    if scene.subject == "apartment":
        return apartment(pen, cx, base, half, height)
    return animal(pen, cx, base, half, height, 1 if pen.rng.random() < 0.5 else -1)


def background(pen: Pen, scene: Scene, layout: dict) -> None:
    """The setting's main contours where the render drew them (ridges, skyline, cliffs: the
    layout's lines), then a ground line: the horizon, or a room's floor."""
    for line in layout["lines"]:
        pen.stroke(line, behind=True)
    if scene.setting == "beach" and pen.rng.random() < 0.6:
        pen.stroke([(0.0, 0.72), (0.5, 0.73), (1.0, 0.72)], behind=True)  # the shore
    if scene.setting not in ("city", "fjord"):  # their lines hold their ground lines
        ground(pen, 0.72 if scene.setting in ("living room", "library") else layout["horizon"])


def scene_drawing(scene: Scene, rng: np.random.Generator, size: int = 128) -> np.ndarray:
    """The scene as dark pen strokes on white (uint8 (size, size, 3)), drawn where its render
    puts things: subject always, setting lines and the sun or moon each kept 1 - SKIP of the time."""
    layout: dict = {}
    render(scene, 32, layout)  # the layout does not depend on the size; 32 px is cheap
    pen = Pen(rng)
    box = subject(pen, scene, layout["ground"])
    if box is not None:
        pen.avoid.append(box)
    spot = layout["sun"]
    if spot is not None and scene.setting not in ("living room", "library") and rng.random() > SKIP:
        pen.avoid.append(sun(pen, *spot[:2], max(0.03, spot[2])))
    if rng.random() > SKIP or scene.subject == "none":
        background(pen, scene, layout)
    return pen.result(size)
