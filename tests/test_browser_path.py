"""A student's path in chromium: the lesson map, first presses, the sketch pad, axe-core, a phone.

Each test opens a fresh page on the real app (a tiny Lab: the page and its wiring are what is
tested; the embedded model's pictures are the evaluation's business). axe-core comes from PyPI's
axe-playwright-python (requirements-dev.txt), which bundles axe.min.js.
"""
from __future__ import annotations

import pytest

from playground.ui.catalog import EXERCISES, GROUPS

from browser_support import ARGS, CHROMIUM, TIMEOUT_MS, need_browser
from support import serve_app

pytestmark = pytest.mark.integration
AXE_TABS = ("controlnet", "interpolate", "portfolio", "img2img")  # and the first view
# Tabs whose main button needs a result before it has anything to work on: the portfolio exports
# what the other lessons added (the test adds the triptych's panels first, as a student would).
NEEDS_PANELS = {"portfolio"}


@pytest.fixture(scope="module")
def url(lab):
    need_browser()
    with serve_app(lab) as address:
        yield address


@pytest.fixture(scope="module")
def browser(url):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


def fresh_page(browser, url, width=1280, height=900):
    page = browser.new_context(viewport={"width": width, "height": height}).new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(url)
    page.locator("#lesson-map button[id^=nav-]").first.wait_for()
    return page


def main_button(page, ex_id: str):
    button = page.locator(f"#lesson-{ex_id} button.primary").first
    button.wait_for()
    return button


def pictures(page, ex_id: str) -> int:
    return page.locator(f"#lesson-{ex_id} img:visible").count()


def wait_idle(page, ex_id: str, before: int = 0, seconds: float = 180) -> None:
    """Until the tab shows more pictures than `before` and no progress, or an error toast."""
    busy = page.locator(f"#lesson-{ex_id} .progress-text, #lesson-{ex_id} .eta-bar, #lesson-{ex_id} .progress-bar")
    for _ in range(int(seconds * 4)):
        page.wait_for_timeout(250)
        if errors(page) or (pictures(page, ex_id) > before and busy.count() == 0):
            page.wait_for_timeout(300)  # the rest of the outputs land
            return
    raise AssertionError(f"{ex_id}: no new picture after {seconds} s")


def errors(page) -> list[str]:
    return [e.inner_text()[:200] for e in page.locator(".toast-body.error").all()]


def test_every_lesson_is_one_click_away_and_each_main_button_works_on_a_fresh_page(browser, url):
    page = fresh_page(browser, url)
    # the map lists every lesson in the course's order, grouped
    labels = [b.inner_text().strip() for b in page.locator("#lesson-map button[id^=nav-]").all()]
    assert len(labels) == len(EXERCISES) and all(ex.title in label for ex, label in zip(EXERCISES, labels))
    groups = page.locator("#lesson-map .group-name").all_inner_texts()
    # (gradio puts the class on the block and on its prose: each heading comes twice)
    assert list(dict.fromkeys(g.strip() for g in groups)) == [g for g in GROUPS if g != "Portfolio"]
    assert page.locator("#portfolio-badge").is_visible()
    for ex in EXERCISES:
        page.locator(f"#nav-{ex.id}").click()  # one click from wherever the student is
        page.locator(f"#lesson-{ex.id} h2", has_text=ex.title).wait_for()
        assert page.locator(f"#nav-{ex.id}").get_attribute("aria-current") == "page"
        if ex.id in NEEDS_PANELS:
            page.locator("#nav-triptych").click()
            page.locator("#lesson-triptych button", has_text="Add all to portfolio").click()
            page.locator("#portfolio-badge", has_text="Portfolio: 3 panels").wait_for()
            page.locator("#portfolio-badge").click()  # the badge opens the portfolio
            page.locator("#lesson-portfolio h2").wait_for()
        before = pictures(page, ex.id)  # the image tabs show their starting picture already
        main_button(page, ex.id).click()
        wait_idle(page, ex.id, before)
        assert errors(page) == [], (ex.id, errors(page))
        assert pictures(page, ex.id) > before, f"{ex.id}: no new picture after its first press"
    page.context.close()


def test_the_sketch_pad_draws_at_once_and_again_after_a_clear(browser, url):
    page = fresh_page(browser, url)
    page.locator("#nav-controlnet").click()
    pad = page.locator("#lesson-controlnet .brush-ready")
    pad.locator("button[aria-label='Clear canvas']").click()
    page.wait_for_timeout(500)
    canvas = pad.locator("canvas").first
    box = canvas.bounding_box()
    x, y = box["x"] + box["width"] * 0.3, box["y"] + box["height"] * 0.5
    page.mouse.move(x, y)
    page.mouse.down()
    for k in range(1, 11):
        page.mouse.move(x + k * box["width"] * 0.04, y + (k % 3) * 4, steps=2)
    page.mouse.up()
    assert page.locator("#lesson-controlnet .pad-note").count() == 0
    # a stroke that runs off the square is kept only inside it, and the pad says so
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(box["x"] + 2, y, steps=5)
    page.mouse.up()
    page.locator("#lesson-controlnet .pad-note", has_text="outside the white square").wait_for()
    before = pictures(page, "controlnet")
    main_button(page, "controlnet").click()
    wait_idle(page, "controlnet", before)
    assert errors(page) == []  # not "the canvas is empty": the stroke reached the pad
    assert page.locator("#lesson-controlnet img:visible").count() > 0
    # a toast belongs to the tab that raised it: a refused value here, gone in the next lesson
    page.locator("#nav-triptych").click()
    page.locator("#lesson-triptych textarea, #lesson-triptych input").filter(has_text="").first.wait_for()
    page.get_by_label("Values (comma-separated)").fill("1, 99")
    main_button(page, "triptych").click()
    page.locator(".toast-body.error").first.wait_for()
    page.locator("#nav-seed_grid").click()
    page.locator(".toast-body.error").first.wait_for(state="detached", timeout=5000)  # it fades out
    page.context.close()


