"""workshop.train: the smoke run trains every part on a CPU and writes a loadable model."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[1]


def test_smoke_training_writes_a_loadable_model(tmp_path):
    env = dict(os.environ, HF_HUB_OFFLINE="1")
    out = tmp_path / "tw"
    subprocess.run([sys.executable, "-m", "workshop.train", "--smoke", "--out", str(out)],
                   cwd=ROOT, env=env, check=True, capture_output=True, timeout=600)
    for part in ("unet", "vae", "scheduler", "controlnet-canny", "controlnet-scribble"):
        assert (out / part).is_dir(), part
    from diffusers import ControlNetModel, UNet2DConditionModel
    unet = UNet2DConditionModel.from_pretrained(out / "unet", use_safetensors=True)
    assert unet.config.cross_attention_dim == 384
    net = ControlNetModel.from_pretrained(out / "controlnet-canny", use_safetensors=True)
    assert net.config.block_out_channels == unet.config.block_out_channels
