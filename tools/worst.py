"""The heaviest single requests, one at a time: `python -m tools.worst` (loopback only).

For each (the largest grid the cost cap allows, a 4096 x 4096 upload to every endpoint that
reads one, a full sketch, a 48-panel export with the longest title and statement, the longest
prompts, hostile PNG text chunks, a 20 MB JSON body), it prints how long the request took,
how it ended, the slowest /gradio_api/info answer while it ran, and how far the server's RSS
rose above where it stood (the kernel's peak, VmHWM, reset before each request). Issue 11's
targets: /info under 1 s, RSS up by at most 300 MB.
"""
from __future__ import annotations

import argparse
import io
import json
import time

from PIL import Image, PngImagePlugin

from playground.params import PROMPT_MAX_CHARS, STATEMENT_MAX_CHARS, TITLE_MAX_CHARS
from tools.fuzz_files import bomb_png
from tools.probe import Vitals, check_loopback, peak_rss, reset_peak, rss, start_app
from tools.rawapi import RawAPI

MB = 2 ** 20


def _png(size, mode="RGB", text: dict | None = None, zipped: bool = False) -> bytes:
    img = Image.radial_gradient("L").resize(size).convert(mode)
    info = PngImagePlugin.PngInfo()
    for key, value in (text or {}).items():
        info.add_text(key, value, zip=zipped)
    buf = io.BytesIO()
    img.save(buf, "PNG", pnginfo=info)
    return buf.getvalue()


def cases(api: RawAPI, steps: int) -> list[tuple[str, str, list]]:
    """(what, endpoint, payload) of the heaviest requests a visitor may send."""
    s = ["tiny-world", "", steps, 2.0, "DDIM", 128, 128, "Off"]
    big = api.file(api.upload("big.png", _png((4096, 4096))))
    sketch = api.file(api.upload("sketch.png", _png((1024, 1024), "RGBA")))
    chunk = api.file(api.upload("chunk.png", _png((64, 64), text={"parameters": "x" * 500_000})))
    pairs = api.file(api.upload("pairs.png", _png((64, 64), text={"parameters": 'a: "x, ' * 70_000})))
    ztxt = api.file(api.upload("ztxt.png", _png((64, 64), text={f"k{i}": "y" * 1_000_000 for i in range(60)},
                                                zipped=True)))
    bomb = api.file(api.upload("bomb.png", bomb_png(65_535, 65_535)))
    long = "a fox " * (PROMPT_MAX_CHARS // 6)
    prompts = "\n".join(f"a cat number {i}" for i in range(8))
    return [
        (f"seed grid of 64 at {640 // 64} steps (the cap)", "seed_grid",
         ["a cat", "Random seeds", 64, "", *s[:2], 640 // 64, *s[3:]]),
        ("x/y grid of 8 x 8 cells", "xy_grid", ["a cat", "seed", "0, 1, 2, 3, 4, 5, 6, 7", "prompt", prompts, 7,
                                                *s]),
        ("denoising, 50 steps", "denoising", ["a cat", 7, 1, *s[:2], 50, *s[3:]]),
        ("img2img_check_upload, 4096 x 4096", "img2img_check_upload", [big, 128, 128]),
        ("img2img, 4096 x 4096 upload", "img2img", [big, "a fox", "0.5, 1.0", 7, *s]),
        ("controlnet, 4096 x 4096 upload", "controlnet", ["Upload", None, big, "canny", "0.5, 1", "a", 7, *s]),
        ("controlnet, 1024 px sketch + 4 layers", "controlnet",
         ["Sketch", {"background": sketch, "layers": [sketch] * 4, "composite": sketch}, None, "scribble", "1",
          "a", 7, *s]),
        ("read_params, 4096 x 4096", "read_params", [big]),
        ("read_params, 500 000-character chunk", "read_params", [chunk]),
        ("read_params, 70 000 quoted pairs", "read_params", [pairs]),
        ("read_params, 60 zTXt chunks of 1 MB", "read_params", [ztxt]),
        ("read_params, 65535 x 65535 header", "read_params", [bomb]),
        ("triptych, longest prompt and negative prompt", "triptych",
         [long, "guidance_scale", "1, 2, 4", 7, s[0], long, *s[2:]]),
        ("bandit, 16 variants of the longest prompt", "bandit_start", ["\n".join([long] * 16), *s]),
        ("restore, a 20 MB settings object", "restore_settings", [{"k" + str(i): "v" * 100 for i in range(190_000)},
                                                                  "triptych"]),
    ]


def export_case(api: RawAPI, steps: int) -> list:
    """A 48-panel portfolio in this session, then the export with the longest title/statement."""
    for _ in range(2):
        api.call("seed_grid", ["a cat", "Random seeds", 24, "", "tiny-world", "", steps, 2.0, "DDIM", 128, 128, "Off"])
        api.call("seed_grid_add_all", [])
    return [list(range(48)), "T" * TITLE_MAX_CHARS, "word " * (STATEMENT_MAX_CHARS // 5)]


def measure(api: RawAPI, pid: int, what: str, endpoint: str, payload) -> dict:
    base = rss(pid)
    reset_peak(pid)
    # every 0.2 s: /info costs the server ~40 ms of CPU, so sampling faster would slow what it measures
    vitals = Vitals(api.base.rsplit("/gradio_api", 1)[0] + "/", pid, every=0.2)
    vitals.start()
    result = api.call(endpoint, payload)
    vitals.finish()
    return {"what": what, "kind": result.kind, "message": result.message[:90], "seconds": result.seconds,
            "info": max(vitals.info, default=0.0), "rss_up": max(peak_rss(pid), *vitals.rss) - base}


def run(url: str, pid: int, steps: int = 4) -> list[dict]:
    api = RawAPI(check_loopback(url))
    api.call("seed_grid", ["a cat", "Typed list", 1, "0", "tiny-world", "", steps, 2.0, "DDIM", 128, 128, "Off"])  # warm
    rows = [measure(api, pid, what, endpoint, payload) for what, endpoint, payload in cases(api, steps)]
    rows.append(measure(api, pid, "portfolio_export, 48 panels, longest texts", "portfolio_export",
                        export_case(api, steps)))
    api.close()
    return rows


def report(rows: list[dict]) -> str:
    lines = [f"{'request':48} {'ended':8} {'s':>6} {'info max s':>10} {'RSS up MB':>9}  message"]
    lines += [f"{r['what'][:48]:48} {r['kind']:8} {r['seconds']:6.2f} {r['info']:10.3f} {r['rss_up'] / MB:9.0f}  "
              f"{r['message']}" for r in rows]
    worst_info, worst_rss = max(r["info"] for r in rows), max(r["rss_up"] for r in rows) / MB
    lines.append(f"slowest /info {worst_info:.3f} s (target < 1 s); largest RSS rise {worst_rss:.0f} MB "
                 "(target <= 300 MB)")
    return "\n".join(lines)


def main(argv=None) -> list[dict]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=4)
    args = parser.parse_args(argv)
    with start_app() as (url, pid, _):
        time.sleep(5)  # let the background model load finish first
        rows = run(url, pid, args.steps)
    print(report(rows))
    print(json.dumps([{k: (round(v, 3) if isinstance(v, float) else v) for k, v in r.items()} for r in rows]))
    return rows


if __name__ == "__main__":
    main()
