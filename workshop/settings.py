"""Backgrounds of the tiny world: one drawing function per setting.

Each returns a layout dict: "ground" (the y the subject stands on), "sky_bottom" (lowest y
of open sky, where birds may fly), "avoid" (boxes birds must not cover) and "sun".
"""

import numpy as np
from PIL import Image

from workshop.canvas import LIGHTS

BOOK_COLOURS = ((160, 40, 40), (40, 70, 140), (50, 110, 60), (200, 160, 60),
                (120, 60, 110), (190, 120, 60), (70, 120, 130))
BUILDING_COLOURS = {"blue": (60, 110, 210), "red": (190, 60, 50), "yellow": (235, 190, 60),
                    "green": (70, 150, 90)}
MUTED = ((150, 140, 130), (172, 164, 152), (122, 122, 132), (188, 172, 150), (140, 122, 112))


def subject_x(scene) -> float:
    return {"left": 0.27, "centre": 0.5, "right": 0.73}.get(scene.placement, 0.5)


def free_spots(scene, rng, n: int, lo: float = 0.05, hi: float = 0.95) -> list[float]:
    """x positions for trees and such that keep clear of the subject."""
    sx = subject_x(scene)
    spots = [x for x in rng.uniform(lo, hi, 4 * n) if scene.subject == "none" or abs(x - sx) > 0.27]
    return spots[:n]


def pine(cv, x, base, h):
    cv.rect(x - 0.008, base - 0.03, x + 0.008, base, (90, 60, 40))
    for k in range(3):
        y = base - 0.03 - k * h * 0.25
        w = h * (0.28 - 0.06 * k)
        cv.poly([(x - w, y), (x, y - h * 0.45), (x + w, y)], (35, 95, 50))


def leafy(cv, x, base, h):
    cv.rect(x - 0.012, base - h * 0.5, x + 0.012, base, (100, 70, 40))
    cv.ellipse(x, base - h * 0.68, h * 0.3, h * 0.32, (55, 125, 55))


def draw_mountains(cv, scene, rng, sky_objects):
    sun = sky_objects((0, 0, 1, 0.62))
    peaks = sorted(rng.uniform(0.1, 0.9, 3))
    for i, px in enumerate(peaks):
        top = rng.uniform(0.22, 0.34)
        half = rng.uniform(0.28, 0.4)
        cv.poly([(px - half, 0.64), (px, top), (px + half, 0.64)], (110, 115, 138))
        f = rng.uniform(0.28, 0.36)
        sy = top + (0.64 - top) * f
        cv.poly([(px - half * f, sy), (px - half * f * 0.4, sy + 0.02), (px, top),
                 (px + half * f * 0.5, sy + 0.025), (px + half * f, sy)], (245, 246, 252))
    cv.rect(-0.1, 0.62, 1.1, 1.1, (95, 145, 70))
    cv.rect(-0.1, 0.8, 1.1, 1.1, (105, 155, 75), line=False)
    if scene.extra("trees") is not None:
        for x in free_spots(scene, rng, 3):
            pine(cv, x, rng.uniform(0.7, 0.8), rng.uniform(0.14, 0.2))
    return {"ground": 0.9, "sky_bottom": 0.4, "sun": sun, "avoid": []}


def draw_beach(cv, scene, rng, sky_objects):
    sun = sky_objects((0, 0, 1, 0.55))
    cv.rect(-0.1, 0.55, 1.1, 0.72, (40, 105, 170))
    cv.rect(-0.1, 0.64, 1.1, 0.72, (60, 135, 185), line=False)
    if sun is not None and scene.light != "day":  # the sun's path on the water
        for k in range(5):
            w = 0.02 + 0.015 * k
            cv.rect(sun[0] - w, 0.57 + 0.03 * k, sun[0] + w, 0.58 + 0.03 * k,
                    sun_colour(scene), lit=False, line=False)
    xs = np.linspace(-0.1, 1.1, 9)
    shore = [(x, 0.72 + 0.015 * np.sin(6 * x + rng.uniform(0, 6))) for x in xs]
    cv.poly(shore + [(1.1, 1.1), (-0.1, 1.1)], (228, 205, 155))
    cv.line(shore, (245, 245, 240), 0.012)
    return {"ground": 0.9, "sky_bottom": 0.45, "sun": sun, "avoid": []}


def sun_colour(scene):
    return LIGHTS[scene.light]["sun"]


def window_glass(scene):
    return (255, 215, 120) if scene.light == "night" else (165, 200, 230)


