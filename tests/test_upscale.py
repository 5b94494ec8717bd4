"""playground.upscale without a model: the checks' messages, which files it reads, the infotext.

Fast: no pipeline is built; the only network is a tiny random Real-ESRGAN Compact x2 written
here (tests/hub_upscaler.py, the one the hub fixture caches as Phips/2xParimgCompact).
"""
from __future__ import annotations

import re

import pytest
import torch
from hub_upscaler import compact_state
from PIL import Image
from safetensors.torch import save_file

from playground import upscale
from playground.infotext import parse_infotext, to_infotext
from playground.registry import ModelSpec


@pytest.mark.parametrize("factor", [1, 2, 4])
def test_check_factor_takes_1_2_and_4(factor):
    assert upscale.check_factor(factor) == factor


@pytest.mark.parametrize("factor", [3, 0, 8, -2, True, "2", None, 1.5])
def test_check_factor_names_the_allowed_factors(factor):
    with pytest.raises(ValueError, match=rf"^upscale factor must be one of 1, 2, 4, got {re.escape(repr(factor))}$"):
        upscale.check_factor(factor)


def test_check_size_names_the_result_and_the_cap():
    upscale.check_size(Image.new("RGB", (512, 512)), 2)  # 1024: a hub model's picture at x2 fits
    upscale.check_size(Image.new("RGB", (256, 128)), 4)
    with pytest.raises(ValueError, match=r"^upscale factor 4 would make 2048 x 1024 pixels; the largest side allowed "
                                         r"is 1024$"):
        upscale.check_size(Image.new("RGB", (512, 256)), 4)
    with pytest.raises(ValueError, match=r"upscale factor 2 would make 1536 x 1026 pixels"):
        upscale.check_size(Image.new("RGB", (768, 513)), 2)


@pytest.mark.parametrize("name", ["2xParimgCompact.pth", "x2.pt", "x2.ckpt", "x2.bin", "x2"])
def test_only_safetensors_are_read_never_pickles(tmp_path, name):
    path = tmp_path / name
    torch.save(compact_state(), path)  # a real upscaler, but a pickle: refused before it is opened
    with pytest.raises(ValueError, match=rf"^upscaler weights must be a \.safetensors file, got {name}$"):
        upscale.load(str(path))


def test_a_missing_file_and_a_file_that_is_no_upscaler_are_value_errors(tmp_path):
    with pytest.raises(ValueError, match=r"^upscaler file not found: .*absent\.safetensors$"):
        upscale.load(str(tmp_path / "absent.safetensors"))
    save_file({"weight": torch.zeros(4, 4)}, tmp_path / "other.safetensors")
    with pytest.raises(ValueError, match=r"^other\.safetensors is not an x2 or x4 image upscaler spandrel can load$"):
        upscale.load(str(tmp_path / "other.safetensors"))
    save_file(compact_state(scale=1), tmp_path / "x1.safetensors")  # a restoration net: same size out
    with pytest.raises(ValueError, match=r"x1\.safetensors is not an x2 or x4 image upscaler"):
        upscale.load(str(tmp_path / "x1.safetensors"))


@pytest.mark.parametrize("net_scale, factor, passes", [(2, 2, 1), (2, 4, 2), (4, 4, 1), (4, 2, 1)])
def test_run_reaches_the_factor_with_the_nets_own_scale(tmp_path, net_scale, factor, passes):
    # x2 twice for x4; an x4 net asked for x2 runs once and is brought down
    save_file(compact_state(scale=net_scale), tmp_path / f"x{net_scale}.safetensors")
    descriptor = upscale.load(str(tmp_path / f"x{net_scale}.safetensors"))
    assert descriptor.scale == net_scale and descriptor.architecture.name == "RealESRGAN Compact"
    widths = []
    hook = descriptor.model.register_forward_hook(lambda module, args, out: widths.append(args[0].shape[-1]))
    try:
        big = upscale.run(descriptor, Image.new("RGBA", (24, 16), (200, 100, 50, 128)), factor)
    finally:
        hook.remove()
    assert big.mode == "RGB" and big.size == (24 * factor, 16 * factor)
    assert widths == [24 * net_scale ** i for i in range(passes)]


@pytest.mark.parametrize("method, factor", [("nearest", 2), ("bicubic", 4)])
def test_resize_is_the_plain_filter(method, factor):
    small = Image.new("L", (10, 6), 77)
    big = upscale.resize(small, factor, method)
    assert big.mode == "RGB" and big.size == (10 * factor, 6 * factor) and big.getpixel((3, 3)) == (77, 77, 77)


def test_upscaler_file_local_and_none(tmp_path):
    local = ModelSpec(id="mine", family="embedded", path=str(tmp_path), upscaler={"file": "upscaler/mine-x2.safetensors"})
    assert upscale.upscaler_file(local) == str(tmp_path / "upscaler" / "mine-x2.safetensors")
    assert upscale.name_of(upscale.upscaler_file(local)) == "mine-x2"
    with pytest.raises(ValueError, match=r"^upscaler: model bare names none .*nearest and bicubic still work$"):
        upscale.upscaler_file(ModelSpec(id="bare", family="sd1.x"))


def test_the_upscale_round_trips_through_the_infotext():
    params = {"prompt": "a red car", "num_inference_steps": 2, "scheduler": "DDIM", "guidance_scale": 7.5, "seed": 1,
              "width": 64, "height": 64, "model": "stabilityai/sd-turbo", "hires_upscale": 2,
              "hires_upscaler": "2xParimgCompact"}
    text = to_infotext(params)
    assert text.endswith("Size: 64x64, Model: stabilityai/sd-turbo, Hires upscale: 2, Hires upscaler: 2xParimgCompact")
    back = parse_infotext(text)
    assert back["hires_upscale"] == 2 and back["hires_upscaler"] == "2xParimgCompact" and "extra" not in back
    assert {k: back[k] for k in params} == params
    assert "Hires" not in to_infotext(dict(params, hires_upscale=None, hires_upscaler=None))  # not upscaled
