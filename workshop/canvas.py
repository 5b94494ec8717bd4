"""The drawing surface of the tiny world's renderer, and the light and line tables it uses.

Canvas wraps Pillow's ImageDraw in normalised coordinates (0..1, y down) with the scene's
ambient light and the art style's outline. It sits below render.py, settings.py and
subjects.py, which all draw on it.
"""

import numpy as np
from PIL import Image, ImageDraw

# sky gradient (top, horizon), ambient multiplier for everything the light falls on,
# and the colour of the sun or moon; strong differences so a tiny model learns them
LIGHTS = {
    "dawn": {"sky": ((150, 140, 205), (255, 190, 170)), "ambient": (1.0, 0.86, 0.84),
             "sun": (255, 240, 200), "bird": (60, 40, 60)},
    "day": {"sky": ((55, 125, 225), (175, 215, 248)), "ambient": (1.0, 1.0, 1.0),
            "sun": (255, 250, 220), "bird": (30, 30, 40)},
    "sunset": {"sky": ((165, 55, 75), (255, 160, 55)), "ambient": (1.0, 0.72, 0.50),
               "sun": (255, 95, 40), "bird": (45, 20, 25)},
    "night": {"sky": ((6, 10, 35), (28, 40, 85)), "ambient": (0.32, 0.36, 0.58),
              "sun": (235, 235, 215), "bird": (205, 210, 225)},
}
# the line style each art style draws with: (colour, width in normalised units) or None
OUTLINES = {"photo": None, "watercolour": None, "flat illustration": ((35, 28, 40), 0.014),
            "pixel art": ("shade", 0.03), "pencil sketch": ((0, 0, 0), 0.012)}
PAPER = np.array((244, 240, 230), np.float32)


class Canvas:
    """ImageDraw in normalised coordinates, with the scene's light and the style's outline."""

    def __init__(self, image: Image.Image, ambient, outline, indoor: bool):
        self.image = image
        self.size = image.size[0]
        self.draw = ImageDraw.Draw(image)
        self.ambient = tuple(float(a) for a in ambient)
        self.outline = outline
        self.indoor = indoor
        self.zoom = (0.0, 0.0, 1.0)  # (origin x, origin y, factor): subjects vary in size

    def rgb(self, colour, lit: bool = True) -> tuple[int, int, int]:
        if not lit:
            return tuple(int(c) for c in colour)
        return tuple(min(255, int(c * a)) for c, a in zip(colour, self.ambient))

    def px(self, value: float) -> int:
        return max(1, int(round(value * self.size)))

    def _line_args(self, line: bool, fill) -> dict:
        if not line or self.outline is None:
            return {}
        colour = self.outline[0]
        if colour == "shade":  # 1 px lines at 32 px would swamp a subject's colour if black
            colour = tuple(int(c * 0.5) for c in fill)
        return {"outline": colour, "width": self.px(self.outline[1])}

    def xy(self, pts) -> list[tuple[float, float]]:
        s, (ox, oy, k) = self.size, self.zoom
        return [((ox + (x - ox) * k) * s, (oy + (y - oy) * k) * s) for x, y in pts]

    def ellipse(self, cx, cy, rx, ry, colour, lit=True, line=True):
        (cx, cy), = self.xy([(cx, cy)])
        rx, ry = rx * self.zoom[2] * self.size, ry * self.zoom[2] * self.size
        box = [cx - rx, cy - ry, cx + rx, cy + ry]
        fill = self.rgb(colour, lit)
        self.draw.ellipse(box, fill=fill, **self._line_args(line, fill))

    def tilted(self, cx, cy, rx, ry, angle, colour, lit=True, line=True, n=20):
        t = np.linspace(0, 2 * np.pi, n, endpoint=False)
        x, y = rx * np.cos(t), ry * np.sin(t)
        ca, sa = np.cos(angle), np.sin(angle)
        pts = list(zip(cx + x * ca - y * sa, cy + x * sa + y * ca))
        self.poly(pts, colour, lit, line)

    def poly(self, pts, colour, lit=True, line=True):
        fill = self.rgb(colour, lit)
        self.draw.polygon(self.xy(pts), fill=fill, **self._line_args(line, fill))

    def rect(self, x0, y0, x1, y1, colour, lit=True, line=True):
        self.poly([(x0, y0), (x1, y0), (x1, y1), (x0, y1)], colour, lit, line)

    def line(self, pts, colour, width, lit=True):
        self.draw.line(self.xy(pts), fill=self.rgb(colour, lit), width=self.px(width * self.zoom[2]),
                       joint="curve")
