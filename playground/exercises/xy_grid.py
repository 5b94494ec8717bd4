"""Lesson 3: a grid over two settings, e.g. seed x prompt, with labelled axes.

x varies along a row (columns), y down a column (rows); panels come back row-major. Cells
that differ only in seed or prompt share one batched pipeline call.
"""
from __future__ import annotations

from typing import Any, Sequence

from PIL import Image

from playground.exercises.common import PanelGrid, describe, fit_image, make_panel, render
from playground.params import GenerationParams, check_grid_cells

AXES = ("seed", "prompt", "guidance_scale", "num_inference_steps", "scheduler", "strength")
DEFAULT_STRENGTH = 0.6  # img2img strength when the grid has an image but no strength axis


def xy_grid(manager, params: GenerationParams, x_axis: str, x_values: Sequence[Any],
            y_axis: str, y_values: Sequence[Any], image: Image.Image | None = None) -> PanelGrid:
    """len(y_values) rows x len(x_values) columns of panels, captioned "x · y"."""
    # 1. validate the axes, the cell count and (through replace) every value
    for name, axis in (("x_axis", x_axis), ("y_axis", y_axis)):
        if axis not in AXES:
            raise ValueError(f"{name} must be one of {', '.join(AXES)}, got {axis!r}")
    if x_axis == y_axis:
        raise ValueError(f"x_axis and y_axis must differ, both are {x_axis!r}")
    x_values, y_values = list(x_values), list(y_values)
    if not x_values or not y_values:
        raise ValueError("x_values and y_values must each hold at least 1 value")
    check_grid_cells(len(x_values) * len(y_values), "grid")
    if "strength" in (x_axis, y_axis) and image is None:
        raise ValueError("image is needed when an axis is strength (image-to-image)")
    if image is not None and params.strength is None:
        params = params.replace(strength=DEFAULT_STRENGTH)
    cells = [params.replace(**{x_axis: x, y_axis: y}) for y in y_values for x in x_values]
    # 2. render (batched where only seeds and prompts differ)
    if image is None:
        images = render(manager, cells)
    else:
        images = render(manager, cells, "img2img", image=fit_image(image, params.width, params.height))
    # 3. label
    col_labels = [describe(x_axis, x) for x in x_values]
    row_labels = [describe(y_axis, y) for y in y_values]
    panels = [make_panel(manager, p, img, f"{col_labels[i % len(x_values)]} · {row_labels[i // len(x_values)]}")
              for i, (p, img) in enumerate(zip(cells, images))]
    return PanelGrid(panels, len(x_values), row_labels, col_labels, x_axis, y_axis)
