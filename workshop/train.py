"""Train the embedded tiny-world model: VAE, UNet, canny and scribble ControlNets, or the decoder.

    python -m workshop.train                  # every image-model part at the default schedule (one H100, ~22 min)
    python -m workshop.train --smoke          # a CPU run of every part in < 2 minutes
    python -m workshop.train --parts canny,scribble --init-from models/tiny-world
    python -m workshop.train --parts decoder [--max-minutes 60] [--export]   # resumable, on a CPU

The commands that made the shipped weights are workshop/recipe.py (`python -m workshop.recipe`).
One parser serves both trainers: --parts decoder takes the decoder's options (workshop.train_decoder,
its group in --help), any other parts the image model's (training.Config); an option of the other
trainer is refused rather than ignored.

Seeded end to end: the world is rendered from fixed seeds and every part draws its noise from
its own torch.Generator, so the same command on the same hardware gives the same weights.

The default step counts are sized for 25 minutes of one H100, from its measured speeds:
rendering 160k scenes 35 s, VAE 0.075 s a step (batch 128), UNet 0.098 s a step (batch 256). A
ControlNet step (batch 256) has not been timed there; at an estimated 0.18 s (the UNet's
forward and backward plus the net's, with canny on the CPU in threads) the plan is
35 + 262 (VAE) + ~20 (latents) + 588 (UNet) + 2 x 216 (ControlNets) = ~1340 s.
"""
from __future__ import annotations

import argparse
import dataclasses
import time
from pathlib import Path

import numpy as np

from playground.world.text_encoder import load_text_encoder
from workshop import train_decoder
from workshop.dataset import render_dataset
from workshop.model import MODEL_DIR, ROOT, save_model, scheduler_config, unet_config, vae_config
from workshop.train_controlnet import train_controlnet
from workshop.train_decoder import DecoderConfig
from workshop.training import (SMOKE, Clock, Config, TextBank, autocast, diffusion_loss,
                               encode_latents, load_controlnet, load_parts, lr_at, noisy_batch,
                               optimizer_step, to_unit)

IMAGE_PARTS = ("vae", "unet", "canny", "scribble")


# 1. VAE ----------------------------------------------------------------------------------------
def train_vae(images, cfg: Config, device):
    import torch
    from diffusers import AutoencoderKL
    torch.manual_seed(cfg.seed)
    vae = AutoencoderKL(**vae_config()).to(device).train()
    opt = torch.optim.AdamW(vae.parameters(), lr=cfg.vae_lr, weight_decay=0.0)
    gen = np.random.default_rng(cfg.seed + 1)
    clock = Clock(cfg, "vae")
    for step in range(cfg.vae_steps):
        x = to_unit(images[gen.integers(0, len(images), cfg.vae_batch)], device)
        with autocast(device):
            post = vae.encode(x).latent_dist
            rec = vae.decode(post.sample()).sample
        # L1 keeps edges sharp; the tiny KL only stops the latent scale from drifting.
        loss = (rec.float() - x).abs().mean() + 1e-6 * post.kl().mean()
        optimizer_step(opt, vae, loss, lr_at(step, cfg.vae_steps, cfg.vae_lr))
        if step % cfg.log_every == 0 or step == cfg.vae_steps - 1:
            clock.log(step, cfg.vae_steps, l1=(rec.float() - x).abs().mean().item())
        if clock.expired():
            break
    return vae.eval()


