"""Render a Scene to a small RGB image with Pillow's ImageDraw and a little numpy.

Everything is drawn in normalised coordinates (0..1, y down) on a square canvas, so the
same drawing code makes the 128 px image and the 32 px canvas that pixel art upscales.
Rendering is a pure function of the scene: all jitter comes from scene.seed.
"""

import dataclasses
from functools import lru_cache

import numpy as np
from PIL import Image, ImageFilter

from playground.world.scene import Scene
from workshop.canvas import LIGHTS, OUTLINES, PAPER, Canvas
from workshop.settings import draw_setting
from workshop.subjects import draw_subject, subject_box


def sky_array(light: str, size: int, horizon: float, banded: bool) -> np.ndarray:
    top, bottom = (np.asarray(c, np.float32) for c in LIGHTS[light]["sky"])
    t = np.clip(np.linspace(0, 1, size, dtype=np.float32) / max(horizon, 0.05), 0, 1)
    if banded:  # flat styles: three flat bands instead of a smooth gradient
        t = np.floor(t * 3 - 1e-6).clip(0) / 2
    column = top + (bottom - top) * t[:, None]
    return np.broadcast_to(column[:, None, :], (size, size, 3)).astype(np.uint8)


def draw_glow(cv: Canvas, light: str, x: float, y: float, r: float) -> None:
    """The halo around a low sun: halfway between the sun's colour and the sky's at the horizon."""
    glow = np.mean([LIGHTS[light]["sun"], LIGHTS[light]["sky"][1]], axis=0)
    cv.ellipse(x, y, r * 1.8, r * 1.8, glow, lit=False, line=False)


def draw_sky_objects(cv: Canvas, scene: Scene, rng: np.random.Generator, box) -> tuple:
    """Sun, moon, stars and clouds inside the sky box (x0, y0, x1, y1); returns the sun disc."""
    x0, y0, x1, y1 = box
    light = scene.light
    side = 0.8 if scene.placement in ("left", "centre") else 0.2
    sx = x0 + (x1 - x0) * (side + rng.uniform(-0.05, 0.05))
    if light == "night":
        for _ in range(int(40 * (x1 - x0) * (y1 - y0)) + 4):
            x, y = rng.uniform(x0, x1), rng.uniform(y0, y1 * 0.9 + y0 * 0.1)
            cv.ellipse(x, y, 0.006, 0.006, (250, 250, 235), lit=False, line=False)
        sun = (sx, y0 + (y1 - y0) * 0.25, 0.06 * (x1 - x0) + 0.02)
        cv.ellipse(*sun[:2], sun[2], sun[2], LIGHTS[light]["sun"], lit=False)
        return sun
    if light == "day":
        sun = (sx, y0 + (y1 - y0) * 0.2, 0.05 * (x1 - x0) + 0.015)
        for _ in range(2):
            cx, cy = rng.uniform(x0 + 0.1, x1 - 0.1), rng.uniform(y0 + 0.05, y1 - 0.1)
            for dx in (-0.05, 0.0, 0.05):
                cv.ellipse(cx + dx, cy - (0.02 if dx == 0 else 0), 0.05, 0.03,
                           (250, 250, 252), lit=False, line=False)
    else:  # dawn and sunset: a big low sun on the horizon, with a glow
        sun = (sx, y1 - 0.07 * (y1 - y0) - 0.02, 0.09 * (x1 - x0) + 0.02)
        draw_glow(cv, light, *sun)
    cv.ellipse(sun[0], sun[1], sun[2], sun[2], LIGHTS[light]["sun"], lit=False)
    return sun


def draw_birds(cv: Canvas, scene: Scene, rng: np.random.Generator, sky_bottom: float, avoid):
    """Exactly scene.birds small "v" shapes in the open sky, apart from each other and the sun."""
    placed = []
    for _ in range(400):
        if len(placed) == scene.birds:
            break
        x, y = rng.uniform(0.07, 0.93), rng.uniform(0.06, max(0.12, sky_bottom - 0.1))
        if any(abs(x - px) < 0.12 and abs(y - py) < 0.09 for px, py in placed):
            continue
        if any(x0 - 0.05 < x < x1 + 0.05 and y0 - 0.05 < y < y1 + 0.05 for x0, y0, x1, y1 in avoid):
            continue
        placed.append((x, y))
    colour = LIGHTS[scene.light]["bird"]
    if scene.style == "pencil sketch" and scene.light != "night":
        colour = (0, 0, 0)  # drawn as graphite lines, not lost in the hatching
    pixel = scene.style == "pixel art"  # at 32 px a flat "v" would read as a dash
    width, rise = (0.03, 1.0) if pixel else (0.014, 0.6)
    for x, y in placed:
        w = rng.uniform(0.035, 0.045) * (1.3 if pixel else 1.0)
        cv.line([(x - w, y - rise * w), (x, y), (x + w, y - rise * w)], colour, width, lit=False)


@lru_cache(maxsize=4)
def _noise(size: int) -> np.ndarray:
    """A fixed grain tile (made on first use) that images crop at random offsets."""
    return np.random.default_rng(0).normal(0, 5, (2 * size, 2 * size, 1)).astype(np.int16)


