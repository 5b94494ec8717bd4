"""Train the embedded tiny-world model: VAE, UNet, then canny and scribble ControlNets.

    python -m workshop.train                  # the full recipe (one H100, ~22 min)
    python -m workshop.train --smoke          # a CPU run of every part in < 2 minutes
    python -m workshop.train --parts canny,scribble --init-from models/tiny-world
    python -m workshop.train --parts decoder [--max-minutes 60] [--export]   # issue 10, resumable
    python -m workshop.train --parts unet --init-from models/tiny-world --unet-resume \
        --unet-drawn 0.25 --checkpoint-every 500 --out DIR  # fine-tune beside people's drawings

Seeded end to end: the world is rendered from fixed seeds and every part draws its noise from
its own torch.Generator, so the same command on the same hardware gives the same weights.

The step counts are sized for 25 minutes of one H100, from its measured speeds: rendering
160k scenes 35 s, VAE 0.075 s a step (batch 128), UNet 0.098 s a step (batch 256). A
ControlNet step (batch 256) has not been timed there; at an estimated 0.18 s (the UNet's
forward and backward plus the net's, with canny on the CPU in threads) the plan is
35 + 262 (VAE) + ~20 (latents) + 588 (UNet) + 2 x 216 (ControlNets) = ~1340 s.
"""
from __future__ import annotations

import argparse
import dataclasses
import sys
import time
from pathlib import Path

import numpy as np

from playground.world.text_encoder import load_text_encoder
from workshop.dataset import drawn_dataset, render_dataset
from workshop.model import MODEL_DIR, save_model, scheduler_config, unet_config, vae_config
from workshop import train_decoder
from workshop.train_controlnet import train_controlnet
from workshop.training import (SMOKE, Clock, Config, TextBank, autocast, diffusion_loss,
                               encode_latents, load_controlnet, load_parts, lr_at, noisy_batch,
                               optimizer_step, to_unit)


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
def train_unet(latents, text: TextBank, cfg: Config, device, n_world=None, start=None, checkpoint=None):
    """latents[:n_world] are the world's scenes, the rest pictures of person drawings
    (cfg.unet_drawn of each batch); start: a UNet to fine-tune; checkpoint(ema, step)."""
    import copy
    import torch
    from diffusers import DDPMScheduler, UNet2DConditionModel
    torch.manual_seed(cfg.seed + 2)
    n_world = len(latents) if n_world is None else n_world
    unet = (start if start is not None else UNet2DConditionModel(**unet_config())).to(device).train()
    ema = copy.deepcopy(unet).eval().requires_grad_(False)
    ema_params = list(ema.parameters())
    sched = DDPMScheduler.from_config(scheduler_config())
    sched.alphas_cumprod = sched.alphas_cumprod.to(device)
    opt = torch.optim.AdamW(unet.parameters(), lr=cfg.unet_lr, weight_decay=0.01)
    gen = torch.Generator(device).manual_seed(cfg.seed + 3)
    clock = Clock(cfg, "unet")
    k_drawn = round(cfg.unet_drawn * cfg.unet_batch) if len(latents) > n_world else 0
    if cfg.unet_drawn and not 0 < k_drawn < cfg.unet_batch:
        raise ValueError(f"unet_drawn must leave both drawn pictures and world scenes in a batch of "
                         f"{cfg.unet_batch}, got {cfg.unet_drawn} (and drawn pictures after n_world)")
    for step in range(cfg.unet_steps):
        idx = torch.randint(0, n_world, (cfg.unet_batch - k_drawn,), device=device, generator=gen)
        if k_drawn:
            drawn = torch.randint(n_world, len(latents), (k_drawn,), device=device, generator=gen)
            idx = torch.cat([idx, drawn])
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
        if checkpoint and cfg.checkpoint_every and (step + 1) % cfg.checkpoint_every == 0:
            checkpoint(ema, step + 1)
        if clock.expired():
            break
    return ema


# 3. the run --------------------------------------------------------------------------------------
def with_drawn(drawn, images, latents, captions, vae, device):
    """The drawn pairs (workshop.drawn_scenes) after the world's scenes: their pictures join the
    images, latents (the VAE's own scale, which a frozen UNet knows) and captions, row for row.
    Only the UNet (unet_drawn) and the scribble net (scribble_drawn) ever pick those rows."""
    import torch
    drawings, pictures, drawn_captions = drawn
    images = np.concatenate([images, pictures])
    if latents is not None:
        latents = torch.cat([latents, encode_latents(vae, pictures, device, rescale=False)[0]])
    print(f"[data] {len(drawings)} person drawings and their pictures", flush=True)
    return drawings, images, latents, captions + drawn_captions


