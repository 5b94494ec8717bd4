"""Exercise 6 (seed 004): conditioning beyond text, through a control map and a ControlNet.

canny and scribble work offline: their maps come from playground.detectors, the same code
the embedded model's ControlNets were trained on. A "scribble" from a photo is its canny
edges thickened (the HED network usually used needs hub weights); a drawn sketch is taken
as drawn. depth and openpose need controlnet_aux's annotator weights from the hub.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Sequence

from PIL import Image

from playground.exercises.common import fit_image, make_panel, render
from playground.panels import Panel
from playground.params import GenerationParams, check_grid_cells
from playground.registry import check_hub

DETECTORS = ("canny", "scribble", "depth", "openpose")
OFFLINE_DETECTORS = ("canny", "scribble")
# controlnet_aux's weights for the hub detectors, and a file to probe the cache with.
ANNOTATORS = {"depth": ("MidasDetector", "dpt_hybrid-midas-501f0c75.pt"),
              "openpose": ("OpenposeDetector", "body_pose_model.pth")}
ANNOTATOR_REPO = "lllyasviel/Annotators"


class ControlNetPanels(list):
    """The generated panels, plus the control map they were conditioned on (.control_map)."""

    def __init__(self, panels: Sequence[Panel], control_map: Panel):
        super().__init__(panels)
        self.control_map = control_map


@lru_cache(maxsize=2)
def _hub_detector(detector: str):
    class_name, probe = ANNOTATORS[detector]
    check_hub(ANNOTATOR_REPO, probe)  # a clear error offline, before a slow import and a download
    import controlnet_aux

    return getattr(controlnet_aux, class_name).from_pretrained(ANNOTATOR_REPO)


def control_map(image: Image.Image, detector: str, width: int, height: int) -> Image.Image:
    """The control map of `image` at the generation size (white lines on black for edges)."""
    from playground import detectors

    if detector not in DETECTORS:
        raise ValueError(f"detector must be one of {', '.join(DETECTORS)}, got {detector!r}")
    source = fit_image(image, width, height)
    if detector == "canny":
        return Image.fromarray(detectors.canny_map(source))
    if detector == "scribble":
        return Image.fromarray(detectors.scribble_map(source))
    result = _hub_detector(detector)(source, detect_resolution=max(width, height),
                                     image_resolution=max(width, height))
    return result.convert("RGB").resize((width, height), Image.Resampling.BILINEAR)


def controlnet(manager, params: GenerationParams, image: Image.Image, detector: str,
               scales: Sequence[float]) -> ControlNetPanels:
    """One panel per conditioning scale, all from the same map and seed."""
    # 1. validate: the model must pair with a ControlNet for this detector, scales in range
    if detector not in DETECTORS:
        raise ValueError(f"detector must be one of {', '.join(DETECTORS)}, got {detector!r}")
    if detector not in manager.spec.controlnets:
        have = ", ".join(sorted(manager.spec.controlnets)) or "none"
        raise ValueError(f"detector must be one with a ControlNet for {manager.model} ({have}), got {detector!r}")
    scales = list(scales)
    check_grid_cells(len(scales), "scales")
    cells = [params.replace(controlnet_conditioning_scale=s) for s in scales]
    # 2. the map once, then one call per scale (a scale is one value per call)
    cmap = control_map(image, detector, params.width, params.height)
    images = render(manager, cells, "controlnet", image=cmap, detector=detector)
    panels = [make_panel(manager, p, img, f"{detector} {p.controlnet_conditioning_scale:g}", detector=detector)
              for p, img in zip(cells, images)]
    map_panel = Panel(cmap, f"{detector} map", {"detector": detector, "width": params.width,
                                                "height": params.height, "model": manager.model})
    return ControlNetPanels(panels, map_panel)
