"""app.py and the Blocks it builds: inert on import, every endpoint named, one model queue, Spaces.

The endpoint names come from the exercise descriptors (playground/ui/catalog.py): they are
the public API (README "The app's API"), and tests/test_app_client.py calls each one.
"""
from __future__ import annotations

import inspect
import os
import subprocess
import sys
import time
import types
import urllib.request
from pathlib import Path

import pytest

from playground.ui import catalog
from support import CHEAP_ENDPOINTS, MODEL_ENDPOINTS, PUBLIC_ENDPOINTS, free_port, panel

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def demo(lab):
    import app
    return app.build_app(lab)


def _dependencies(demo):
    return [fn for fn in demo.fns.values() if fn.fn is not None]


def test_importing_app_does_nothing():
    code = "import sys, app; print(sorted(m for m in ('gradio', 'torch', 'diffusers') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr[-500:]
    assert out.stdout.strip() == "[]"


def test_every_event_has_an_api_name_and_the_public_ones_are_listed(demo):
    deps = _dependencies(demo)
    ours = [d for d in deps if d.name != "load_example"]  # gr.Examples' own loader
    unnamed = [d.name for d in ours if not d.api_name]
    assert not unnamed, f"events without api_name: {unnamed}"
    public = {d.api_name for d in ours if d.api_visibility == "public"}
    assert public == PUBLIC_ENDPOINTS, (public - PUBLIC_ENDPOINTS, PUBLIC_ENDPOINTS - public)


def test_model_work_shares_one_queue_slot(demo):
    assert demo._queue.max_size and demo._queue.default_concurrency_limit == 1
    by_name = {d.api_name: d for d in _dependencies(demo)}
    for name in MODEL_ENDPOINTS:
        assert by_name[name].concurrency_id == "model", name
        assert by_name[name].tracks_progress, f"{name} should take gr.Progress(track_tqdm=True)"
    for name in CHEAP_ENDPOINTS:
        assert by_name[name].concurrency_id != "model", f"{name} must not wait behind generation"


def test_triptych_add_buttons_take_the_three_notes(demo):
    """The note boxes are inputs of the add buttons: each note lands in its panel's params."""
    by_name = {d.api_name: d for d in _dependencies(demo)}
    made = [panel(caption=str(i)) for i in range(3)]
    state = by_name["triptych_add_all"].fn([], None, made, None, "first", "", "third")[0]
    assert [p.params.get("note") for p in state] == ["first", None, "third"]
    state = by_name["triptych_add_selected"].fn([], None, made, 1, None, "first", "second", "")[0]
    assert [p.params.get("note") for p in state] == ["second"]
    assert len(by_name["triptych_add_all"].inputs) == 6  # portfolio, owner token, panels, 3 notes


def test_launch_settings_cap_uploads():
    from playground.ui.layout import launch_kwargs
    from playground.uploads import MAX_FILE_BYTES
    import gradio.utils

    kw = launch_kwargs()
    assert gradio.utils._parse_file_size(kw["max_file_size"]) == MAX_FILE_BYTES
    assert "pixelated" in kw["css"]


def test_spaces_gpu_wraps_generation_only(monkeypatch, lab):
    wrapped = []

    def gpu(fn, duration=None):
        inner = inspect.unwrap(fn)  # through core_errors and the cost check to the tab's partial
        wrapped.append(getattr(inner, "func", inner).__module__)
        return fn

    monkeypatch.setitem(sys.modules, "spaces", types.SimpleNamespace(GPU=gpu))
    import app
    app.build_app(lab)
    # one GPU wrapper per model endpoint, each around a callback of an exercise that has one
    assert set(wrapped) == {ex.tab.__name__ for ex in catalog.EXERCISES if ex.endpoints}
    assert len(wrapped) == len(MODEL_ENDPOINTS)


@pytest.mark.slow
def test_python_app_py_serves_the_page(tmp_path):
    """The README's run command, for real: the first page comes (within a minute of waiting).
    How quickly, against its 20 s budget, is `python -m tools.app_bench`'s "first page" figure."""
    port = free_port()
    env = dict(os.environ, GRADIO_SERVER_PORT=str(port), HF_HUB_OFFLINE="1", GRADIO_ANALYTICS_ENABLED="False")
    log = open(tmp_path / "app.log", "w")
    start = time.monotonic()
    proc = subprocess.Popen([sys.executable, "app.py"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        status = None
        while time.monotonic() - start < 60 and proc.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as r:
                    status = r.status
                    page = r.read().decode("utf-8", "replace")
                break
            except OSError:
                time.sleep(0.25)
        assert status == 200, (tmp_path / "app.log").read_text()[-2000:]
        assert "Diffusion Lab Playground" in page
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        log.close()


def test_an_idle_queue_looks_for_work_fifty_times_a_second_not_a_thousand(demo):
    """gradio's queue polled every 1 ms when free: 6.4% of a core on an idle app (tools/app_bench)."""
    from playground.ui.layout import QUEUE_POLL_S

    assert demo._queue.sleep_when_free == QUEUE_POLL_S >= 0.02
    assert demo._queue.progress_update_sleep_when_free >= QUEUE_POLL_S
