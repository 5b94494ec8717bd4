"""Control maps that need no downloaded weights: canny edges and scribbles.

Training (workshop.train_controlnet) and the lab both call these, so the ControlNets see at
inference exactly the kind of map they were trained on. Canny is the same cv2.Canny call that
controlnet_aux.CannyDetector makes, at the image's own resolution (CannyDetector would first
resize to 512, which changes edge thickness relative to a 128 px model).
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np
from PIL import Image

from playground.registry import ANNOTATOR_FILES, ANNOTATOR_REPO, HubUnavailableError, check_hub, on_zero_gpu

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
    workshop.train_controlnet calls this very function for its training maps (a
    re-implementation there drew 1.4x more stroke pixels than the app, so the net saw thinner
    strokes than it was trained on). Strokes are 3 px at 128 px, wider in proportion above 192.
    """
    import cv2
    rgb = to_rgb_array(image)
    width = width or max(3, round(rgb.shape[1] / 64))
    if looks_like_sketch(rgb):
        strokes = (rgb.mean(axis=2) < 160).astype(np.uint8) * 255
    else:
        strokes = cv2.Canny(rgb, CANNY_LOW, CANNY_HIGH)
    kernel = np.ones((width, width), np.uint8)
    strokes = cv2.dilate(strokes, kernel)
    return np.repeat(strokes[:, :, None], 3, axis=2)


# Every detector the lab knows, in the order a picker shows them; the first two need no weights.
DETECTORS = ("canny", "scribble", "depth", "openpose")
OFFLINE = {"canny": canny_map, "scribble": scribble_map}
# controlnet_aux's class for each hub detector; its files are registry.ANNOTATOR_FILES.
ANNOTATORS = {"depth": "MidasDetector", "openpose": "OpenposeDetector"}


def check_detector(detector, available, model: str) -> str:
    """The detector, if `model` pairs it with a ControlNet; else a ValueError naming the choices."""
    if detector not in DETECTORS:
        raise ValueError(f"detector must be one of {', '.join(DETECTORS)}, got {detector!r}")
    if detector not in available:
        have = ", ".join(d for d in DETECTORS if d in available) or "none"
        raise ValueError(f"detector must be one with a ControlNet for {model} ({have}), got {detector!r}")
    return detector


def detector_device() -> str:
    """Where the hub detectors run: the GPU when there is one, like the pipelines
    (pipelines.default_device), so a depth map is not minutes of CPU beside a GPU."""
    import torch

    return "cuda" if on_zero_gpu() or torch.cuda.is_available() else "cpu"


@lru_cache(maxsize=4)
def _hub_detector(detector: str, device: str):
    # Every file controlnet_aux will read, checked first: a clear error offline, before a slow
    # import and a download (OpenPose reads three files even for bodies only).
    local = check_hub(ANNOTATOR_REPO, ANNOTATOR_FILES[detector])
    import controlnet_aux

    try:
        model = getattr(controlnet_aux, ANNOTATORS[detector]).from_pretrained(ANNOTATOR_REPO, local_files_only=local)
    except OSError as e:  # a file that vanished (or never downloaded) between the check and the load
        raise HubUnavailableError(f"detector {detector}: {ANNOTATOR_REPO} could not be read ({e})") from None
    return model.to(device)


def control_map(source: Image.Image, detector: str, device: str | None = None) -> Image.Image:
    """The control map of an RGB image already at the generation size (white lines on black
    for edges); canny and scribble run here, depth and openpose through controlnet_aux on
    `device` (None: the GPU when there is one)."""
    if detector in OFFLINE:
        return Image.fromarray(OFFLINE[detector](source))
    if detector not in ANNOTATORS:
        raise ValueError(f"detector must be one of {', '.join(DETECTORS)}, got {detector!r}")
    width, height = source.size
    result = _hub_detector(detector, device or detector_device())(
        source, detect_resolution=max(width, height), image_resolution=max(width, height))
    return result.convert("RGB").resize((width, height), Image.Resampling.BILINEAR)
