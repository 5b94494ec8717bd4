"""Shared fixtures: tiny random-weight pipelines (SD 1.x and SDXL shapes) wrapped in a Lab.

Built once per session (about a second each) on the CPU, offline. The hub is switched off
here, before any test imports huggingface_hub, so nothing can try the network.
"""
import os

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"

from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from PIL import Image  # noqa: E402

# Fast and still meaningful: 4 DDIM steps move every pixel of the tiny model's output.
TINY_STEPS = 4
# Batched and single runs differ only by float summation order: at most a few 1/255 steps.
PIXEL_TOLERANCE = 3


def build_tiny_lab(family: str):
    import tempfile

    from playground.lab import Lab
    from playground.tiny import tiny_controlnet, tiny_pipeline, tiny_upscaler

    pipe = tiny_pipeline(family)
    nets = {"canny": tiny_controlnet(pipe.unet, seed=1), "scribble": tiny_controlnet(pipe.unet, seed=2)}
    upscaler = tiny_upscaler(Path(tempfile.mkdtemp(prefix="tiny-upscaler-")) / f"tiny-{family}-x2.safetensors")
    lab = Lab(pipeline=pipe, model=f"tiny-{family}",
              pipeline_options=dict(controlnets=nets, steps=TINY_STEPS, guidance=5.0, scheduler="DDIM",
                                    upscaler={"file": str(upscaler)}))
    lab.progress = False
    return lab


@pytest.fixture(scope="session")
def lab():
    """A Lab on the tiny SD 1.x pipeline, with canny and scribble ControlNets."""
    return build_tiny_lab("sd1.x")


@pytest.fixture(scope="session")
def xl_lab():
    """A Lab on the tiny SDXL pipeline (two text encoders, size conditioning)."""
    return build_tiny_lab("sdxl")


@pytest.fixture(params=["sd1.x", "sdxl"])
def any_lab(request, lab, xl_lab):
    """Each test using this runs once per family, so both code paths are exercised."""
    return lab if request.param == "sd1.x" else xl_lab


@pytest.fixture(scope="session")
def photo():
    """A 64 px test picture with clear edges: sky, ground, a sun and a dark house."""
    arr = np.zeros((64, 64, 3), np.uint8)
    arr[:40] = (110, 160, 230)
    arr[40:] = (70, 140, 60)
    yy, xx = np.mgrid[:64, :64]
    arr[(yy - 14) ** 2 + (xx - 48) ** 2 < 64] = (250, 220, 80)
    arr[28:52, 10:30] = (60, 40, 30)
    return Image.fromarray(arr)


def pixels(image):
    return np.asarray(image.convert("RGB"), dtype=np.int16)


def max_diff(a, b) -> int:
    return int(np.abs(pixels(a) - pixels(b)).max())


# Fixtures that build a pipeline (or the app on one): a test that takes one is integration.
PIPELINE_FIXTURES = {"lab", "xl_lab", "any_lab", "demo", "server", "client"}


def pytest_collection_modifyitems(items):
    for item in items:
        marks = {m.name for m in item.iter_markers()}
        if "slow" in marks or "integration" in marks:
            continue
        if PIPELINE_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.integration)
        else:
            item.add_marker(pytest.mark.fast)


@pytest.fixture
def toasts(monkeypatch):
    """Every gr.Info / gr.Warning message, as the browser would receive it."""
    import gradio as gr

    seen = []
    monkeypatch.setattr(gr, "Info", lambda message, *a, **k: seen.append(message))
    monkeypatch.setattr(gr, "Warning", lambda message, *a, **k: seen.append(message))
    return seen


@pytest.fixture
def check_rows():
    """The workshop evaluation's check: every row of an evaluation JSON's "checks" is a number,
    a target ("report" or ">= x" / "<= x") and a result that follows from the two. The fixture
    is the function, checks -> {figure: result}."""
    def check(checks):
        out = {}
        for c in checks:
            value = float(c["value"].rstrip("%"))
            if c["target"] == "report":
                assert c["result"] == "-", c
            else:
                sign, target = c["target"].split()
                target = float(target.rstrip("%"))
                assert c["result"] == ("PASS" if (value >= target if sign == ">=" else value <= target) else "FAIL"), c
            out[c["figure"]] = c["result"]
        return out
    return check
