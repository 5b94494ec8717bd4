"""How much of the page is still English for a Korean or Japanese student, tab by tab.

    python -m tools.english_share [--url URL] [--tabs seed_grid,controlnet,interpolate,portfolio]

Opens the running app in chromium with a ko-KR and then a ja-JP locale, shows each tab through the
lesson map and counts the visible words (document text, so prompts in their boxes are left out):
English words are runs of Latin letters, minus prompts quoted in the texts, the names a student types or picks (model and
scheduler names, file formats, API argument names such as num_inference_steps) and the course's
English terms that presets/i18n/glossary.yaml keeps in that language. Korean words are
space-separated runs holding Hangul; Japanese is not written with spaces, so its words are
counted as its kana and kanji characters over two (a Japanese word is about two characters).
"""
from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from playground.strings import glossary

ROOT = Path(__file__).resolve().parent.parent
NAMES = {"png", "pdf", "zip", "jpeg", "webp", "gif", "cfg", "ddim", "euler", "dpm", "karras", "lms", "pndm",
         "heun", "unipc", "sd", "sdxl", "turbo", "hub", "gpu", "cpu", "api", "ssim", "a1111", "automatic1111",
         "slerp", "lerp", "x2", "x4", "px", "ok", "rgb", "seed", "seeds", "prompt", "prompts", "negative",
         "num_inference_steps", "guidance_scale", "controlnet", "canny", "scribble", "depth", "openpose", "space",
         "gradio", "comfyui", "zerogpu", "diffusion", "lab", "playground", "tiny", "world", "embedded"}


def allowed_terms(lang: str) -> set[str]:
    words = set()
    for ways in glossary().values():
        words |= {w.lower() for w in re.findall(r"[A-Za-z][A-Za-z0-9_]*", ways.get(lang, ""))}
    return words | NAMES


QUOTED = re.compile(r"“[^”]*”|\"[^\"]*\"|「[^」]*」|‘[^’]*’")  # prompts quoted in the lesson texts


def share(text: str, lang: str) -> tuple[int, int]:
    """(English words not allowed, all words) of a page's text, quoted prompts left out."""
    text = QUOTED.sub(" ", text)
    allowed = allowed_terms(lang)
    english = [w for w in re.findall(r"[A-Za-z][A-Za-z0-9_']*", text) if w.lower() not in allowed]
    latin = len(re.findall(r"[A-Za-z][A-Za-z0-9_']*", text))
    if lang == "ko":
        native = len([t for t in text.split() if re.search(r"[\uac00-\ud7a3]", t)])
    else:
        native = len(re.findall(r"[\u3040-\u30ff\u4e00-\u9fff]", text)) // 2
    return len(english), latin + native


def measure(url: str, tabs: list[str]) -> dict:
    sys.path.insert(0, str(ROOT / "tests"))
    from browser_support import ARGS, CHROMIUM
    from playwright.sync_api import sync_playwright

    out = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        for locale in ("ko-KR", "ja-JP"):
            lang = locale[:2]
            page = browser.new_context(viewport={"width": 1280, "height": 900}, locale=locale).new_page()
            page.goto(url)
            page.locator("#lesson-map button[id^=nav-]").first.wait_for()
            page.wait_for_timeout(1500)
            for tab in ["first view", *tabs]:
                if tab != "first view":
                    page.locator(f"#nav-{tab}").click()
                    page.wait_for_timeout(1500)
                text = QUOTED.sub(" ", page.evaluate("document.body.innerText"))
                english, words = share(text, lang)
                out[(locale, tab)] = (english, words, [w for w in re.findall(r"[A-Za-z][A-Za-z0-9_']*", text)
                                                        if w.lower() not in allowed_terms(lang)][:25])
            page.context.close()
        browser.close()
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--url", default="http://127.0.0.1:7860")
    ap.add_argument("--tabs", default="seed_grid,controlnet,interpolate,portfolio")
    args = ap.parse_args()
    for (locale, tab), (english, words, sample) in measure(args.url, args.tabs.split(",")).items():
        print(f"{locale} {tab:12s} English {english:4d} of {words:5d} words = {100 * english / max(words, 1):5.1f}%"
              f"  e.g. {' '.join(sample[:12])}")


if __name__ == "__main__":
    main()
