"""Train the embedded tiny-world model: VAE, UNet, then canny and scribble ControlNets.

    python -m playground.world.train                  # the full recipe (one H100, ~22 min)
    python -m playground.world.train --smoke          # a CPU run of every part in < 2 minutes
    python -m playground.world.train --parts canny,scribble --init-from models/tiny-world

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
import math
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np


@dataclass(frozen=True)
class Config:
    scenes: int = 160_000         # ~10 passes at the UNet's step budget: no memorising
    captions_per_scene: int = 4   # each at a random level of detail, vague to exhaustive
    workers: int = 16
    vae_steps: int = 3500
    vae_batch: int = 128
    vae_lr: float = 1e-3
    unet_steps: int = 6000
    unet_batch: int = 256
    unet_lr: float = 5e-4
    caption_dropout: float = 0.1  # the unconditional branch classifier-free guidance needs
    ema_decay: float = 0.9995
    controlnet_steps: int = 1200
    controlnet_lr: float = 3e-4
    controlnet_caption_dropout: float = 0.5  # ControlNet's recipe: learn from the map alone
    controlnet_batch: int = 256
    # Share of ControlNet samples seen through a moved camera (random zoom and crop): the
    # world's layouts are fixed (horizon heights, room walls), so without it the ControlNet
    # never learns to put a horizon or a subject where a student's sketch puts them.
    controlnet_jitter: float = 0.5
    controlnet_resume: bool = False  # start from --init-from's ControlNets, not the UNet's copy
    # Share of scribble samples whose map is the scene's outlines (render.outline_view) with
    # a random 30-100% of it kept: a hand sketch has contours but no texture and leaves
    # things out. Off by default: CPU fine-tunes at 0.5 and 0.3 kept the caption's content on
    # hand sketches better (95% -> 97-98%) but followed the strokes less closely (F1 0.67 ->
    # 0.64); see the model card.
    scribble_sketch: float = 0.0
    max_minutes: float = 0.0      # >0: stop a part early, keep what it learnt (safety net)
    seed: int = 0
    log_every: int = 250


SMOKE = dict(scenes=128, captions_per_scene=2, workers=2, vae_steps=4, vae_batch=4,
             unet_steps=4, unet_batch=8, controlnet_steps=2, controlnet_batch=8,
             controlnet_jitter=0.5, scribble_sketch=0.5, log_every=2)


# 1. data ------------------------------------------------------------------------------------
def _render_chunk(args):
    from playground.world import caption, make_batch
    from playground.world.render import outline_view
    n, seed, k, outlines = args
    images, _, scenes = make_batch(n, seed)
    rng = np.random.default_rng(seed + 1_000_003)
    captions = [[caption(s, rng) for _ in range(k)] for s in scenes]
    return images, captions, np.stack([outline_view(s) for s in scenes]) if outlines else None


def render_dataset(cfg: Config, outlines: bool = False):
    """All scenes as uint8 (N, 128, 128, 3) plus cfg.captions_per_scene captions for each,
    and with `outlines` each scene's outline view (else None)."""
    chunk = 2000
    jobs = [(min(chunk, cfg.scenes - i), cfg.seed * 7919 + i // chunk, cfg.captions_per_scene,
             outlines) for i in range(0, cfg.scenes, chunk)]
    with ProcessPoolExecutor(cfg.workers) as pool:
        parts = list(pool.map(_render_chunk, jobs))
    images = np.concatenate([p[0] for p in parts])
    captions = [c for p in parts for c in p[1]]
    return images, captions, np.concatenate([p[2] for p in parts]) if outlines else None


def tokenize_all(tokenizer, captions, max_tokens):
    import torch
    flat = [c for per_scene in captions for c in per_scene]
    ids = tokenizer(flat, padding="max_length", max_length=max_tokens, truncation=True,
                    return_tensors="pt").input_ids.to(torch.int32)
    return ids.view(len(captions), len(captions[0]), max_tokens)


# 2. helpers -----------------------------------------------------------------------------------
def to_unit(images_u8, device):
    """uint8 NHWC -> float NCHW in [-1, 1] (the range diffusers' VAEs use)."""
    import torch
    x = torch.as_tensor(images_u8).to(device, non_blocking=True)
    return x.permute(0, 3, 1, 2).float().div(127.5).sub(1.0)


def lr_at(step, total, peak, warmup=200):
    if step < warmup:
        return peak * (step + 1) / warmup
    return peak * 0.5 * (1 + math.cos(math.pi * (step - warmup) / max(1, total - warmup)))


def optimizer_step(opt, module, loss, lr: float) -> None:
    """One AdamW step at `lr`, gradients clipped to norm 1 (tiny models spike early on)."""
    import torch
    for g in opt.param_groups:
        g["lr"] = lr
    opt.zero_grad(set_to_none=True)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(module.parameters(), 1.0)
    opt.step()


class Clock:
    def __init__(self, cfg: Config, name: str):
        self.cfg, self.name, self.t0 = cfg, name, time.time()

    def expired(self) -> bool:
        return self.cfg.max_minutes > 0 and time.time() - self.t0 > self.cfg.max_minutes * 60

    def log(self, step, total, **vals):
        text = " ".join(f"{k}={v:.4f}" for k, v in vals.items())
        print(f"[{self.name}] step {step}/{total} {text} t={time.time() - self.t0:.0f}s",
              flush=True)


def autocast(device):
    import torch
    return torch.autocast(device.type, dtype=torch.bfloat16, enabled=device.type == "cuda")