# 2. UNet ---------------------------------------------------------------------------------------
def train_unet(latents, text: TextBank, cfg: Config, device):
    import copy
    import torch
    from diffusers import DDPMScheduler, UNet2DConditionModel
    torch.manual_seed(cfg.seed + 2)
    unet = UNet2DConditionModel(**unet_config()).to(device).train()
    ema = copy.deepcopy(unet).eval().requires_grad_(False)
    ema_params = list(ema.parameters())
    sched = DDPMScheduler.from_config(scheduler_config())
    sched.alphas_cumprod = sched.alphas_cumprod.to(device)
    opt = torch.optim.AdamW(unet.parameters(), lr=cfg.unet_lr, weight_decay=0.01)
    gen = torch.Generator(device).manual_seed(cfg.seed + 3)
    clock = Clock(cfg, "unet")
    for step in range(cfg.unet_steps):
        idx = torch.randint(0, len(latents), (cfg.unet_batch,), device=device, generator=gen)
        states = text.embed(idx, gen, cfg.caption_dropout)
        noisy, noise, t = noisy_batch(latents[idx], sched, gen)
        with autocast(device):
            out = unet(noisy, t, encoder_hidden_states=states).sample
        loss = diffusion_loss(out, noise, t, sched)
        optimizer_step(opt, unet, loss, lr_at(step, cfg.unet_steps, cfg.unet_lr))
        decay = min(cfg.ema_decay, (1 + step) / (10 + step))
        with torch.no_grad():
            torch._foreach_lerp_(ema_params, list(unet.parameters()), 1 - decay)
        if step % cfg.log_every == 0 or step == cfg.unet_steps - 1:
            clock.log(step, cfg.unet_steps, loss=loss.item())
        if clock.expired():
            break
    return ema


# 3. the run --------------------------------------------------------------------------------------
def prepare(cfg: Config, parts: list[str], init_from: Path | None, device):
    """The run's data and starting parts: renders (and outline views for scribble_sketch), the
    VAE (trained here or loaded with the UNet) and the latents."""
    t0 = time.time()
    images, captions, outlines = render_dataset(cfg, outlines="scribble" in parts and cfg.scribble_sketch > 0)
    print(f"[data] {len(images)} scenes rendered in {time.time() - t0:.0f}s", flush=True)
    if "vae" in parts:
        vae, unet = train_vae(images, cfg, device), None
    else:
        vae, unet = load_parts(init_from, device)
    if "vae" in parts or "unet" in parts or cfg.controlnet_jitter < 1:
        # a new VAE sets its scale here; a loaded one keeps the scale its UNet was trained with
        latents, scale = encode_latents(vae, images, device, rescale="vae" in parts)
        print(f"[latents] {tuple(latents.shape)} scaling_factor={scale:.4f}", flush=True)
    else:
        latents = None  # every ControlNet batch is encoded as it is drawn
    return images, captions, outlines, vae, unet, latents


def run(cfg: Config, parts: list[str], out: Path, init_from: Path | None, device_name: str):
    import torch
    from diffusers import DDIMScheduler
    device = torch.device(device_name)
    t0 = time.time()
    images, captions, outlines, vae, unet, latents = prepare(cfg, parts, init_from, device)
    tokenizer, encoder = load_text_encoder()
    text = TextBank(tokenizer, encoder, captions, device)
    nets = {}
    if init_from:  # keep the ControlNets this run does not retrain
        for d in ("canny", "scribble"):
            if d not in parts and (init_from / f"controlnet-{d}").exists():
                nets[d] = load_controlnet(init_from, d)

    def save():  # after every part, so a run cut short still leaves usable weights
        save_model(out, unet, vae, DDIMScheduler(**scheduler_config()), nets)
        print(f"[saved] {sorted(nets)} to {out} at {time.time() - t0:.0f}s", flush=True)

    if "unet" in parts:
        unet = train_unet(latents, text, cfg, device).eval()
        save()
    for detector in [p for p in parts if p in ("canny", "scribble")]:
        start = load_controlnet(init_from, detector) if cfg.controlnet_resume else None
        nets[detector] = train_controlnet(unet, latents, images, text, detector, cfg, device, vae=vae, start=start,
                                          outlines=outlines if detector == "scribble" else None)
        save()
    print(f"[done] {parts} in {time.time() - t0:.0f}s", flush=True)


# 4. the command line: one parser, two trainers ---------------------------------------------------
def _flag(value: str) -> bool:
    if value.lower() not in ("1", "0", "true", "false", "yes", "no"):
        raise argparse.ArgumentTypeError(f"expected true or false, got {value!r}")
    return value.lower() in ("1", "true", "yes")


def _add(group, name: str, default) -> None:
    """One dataclass field as an option whose default is None, so a run can tell what was given.
    A bool alone (--controlnet-resume) is true; --sample-latents false turns one off."""
    flag = "--" + name.replace("_", "-")
    if isinstance(default, bool):
        group.add_argument(flag, dest=name, type=_flag, nargs="?", const=True, default=None)
    else:
        group.add_argument(flag, dest=name, type=type(default), default=None, help=f"default {default}")