def serious(page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    found = Axe().run(page).response["violations"]
    return [f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}"
            for v in found if v["impact"] in ("serious", "critical")]


def test_axe_finds_no_serious_violation_on_the_first_view_and_three_lessons(browser, url):
    page = fresh_page(browser, url)
    page.wait_for_timeout(500)
    found = {"first view": serious(page)}
    # the keyboard: Tab reaches the skip link first, Enter lands on the lesson's main button
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.textContent.trim()") == main_button(page, EXERCISES[0].id).inner_text().strip()
    ring = page.evaluate("getComputedStyle(document.activeElement).outlineWidth")
    assert float(ring.replace("px", "")) >= 2, ring  # a focus ring that shows
    page.locator("#nav-triptych").click()
    main_button(page, "triptych").click()  # a result, so the galleries' thumbnails are checked too
    wait_idle(page, "triptych")
    page.locator("#lesson-triptych button", has_text="Add all to portfolio").click()
    found["triptych with panels"] = serious(page)
    # a thumbnail's name starts with the caption it shows (not "Thumbnail 1 of 3")
    thumb = page.locator("#triptych-gallery button.thumbnail-item").first
    assert thumb.get_attribute("aria-label").startswith(thumb.locator(".caption-label").inner_text().strip())
    for ex_id in AXE_TABS:
        page.locator(f"#nav-{ex_id}").click()
        main_button(page, ex_id)
        page.wait_for_timeout(500)
        found[ex_id] = serious(page)
    assert not any(found.values()), found
    page.context.close()


def test_on_a_phone_every_lesson_is_two_taps_away_and_nothing_is_wider_than_the_screen(browser, url):
    page = fresh_page(browser, url, 390, 844)
    toggle = page.locator("#lesson-map .toggle-button")
    page.locator("#lesson-map.open").wait_for(state="detached", timeout=5000)  # the map starts folded on a phone
    # past the right edge, and not inside a box that scrolls (a wide table scrolls in its frame)
    too_wide = """() => {
      const scrolled = (e) => { for (let a = e.parentElement; a; a = a.parentElement) {
          const o = getComputedStyle(a).overflowX;
          if (o !== 'visible' && a.getBoundingClientRect().right <= innerWidth + 1) return true; }
        return false; };
      return [...document.querySelectorAll('body *')].filter(e => {
        const r = e.getBoundingClientRect(); const s = getComputedStyle(e);
        return r.width > 0 && r.height > 0 && s.visibility !== 'hidden' && r.right > innerWidth + 1
               && !e.closest('#lesson-map') && r.left < innerWidth && !scrolled(e);
      }).map(e => e.tagName + '.' + e.className).slice(0, 5); }"""
    for ex in EXERCISES:
        toggle.click()  # tap 1: the map
        page.locator(f"#nav-{ex.id}").click()  # tap 2: the lesson
        page.locator(f"#lesson-{ex.id} h2", has_text=ex.title).wait_for()
        page.wait_for_timeout(300)
        assert page.locator("#lesson-map.open").count() == 0, f"{ex.id}: the map still covers the lesson"
        assert page.evaluate("document.documentElement.scrollWidth") <= 390, ex.id
        assert page.evaluate(too_wide) == [], (ex.id, page.evaluate(too_wide))
        for pad in page.locator(f"#lesson-{ex.id} .brush-ready").all():  # at least 340 px to draw on
            side = int(next(c for c in pad.get_attribute("class").split() if c.startswith("side-"))[5:])
            zoom = pad.locator(".zoom-number span").first
            page.wait_for_function("(z) => parseInt(z.textContent) * %d / 100 >= 340" % side, arg=zoom.element_handle())
    page.context.close()


def test_the_seed_grids_charts_are_drawn_named_and_fit_a_phone(browser, url):
    page = fresh_page(browser, url, 390, 844)
    page.locator("#lesson-map .toggle-button").click()
    page.locator("#nav-seed_grid").click()
    before = pictures(page, "seed_grid")
    main_button(page, "seed_grid").click()
    wait_idle(page, "seed_grid", before)
    drawn = "#lesson-seed_grid .lab-chart [role=graphics-document]"  # vega's chart, named by its spec
    page.locator(drawn).nth(2).wait_for()
    charts = page.evaluate(f"""() => [...document.querySelectorAll('{drawn}')].map(e =>
        [e.getBoundingClientRect().width, e.querySelector('canvas').width, e.getAttribute('aria-label')])""")
    assert len(charts) == 3, charts  # the palette and two histograms (the test model has no prior chart)
    # as wide as the phone allows, not collapsed to the title's width, and really painted
    assert all(300 < width <= 390 and canvas > 0 for width, canvas, _ in charts), charts
    names = [name for *_, name in charts]
    assert names[0].startswith("Dominant colours: #") and names[1].startswith("Brightness (0 black, 1 white): ")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert serious(page) == []
    page.context.close()
