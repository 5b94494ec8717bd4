"""Restore refuses, or says it leaves out, what the page or the Lab would then reject (else a
restored PNG fails later, on the click): samplers this app lacks, 64-bit seeds, sizes above
the model's cap, schedule types it does not apply; a ComfyUI PNG is named as one."""
from __future__ import annotations

import io
import json

import gradio as gr
import pytest
from PIL import Image, PngImagePlugin

from playground.infotext import parse_infotext
from playground.panels import read_params
from playground.params import SCHEDULERS, SEED_MAX
from playground.ui import restore
from playground.ui.shared import SETTINGS, Shared

A1111 = ("a castle, oil painting\nNegative prompt: blurry\nSteps: 20, Sampler: DPM++ 2M SDE, Schedule type: Exponential, "
         "CFG scale: 7, Seed: 12345678901, Size: 1024x768, Model: sd_xl_base")


class FakeLab:
    MAX = {"tiny-world": 256, "stabilityai/sdxl-turbo": 1024}

    def models(self, runnable=False):
        return {"tiny-world": "Tiny", "stabilityai/sdxl-turbo": "SDXL-Turbo"}

    def defaults(self, model=None):
        return {"max_size": self.MAX[model or "tiny-world"]}


def png_with(**chunks) -> bytes:
    info = PngImagePlugin.PngInfo()
    for key, value in chunks.items():
        info.add_text(key, value)
    buf = io.BytesIO()
    Image.new("RGB", (8, 8)).save(buf, format="PNG", pnginfo=info)
    return buf.getvalue()


def test_schedule_types_we_do_not_apply_are_kept_in_extra():
    assert parse_infotext(A1111)["extra"]["Schedule type"] == "Exponential"
    karras = parse_infotext("a\nSteps: 5, Sampler: DPM++ 2M, Schedule type: Karras, Seed: 1")
    assert karras["scheduler"] == "DPM++ 2M Karras" and "extra" not in karras
    automatic = parse_infotext("a\nSteps: 5, Sampler: Euler, Schedule type: Automatic, Seed: 1")
    assert automatic["scheduler"] == "Euler" and "extra" not in automatic  # the sampler's own schedule
    alone = parse_infotext("a\nSteps: 5, Schedule type: Karras, Seed: 1")  # no sampler to join it to
    assert alone["extra"] == {"Schedule type": "Karras"}


def test_a_sampler_we_lack_is_named_with_the_ones_offered(toasts):
    out = restore.checked({"prompt": "a", "scheduler": "DPM++ 2M SDE", "num_inference_steps": 12})
    assert out == {"prompt": "a", "num_inference_steps": 12}
    assert len(toasts) == 1 and "DPM++ 2M SDE" in toasts[0] and ", ".join(SCHEDULERS) in toasts[0]


@pytest.mark.parametrize("seed", [SEED_MAX + 1, 2**63 - 1, -1])
def test_a_seed_outside_32_bits_is_left_out_with_a_note(toasts, seed):
    assert restore.checked({"prompt": "a", "seed": seed}) == {"prompt": "a"}
    assert len(toasts) == 1 and f"0..{SEED_MAX}" in toasts[0] and str(seed)[:12] in toasts[0]
    assert restore.checked({"seed": SEED_MAX}) == {"seed": SEED_MAX}


def test_a_size_above_the_models_cap_is_left_out_with_a_note(toasts):
    out = restore.checked({"width": 1024, "height": 256}, max_size=256)
    assert out == {"height": 256}
    assert len(toasts) == 1 and "width 1024" in toasts[0] and "maximum of 256" in toasts[0]
    with pytest.raises(ValueError, match="width must be a multiple of 8"):  # malformed: still an error
        restore.checked({"width": 1001}, max_size=256)


def test_a_schedule_type_we_do_not_apply_is_noted(toasts):
    restore.checked(parse_infotext(A1111), max_size=1024)
    assert any("schedule type Exponential" in t for t in toasts)


def test_restoring_an_a1111_png_fills_only_what_the_page_accepts(toasts, tmp_path):
    path = tmp_path / "a1111.png"
    path.write_bytes(png_with(parameters=A1111))
    found = restore.read_saved(str(path))
    targets = {"triptych": {"prompt": "p", "seed": "s"}}
    out = restore.restore(Shared(labs=type("Labs", (), {"lab": FakeLab()})()), targets, found, "triptych")
    prompt, seed, settings = out[0], out[1], dict(zip(SETTINGS, out[2:2 + len(SETTINGS)]))
    assert prompt["value"] == "a castle, oil painting" and seed == gr.update()  # the 64-bit seed is not written
    assert settings["num_inference_steps"]["value"] == 20 and settings["guidance_scale"]["value"] == 7.0
    assert settings["negative_prompt"]["value"] == "blurry"
    assert settings["scheduler"] == settings["width"] == settings["height"] == settings["model"] == gr.update()
    said = " | ".join(toasts)
    for words in ("DPM++ 2M SDE", "schedule type Exponential", "seed 12345678901", "width 1024", "height 768",
                  "sd_xl_base"):
        assert words in said, words


def test_the_size_cap_is_the_restored_models_own(toasts):
    shared = Shared(labs=type("Labs", (), {"lab": FakeLab()})())
    params = {"prompt": "a", "width": 1024, "height": 1024, "model": "stabilityai/sdxl-turbo"}
    out = restore.restore(shared, {"triptych": {"prompt": "p", "seed": None}}, params, "triptych")
    settings = dict(zip(SETTINGS, out[1:1 + len(SETTINGS)]))
    assert settings["width"]["value"] == 1024 and settings["model"]["value"] == "stabilityai/sdxl-turbo"
    assert not toasts


def test_a_comfyui_png_is_named_as_one(tmp_path):
    graph = {"3": {"class_type": "KSampler", "inputs": {"seed": 2**50, "steps": 20}},
             "6": {"class_type": "CLIPTextEncode", "inputs": {"text": "a castle"}}}
    path = tmp_path / "comfy.png"
    path.write_bytes(png_with(prompt=json.dumps(graph), workflow=json.dumps({"nodes": [], "links": []})))
    for read in (read_params, restore.read_saved):
        with pytest.raises(ValueError, match="this is a ComfyUI image.*cannot restore"):
            read(str(path))
    path.write_bytes(png_with(prompt="just a caption, not a graph"))  # not ComfyUI's: the usual message
    with pytest.raises(ValueError, match="no generation parameters"):
        read_params(str(path))