IMAGE_ONLY = [f.name for f in dataclasses.fields(Config) if f.name not in
              {g.name for g in dataclasses.fields(DecoderConfig)}]
SHARED = [f.name for f in dataclasses.fields(Config) if f.name not in IMAGE_ONLY]  # scenes, max_minutes, seed
DECODER_ONLY = [train_decoder.FLAG_NAMES.get(f.name, f.name) for f in dataclasses.fields(DecoderConfig)
                if f.name not in SHARED]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m workshop.train", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--smoke", action="store_true", help="tiny CPU sizes (either trainer)")
    parser.add_argument("--parts", default="vae,unet,canny,scribble",
                        help=f"any of {','.join(IMAGE_PARTS)}; or decoder, alone")
    parser.add_argument("--out", type=Path, default=MODEL_DIR, help="the model folder written; with --parts "
                        "decoder the folder whose encoder stays and whose vae/ --export rewrites")
    parser.add_argument("--init-from", type=Path, help="model folder to take untrained parts from")
    parser.add_argument("--device", default=None)
    for name in SHARED:
        _add(parser, name, getattr(Config, name))
    image = parser.add_argument_group("image model (--parts of vae, unet, canny, scribble)")
    for name in IMAGE_ONLY:
        _add(image, name, getattr(Config, name))
    decoder = parser.add_argument_group("decoder (--parts decoder; workshop/train_decoder.py)")
    decoder.add_argument("--work", type=Path, default=None, help=f"checkpoint, data cache and curve "
                         f"(default {train_decoder.WORK.relative_to(ROOT)})")
    decoder.add_argument("--export", action="store_true", help="write the checkpoint's decoder into --out")
    for f in dataclasses.fields(DecoderConfig):
        if f.name not in SHARED:
            _add(decoder, train_decoder.FLAG_NAMES.get(f.name, f.name), f.default)
    return parser


def parse(argv=None) -> tuple[list[str], argparse.Namespace, Config | DecoderConfig]:
    """The parts, the parsed options, and the Config (or, for --parts decoder, DecoderConfig)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    parts = args.parts.split(",")
    given = {name for name in IMAGE_ONLY + SHARED + DECODER_ONLY if getattr(args, name) is not None}
    if "decoder" in parts:
        # the decoder learns on the CPU, from and into --out
        wrong = sorted(given & set(IMAGE_ONLY)) + [k for k in ("init_from", "device") if getattr(args, k)]
        if parts != ["decoder"] or wrong:
            parser.error(f"--parts decoder trains alone and takes the decoder's options, got {parts}, {wrong}")
        names = {train_decoder.FLAG_NAMES.get(f.name, f.name): f.name for f in dataclasses.fields(DecoderConfig)}
        values = dict(train_decoder.SMOKE) if args.smoke else {}
        values.update({names[k]: getattr(args, k) for k in given})
        return parts, args, DecoderConfig(**values)
    wrong = sorted(given & set(DECODER_ONLY)) + (["work"] if args.work else []) + (["export"] if args.export else [])
    if set(parts) - set(IMAGE_PARTS) or wrong:
        parser.error(f"--parts must be among {IMAGE_PARTS} (or decoder alone) with the image model's "
                     f"options, got {parts}, {wrong}")
    values = dict(SMOKE) if args.smoke else {}
    values.update({k: getattr(args, k) for k in given})
    cfg = Config(**values)
    if "vae" not in parts and args.init_from is None:
        parser.error("--init-from is needed when the VAE is not trained")
    if cfg.controlnet_resume and args.init_from is None:
        parser.error("--controlnet-resume needs --init-from (the folder whose ControlNets to resume)")
    return parts, args, cfg


def main(argv=None):
    parts, args, cfg = parse(argv)
    if parts == ["decoder"]:
        return train_decoder.run(cfg, args.work or train_decoder.WORK, args.out, export_only=args.export)
    import torch
    device = args.device or ("cuda" if torch.cuda.is_available() else "cpu")
    if device == "cuda":
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.backends.cudnn.allow_tf32 = True
        torch.backends.cudnn.benchmark = True
    print(f"[config] {cfg} parts={parts} device={device}", flush=True)
    run(cfg, parts, args.out, args.init_from, device)


if __name__ == "__main__":
    main()
