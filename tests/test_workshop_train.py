"""workshop.train: one command line for both trainers, and the smoke run trains every part on a
CPU and writes a loadable model."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

from workshop.train import parse
from workshop.train_decoder import SMOKE as DECODER_SMOKE
from workshop.train_decoder import WORK, DecoderConfig
from workshop.training import SMOKE, Config

ROOT = Path(__file__).resolve().parents[1]


def test_the_image_model_takes_its_options_and_the_smoke_sizes():
    parts, args, cfg = parse(["--smoke", "--parts", "canny,scribble", "--init-from", "m", "--controlnet-resume",
                              "--controlnet-jitter", "0", "--scenes", "64"])
    assert parts == ["canny", "scribble"] and isinstance(cfg, Config)
    assert cfg.controlnet_resume is True and cfg.controlnet_jitter == 0.0  # 0 given is not "not given"
    assert cfg.scenes == 64 and cfg.unet_steps == SMOKE["unet_steps"]  # given beats smoke beats default
    assert parse([])[2] == Config() and parse(["--controlnet-resume", "false", "--init-from", "m"])[2] == Config()


def test_the_decoder_takes_its_own_options_from_the_same_parser():
    parts, args, cfg = parse(["--parts", "decoder", "--decoder-steps", "2000", "--scenes", "500",
                              "--sample-latents", "false", "--work", "w", "--out", "m"])
    assert parts == ["decoder"] and isinstance(cfg, DecoderConfig)
    assert (cfg.steps, cfg.scenes, cfg.sample_latents, cfg.batch) == (2000, 500, False, DecoderConfig.batch)
    assert (args.work, args.out, args.export) == (Path("w"), Path("m"), False)
    assert parse(["--parts", "decoder", "--smoke"])[2] == DecoderConfig(**DECODER_SMOKE)
    assert parse(["--parts", "decoder", "--export"])[1].work is None  # main() falls back to WORK
    assert WORK.name == "decoder"


@pytest.mark.parametrize("argv", [
    ["--parts", "decoder", "--unet-steps", "5"],           # the image model's option
    ["--parts", "decoder,vae"],                            # the decoder trains alone
    ["--parts", "decoder", "--init-from", "m"],            # it learns from and into --out
    ["--parts", "vae", "--decoder-steps", "5"],            # the decoder's option
    ["--parts", "vae", "--export"],
    ["--parts", "unet"],                                   # no VAE trained and none to load
    ["--parts", "canny", "--init-from", "m", "--controlnet-resume", "maybe"],
    ["--parts", "gan"],
])
def test_an_option_of_the_other_trainer_is_refused(argv, capsys):
    with pytest.raises(SystemExit):
        parse(argv)


@pytest.mark.slow
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
