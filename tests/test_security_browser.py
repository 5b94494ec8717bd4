"""Threats to a class on one Space, in a real browser: the portfolio survives a page reload,
and markup from a shared PNG shows as text in the toast, never as an element (which made the
browser fetch a URL).
Needs Debian's chromium and Playwright (tests/browser_support.py); slow (a browser and a server).
"""
from __future__ import annotations

import io

import pytest
from PIL import Image, PngImagePlugin

from browser_support import ARGS, CHROMIUM, TIMEOUT_MS, need_browser, open_tab, steps_to, visible_button
from support import UI_STEPS, serve_app

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def page(lab, tmp_path_factory):
    need_browser()
    from playwright.sync_api import sync_playwright

    root = tmp_path_factory.mktemp("browser-store")
    mp = pytest.MonkeyPatch()
    mp.setenv("PLAYGROUND_STORE", str(root / "store"))
    mp.setenv("PLAYGROUND_TMP", str(root / "scratch"))
    with serve_app(lab) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_context(viewport={"width": 2600, "height": 1200}).new_page()
        page.set_default_timeout(TIMEOUT_MS)
        page.goto(url)
        page.locator("#nav-triptych").wait_for()
        yield page
        browser.close()
    mp.undo()


def test_the_portfolio_survives_a_reload(page):
    open_tab(page, "Triptych")
    steps_to(page, UI_STEPS)
    visible_button(page, "Run triptych").click()
    page.locator("#triptych-gallery img").nth(2).wait_for()
    visible_button(page, "Add all to portfolio").click()
    page.get_by_text("Portfolio: 3 panels").first.wait_for()
    page.reload()
    page.get_by_text("Your portfolio is back: 3 panels").first.wait_for()
    page.get_by_text("Portfolio: 3 panels").first.wait_for()
    open_tab(page, "Portfolio")
    page.locator("#portfolio-gallery img").nth(2).wait_for()


def test_markup_in_a_png_chunk_is_shown_as_text(page, tmp_path):
    info = PngImagePlugin.PngInfo()
    info.add_text("parameters", 'a fox\nSteps: <img id="injected" src="/favicon.ico">, Seed: 1, CFG scale: 2')
    buf = io.BytesIO()
    Image.new("RGB", (16, 16), "red").save(buf, "PNG", pnginfo=info)
    (tmp_path / "shared.png").write_bytes(buf.getvalue())
    open_tab(page, "Portfolio")
    page.get_by_text("Restore settings from a saved PNG").click()
    page.locator("#restore-drop input[type=file]").set_input_files(str(tmp_path / "shared.png"))
    toast = page.get_by_text("infotext field 'Steps' must be a finite number").first
    toast.wait_for()
    assert '<img id="injected"' in toast.inner_text()
    assert page.locator("#injected").count() == 0
