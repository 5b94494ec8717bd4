"""Three drawings made in the app's own sketch pad, and what the ControlNet tab makes of them:
the model card's sketches/ folder.

    python -m workshop.pad_sketches [--out models/tiny-world/sketches] [--before DIR]

Starts `python app.py` (which serves models/tiny-world: the folder's weights are what it
draws with) on a free loopback port, opens it in Debian's chromium through Playwright (bash
.ci/browser-setup.sh installs both), and in the ControlNet tab draws a house, a mountain ridge
and a car with the mouse, stroke by stroke, as a student would (the pad's default 6 px brush,
the default detector for sketches), types a caption, runs the tab at its default scales and
saves what the page shows: <name>_drawing.png (the drawing as the pad holds it),
<name>_scale_<s>.png (the output at each scale) and sheet.png (drawing, control map and
outputs, one row a drawing, under labels). `--before DIR`: an earlier run's folder (before a
change of weights); its outputs join the sheet, left of this run's.
"""
from __future__ import annotations

import argparse
import io
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from playground.params import load_preset
from workshop.model import MODEL_DIR, ROOT

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"]


def circle(cx, cy, r, n=24):
    return [(cx + r * np.cos(a), cy + r * np.sin(a)) for a in np.linspace(0, 2 * np.pi, n)]


