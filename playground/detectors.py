"""Control maps that need no downloaded weights: canny edges and scribbles.

Training (playground.world.train) and the lab both call these, so the ControlNets see at
inference exactly the kind of map they were trained on. Canny is the same cv2.Canny call that
controlnet_aux.CannyDetector makes, at the image's own resolution (CannyDetector would first
resize to 512, which changes edge thickness relative to a 128 px model).
"""
from __future__ import annotations

import numpy as np
from PIL import Image

CANNY_LOW, CANNY_HIGH = 100, 200


def to_rgb_array(image) -> np.ndarray:
    if isinstance(image, Image.Image):
        image = np.asarray(image.convert("RGB"))
    image = np.asarray(image)
    if image.dtype != np.uint8:
        raise ValueError(f"image: expected uint8 pixels, got {image.dtype}")
    if image.ndim == 2:
        image = np.repeat(image[:, :, None], 3, axis=2)
    return image[:, :, :3]


def canny_map(image, low: int = CANNY_LOW, high: int = CANNY_HIGH) -> np.ndarray:
    """White edges on black, HxWx3 uint8."""
    import cv2
    if not (0 <= low < high <= 1000):
        raise ValueError(f"canny thresholds: need 0 <= low < high <= 1000, got {low}, {high}")
    edges = cv2.Canny(to_rgb_array(image), low, high)
    return np.repeat(edges[:, :, None], 3, axis=2)


def looks_like_sketch(rgb: np.ndarray) -> bool:
    """A drawing is mostly one light background colour with thin dark strokes."""
    grey = rgb.mean(axis=2)
    return float((grey > 200).mean()) > 0.6 and float((grey < 128).mean()) > 0.002


def scribble_map(image, width: int | None = None) -> np.ndarray:
    """Thick white strokes on black, HxWx3 uint8.

    Hand sketches (dark lines on a light canvas) are binarised as drawn; photos and renders
    become their canny edges thickened, which is how the scribble ControlNet was trained
    (HED-based scribbles need weights from the hub, which this app cannot assume).
    """
    import cv2
    rgb = to_rgb_array(image)
    width = width or max(2, round(rgb.shape[1] / 64))
    if looks_like_sketch(rgb):
        strokes = (rgb.mean(axis=2) < 160).astype(np.uint8) * 255
    else:
        strokes = cv2.Canny(rgb, CANNY_LOW, CANNY_HIGH)
    kernel = np.ones((width, width), np.uint8)
    strokes = cv2.dilate(strokes, kernel)
    return np.repeat(strokes[:, :, None], 3, axis=2)


DETECTORS = {"canny": canny_map, "scribble": scribble_map}