def building(cv, scene, rng, x0, x1, top, base, colour, cols):
    cv.rect(x0, top, x1, base, colour)
    rows = int((base - top) / 0.085)
    w = (x1 - x0) / (2 * cols + 1)
    for r in range(rows):
        for c in range(cols):
            lit = scene.light == "night" and rng.random() < 0.6
            glass = (255, 215, 120) if lit else (150, 185, 215)
            wx = x0 + w * (2 * c + 1)
            wy = top + 0.03 + r * 0.085
            cv.rect(wx, wy, wx + w, wy + 0.045, glass, lit=not lit, line=False)


def draw_city(cv, scene, rng, sky_objects):
    sun = sky_objects((0, 0, 1, 0.4))
    x = -0.05
    while x < 1.05:
        w = rng.uniform(0.16, 0.26)
        building(cv, scene, rng, x, x + w, rng.uniform(0.3, 0.48), 0.74,
                 MUTED[int(rng.integers(len(MUTED)))], 2)
        x += w
    avoid = []
    featured = scene.extra("building")
    if featured:
        fx = {"left": 0.76, "right": 0.24}.get(scene.placement, 0.14 if rng.random() < 0.5 else 0.86)
        building(cv, scene, rng, fx - 0.15, fx + 0.15, 0.2, 0.74, BUILDING_COLOURS[featured], 3)
        avoid.append((fx - 0.15, 0.2, fx + 0.15, 0.74))
    cv.rect(-0.1, 0.74, 1.1, 0.8, (175, 172, 166))
    cv.rect(-0.1, 0.8, 1.1, 1.1, (72, 72, 78))
    for k in range(6):
        cv.rect(0.02 + k * 0.18, 0.955, 0.1 + k * 0.18, 0.97, (235, 225, 170), line=False)
    return {"ground": 0.93, "sky_bottom": 0.28, "sun": sun, "avoid": avoid}


def indoor_window(cv, scene, sky, sky_objects, x0, y0, x1, y1):
    s = cv.size
    box = (int(x0 * s), int(y0 * s), int(x1 * s), int(y1 * s))
    cv.image.paste(sky.crop((box[0], 0, box[2], box[3] - box[1])), box)
    sun = sky_objects((x0, y0, x1, y1))
    frame = (240, 238, 230)
    for pts in ([(x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)],
                [((x0 + x1) / 2, y0), ((x0 + x1) / 2, y1)], [(x0, (y0 + y1) / 2), (x1, (y0 + y1) / 2)]):
        cv.line(pts, frame, 0.02)
    return sun


def draw_living_room(cv, scene, rng, sky, sky_objects):
    wall = ((222, 200, 168), (196, 212, 186), (200, 212, 228), (232, 208, 196))[int(rng.integers(4))]
    cv.rect(-0.1, -0.1, 1.1, 0.72, wall, line=False)
    side = scene.extra("window") or "left"
    x0 = 0.08 if side == "left" else 0.6
    sun = indoor_window(cv, scene, sky, sky_objects, x0, 0.12, x0 + 0.32, 0.52)
    cv.rect(-0.1, 0.72, 1.1, 1.1, (150, 100, 62))
    cv.rect(-0.1, 0.7, 1.1, 0.73, (245, 240, 230), line=False)
    cv.ellipse(subject_x(scene) if scene.subject != "none" else 0.5, 0.88, 0.27, 0.055, (165, 65, 60))
    if scene.light == "night":  # a lamp, so the room is lit at night
        lx = 0.88 if side == "left" else 0.12
        cv.rect(lx - 0.005, 0.4, lx + 0.005, 0.72, (60, 50, 40))
        cv.poly([(lx - 0.06, 0.4), (lx - 0.035, 0.3), (lx + 0.035, 0.3), (lx + 0.06, 0.4)],
                (255, 225, 140), lit=False)
    return {"ground": 0.9, "sky_bottom": 0.0, "sun": sun, "avoid": []}


