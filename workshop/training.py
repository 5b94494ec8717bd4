"""What workshop.train and workshop.train_controlnet share: the run's Config, the text bank,
the diffusion loss, the optimiser step and schedule, VAE encoding, and loading saved parts.

torch and diffusers are imported inside functions, so importing this module stays cheap.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass
from pathlib import Path

from playground.world.text_encoder import MAX_TOKENS

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


# --- tensors and the optimiser ----------------------------------------------------------
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


# --- the VAE's latents --------------------------------------------------------------------
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


# --- text and noise ------------------------------------------------------------------------
def tokenize_all(tokenizer, captions, max_tokens):
    import torch
    flat = [c for per_scene in captions for c in per_scene]
    ids = tokenizer(flat, padding="max_length", max_length=max_tokens, truncation=True,
                    return_tensors="pt").input_ids.to(torch.int32)
    return ids.view(len(captions), len(captions[0]), max_tokens)


class TextBank:
    """Token ids of every caption on the device; embeds a batch with the frozen encoder."""

    def __init__(self, tokenizer, encoder, captions, device):
        import torch
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


# --- saved parts ---------------------------------------------------------------------------
def load_parts(folder: Path, device):
    from diffusers import AutoencoderKL, UNet2DConditionModel
    vae = AutoencoderKL.from_pretrained(folder / "vae", use_safetensors=True).to(device)
    unet = UNet2DConditionModel.from_pretrained(folder / "unet", use_safetensors=True)
    return vae.float().eval(), unet.float().to(device).eval()


def load_controlnet(folder: Path, detector: str):
    from diffusers import ControlNetModel
    return ControlNetModel.from_pretrained(folder / f"controlnet-{detector}", use_safetensors=True)
