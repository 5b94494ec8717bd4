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


def test_a_unet_fine_tune_beside_drawn_pictures_keeps_the_scribble_net_on_the_world(tmp_path):
    """--unet-resume --unet-drawn: the UNet learns beside pictures of drawings, checkpoints as
    it goes, and a scribble net trained in the same run without --scribble-drawn is not handed
    the drawn pairs (it once was, and refused them)."""
    env = dict(os.environ, HF_HUB_OFFLINE="1")
    out = tmp_path / "tw"
    run = subprocess.run([sys.executable, "-m", "workshop.train", "--smoke", "--parts", "unet,scribble",
                          "--init-from", str(ROOT / "models" / "tiny-world"), "--unet-resume", "--unet-drawn", "0.25",
                          "--scribble-drawn", "0", "--checkpoint-every", "2", "--out", str(out)],
                         cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-2000:]
    assert "[checkpoint] unet at step 2" in run.stdout and "person drawings and their pictures" in run.stdout
    from diffusers import UNet2DConditionModel
    shipped = UNet2DConditionModel.from_pretrained(ROOT / "models" / "tiny-world" / "unet", use_safetensors=True)
    tuned = UNet2DConditionModel.from_pretrained(out / "unet", use_safetensors=True)
    # fine-tuned from the shipped UNet: close to it, not a fresh network
    w = "conv_in.weight"
    assert 0 < (tuned.state_dict()[w] - shipped.state_dict()[w]).abs().max() < 0.01
