"""Lesson 6: conditioning beyond text, through a control map and a ControlNet.

canny and scribble work offline: their maps come from playground.detectors, the same code
the embedded model's ControlNets were trained on (workshop.train_controlnet calls it too). A "scribble" from a photo is its canny
edges thickened (the HED network usually used needs hub weights); a drawn sketch is taken
as drawn. depth and openpose need controlnet_aux's annotator weights from the hub.

Each panel keeps the control image (what the detector read, at the generation size) and the map
as its inputs, one pair shared by the run's panels: its PNG, the ZIP and the PDF carry them, and
restore puts the control image back into the tab, which then makes the same map and panel.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Sequence

from PIL import Image

from playground.detectors import control_map as detect
from playground.exercises.common import fit_image, make_panel, render
from playground.panels import Panel
from playground.params import GenerationParams, check_grid_cells


class ControlNetPanels(list):
    """The generated panels, plus the control map they were conditioned on (.control_map)."""

    def __init__(self, panels: Sequence[Panel], control_map: Panel):
        super().__init__(panels)
        self.control_map = control_map


def control_map(image: Image.Image, detector: str, width: int, height: int,
                device: str | None = None) -> Image.Image:
    """The control map of `image` at the generation size (white lines on black for edges);
    depth and openpose run on `device` (the pipeline's)."""
    return detect(fit_image(image, width, height), detector, device)


def controlnet(manager, params: GenerationParams, image: Image.Image, detector: str,
               scales: Sequence[float]) -> ControlNetPanels:
    """One panel per conditioning scale, all from the same map and seed."""
    # 1. the detector was checked at the Lab's door; the scales are this exercise's own
    scales = list(scales)
    check_grid_cells(len(scales), "scales")
    cells = [params.replace(controlnet_conditioning_scale=s) for s in scales]
    # 2. the map once, then one call per scale (a scale is one value per call)
    source = fit_image(image, params.width, params.height)
    cmap = detect(source, detector, manager.device)
    images = render(manager, cells, "controlnet", image=cmap, detector=detector)
    # 3. panels that carry what they were made from (one pair of images for all of them)
    inputs = {"control_image": source, "control_map": cmap}
    panels = [replace(make_panel(manager, p, img, f"{detector} {p.controlnet_conditioning_scale:g}",
                                 detector=detector), inputs=inputs)
              for p, img in zip(cells, images)]
    map_panel = Panel(cmap, f"{detector} map", {"detector": detector, "width": params.width,
                                                "height": params.height, "model": manager.model})
    return ControlNetPanels(panels, map_panel)
