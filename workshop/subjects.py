"""The subjects of the tiny world: big, simple silhouettes a small model can learn.

Every subject is drawn around its centre x (0.27 / 0.5 / 0.73 for left / centre / right)
standing on the ground line gy, about 0.3-0.47 of the image wide. d = +1 or -1 is the
direction an animal or car faces (towards the middle of the picture).
"""

from workshop.settings import subject_x, window_glass

COAT = {"ginger": (228, 130, 48), "tabby": (138, 112, 84), "black": (34, 33, 38),
        "white": (242, 240, 234), "grey": (140, 142, 152), "golden": (226, 172, 82),
        "brown": (122, 74, 40), "orange": (222, 98, 24)}
PAINT = {"red": (212, 30, 36), "blue": (36, 82, 205), "yellow": (248, 202, 30),
         "green": (40, 152, 62), "white": (242, 242, 242), "black": (26, 26, 32),
         "grey": (142, 142, 148)}
WALL = {"red": (186, 62, 50), "white": (236, 232, 224), "yellow": (240, 205, 90),
        "blue": (70, 120, 205), "green": (90, 165, 92), "grey": (140, 140, 146)}
CHAIR = {"navy": (32, 42, 105), "red": (165, 30, 40), "green": (40, 112, 62),
         "mustard": (215, 165, 40)}
HALF = {"cat": 0.2, "dog": 0.26, "fox": 0.22, "car": 0.25, "house": 0.22, "apartment": 0.16}
HEIGHT = {"cat": 0.52, "dog": 0.38, "fox": 0.56, "car": 0.3, "house": 0.48, "apartment": 0.74}


def dark(colour, f=0.55):
    return tuple(int(c * f) for c in colour)


def subject_box(scene) -> tuple[float, float, float, float]:
    """A generous bounding box of the subject, for keeping birds off it."""
    if scene.subject == "none":
        return (0.0, 2.0, 0.0, 2.0)
    x, half, height = subject_x(scene), HALF[scene.subject], HEIGHT[scene.subject]
    if scene.extra("armchair") is not None:
        half, height = 0.27, height + 0.22
    half, top = half * 1.1, 0.92 - 1.1 * height  # subjects are drawn up to 10% larger
    return (x - half, top, x + half, 0.95)


def draw_cat(cv, scene, cx, gy, d):
    coat = COAT[scene.colour]
    stripe = dark(coat, 0.5)
    striped = scene.variant == "tabby"
    if scene.pose == "sleeping":
        cv.ellipse(cx + 0.02 * d, gy - 0.09, 0.19, 0.095, coat)
        if striped:
            for k in (-0.08, 0.0, 0.08):
                cv.line([(cx + k, gy - 0.18), (cx + k + 0.03, gy - 0.1)], stripe, 0.018)
        cv.line([(cx + 0.19 * d, gy - 0.06), (cx + 0.08 * d, gy - 0.015), (cx - 0.1 * d, gy - 0.02)],
                dark(coat, 0.85), 0.04)
        hx, hy = cx - 0.13 * d, gy - 0.1
        for s in (-1, 1):
            cv.poly([(hx + s * 0.065, hy - 0.03), (hx + s * 0.06, hy - 0.115), (hx + s * 0.015, hy - 0.07)], coat)
        cv.ellipse(hx, hy, 0.08, 0.07, coat)
        for s in (-1, 1):
            cv.line([(hx + s * 0.045, hy - 0.005), (hx + s * 0.02, hy - 0.0)], (20, 20, 20), 0.012)
        cv.ellipse(hx, hy + 0.025, 0.01, 0.008, (230, 140, 150), line=False)
        return
    cv.line([(cx + 0.06 * d, gy - 0.03), (cx + 0.17 * d, gy - 0.04), (cx + 0.2 * d, gy - 0.16)],
            dark(coat, 0.85), 0.04)
    cv.ellipse(cx, gy - 0.16, 0.12, 0.16, coat)
    if striped:
        for y in (0.24, 0.17, 0.1):
            for s in (-1, 1):
                cv.line([(cx + s * 0.115, gy - y), (cx + s * 0.06, gy - y + 0.02)], stripe, 0.018)
    for s in (-1, 1):
        cv.ellipse(cx + s * 0.05, gy - 0.02, 0.04, 0.025, coat)
        cv.poly([(cx + s * 0.1, gy - 0.39), (cx + s * 0.09, gy - 0.5), (cx + s * 0.03, gy - 0.44)], coat)
        cv.poly([(cx + s * 0.088, gy - 0.41), (cx + s * 0.085, gy - 0.47), (cx + s * 0.05, gy - 0.44)],
                (230, 150, 155), line=False)
    cv.ellipse(cx, gy - 0.36, 0.105, 0.095, coat)
    if striped:
        for k in (-0.025, 0.0, 0.025):
            cv.line([(cx + k, gy - 0.44), (cx + k, gy - 0.4)], stripe, 0.014)
    eye = (120, 200, 80) if scene.colour != "ginger" else (230, 200, 60)
    for s in (-1, 1):
        cv.ellipse(cx + s * 0.04, gy - 0.37, 0.02, 0.018, eye, line=False)
        cv.ellipse(cx + s * 0.04, gy - 0.37, 0.006, 0.016, (10, 10, 10), line=False)
    cv.poly([(cx - 0.012, gy - 0.34), (cx + 0.012, gy - 0.34), (cx, gy - 0.328)], (230, 130, 140), line=False)


