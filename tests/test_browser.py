"""A real browser (Debian's chromium, driven by Playwright) clicks through the app as a student would.

Opens the page, shoots every tab, runs the triptych, adds it to the portfolio, exports, and checks
that the downloaded PNG carries the `parameters` chunk. Screenshots land in the test's tmp folder
(printed at the end). .ci/browser-setup.sh installs chromium and Playwright; without them the
test is skipped on a developer machine and fails under CI (CI=true), so CI cannot pass silently.
"""
from __future__ import annotations

import json

import pytest
from PIL import Image

from playground.export import PORTFOLIO_CHUNK
from playground.ui.catalog import EXERCISES

from browser_support import ARGS, CHROMIUM, TIMEOUT_MS, need_browser, open_tab, steps_to, visible_button
from support import UI_STEPS, serve_app


@pytest.fixture(scope="module")
def url(lab):
    need_browser()
    with serve_app(lab) as address:
        yield address


@pytest.fixture(scope="module")
def page(url):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        # wide enough that all tabs sit in the bar (narrower pages fold the last ones into a menu)
        context = browser.new_context(viewport={"width": 2800, "height": 1000}, accept_downloads=True)
        page = context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        page.goto(url)
        page.locator("#nav-triptych").wait_for()
        yield page
        browser.close()


def test_student_path_triptych_portfolio_export(page, tmp_path):
    shots = tmp_path / "screenshots"
    shots.mkdir()
    names = [ex.title for ex in EXERCISES]  # the lesson map lists them (tests/test_browser_path.py)
    # 1. every tab renders: one screenshot each
    for i, name in enumerate(names):
        open_tab(page, name)
        page.wait_for_timeout(300)
        page.screenshot(path=str(shots / f"{i + 1}-{name.replace(' ', '_').replace('&', 'and')}.png"), full_page=True)
    # 2. a bad value: a toast names the field, nothing breaks
    open_tab(page, "Triptych")
    steps_to(page, UI_STEPS)
    values = page.get_by_label("Values (comma-separated)")
    values.fill("1, 99")
    visible_button(page, "Run triptych").click()
    page.get_by_text("guidance_scale must be a number in 0..30").first.wait_for()
    # 3. the triptych: three captioned panels
    values.fill("1, 5, 15")
    visible_button(page, "Run triptych").click()
    gallery = page.locator("#triptych-gallery")
    gallery.locator("img").nth(2).wait_for()
    for caption in ("CFG 1", "CFG 5", "CFG 15"):
        assert gallery.get_by_text(caption, exact=True).count() >= 1
    page.screenshot(path=str(shots / "triptych-result.png"), full_page=True)
    # 4. click a panel and send it to image-to-image: the tab opens with it as the input
    gallery.locator("img").first.click()
    visible_button(page, "Send selected to Image to image").click()
    page.get_by_text("triptych-panel").first.wait_for()  # the file, and its preview below
    page.locator(".upscale img:visible").first.wait_for()
    assert page.locator("#nav-img2img").get_attribute("aria-current") == "page"  # the map follows the switch
    page.screenshot(path=str(shots / "img2img-sent.png"), full_page=True)
    open_tab(page, "Triptych")
    # 5. add to the portfolio; the badge counts
    visible_button(page, "Add all to portfolio").click()
    page.get_by_text("Portfolio: 3 panels").first.wait_for()
    # 6. export, and download the PNG
    open_tab(page, "Portfolio")
    page.locator("#portfolio-gallery img").nth(2).wait_for()
    page.locator("#portfolio-title textarea, #portfolio-title input").first.fill("Three guidance scales")
    page.locator("#portfolio-statement textarea").fill("Low guidance ignores the prompt; high guidance burns it.")
    visible_button(page, "Export PNG, PDF and ZIP").click()
    link = page.locator("#portfolio-downloads a[download='portfolio.png']")
    try:
        link.wait_for()
    finally:
        page.screenshot(path=str(shots / "portfolio-after-export.png"), full_page=True)
    with page.expect_download() as info:
        link.click()
    target = tmp_path / "portfolio.png"
    info.value.save_as(target)
    page.screenshot(path=str(shots / "portfolio-exported.png"), full_page=True)
    info = Image.open(target).info
    text = info.get("parameters", "")  # the first panel, as AUTOMATIC1111 reads one generation
    assert "Steps: " in text and "Seed: 7" in text and "CFG scale: 1," in text, text[:300]
    panels = json.loads(info[PORTFOLIO_CHUNK])["panels"]  # every panel is in the JSON chunk
    assert [float(p["params"]["guidance_scale"]) for p in panels][-1] == 15.0
    print(f"\nscreenshots: {shots}")