def draw_library(cv, scene, rng, sky, sky_objects):
    cv.rect(-0.1, -0.1, 1.1, 0.74, (112, 72, 46), line=False)
    side = scene.extra("window") or "left"
    wx0 = 0.06 if side == "left" else 0.7
    for x0, x1 in ((0.0, 0.33), (0.35, 0.66), (0.68, 1.0)):
        if x0 <= wx0 < x1 or x0 < wx0 + 0.24 <= x1:
            continue  # the window takes this bay
        cv.rect(x0, 0.08, x1, 0.74, (85, 52, 32))
        for row in range(4):
            y1 = 0.23 + row * 0.155
            x = x0 + 0.02
            while x < x1 - 0.04:
                w = rng.uniform(0.018, 0.032)
                h = rng.uniform(0.09, 0.125)
                cv.rect(x, y1 - h, x + w, y1, BOOK_COLOURS[int(rng.integers(len(BOOK_COLOURS)))],
                        line=False)
                x += w + 0.004
            cv.rect(x0, y1, x1, y1 + 0.015, (70, 42, 26), line=False)
    sun = indoor_window(cv, scene, sky, sky_objects, wx0, 0.1, wx0 + 0.24, 0.55)
    cv.rect(-0.1, 0.74, 1.1, 1.1, (130, 45, 45))
    return {"ground": 0.9, "sky_bottom": 0.0, "sun": sun, "avoid": []}


def draw_meadow(cv, scene, rng, sky_objects):
    sun = sky_objects((0, 0, 1, 0.62))
    for x in rng.uniform(0.0, 1.0, 2):
        cv.ellipse(x, 0.64, rng.uniform(0.3, 0.45), rng.uniform(0.07, 0.11), (135, 185, 105))
    cv.rect(-0.1, 0.62, 1.1, 1.1, (90, 160, 62))
    if scene.extra("trees") is not None:
        for x in free_spots(scene, rng, 2):
            leafy(cv, x, rng.uniform(0.7, 0.76), rng.uniform(0.22, 0.3))
    for x, y in zip(rng.uniform(0.02, 0.98, 14), rng.uniform(0.66, 0.99, 14)):
        flower = ((250, 250, 245), (250, 220, 60), (240, 140, 180))[int(rng.integers(3))]
        cv.ellipse(x, y, 0.01, 0.01, flower, line=False)
    return {"ground": 0.9, "sky_bottom": 0.45, "sun": sun, "avoid": []}


def draw_fjord(cv, scene, rng, sky_objects):
    sun = sky_objects((0.3, 0, 0.7, 0.55))
    cv.poly([(0.3, 0.56), (0.45, 0.42), (0.52, 0.45), (0.7, 0.56)], (120, 135, 165))
    cv.rect(-0.1, 0.55, 1.1, 1.1, (30, 72, 125))
    for k in range(4):
        y = 0.6 + 0.06 * k
        cv.line([(0.35 - 0.04 * k, y), (0.65 + 0.04 * k, y)], (70, 115, 165), 0.006)
    j = rng.uniform(-0.04, 0.04, 4)
    left = [(-0.1, 0.22), (0.05, 0.24 + j[0]), (0.2, 0.36 + j[1]), (0.38, 0.58), (-0.1, 0.62)]
    right = [(1.1, 0.22), (0.95, 0.24 + j[2]), (0.8, 0.36 + j[3]), (0.62, 0.58), (1.1, 0.62)]
    for cliff in (left, right):
        cv.poly(cliff, (72, 80, 96))
        (ax, ay), (bx, by) = cliff[1], cliff[2]
        cv.poly([cliff[0], (ax, ay), (ax + (bx - ax) * 0.45, ay + (by - ay) * 0.45),
                 (cliff[0][0], 0.3)], (240, 242, 250), line=False)
    xs = np.linspace(-0.1, 1.1, 7)
    shore = [(x, 0.82 + 0.02 * np.sin(5 * x + rng.uniform(0, 6))) for x in xs]
    cv.poly(shore + [(1.1, 1.1), (-0.1, 1.1)], (82, 130, 62))
    if scene.extra("trees") is not None:
        for x in free_spots(scene, rng, 3):
            pine(cv, x, rng.uniform(0.86, 0.9), rng.uniform(0.12, 0.16))
    avoid = [(-0.1, 0.2, 0.25, 0.6), (0.75, 0.2, 1.1, 0.6)]
    return {"ground": 0.93, "sky_bottom": 0.42, "sun": sun, "avoid": avoid}


OUTDOOR = {"mountains": draw_mountains, "beach": draw_beach, "city": draw_city,
           "meadow": draw_meadow, "fjord": draw_fjord}
INDOOR = {"living room": draw_living_room, "library": draw_library}


def draw_setting(cv, scene, rng, sky: Image.Image, sky_objects) -> dict:
    if scene.setting in INDOOR:
        return INDOOR[scene.setting](cv, scene, rng, sky, sky_objects)
    return OUTDOOR[scene.setting](cv, scene, rng, sky_objects)