def prepare(cfg: Config, parts: list[str], init_from: Path | None, device):
    """The run's data and starting parts: renders (and outline views), the drawn pairs when a
    part learns from them, the VAE (trained here or loaded with the UNet), the latents, and n,
    the number of world scenes before the drawn pairs' rows."""
    t0 = time.time()
    sketches = "scribble" in parts and cfg.scribble_sketch > 0
    images, captions, outlines = render_dataset(cfg, outlines=sketches)
    print(f"[data] {len(images)} scenes rendered in {time.time() - t0:.0f}s", flush=True)
    unet_drawn = "unet" in parts and cfg.unet_drawn > 0
    drawn = drawn_dataset(cfg) if unet_drawn or ("scribble" in parts and cfg.scribble_drawn > 0) else None
    if "vae" in parts:
        vae = train_vae(images, cfg, device)
        unet = None
    else:
        vae, unet = load_parts(init_from, device)
    if "vae" in parts or "unet" in parts or cfg.controlnet_jitter < 1:
        latents, scale = encode_latents(vae, images, device, rescale="vae" in parts)
        print(f"[latents] {tuple(latents.shape)} scaling_factor={scale:.4f}", flush=True)
    else:
        latents = None  # every ControlNet batch is encoded as it is drawn
    n = len(images)  # the world's scenes; the drawn pairs follow them
    if drawn is not None:
        drawn, images, latents, captions = with_drawn(drawn, images, latents, captions, vae, device)
    return images, captions, outlines, drawn, vae, unet, latents, n


def run(cfg: Config, parts: list[str], out: Path, init_from: Path | None, device_name: str):
    import torch
    from diffusers import DDIMScheduler
    device = torch.device(device_name)
    t0 = time.time()
    images, captions, outlines, drawn, vae, unet, latents, n = prepare(cfg, parts, init_from, device)
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
        def unet_checkpoint(ema, step):  # restart from it: --init-from this folder --unet-resume
            nonlocal unet
            unet = ema
            save()
            print(f"[checkpoint] unet at step {step}", flush=True)

        unet = train_unet(latents, text, cfg, device, n_world=n, start=unet if cfg.unet_resume else None,
                          checkpoint=unet_checkpoint).eval()
        save()
    for detector in [p for p in parts if p in ("canny", "scribble")]:
        start = load_controlnet(init_from, detector) if cfg.controlnet_resume else None
        scribble = detector == "scribble"

        def checkpoint(net, step, detector=detector):  # resume: --init-from this folder
            nets[detector] = net
            save()
            print(f"[checkpoint] controlnet-{detector} at step {step}", flush=True)

        pairs = scribble and cfg.scribble_drawn > 0  # else only the UNet learnt from the drawn pairs
        k = len(images) if pairs else n
        nets[detector] = train_controlnet(unet, latents[:k] if latents is not None else None, images[:k], text,
                                          detector, cfg, device, vae=vae, start=start,
                                          outlines=outlines if scribble else None,
                                          drawn=drawn if pairs else None, checkpoint=checkpoint)
        save()
    print(f"[done] {parts} in {time.time() - t0:.0f}s", flush=True)


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    if "--parts" in argv and argv[argv.index("--parts") + 1:][:1] == ["decoder"]:
        i = argv.index("--parts")  # the decoder has its own options: train_decoder.main
        return train_decoder.main(argv[:i] + argv[i + 2:])
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--smoke", action="store_true", help="tiny CPU run of every part")
    parser.add_argument("--parts", default="vae,unet,canny,scribble")
    parser.add_argument("--init-from", type=Path, help="model folder to take untrained parts from")
    parser.add_argument("--out", type=Path, default=MODEL_DIR)
    parser.add_argument("--device", default=None)
    for f in dataclasses.fields(Config):
        if isinstance(f.default, bool):  # a flag: type=bool would read "False" as true
            parser.add_argument("--" + f.name.replace("_", "-"), action="store_const", const=True, default=None)
        else:
            parser.add_argument("--" + f.name.replace("_", "-"), type=type(f.default), default=None)
    args = parser.parse_args(argv)
    overrides = dict(SMOKE) if args.smoke else {}
    overrides.update({f.name: getattr(args, f.name) for f in dataclasses.fields(Config)
                      if getattr(args, f.name) is not None})
    cfg = Config(**overrides)
    parts = args.parts.split(",")
    if "vae" not in parts and args.init_from is None:
        parser.error("--init-from is needed when the VAE is not trained")
    if cfg.unet_resume and (args.init_from is None or "vae" in parts):
        parser.error("--unet-resume needs --init-from (the folder whose UNet to fine-tune) and no new VAE")
    if not 0 <= cfg.unet_drawn < 1:
        parser.error(f"--unet-drawn must be in 0..1 (a share of each UNet batch), got {cfg.unet_drawn}")
    if cfg.controlnet_resume and args.init_from is None:
        parser.error("--controlnet-resume needs --init-from (the folder whose ControlNets to resume)")
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