def dog_head(cv, coat, hx, hy, d, ball):
    ear = dark(coat, 0.7)
    cv.ellipse(hx, hy, 0.072, 0.068, coat)
    cv.ellipse(hx + 0.065 * d, hy + 0.02, 0.05, 0.033, coat)
    cv.ellipse(hx + 0.11 * d, hy + 0.008, 0.013, 0.011, (15, 15, 15), line=False)
    cv.ellipse(hx + 0.02 * d, hy - 0.02, 0.01, 0.01, (15, 15, 15), line=False)
    cv.tilted(hx - 0.035 * d, hy + 0.02, 0.028, 0.058, 0.35 * d, ear)
    if ball:
        cv.ellipse(hx + 0.1 * d, hy + 0.05, 0.032, 0.032, (205, 232, 40))


def draw_dog(cv, scene, cx, gy, d):
    coat = COAT[scene.colour]
    if scene.pose == "fetch":  # running, legs stretched, ball in the mouth
        for x0, x1 in ((-0.1, -0.2), (-0.07, -0.14), (0.08, 0.18), (0.11, 0.22)):
            cv.line([(cx + x0 * d, gy - 0.17), (cx + x1 * d, gy - 0.02)], dark(coat, 0.85), 0.035)
        cv.line([(cx - 0.13 * d, gy - 0.2), (cx - 0.23 * d, gy - 0.28)], coat, 0.03)
        cv.tilted(cx, gy - 0.19, 0.15, 0.075, -0.12 * d, coat)
        dog_head(cv, coat, cx + 0.15 * d, gy - 0.3, d, ball=True)
        return
    cv.line([(cx - 0.1 * d, gy - 0.02), (cx - 0.2 * d, gy - 0.05)], coat, 0.03)
    cv.tilted(cx - 0.02 * d, gy - 0.15, 0.14, 0.08, -1.0 * d, coat)
    cv.ellipse(cx - 0.08 * d, gy - 0.07, 0.08, 0.07, coat)
    for k in (0.04, 0.08):
        cv.line([(cx + k * d, gy - 0.2), (cx + (k + 0.01) * d, gy - 0.01)], dark(coat, 0.85), 0.035)
    dog_head(cv, coat, cx + 0.06 * d, gy - 0.33, d, ball=False)


def draw_fox(cv, scene, cx, gy, d):
    fur, white, black = COAT["orange"], (248, 244, 236), (40, 30, 30)
    cv.tilted(cx + 0.14 * d, gy - 0.06, 0.13, 0.055, -0.15 * d, fur)
    cv.ellipse(cx + 0.255 * d, gy - 0.09, 0.04, 0.035, white)
    cv.ellipse(cx, gy - 0.16, 0.11, 0.16, fur)
    cv.ellipse(cx, gy - 0.2, 0.06, 0.1, white, line=False)
    for s in (-1, 1):
        cv.rect(cx + s * 0.045 - 0.02, gy - 0.06, cx + s * 0.045 + 0.02, gy, black)
        cv.poly([(cx + s * 0.09, gy - 0.4), (cx + s * 0.105, gy - 0.54), (cx + s * 0.03, gy - 0.44)], fur)
        cv.poly([(cx + s * 0.1, gy - 0.5), (cx + s * 0.105, gy - 0.54), (cx + s * 0.085, gy - 0.52)],
                black, line=False)
    cv.ellipse(cx, gy - 0.4, 0.1, 0.06, fur)
    cv.poly([(cx - 0.1, gy - 0.41), (cx + 0.1, gy - 0.41), (cx, gy - 0.27)], fur)
    cv.poly([(cx - 0.06, gy - 0.35), (cx + 0.06, gy - 0.35), (cx, gy - 0.27)], white, line=False)
    cv.ellipse(cx, gy - 0.28, 0.014, 0.012, black, line=False)
    for s in (-1, 1):
        cv.ellipse(cx + s * 0.04, gy - 0.385, 0.014, 0.012, black, line=False)
    if scene.pose == "reading":  # an open book held in front of the chest
        cv.poly([(cx - 0.12, gy - 0.21), (cx, gy - 0.18), (cx + 0.12, gy - 0.21),
                 (cx + 0.12, gy - 0.08), (cx, gy - 0.05), (cx - 0.12, gy - 0.08)], (150, 40, 40))
        for s in (-1, 1):
            cv.poly([(cx, gy - 0.17), (cx + s * 0.11, gy - 0.2), (cx + s * 0.11, gy - 0.09),
                     (cx, gy - 0.065)], (246, 240, 222))
            for k in range(3):
                y = gy - 0.16 + 0.03 * k
                cv.line([(cx + s * 0.02, y), (cx + s * 0.09, y - 0.012)], (120, 110, 100), 0.006)


