"""Conditioning: a picture, a control map or a mask beside the text (lessons 6 and 11).

Lab's methods for this group of lessons: Lab inherits them. Each takes its own arguments and
the shared settings (negative_prompt, num_inference_steps, guidance_scale, scheduler, width,
height); each runs one exercise module of playground/exercises/.
"""
from __future__ import annotations

from typing import Sequence, Unpack

from PIL import Image

from playground.detectors import check_detector
from playground.exercises import controlnet, img2img, inpaint
from playground.panels import Panel
from playground.params import Settings


class ConditioningLessons:
    """Mixed into Lab: uses self.manager, self._params(prompt, seed, **settings) and the model facts."""

    def img2img_strength(self, image: Image.Image, prompt: str, strengths: Sequence[float] = (0.2, 0.5, 0.8),
                         seed: int | None = None, **settings: Unpack[Settings]) -> list[Panel]:
        """Image-to-image at several strengths; each panel reports its SSIM against the input."""
        return img2img.img2img_strength(self.manager, self._params(prompt, seed, **settings), image, strengths)

    def controlnet(self, image: Image.Image, prompt: str, detector: str = "canny",
                   scales: Sequence[float] = (1.0,), seed: int | None = None,
                   **settings: Unpack[Settings]) -> controlnet.ControlNetPanels:
        """ControlNet panels per scale; the result's .control_map is the map they followed."""
        check_detector(detector, self.detectors(), self.model)
        return controlnet.controlnet(self.manager, self._params(prompt, seed, **settings), image, detector, scales)

    def control_map(self, image: Image.Image, detector: str = "canny", width: int | None = None,
                    height: int | None = None) -> Image.Image:
        """Just the control map (to preview it before generating)."""
        size = self.manager.spec.size
        return controlnet.control_map(image, detector, width or size, height or size, self.device)

    def inpaint(self, image: Image.Image, mask: Image.Image, prompt: str, strengths: Sequence[float] = (0.75, 1.0),
                seed: int | None = None, **settings: Unpack[Settings]) -> list[Panel]:
        """Repaint where the mask is white (black is kept, pixel for pixel), one panel per strength."""
        return inpaint.inpaint(self.manager, self._params(prompt, seed, **settings), image, mask, strengths)
