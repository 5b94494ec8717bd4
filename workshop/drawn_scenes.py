"""Pictures of people's drawings in the world's look (issue 10): training pairs that teach the
scribble ControlNet what a drawing in the sketch pad means.

The scribble net learnt from maps of world renders, whose horizon always sits at 0.55-0.62,
whose subjects stand at 0.9 and are a third of the picture wide. People draw a house on a
ground line anywhere from a third of the way down to the bottom, as wide as half the
picture, with a ridge as a zig-zag and a sun as a circle (workshop.drawings). On those the
net smeared the picture and lost the caption (person drawings: F1 0.59, adherence 83% against
100% without). Small CPU fine-tunes on drawings *of world scenes* (workshop.sketch_views) did
not help: an icon of a house does not lie on the rendered house's edges, so the net learnt
that strokes are loose hints.

So here the picture follows the drawing instead: the strokes of the drawing (Pen.log) become
edges of the picture (recall 0.82 over 48 pairs). Walls, roof, door and window are filled
along the drawn strokes in the caption's colour, the car's body, cabin and wheels likewise,
the ridge is the mountains' silhouette, the ground line the horizon, the circle the sun,
painted last so no setting hides it. The rest of the setting (sea, city, fjord, meadow) is the
world's own background (workshop.settings) seen through a camera that puts its horizon on the
drawn ground line; then the world's art style. Sun rays have no edge in the world and stay out
of the picture, as clouds stay out of the drawing.
"""
from __future__ import annotations

import numpy as np
from PIL import Image

from playground.world.scene import Scene
from workshop.canvas import LIGHTS, OUTLINES, Canvas
from workshop.captions import prompt_for
from workshop.drawings import KINDS, Drawing, make_drawing
from workshop.render import apply_style, draw_glow, sky_array
from workshop.settings import draw_setting, window_glass
from workshop.subjects import PAINT, WALL, dark, wheel

FLAT = ("flat illustration", "pixel art", "pencil sketch")
MOUNTAIN, SNOW, GRASS, FIELD = (110, 115, 138), (245, 246, 252), (95, 145, 70), (105, 155, 75)
TRUNK, CROWN = (100, 70, 40), (55, 125, 55)
GROUND_LINE = {"beach": 0.72, "fjord": 0.82}  # the shore; elsewhere the horizon, 0.62


def paths(drawing: Drawing, part: str) -> list[np.ndarray]:
    return [p for name, p in drawing.strokes if name == part]


def scene_of(drawing: Drawing, seed: int) -> Scene:
    n = drawing.named
    return Scene(subject=n["subject"], colour=n.get("colour"), variant=None, pose=None,
                 setting=n["setting"], light=n["light"], style=n["style"],
                 placement=drawing.layout.get("placement", "centre"), birds=0, seed=seed)


def camera(horizon: float, setting: str, rng) -> tuple[tuple[float, float, float], float]:
    """Canvas zoom (origin x, origin y, factor) that puts the world's ground line for the
    setting (the horizon; for beach and fjord the shore, where things stand, unless that would
    push the sky out of the picture: then the sea's horizon) on the drawn `horizon`, zoomed in
    enough that the world's backgrounds (drawn over -0.1..1.1) still cover the picture; and
    where the world's sky then meets the land."""
    sky = 0.55 if setting in ("fjord", "beach") else 0.62
    zoom = rng.uniform(1.4, 1.8)
    for world in (GROUND_LINE.get(setting, sky), sky):
        k = max(zoom, (1 - horizon) / (1.1 - world) + 0.02, horizon / (0.1 + world) + 0.02)
        sky_line = horizon + (sky - world) * k
        if sky_line >= 0.2:
            break
    return (0.5, (horizon - world * k) / (1 - k), k), sky_line


def circle_of(path: np.ndarray) -> tuple[float, float, float]:
    """Centre and mean radius of a hand-drawn circle."""
    cx, cy = path.mean(axis=0)
    return float(cx), float(cy), float(np.hypot(*(path - (cx, cy)).T).mean())


def sun_spot(drawing: Drawing) -> tuple[float, float, float] | None:
    """The drawn sun's centre and radius, or None."""
    circles = paths(drawing, "sun")
    return circle_of(circles[0]) if circles else None


def draw_sun(cv: Canvas, drawing: Drawing, light: str) -> None:
    """On top of the background, so that no sea or hill the setting paints can hide it."""
    circles = paths(drawing, "sun")
    if not circles:
        return
    if light in ("sunset", "dawn"):  # the world's glow around a low sun
        draw_glow(cv, light, *circle_of(circles[0]))
    cv.poly([tuple(q) for q in circles[0]], LIGHTS[light]["sun"], lit=False)


def draw_ridge(cv: Canvas, drawing: Drawing, horizon: float) -> None:
    """The zig-zag as the mountains' silhouette, down to the horizon, with snow on the peaks."""
    for p in paths(drawing, "ridge"):
        cv.poly([*map(tuple, p), (p[-1][0], horizon + 0.02), (p[0][0], horizon + 0.02)], MOUNTAIN)
        ys = p[:, 1]
        for i in range(1, len(p) - 1):
            near = slice(max(0, i - 6), i + 7)
            if ys[i] == ys[near].min() and horizon - ys[i] > 0.12:  # a peak: snow on its top fifth
                cap = p[near][ys[near] < ys[i] + 0.2 * (horizon - ys[i])]
                if len(cap) >= 3:
                    cv.poly([tuple(q) for q in cap], SNOW, line=False)


