"""What the browser tests share (tests/test_browser.py, tests/test_security_browser.py): Debian's
chromium driven by Playwright. Not a test module.

.ci/browser-setup.sh installs both. Without them `need_browser()` skips on a developer machine
and fails under CI (CI=true), so CI cannot pass silently.
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage"]
TIMEOUT_MS = 20_000


def need_browser() -> None:
    missing = []
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing.append("playwright (pip install playwright)")
    if not Path(CHROMIUM).exists():
        missing.append("chromium (apt-get install chromium)")
    if missing:
        message = f"browser test needs {', '.join(missing)}; bash .ci/browser-setup.sh installs both"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


def show_lesson(page, ex_id: str) -> None:
    """One click on the lesson map (the sidebar), then the lesson's heading is in sight."""
    page.locator(f"#nav-{ex_id}").click()
    page.locator(f"#lesson-{ex_id} h2").first.wait_for()


def open_tab(page, name) -> None:
    """The lesson titled `name`, through the lesson map (the tab bar is hidden behind it)."""
    from playground.ui.catalog import EXERCISES

    show_lesson(page, next(ex.id for ex in EXERCISES if ex.title == name))


def visible_button(page, name):
    return page.locator("button:visible", has_text=name).first


def steps_to(page, steps) -> None:
    """The advanced accordion's steps slider, set through its number box (as a student types)."""
    page.get_by_text("Advanced settings (shared by every tab)").click()
    box = page.get_by_label("number input for Steps (num_inference_steps)")
    box.fill(str(steps))
    box.press("Enter")
    page.get_by_text("Advanced settings (shared by every tab)").click()