# Strokes in the pad's 0..1 coordinates (y down), drawn the way people draw these things.
SKETCHES = {
    "house": ("a red house in a meadow on a sunny day", [
        [(0.05, 0.8), (0.95, 0.8)],                                       # ground
        [(0.3, 0.5), (0.3, 0.8), (0.62, 0.8), (0.62, 0.5), (0.3, 0.5)],   # walls
        [(0.27, 0.52), (0.46, 0.3), (0.65, 0.52)],                        # roof
        [(0.42, 0.8), (0.42, 0.65), (0.5, 0.65), (0.5, 0.8)],             # door
        circle(0.8, 0.18, 0.06),                                          # sun
    ]),
    "ridge": ("mountains at sunset", [
        [(0.02, 0.62), (0.2, 0.35), (0.33, 0.5), (0.52, 0.22), (0.7, 0.48), (0.82, 0.36), (0.98, 0.6)],
        [(0.02, 0.78), (0.98, 0.78)],
        circle(0.25, 0.15, 0.05),
    ]),
    "car": ("a blue car in a city at noon", [
        [(0.02, 0.82), (0.98, 0.82)],
        [(0.2, 0.58), (0.2, 0.74), (0.8, 0.74), (0.8, 0.58), (0.2, 0.58)],   # body
        [(0.32, 0.58), (0.4, 0.44), (0.62, 0.44), (0.7, 0.58)],              # cabin
        circle(0.33, 0.76, 0.06), circle(0.67, 0.76, 0.06),                 # wheels
    ]),
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_app(port: int) -> subprocess.Popen:
    env = {**os.environ, "GRADIO_SERVER_NAME": "127.0.0.1", "GRADIO_SERVER_PORT": str(port),
           "HF_HUB_OFFLINE": "1", "GRADIO_ANALYTICS_ENABLED": "False"}
    proc = subprocess.Popen([sys.executable, "app.py"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(240):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1)
            return proc
        except OSError:
            time.sleep(0.5)
    proc.kill()
    raise RuntimeError("the app did not start within 2 minutes")


def paper(block, canvas) -> dict:
    """Where the pad's 384 px paper sits on the page: centred in the canvas element, at the
    zoom the toolbar shows (e.g. 94%)."""
    import re
    box = canvas.bounding_box()
    shown = block.get_by_text(re.compile(r"^\d+%$")).first.inner_text()
    side = 384 * int(shown.rstrip("%")) / 100
    return {"x": box["x"] + (box["width"] - side) / 2, "y": box["y"] + (box["height"] - side) / 2,
            "width": side, "height": side}


def draw(page, box: dict, strokes) -> None:
    """Mouse strokes on the pad's paper, in small moves (the pad draws along the pointer)."""
    for stroke in strokes:
        pts = [(box["x"] + x * box["width"], box["y"] + y * box["height"]) for x, y in stroke]
        page.mouse.move(*pts[0])
        page.mouse.down()
        for (x0, y0), (x1, y1) in zip(pts, pts[1:]):
            n = max(2, int(np.hypot(x1 - x0, y1 - y0) / 4))
            for t in np.linspace(0, 1, n)[1:]:
                page.mouse.move(x0 + (x1 - x0) * t, y0 + (y1 - y0) * t)
        page.mouse.up()


def fetch(page, src: str) -> Image.Image:
    body = page.request.get(src).body()
    return Image.open(io.BytesIO(body)).convert("RGB")


def run(out: Path, before: Path | None = None, timeout_ms: int = 90_000) -> dict:
    from playwright.sync_api import sync_playwright

    out.mkdir(parents=True, exist_ok=True)
    port = free_port()
    app = start_app(port)
    rows, made = {}, {}
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            page = browser.new_page(viewport={"width": 2800, "height": 1400})
            page.set_default_timeout(timeout_ms)
            page.goto(f"http://127.0.0.1:{port}/")
            page.locator("#nav-controlnet").click()  # the lesson map
            try:
                draw_all(page, out, rows, made)
            except Exception:
                page.screenshot(path=str(out / "error.png"))  # what the page showed when it failed
                raise
            browser.close()
    finally:
        app.terminate()
        app.wait(30)
    labelled_sheet(rows, out / "sheet.png", before)
    return made


def draw_all(page, out: Path, rows: dict, made: dict) -> None:
    """Each sketch in turn: draw it, caption it, run the tab, save what the page shows."""
    scales = load_preset("controlnet")["scales"]  # the tab's outputs, in this order
    for name, (caption, strokes) in SKETCHES.items():
        block = page.locator(".block:visible", has_text="Sketch: dark lines").last
        block.locator("button[aria-label='Brush']").click()  # the pad starts with no tool
        page.keyboard.press("Escape")  # close the brush-size popover the click opens
        page.wait_for_timeout(1000)
        box = paper(block, block.locator("canvas:visible").first)
        draw(page, box, strokes)
        page.get_by_label("Prompt", exact=True).locator("visible=true").first.fill(caption)
        page.locator("button:visible", has_text="Run ControlNet").first.click()
        gallery = page.locator(".block:visible", has_text="ControlNet panels").last.locator("img:visible")
        gallery.first.wait_for()
        page.wait_for_function("() => !document.querySelector('.progress-text, .eta-bar')")
        images = [fetch(page, gallery.nth(i).get_attribute("src")) for i in range(gallery.count())]
        cmap = page.locator(".block:visible", has_text="Control map").last.locator("img:visible").first
        drawing = Image.open(io.BytesIO(page.screenshot(clip=box))).convert("RGB")
        drawing.save(out / f"{name}_drawing.png")
        for scale, im in zip(scales, images):
            im.save(out / f"{name}_scale_{scale}.png")
        made[name] = {"caption": caption, "outputs": len(images)}
        rows[name] = {"drawing": drawing, "map": fetch(page, cmap.get_attribute("src")),
                      **{f"scale_{s}": im for s, im in zip(scales, images)}}
        page.reload()
        page.locator("#nav-controlnet").click()  # the lesson map


def labelled_sheet(rows: dict, path: Path, before: Path | None = None, side: int = 128) -> Path:
    """One row a drawing: drawing | map | (the earlier run's outputs) | this run's outputs, each
    `side` px under a column label."""
    columns = [("drawing (pad)", "drawing"), ("scribble map", "map")]
    outputs = [k for k in next(iter(rows.values())) if k.startswith("scale_")]
    if before is not None:
        columns += [(f"before {k[6:]}", f"before/{k}") for k in outputs]
        columns += [(f"after {k[6:]}", k) for k in outputs]
    else:
        columns += [(f"scale {k[6:]}", k) for k in outputs]
    line, gap = 16, 4
    sheet = Image.new("RGB", (len(columns) * (side + gap), line + len(rows) * (side + gap)), "white")
    draw = ImageDraw.Draw(sheet)
    for c, (label, _) in enumerate(columns):
        draw.text((c * (side + gap) + 2, 2), label, fill="black")
    for r, (name, row) in enumerate(rows.items()):
        for c, (_, key) in enumerate(columns):
            im = Image.open(before / f"{name}_{key[7:]}.png") if key.startswith("before/") else row[key]
            sheet.paste(im.convert("RGB").resize((side, side), Image.Resampling.LANCZOS),
                        (c * (side + gap), line + r * (side + gap)))
    sheet.save(path, optimize=True)
    return path


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m workshop.pad_sketches", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=MODEL_DIR / "sketches")
    parser.add_argument("--before", type=Path, default=None, help="an earlier run's folder, shown beside")
    args = parser.parse_args(argv)
    print(run(args.out, args.before))


if __name__ == "__main__":
    main()