@lru_cache(maxsize=4)
def _frames(size: int) -> tuple[np.ndarray, np.ndarray]:
    """Photo vignette (x256, int) and the watercolour's paper-white border weight."""
    y = np.linspace(-1, 1, size, dtype=np.float32)
    vignette = 256 * (1 - 0.09 * (y[:, None] ** 2 + y[None, :] ** 2))
    edge = np.clip((np.maximum(np.abs(y)[:, None], np.abs(y)[None, :]) - 0.86) / 0.14, 0, 1)
    return vignette.astype(np.int32)[..., None], (0.28 + 0.72 * edge)[..., None]


@lru_cache(maxsize=4)
def _hatching(size: int) -> tuple[np.ndarray, np.ndarray]:
    y, x = np.mgrid[0:size, 0:size]
    step = max(3, size // 32)
    return ((x + y) % step == 0).astype(np.float32), ((x - y) % step == 0).astype(np.float32)


def apply_style(image: Image.Image, style: str, size: int, rng) -> np.ndarray:
    """Turn the flat drawing into the look of its art style (cheap filters: ~1 ms budget)."""
    if style == "pixel art":
        image = image.quantize(colors=24, method=Image.Quantize.MEDIANCUT).convert("RGB")
        return np.asarray(image.resize((size, size), Image.Resampling.NEAREST))
    if style == "photo":  # soft edges, vignette and film grain
        arr = np.asarray(image.filter(ImageFilter.BoxBlur(size / 200)), np.int32)
        ox, oy = rng.integers(0, size, 2)
        arr = (arr * _frames(size)[0] >> 8) + _noise(size)[oy:oy + size, ox:ox + size]
        return np.clip(arr, 0, 255).astype(np.uint8)
    if style == "watercolour":  # blurred, pale washes on blotchy paper, white margins
        arr = np.asarray(image.filter(ImageFilter.BoxBlur(size / 110)), np.float32)
        blotches = Image.fromarray(rng.normal(0, 1, (6, 6)).astype(np.float32))
        paper = 1 + 0.05 * np.asarray(blotches.resize((size, size), Image.Resampling.BICUBIC))
        wash = _frames(size)[1]
        arr = (arr * (1 - wash) + PAPER * wash) * paper[..., None]
        return np.clip(arr, 0, 255).astype(np.uint8)
    if style == "pencil sketch":  # graphite lines and hatching by darkness on off-white paper
        gray = np.asarray(image.convert("L"), np.float32) / 255
        dark = np.clip(1.1 - gray * 1.2, 0, 1)
        h1, h2 = _hatching(size)
        ink = np.clip(0.55 * h1 * (dark > 0.25) + 0.55 * h2 * (dark > 0.55) + 0.25 * dark, 0, 1)
        ink = np.maximum(ink, (gray < 0.02).astype(np.float32))  # the outlines
        ink = Image.fromarray((ink * 255).astype(np.uint8)).filter(ImageFilter.BoxBlur(size / 256))
        shade = 1 - 0.75 / 255 * np.asarray(ink, np.float32)
        return (PAPER * shade[..., None]).astype(np.uint8)
    return np.asarray(image)


def render(scene: Scene, size: int = 128) -> np.ndarray:
    """The scene as a uint8 array (size, size, 3); the same scene always gives the same image."""
    if not 16 <= size <= 1024:
        raise ValueError(f"size must be in 16..1024, got {size}")
    # 1. canvas: pixel art draws at a quarter of the size and is upscaled at the end
    rng = np.random.default_rng(scene.seed)
    canvas_size = max(16, size // 4) if scene.style == "pixel art" else size
    flat = scene.style in ("flat illustration", "pixel art", "pencil sketch")
    light = LIGHTS[scene.light]
    indoor = scene.setting in ("living room", "library")
    ambient = np.asarray(light["ambient"])
    if indoor:  # a room is lit partly by lamps, so its tint is milder than outdoors
        ambient = 0.6 * ambient + 0.4 * np.array((0.75, 0.68, 0.6) if scene.light == "night" else 1.0)
    horizon = 0.55 if scene.setting in ("fjord", "beach") else 0.62
    sky = Image.fromarray(sky_array(scene.light, canvas_size, horizon, flat))
    image = sky.copy()
    cv = Canvas(image, ambient, OUTLINES[scene.style], indoor)
    # 2. background (with sky objects inside it), then birds, then the subject
    avoid = [subject_box(scene)]
    layout = draw_setting(cv, scene, rng, sky, lambda box: draw_sky_objects(cv, scene, rng, box))
    avoid += layout["avoid"]
    sun = layout.get("sun")
    if sun is not None:
        avoid.append((sun[0] - sun[2], sun[1] - sun[2], sun[0] + sun[2], sun[1] + sun[2]))
    if scene.birds:
        draw_birds(cv, scene, rng, layout["sky_bottom"], avoid)
    draw_subject(cv, scene, rng, layout["ground"])
    # 3. the art style
    return apply_style(image, scene.style, size, rng)


def outline_view(scene: Scene, size: int = 128) -> np.ndarray:
    """The scene drawn as flat shapes with outlines, same layout and light: its edges are the
    contours a student would sketch, without the hatching, grain or pixel blocks of a style."""
    return render(dataclasses.replace(scene, style="flat illustration"), size)
