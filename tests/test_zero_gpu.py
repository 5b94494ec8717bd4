"""Ready for a real Space: hub models load before the GPU call, GPU calls ask for a
measured duration, and a CPU Space offers only the embedded model. A fake `spaces` package
stands in for ZeroGPU's."""
from __future__ import annotations

import subprocess
import sys
import threading
import time
import types
from pathlib import Path

import pytest

from playground.lab import Lab
from playground.registry import gpu_duration
from playground.strings import text
from playground.ui import layout, restore, shared
from playground.ui.shared import SETTINGS, Labs, Shared
from playground.ui.values import parse_list

ROOT = Path(__file__).resolve().parents[1]


class FakeLab:
    """Records what happens to the model, in order."""

    def __init__(self, events: list):
        self.model, self.events = "tiny-world", events

    def switch_model(self, model):
        self.events.append(("switch", model))
        self.model = model

    def preload(self, warm_up=True):
        self.events.append(("load", self.model, warm_up))

    def gpu_seconds(self, images, steps, width=None, height=None, model=None):
        return 1000 * images + steps


@pytest.fixture
def zero_gpu(monkeypatch):
    """A `spaces` module whose GPU() records each call with the duration it asked for."""
    events = []

    def gpu(fn, duration=None):
        def call(*args, **kwargs):
            events.append(("gpu", duration(*args, **kwargs) if duration else None))
            return fn(*args, **kwargs)
        return call

    monkeypatch.setitem(sys.modules, "spaces", types.SimpleNamespace(GPU=gpu))
    return events


@pytest.fixture
def cpu_space(monkeypatch):
    import torch

    monkeypatch.setenv("SPACE_ID", "me/lab")
    for name in ("SPACES_ZERO_GPU", "PLAYGROUND_HUB_ON_CPU"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)


def test_the_model_loads_before_the_gpu_call_which_asks_for_its_duration(zero_gpu):
    labs = Labs(FakeLab(zero_gpu))
    images = lambda prompt, values: len(parse_list(values, "values", float))  # noqa: E731 - as a tab passes it
    fn = shared.costed(lambda prompt, values, **settings: zero_gpu.append(("run", settings["model"])), images, 2)
    run = shared.model_fn(fn, labs, shared.gpu_seconds(labs, images, 2))
    run("a fox", "1, 5, 15", model="stabilityai/sd-turbo", num_inference_steps=4, width=512, height=512)
    assert zero_gpu == [("switch", "stabilityai/sd-turbo"), ("load", "stabilityai/sd-turbo", False),
                        ("gpu", 3004), ("run", "stabilityai/sd-turbo")]
    zero_gpu.clear()  # a malformed request asks for the least: it fails at once, with its message
    with pytest.raises(shared.gr.Error, match="values must be numbers"):
        run("a fox", "1, x", model="broken", num_inference_steps=4, width=512, height=512)
    assert zero_gpu == [("switch", "broken"), ("load", "broken", False), ("gpu", 1001)]  # 1 image, 1 step


def test_gpu_seconds_are_the_registrys_for_the_requested_model():
    lab = Lab()  # the registry; nothing loads
    spec = lab.manager.registry["stabilityai/sdxl-turbo"]
    assert lab.gpu_seconds(8, 4, 512, 512, model=spec.id) == gpu_duration(spec, 8, 4, 512, 512)
    assert lab.gpu_seconds(1, 20) == gpu_duration(lab.manager.spec, 1, 20)
    duration = shared.gpu_seconds(Labs(lab), lambda prompt, count: count, 2)
    settings = dict(model=spec.id, num_inference_steps=4, width=512, height=512)
    assert duration("a", 64, **settings) == gpu_duration(spec, 64, 4, 512, 512) > duration("a", 1, **settings)
    assert duration("a", "many", **settings) == gpu_duration(lab.manager.spec, 1, 1)


def test_every_gpu_wrapped_endpoint_gets_a_duration_and_the_picker_loads_outside(monkeypatch, lab):
    durations = []
    monkeypatch.setitem(sys.modules, "spaces", types.SimpleNamespace(
        GPU=lambda fn, duration=None: durations.append(duration) or fn))
    import app
    demo = app.build_app(lab)
    assert durations and all(callable(d) for d in durations)
    by_name = {d.api_name: d for d in demo.fns.values()}
    load = by_name["model_load"]  # after model_defaults, in the model queue, not on the GPU
    assert load.concurrency_id == "model" and load.api_visibility == "private"
    assert len(durations) == len({d.api_name for d in demo.fns.values() if d.concurrency_id == "model"}) - 1
    load.fn(lab.model)
    assert lab.loaded


def test_zero_gpu_preload_finishes_before_the_app_serves(monkeypatch):
    done = threading.Event()

    class SlowLab(FakeLab):
        def preload(self, warm_up=True):
            time.sleep(0.3)
            done.set()

    monkeypatch.setitem(sys.modules, "spaces", types.SimpleNamespace(GPU=lambda fn, duration=None: fn))
    Labs(SlowLab([])).preload()
    assert done.is_set()  # a GPU worker forked from here finds the weights in memory


def test_app_imports_spaces_before_torch_on_zero_gpu(tmp_path):
    fake = tmp_path / "spaces"
    fake.mkdir()
    (fake / "__init__.py").write_text("import sys\nprint('torch' in sys.modules)\nraise SystemExit(7)\n")
    code = "import app\napp.build_app()"
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": f"{tmp_path}:{ROOT}", "HF_HUB_OFFLINE": "1"}
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60,
                         env={**env, "SPACES_ZERO_GPU": "true"})
    assert (out.returncode, out.stdout.strip()) == (7, "False"), out.stderr[-800:]


def test_a_cpu_space_offers_only_the_embedded_model(cpu_space):
    lab = Lab()
    picker = layout.model_picker(lab)
    assert picker["choices"] == [(lab.models()["tiny-world"], "tiny-world")] and picker["value"] == "tiny-world"
    assert picker["info"].key == "header.model.info_cpu"  # said in the student's language
    assert text("header.model.info_cpu") == ("This Space runs on CPU hardware: hub models need a GPU; only the "
                                             "embedded model is offered.")
    assert set(lab.models()) > set(lab.models(runnable=True)) == {"tiny-world"}


def test_a_gpu_offers_every_model(monkeypatch, cpu_space):
    import torch

    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    lab = Lab()
    picker = layout.model_picker(lab)
    assert [key for _, key in picker["choices"]] == list(lab.models()) and picker["info"].key == "header.model.info"


def test_restore_on_a_cpu_space_keeps_the_embedded_model(cpu_space, monkeypatch):
    import gradio as gr

    said = []
    monkeypatch.setattr(gr, "Warning", lambda message, *a, **k: said.append(message))
    params = {"prompt": "a", "model": "stabilityai/sdxl-turbo", "width": 512, "height": 128}
    out = restore.restore(Shared(labs=Labs(Lab())), {"triptych": {"prompt": "p", "seed": None}}, params, "triptych")
    settings = dict(zip(SETTINGS, out[1:1 + len(SETTINGS)]))
    assert settings["model"] == settings["width"] == gr.update() and settings["height"]["value"] == 128
    assert any("width 512" in s and "256" in s for s in said) and any("sdxl-turbo" in s for s in said)
