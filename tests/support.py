"""Helpers the test modules share. Not a test module: pytest collects nothing here, and no
test module imports another (tests/test_import_graph.py checks that).

- the app: its endpoint lists, read from the exercise catalogue (playground/ui/catalog.py),
  and `serve_app`, the real app on a free loopback port;
- the tabs' callbacks: `UI_STEPS`, `settings_for(lab)` (what the advanced accordion sends),
  `panel()`;
- work counts instead of stopwatches (the timings are figures of `python -m tools.limits_bench`):
  `CountingText` and `count_settings_reads` count how often the settings-line reader looks at
  each character of its input; `forbid_text_layout` fails any text wrapping or PDF text cell,
  so a refusal is seen to come before the expensive work.

The browser's helpers (chromium, Playwright) are in tests/browser_support.py.
"""
from __future__ import annotations

import contextlib
import socket

from PIL import Image

from playground import infotext
from playground.panels import Panel
from playground.ui import catalog

MODEL_ENDPOINTS = catalog.model_endpoints()
CHEAP_ENDPOINTS = catalog.cheap_endpoints()
PUBLIC_ENDPOINTS = MODEL_ENDPOINTS | CHEAP_ENDPOINTS
PANEL_TABS = tuple(ex.id for ex in catalog.EXERCISES if ex.panels)
SEED_TABS = tuple(ex.id for ex in catalog.EXERCISES if ex.seed)
SEND_TABS = tuple(ex.id for ex in catalog.EXERCISES if ex.send)

# The UI tests check wiring, not image quality: two steps keep them fast (conftest's TINY_STEPS,
# the Lab's own default on the tiny pipelines, is 4).
UI_STEPS = 2


# ---------------------------------------------------------------- the app
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def serve_app(lab):
    """The real app on a free loopback port, in this process, closed afterwards; yields its URL."""
    import app
    from playground.ui.layout import launch_kwargs

    demo = app.build_app(lab)
    port = free_port()
    demo.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True,
                **launch_kwargs())
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        demo.close()


# ---------------------------------------------------------------- the tabs' callbacks
def settings_for(lab, **changes) -> dict:
    """The advanced-settings keywords a model callback receives, for the tiny Lab."""
    d = lab.defaults()
    values = dict(model=lab.model, negative_prompt="", num_inference_steps=UI_STEPS,
                  guidance_scale=d["guidance_scale"], scheduler=d["scheduler"], width=d["width"],
                  height=d["height"], upscale="Off")
    values.update(changes)
    return values


def panel(colour="red", caption="p", **params) -> Panel:
    return Panel(Image.new("RGB", (16, 16), colour), caption, {"prompt": "a cat", "seed": 1, **params})


# ---------------------------------------------------------------- work counts
# The settings-line reader's bound: measured at most 4 looks a character, on the hostile lines of
# tools/limits_bench.py and on 20 000 random short lines; a quadratic reader is far past it.
LOOKS_PER_CHARACTER = 5


class CountingText(str):
    """A str that counts the characters its readers look at: one per index, each character a
    slice copies, each character find() and friends pass over (up to the one found). A reader
    that goes round the count (a regex, split()) looks at nothing, which the tests refuse too."""

    def __new__(cls, text: str):
        obj = super().__new__(cls, text)
        obj.looks = 0
        return obj

    def __getitem__(self, key):
        item = str.__getitem__(self, key)
        self.looks += len(item) if isinstance(key, slice) else 1
        return item

    def _scanned(self, start, end, at: int, sub: str, backwards: bool = False) -> int:
        start, end, _ = slice(start, end).indices(len(self))
        if at < 0:
            self.looks += max(0, end - start)
        else:
            self.looks += (end - at) if backwards else (at + len(sub) - start)
        return at

    def find(self, sub, start=None, end=None):
        return self._scanned(start, end, str.find(self, sub, start, end), sub)

    def rfind(self, sub, start=None, end=None):
        return self._scanned(start, end, str.rfind(self, sub, start, end), sub, backwards=True)

    def index(self, sub, start=None, end=None):
        at = self.find(sub, start, end)
        if at < 0:
            raise ValueError("substring not found")
        return at

    def rindex(self, sub, start=None, end=None):
        at = self.rfind(sub, start, end)
        if at < 0:
            raise ValueError("substring not found")
        return at


def count_settings_reads(monkeypatch) -> list[tuple[int, int]]:
    """Route infotext.settings_pairs through a CountingText (in this process, so a server that
    serve_app started too); returns the list it fills with (characters, looks) per call."""
    reads, original = [], infotext.settings_pairs

    def counted(line):
        text = CountingText(line)
        pairs = original(text)
        reads.append((len(text), text.looks))
        return pairs

    monkeypatch.setattr(infotext, "settings_pairs", counted)
    return reads


def forbid_text_layout(monkeypatch) -> list[str]:
    """Make wrapping text for a picture (playground.panels.wrap_text) and writing a PDF text cell
    fail with an AssertionError; returns the list of what was tried. The long-text refusals must
    come first: wrapping 80 000 characters took a minute before they existed."""
    import fpdf

    from playground import panels

    tried: list[str] = []

    def refuse(name):
        def laid_out(*args, **kwargs):
            tried.append(name)
            raise AssertionError(f"{name} laid out text before the refusal")
        return laid_out

    monkeypatch.setattr(panels, "wrap_text", refuse("wrap_text"))
    monkeypatch.setattr(fpdf.FPDF, "multi_cell", refuse("FPDF.multi_cell"))
    monkeypatch.setattr(fpdf.FPDF, "cell", refuse("FPDF.cell"))
    return tried