def wheel(cv, x, y, r, whitewall):
    cv.ellipse(x, y, r, r, (24, 24, 26))
    if whitewall:
        cv.ellipse(x, y, r * 0.7, r * 0.7, (235, 235, 230), line=False)
    cv.ellipse(x, y, r * 0.4, r * 0.4, (175, 175, 182))


def draw_car(cv, scene, cx, gy, d):
    paint = PAINT[scene.colour]
    glass = (60, 70, 95) if scene.light == "night" else (160, 200, 228)
    kind = scene.variant or "sedan"
    vintage, sports = "vintage" in kind, "sports" in kind
    front = cx + 0.235 * d
    if scene.light == "night":  # headlight beam
        cv.poly([(front, gy - 0.1), (front + 0.2 * d, gy - 0.16), (front + 0.2 * d, gy - 0.0)],
                (235, 225, 160), lit=False, line=False)
    x = lambda f: cx + f * d  # noqa: E731  (offsets along the facing direction)
    if vintage:
        low = 0.04 if sports else 0.0
        cv.rect(x(-0.21), gy - 0.14 + low, x(0.21), gy - 0.06, paint)
        if sports:  # roadster: long hood, open top, small windscreen
            cv.poly([(x(-0.12), gy - 0.1), (x(-0.09), gy - 0.16), (x(-0.04), gy - 0.16), (x(-0.04), gy - 0.1)],
                    dark(paint, 0.6))
            cv.line([(x(0.0), gy - 0.1), (x(-0.025), gy - 0.17)], glass, 0.012)
        else:
            cv.poly([(x(-0.15), gy - 0.14), (x(-0.14), gy - 0.28), (x(0.04), gy - 0.28), (x(0.07), gy - 0.14)], paint)
            cv.rect(x(-0.12), gy - 0.25, x(-0.045), gy - 0.16, glass, line=False)
            cv.rect(x(-0.03), gy - 0.25, x(0.045), gy - 0.16, glass, line=False)
        for f in (-0.14, 0.14):
            cv.ellipse(x(f), gy - 0.075, 0.075, 0.06 - low * 0.5, paint)
            wheel(cv, x(f), gy - 0.045, 0.045, whitewall=True)
        cv.ellipse(x(0.2), gy - 0.12 + low, 0.022, 0.022, (240, 240, 205), lit=scene.light != "night")
        cv.line([(x(-0.22), gy - 0.06), (x(0.22), gy - 0.06)], (200, 200, 205), 0.012)
        return
    if sports:  # low wedge
        cv.poly([(x(-0.24), gy - 0.05), (x(-0.24), gy - 0.115), (x(-0.1), gy - 0.125),
                 (x(-0.02), gy - 0.175), (x(0.07), gy - 0.175), (x(0.15), gy - 0.115),
                 (x(0.24), gy - 0.085), (x(0.245), gy - 0.05)], paint)
        cv.poly([(x(-0.07), gy - 0.125), (x(-0.01), gy - 0.165), (x(0.06), gy - 0.165), (x(0.12), gy - 0.12)], glass)
        cv.rect(x(-0.25), gy - 0.135, x(-0.2), gy - 0.12, dark(paint, 0.5))
        r, lamp_y = 0.042, gy - 0.085
    else:
        cv.poly([(x(-0.15), gy - 0.13), (x(-0.1), gy - 0.22), (x(0.06), gy - 0.22), (x(0.13), gy - 0.13)], paint)
        cv.poly([(x(-0.125), gy - 0.135), (x(-0.09), gy - 0.205), (x(-0.025), gy - 0.205), (x(-0.025), gy - 0.135)], glass)
        cv.poly([(x(-0.01), gy - 0.135), (x(-0.01), gy - 0.205), (x(0.055), gy - 0.205), (x(0.105), gy - 0.135)], glass)
        cv.poly([(x(-0.23), gy - 0.05), (x(-0.23), gy - 0.12), (x(-0.2), gy - 0.14), (x(0.2), gy - 0.14),
                 (x(0.23), gy - 0.11), (x(0.23), gy - 0.05)], paint)
        r, lamp_y = 0.046, gy - 0.11
    for f in (-0.14, 0.14):
        wheel(cv, x(f), gy - r, r, whitewall=False)
    cv.rect(x(0.215), lamp_y, x(0.235), lamp_y + 0.02, (250, 240, 190), lit=scene.light != "night", line=False)
    cv.rect(x(-0.235), lamp_y, x(-0.215), lamp_y + 0.02, (220, 30, 30), line=False)