def draw_background(cv: Canvas, scene: Scene, drawing: Drawing, horizon: float, view, sky: Image.Image, rng):
    """The world's background for the setting, horizon on the drawn ground line; mountains
    from the drawn ridge; then the sun where the drawing has one, and nowhere else."""
    if scene.setting == "mountains":
        draw_ridge(cv, drawing, horizon)
        cv.rect(-0.1, horizon, 1.1, 1.1, GRASS)
        low = paths(drawing, "ground")
        if drawing.kind == "mountains" and low:  # a second ground line: the near field
            cv.poly([*map(tuple, low[0]), (1.1, 1.1), (-0.1, 1.1)], FIELD)
    else:  # the world's own callback would draw a sun anywhere: this one tells where it is
        cv.zoom = view
        draw_setting(cv, scene, rng, sky, lambda box: sun_spot(drawing))
        cv.zoom = (0.0, 0.0, 1.0)
    draw_sun(cv, drawing, scene.light)


def draw_tree(cv: Canvas, drawing: Drawing) -> None:
    trunk, crown = paths(drawing, "tree.trunk"), paths(drawing, "tree.crown")
    if len(trunk) == 2 and crown:
        xs = [p[:, 0].mean() for p in trunk]
        cv.rect(min(xs), trunk[0][:, 1].min(), max(xs), trunk[0][:, 1].max(), TRUNK)
        cv.poly([tuple(q) for q in crown[0]], CROWN)


def draw_house(cv: Canvas, scene: Scene, drawing: Drawing) -> None:
    """Roof first, so the walls' top edge stays an edge, as it is a stroke."""
    roof = (80, 80, 92) if scene.colour == "red" else (120, 52, 40)
    for part, colour in (("house.roof", roof), ("house.walls", WALL.get(scene.colour, WALL["white"])),
                         ("house.door", (110, 70, 40)), ("house.window", window_glass(scene))):
        for p in paths(drawing, part):
            cv.poly([tuple(q) for q in p], colour, lit=not (part == "house.window" and scene.light == "night"))


def draw_car(cv: Canvas, scene: Scene, drawing: Drawing) -> None:
    paint = PAINT.get(scene.colour, PAINT["red"])
    glass = (60, 70, 95) if scene.light == "night" else (160, 200, 228)
    for p in paths(drawing, "car.cabin"):
        cv.poly([tuple(q) for q in p], glass)
    for p in paths(drawing, "car.body"):
        cv.poly([tuple(q) for q in p], paint)
    for p in paths(drawing, "car.wheel"):
        wheel(cv, *circle_of(p), whitewall=False)
    if paths(drawing, "car.body"):  # a dark sill under the doors, as the world's cars have
        body = paths(drawing, "car.body")[0]
        cv.line([(body[:, 0].min() + 0.01, body[:, 1].max() - 0.004),
                 (body[:, 0].max() - 0.01, body[:, 1].max() - 0.004)], dark(paint, 0.6), 0.006)


def picture(drawing: Drawing, seed: int, size: int = 128) -> np.ndarray:
    """The picture the drawing and its caption describe, in the world's look: uint8 (size, size, 3)."""
    scene, rng = scene_of(drawing, seed), np.random.default_rng(seed)
    canvas_size = max(16, size // 4) if scene.style == "pixel art" else size
    horizon = drawing.layout["horizon"]
    view, sky_line = camera(horizon, scene.setting, rng)
    if scene.setting == "mountains":
        sky_line = horizon
    sky = Image.fromarray(sky_array(scene.light, canvas_size, sky_line, scene.style in FLAT))
    image = sky.copy()
    cv = Canvas(image, LIGHTS[scene.light]["ambient"], OUTLINES[scene.style], False)
    draw_background(cv, scene, drawing, horizon, view, sky, rng)
    draw_tree(cv, drawing)
    if drawing.kind == "house":
        draw_house(cv, scene, drawing)
    elif drawing.kind == "car":
        draw_car(cv, scene, drawing)
    return apply_style(image, scene.style, size, rng)


def drawings_and_pictures(n: int, seed: int, size: int = 128):
    """Drawing i (kinds in turn, from rng [seed, i]), that rng, and its picture; i depends only
    on (seed, i)."""
    for i in range(n):
        rng = np.random.default_rng([seed, i])
        d = make_drawing(rng, KINDS[i % len(KINDS)], size)
        yield d, rng, picture(d, seed * 1_000_003 + i, size)


def drawn_pairs(n: int, seed: int, captions_per_pair: int = 1, size: int = 128):
    """n (drawing, picture, captions) for training: uint8 drawings and pictures (n, size,
    size, 3) and captions_per_pair wordings of each caption. Seeds apart from the evaluation's
    (workshop.eval_drawings.DRAWING_SEED) keep its drawings unseen."""
    drawings = np.zeros((n, size, size, 3), np.uint8)
    pictures = np.zeros_like(drawings)
    captions = []
    for i, (d, rng, p) in enumerate(drawings_and_pictures(n, seed, size)):
        drawings[i], pictures[i] = d.image, p
        captions.append([d.caption] + [prompt_for(d.named, rng) for _ in range(captions_per_pair - 1)])
    return drawings, pictures, captions


def attributes_of(drawing: Drawing) -> dict[str, str]:
    """The classifier's attributes of the drawing's picture (it has no birds)."""
    n = drawing.named
    return {"subject": n["subject"], "colour": n.get("colour") or "none", "setting": n["setting"],
            "light": n["light"], "style": n["style"],
            "placement": drawing.layout.get("placement", "none"), "birds": "0"}


def labelled_pictures(n: int, seed: int, size: int = 128) -> tuple[np.ndarray, list[dict]]:
    """n pictures of person drawings, kinds in turn, with their attributes."""
    pictures, attributes = np.zeros((n, size, size, 3), np.uint8), []
    for i, (d, _, p) in enumerate(drawings_and_pictures(n, seed, size)):
        pictures[i] = p
        attributes.append(attributes_of(d))
    return pictures, attributes