# 3. VAE ---------------------------------------------------------------------------------------
def train_vae(images, cfg: Config, device):
    import torch
    from diffusers import AutoencoderKL
    from playground.world.model import vae_config
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


def encode_scaled(vae, images_u8, device):
    """Posterior means of a batch, times the VAE's scaling factor: what the UNet denoises."""
    import torch
    with torch.no_grad(), autocast(device):
        mean = vae.encode(to_unit(images_u8, device)).latent_dist.mean.float()
    return mean * vae.config.scaling_factor


def encode_latents(vae, images, device, batch=1024, rescale: bool = True):
    """Posterior means of every image, and the scaling factor that gives them unit variance.
    rescale=False keeps the VAE's own factor: the one a frozen UNet was trained with."""
    import torch
    out = []
    with torch.no_grad():
        for i in range(0, len(images), batch):
            with autocast(device):
                out.append(vae.encode(to_unit(images[i:i + batch], device)).latent_dist.mean
                           .float())
    latents = torch.cat(out)
    if rescale:
        vae.register_to_config(scaling_factor=float(1.0 / latents.std()))
    scale = float(vae.config.scaling_factor)
    return latents * scale, scale


# 4. UNet ---------------------------------------------------------------------------------------
class TextBank:
    """Token ids of every caption on the device; embeds a batch with the frozen encoder."""

    def __init__(self, tokenizer, encoder, captions, device):
        import torch
        from playground.world.model import MAX_TOKENS
        self.ids = tokenize_all(tokenizer, captions, MAX_TOKENS).to(device)
        self.empty = tokenizer([""], padding="max_length", max_length=MAX_TOKENS,
                               return_tensors="pt").input_ids.to(device)
        self.encoder = encoder.to(device)
        self.torch = torch

    def embed(self, idx, gen, dropout):
        torch = self.torch
        k = self.ids.shape[1]
        slot = torch.randint(0, k, (len(idx),), device=idx.device, generator=gen)
        ids = self.ids[idx, slot].long()
        drop = torch.rand(len(idx), device=idx.device, generator=gen) < dropout
        ids = torch.where(drop[:, None], self.empty.expand_as(ids), ids)
        with torch.no_grad():
            return self.encoder(ids)[0]


def diffusion_loss(model_out, noise, timesteps, scheduler):
    """Epsilon MSE with min-SNR-5 weights, which converges faster on small models."""
    import torch
    alphas = scheduler.alphas_cumprod.to(timesteps.device)[timesteps]
    snr = alphas / (1 - alphas)
    weight = torch.clamp(snr, max=5.0) / snr
    per = ((model_out.float() - noise) ** 2).mean(dim=(1, 2, 3))
    return (per * weight).mean()


def noisy_batch(x0, scheduler, gen):
    import torch
    noise = torch.randn(x0.shape, device=x0.device, generator=gen)
    t = torch.randint(0, scheduler.config.num_train_timesteps, (len(x0),), device=x0.device,
                      generator=gen)
    return scheduler.add_noise(x0, noise, t), noise, t


def train_unet(latents, text: TextBank, cfg: Config, device):
    import copy
    import torch
    from diffusers import DDPMScheduler, UNet2DConditionModel
    from playground.world.model import scheduler_config, unet_config
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


# 5. main -----------------------------------------------------------------------------------------
def load_parts(folder: Path, device):
    from diffusers import AutoencoderKL, UNet2DConditionModel
    vae = AutoencoderKL.from_pretrained(folder / "vae", use_safetensors=True).to(device)
    unet = UNet2DConditionModel.from_pretrained(folder / "unet", use_safetensors=True)
    return vae.float().eval(), unet.float().to(device).eval()


def load_controlnet(folder: Path, detector: str):
    from diffusers import ControlNetModel
    return ControlNetModel.from_pretrained(folder / f"controlnet-{detector}", use_safetensors=True)


def run(cfg: Config, parts: list[str], out: Path, init_from: Path | None, device_name: str):
    import torch
    from diffusers import DDIMScheduler
    from playground.world.model import load_text_encoder, save_model, scheduler_config
    from playground.world.train_controlnet import train_controlnet
    device = torch.device(device_name)
    t0 = time.time()
    sketches = "scribble" in parts and cfg.scribble_sketch > 0
    images, captions, outlines = render_dataset(cfg, outlines=sketches)
    print(f"[data] {len(images)} scenes rendered in {time.time() - t0:.0f}s", flush=True)
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
        unet = train_unet(latents, text, cfg, device)
        save()
    for detector in [p for p in parts if p in ("canny", "scribble")]:
        start = load_controlnet(init_from, detector) if cfg.controlnet_resume else None
        nets[detector] = train_controlnet(unet, latents, images, text, detector, cfg, device,
                                          vae=vae, start=start,
                                          outlines=outlines if detector == "scribble" else None)
        save()
    print(f"[done] {parts} in {time.time() - t0:.0f}s", flush=True)


def main():
    from playground.world.model import MODEL_DIR
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
    args = parser.parse_args()
    overrides = dict(SMOKE) if args.smoke else {}
    overrides.update({f.name: getattr(args, f.name) for f in dataclasses.fields(Config)
                      if getattr(args, f.name) is not None})
    cfg = Config(**overrides)
    parts = args.parts.split(",")
    if "vae" not in parts and args.init_from is None:
        parser.error("--init-from is needed when the VAE is not trained")
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