def draw_house(cv, scene, cx, gy, d):
    wall = WALL[scene.colour]
    roof = (80, 80, 92) if scene.colour == "red" else (120, 52, 40)
    glass = window_glass(scene)
    night = scene.light == "night"
    cv.rect(cx + 0.08, gy - 0.46, cx + 0.12, gy - 0.32, (110, 80, 70))
    cv.rect(cx - 0.17, gy - 0.28, cx + 0.17, gy, wall)
    cv.poly([(cx - 0.215, gy - 0.27), (cx, gy - 0.47), (cx + 0.215, gy - 0.27)], roof)
    cv.rect(cx - 0.03, gy - 0.14, cx + 0.03, gy, (110, 70, 40))
    for s in (-1, 1):
        x0 = cx + s * 0.095
        cv.rect(x0 - 0.04, gy - 0.22, x0 + 0.04, gy - 0.15, glass, lit=not night)
        cv.line([(x0, gy - 0.22), (x0, gy - 0.15)], (240, 240, 235), 0.008)


def draw_apartment(cv, scene, cx, gy, d):
    wall = WALL[scene.colour]
    night = scene.light == "night"
    top = gy - 0.72
    cv.rect(cx - 0.155, top, cx + 0.155, gy, wall)
    cv.rect(cx - 0.165, top - 0.02, cx + 0.165, top + 0.01, dark(wall, 0.6))
    for r in range(7):
        for c in range(3):
            wx, wy = cx - 0.115 + c * 0.09, top + 0.05 + r * 0.085
            lit = night and (r * 3 + c + scene.seed) % 5 != 0
            glass = (255, 215, 120) if lit else (150, 185, 215)
            cv.rect(wx, wy, wx + 0.05, wy + 0.05, glass, lit=not lit, line=False)
    cv.rect(cx - 0.035, gy - 0.07, cx + 0.035, gy, (80, 60, 50))


def draw_armchair(cv, colour, cx, gy):
    """An armchair centred on cx; returns the y of its seat, where the pet sits."""
    c = CHAIR[colour]
    seat = gy - 0.2
    cv.rect(cx - 0.2, seat - 0.25, cx + 0.2, seat + 0.02, dark(c, 0.85))
    cv.rect(cx - 0.2, seat, cx + 0.2, gy - 0.04, c)
    for s in (-1, 1):
        cv.rect(cx + s * 0.2 - 0.025, gy - 0.04, cx + s * 0.2 + 0.025, gy, (60, 40, 30))
        cv.ellipse(cx + s * 0.215, seat - 0.02, 0.05, 0.07, c)
        cv.rect(cx + s * 0.215 - 0.05, seat - 0.02, cx + s * 0.215 + 0.05, gy - 0.04, c)
    return seat + 0.025


DRAW = {"cat": draw_cat, "dog": draw_dog, "fox": draw_fox, "car": draw_car,
        "house": draw_house, "apartment": draw_apartment}


def draw_subject(cv, scene, rng, ground: float):
    if scene.subject == "none":
        return
    cx = subject_x(scene) + rng.uniform(-0.015, 0.015)
    d = {"left": 1, "right": -1}.get(scene.placement, 1 if rng.random() < 0.5 else -1)
    chair = scene.extra("armchair")
    cv.zoom = (cx, ground, rng.uniform(0.9, 1.1))
    gy = ground
    if chair is not None:
        gy = draw_armchair(cv, chair, cx, ground)
    DRAW[scene.subject](cv, scene, cx, gy, d)
    cv.zoom = (0.0, 0.0, 1.0)
