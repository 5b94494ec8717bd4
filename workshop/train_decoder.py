"""A sharper decoder for the same latent space: `python -m workshop.train --parts decoder`.

The encoder, the latents and so the UNet and both ControlNets stay as shipped; only the VAE's
post_quant_conv and decoder learn, against the world's exact renders. Plain pixel losses make
a decoder average what the latent leaves open, which is blur (a first probe with L1 + Sobel
lost sharpness); TAESD shows the way out: an adversarial loss, here a small patch
discriminator (hinge), on top of L1 and an edge term that keep colours and layout honest.

Made to run for hours on a 2-core CPU across sessions: every `ckpt_every` steps the decoder,
discriminator, optimisers and random states go to <work>/ckpt.pt (written atomically), and a
new run resumes from there. Every `eval_every` steps a fixed held-out set is decoded and one
line goes to <work>/curve.jsonl (training seconds, round-trip L1, sharpness ratio); every
`gen_every` steps the candidate decodes 16 generated images through the app's own Lab too.
`--export` writes the last checkpoint's decoder into the model folder. The options are
workshop.train's (one parser for both trainers); the shipped decoder is the recipe's step 2,000
(workshop/recipe.py).
"""
from __future__ import annotations

import dataclasses
import json
import os
import shutil
import time
from pathlib import Path

import numpy as np

from workshop.dataset import make_batch
from workshop.metrics import sharpness
from workshop.model import MODEL_DIR, ROOT
from workshop.sampling import generate, open_lab
from workshop.training import to_unit

WORK = ROOT / ".scratch" / "decoder"


@dataclasses.dataclass(frozen=True)
class DecoderConfig:
    scenes: int = 8000          # training renders; the latents are fixed, so more scenes beat more passes
    batch: int = 8
    lr: float = 1e-4            # 1e-3 (the first probe) undid the shipped decoder within 300 steps
    disc_lr: float = 2e-4
    steps: int = 100_000        # a ceiling: runs are cut by time and resumed
    edge_weight: float = 1.0    # L1 between Sobel gradients: edges where the render has them
    adv_weight: float = 0.5     # times the adaptive balance (VQGAN's): |grad rec| / |grad adv| at the last layer
    adv_start: int = 300        # the discriminator first learns what the current decoder draws
    sample_latents: bool = True  # decode posterior samples, not means: generated latents are not exact
    ckpt_every: int = 100
    eval_every: int = 250
    gen_every: int = 1000
    max_minutes: float = 0.0    # >0: stop after this much training time in this run
    seed: int = 0


# On workshop.train's command line the generic names get a prefix (--decoder-steps beside
# --vae-steps); scenes, max_minutes and seed are the image model's names too.
FLAG_NAMES = {"steps": "decoder_steps", "batch": "decoder_batch", "lr": "decoder_lr"}
SMOKE = dict(scenes=16, batch=2, steps=2, adv_start=1, ckpt_every=1, eval_every=2, gen_every=10**6)


# --- data ----------------------------------------------------------------------------------
def vae_from(folder: Path):
    from diffusers import AutoencoderKL
    return AutoencoderKL.from_pretrained(folder / "vae", use_safetensors=True).float().eval()


def posterior(vae, images, batch: int = 64):
    """The frozen encoder's posterior mean and std of every image (float16 arrays)."""
    import torch
    means, stds = [], []
    with torch.no_grad():
        for i in range(0, len(images), batch):
            dist = vae.encode(to_unit(images[i:i + batch], torch.device("cpu"))).latent_dist
            means.append(dist.mean.half().numpy())
            stds.append(dist.std.half().numpy())
    return np.concatenate(means), np.concatenate(stds)


def dataset(cfg: DecoderConfig, vae, work: Path, name: str, n: int, seed: int):
    """Renders and their posteriors, cached in <work>/<name>.npz (rendering and encoding 8000
    scenes is minutes of CPU, not to be paid again on resume)."""
    path = work / f"{name}.npz"
    if path.exists():
        data = np.load(path)
        if len(data["images"]) == n:
            return data["images"], data["mean"], data["std"]
    images = np.concatenate([make_batch(min(1000, n - i), seed + i // 1000)[0] for i in range(0, n, 1000)])
    mean, std = posterior(vae, images)
    np.savez(path, images=images, mean=mean, std=std)
    return images, mean, std


# --- the networks --------------------------------------------------------------------------
def discriminator():
    """A PatchGAN of three strided convolutions: one real/fake score per 16 x 16 patch."""
    from torch import nn
    def block(cin, cout, norm=True):
        layers = [nn.Conv2d(cin, cout, 4, 2, 1)]
        return layers + ([nn.GroupNorm(8, cout)] if norm else []) + [nn.LeakyReLU(0.2)]
    return nn.Sequential(*block(3, 32, norm=False), *block(32, 64), *block(64, 128), nn.Conv2d(128, 1, 3, 1, 1))


def sobel(x):
    import torch
    import torch.nn.functional as F
    k = torch.tensor([[1.0, 0, -1], [2, 0, -2], [1, 0, -1]], device=x.device)
    kernels = torch.stack([k, k.t()])[:, None].repeat(x.shape[1], 1, 1, 1)
    return F.conv2d(x, kernels, padding=1, groups=x.shape[1])


def trainable(vae):
    return list(vae.post_quant_conv.parameters()) + list(vae.decoder.parameters())


def decode(vae, z):
    return vae.decode(z).sample


# --- checkpoints ---------------------------------------------------------------------------
def save_checkpoint(path: Path, state: dict) -> None:
    import torch
    tmp = path.with_suffix(".tmp")
    torch.save(state, tmp)
    os.replace(tmp, path)  # a run killed mid-write keeps the previous checkpoint


def decoder_state(vae) -> dict:
    return {k: v for k, v in vae.state_dict().items() if k.startswith(("decoder.", "post_quant_conv."))}


# --- measuring -----------------------------------------------------------------------------
def round_trip(vae, images, mean) -> dict:
    """Decode the held-out posterior means: L1 in [-1, 1] and sharpness against the renders."""
    import torch
    with torch.no_grad():
        out = torch.cat([decode(vae, torch.as_tensor(mean[i:i + 32]).float()) for i in range(0, len(mean), 32)])
    rec = ((out.clamp(-1, 1) + 1) * 127.5).round().byte().permute(0, 2, 3, 1).numpy()
    l1 = float(np.abs(rec.astype(np.float32) / 127.5 - images.astype(np.float32) / 127.5).mean())
    return {"l1": round(l1, 4), "sharpness_ratio": round(sharpness(rec) / sharpness(images), 3)}


def generated(vae, work: Path, model_dir: Path, n: int = 16) -> float:
    """Sharpness of n generated images (app defaults) decoded by this decoder, over the renders
    of the scenes their captions describe: the candidate model folder shares every other part."""
    folder = work / "model"
    if not folder.exists():
        folder.mkdir(parents=True)
        for part in model_dir.iterdir():
            if part.name != "vae":
                (folder / part.name).symlink_to(part.resolve())
    vae.save_pretrained(folder / "vae", safe_serialization=True)
    images, captions, _ = make_batch(n, seed=424_242)
    made = generate(open_lab(folder), [c for c in captions], range(n))
    return round(sharpness(made) / sharpness(images), 3)


# --- training ------------------------------------------------------------------------------
def losses(vae, disc, x, z, cfg: DecoderConfig, step: int):
    """The decoder's loss (L1 + edges + adversarial once started) and its parts. The adversarial
    term is scaled so its gradient at the decoder's last layer is adv_weight times the pixel
    terms' (VQGAN's adaptive weight): a fixed weight is too strong early and too weak late."""
    import torch
    rec = decode(vae, z)
    l1 = (rec - x).abs().mean()
    edge = (sobel(rec) - sobel(x)).abs().mean()
    loss = l1 + cfg.edge_weight * edge
    parts = {"l1": l1.item(), "edge": edge.item()}
    if step >= cfg.adv_start:
        adv = -disc(rec).mean()
        last = vae.decoder.conv_out.weight
        g_rec = torch.autograd.grad(loss, last, retain_graph=True)[0]
        g_adv = torch.autograd.grad(adv, last, retain_graph=True)[0]
        weight = (g_rec.norm() / (g_adv.norm() + 1e-4)).clamp(0, 1e3).detach() * cfg.adv_weight
        loss = loss + weight * adv
        parts.update(adv=adv.item(), adv_w=weight.item())
    return loss, rec, parts


def disc_step(disc, opt_d, x, rec) -> float:
    """Hinge loss: renders score above +1, decodes below -1."""
    import torch.nn.functional as F
    loss = F.relu(1 - disc(x)).mean() + F.relu(1 + disc(rec.detach())).mean()
    opt_d.zero_grad(set_to_none=True)
    loss.backward()
    opt_d.step()
    return loss.item()


def resume(cfg: DecoderConfig, work: Path, model_dir: Path):
    """The run's state: from <work>/ckpt.pt when there is one, else the shipped decoder."""
    import torch
    torch.manual_seed(cfg.seed)
    vae, disc = vae_from(model_dir), discriminator()
    vae.requires_grad_(False)
    for p in trainable(vae):
        p.requires_grad_(True)
    opt_g = torch.optim.Adam(trainable(vae), lr=cfg.lr, betas=(0.5, 0.9))
    opt_d = torch.optim.Adam(disc.parameters(), lr=cfg.disc_lr, betas=(0.5, 0.9))
    state = {"step": 0, "seconds": 0.0, "gen": torch.Generator().manual_seed(cfg.seed + 1).get_state()}
    path = work / "ckpt.pt"
    if path.exists():
        saved = torch.load(path, weights_only=False)
        vae.load_state_dict({**vae.state_dict(), **saved["decoder"]})
        disc.load_state_dict(saved["disc"])
        opt_g.load_state_dict(saved["opt_g"])
        opt_d.load_state_dict(saved["opt_d"])
        state = {k: saved[k] for k in ("step", "seconds", "gen")}
        print(f"[decoder] resumed at step {state['step']} ({state['seconds'] / 60:.0f} min trained)", flush=True)
    return vae, disc, opt_g, opt_d, state


def train(cfg: DecoderConfig, work: Path = WORK, model_dir: Path = MODEL_DIR) -> dict:
    """Train until cfg.steps or cfg.max_minutes; returns the last evaluation."""
    import torch
    work.mkdir(parents=True, exist_ok=True)
    vae, disc, opt_g, opt_d, state = resume(cfg, work, model_dir)
    images, mean, std = dataset(cfg, vae, work, "train", cfg.scenes, seed=cfg.seed * 7919 + 31)
    held, held_mean, _ = dataset(cfg, vae, work, "held", 64, seed=cfg.seed * 7919 + 999_983)
    gen = torch.Generator()
    gen.set_state(state["gen"])
    step, start, last = state["step"], time.time(), {}
    vae.decoder.train()
    while step < cfg.steps:
        pick = torch.randint(0, len(images), (cfg.batch,), generator=gen).numpy()
        x = to_unit(images[pick], torch.device("cpu"))
        z = torch.as_tensor(mean[pick]).float()
        if cfg.sample_latents:
            z = z + torch.as_tensor(std[pick]).float() * torch.randn(z.shape, generator=gen)
        loss, rec, parts = losses(vae, disc, x, z, cfg, step)
        opt_g.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(trainable(vae), 1.0)
        opt_g.step()
        if step + 1 >= cfg.adv_start:
            parts["disc"] = disc_step(disc, opt_d, x, rec)
        step += 1
        seconds = state["seconds"] + time.time() - start
        if step % cfg.eval_every == 0 or step % cfg.gen_every == 0:
            last = evaluate_step(vae, cfg, work, model_dir, step, seconds, held, held_mean, parts)
        if step % cfg.ckpt_every == 0 or step == cfg.steps:
            save_checkpoint(work / "ckpt.pt", {"decoder": decoder_state(vae), "disc": disc.state_dict(),
                                               "opt_g": opt_g.state_dict(), "opt_d": opt_d.state_dict(),
                                               "step": step, "seconds": seconds, "gen": gen.get_state()})
        if cfg.max_minutes and time.time() - start > cfg.max_minutes * 60:
            break
    return last


def evaluate_step(vae, cfg, work, model_dir, step, seconds, held, held_mean, parts) -> dict:
    vae.decoder.eval()
    row = {"step": step, "seconds": round(seconds), **round_trip(vae, held, held_mean),
           "train": {k: round(v, 4) for k, v in parts.items()}}
    if step % cfg.gen_every == 0:
        row["generated_ratio"] = generated(vae, work, model_dir)
    vae.decoder.train()
    with open(work / "curve.jsonl", "a") as f:
        f.write(json.dumps(row) + "\n")
    print(f"[decoder] {json.dumps(row)}", flush=True)
    return row


def export(work: Path = WORK, model_dir: Path = MODEL_DIR) -> Path:
    """The last checkpoint's decoder into the model folder's VAE (fp16, as shipped)."""
    import torch
    vae = vae_from(model_dir)
    vae.load_state_dict({**vae.state_dict(), **torch.load(work / "ckpt.pt", weights_only=False)["decoder"]})
    tmp = work / "export"
    shutil.rmtree(tmp, ignore_errors=True)
    vae.half().save_pretrained(tmp, safe_serialization=True)
    for f in tmp.iterdir():
        shutil.copyfile(f, model_dir / "vae" / f.name)
    return model_dir / "vae"


def run(cfg: DecoderConfig, work: Path = WORK, model_dir: Path = MODEL_DIR, export_only: bool = False) -> None:
    """What `python -m workshop.train --parts decoder [--export]` does: train (resuming from
    <work>/ckpt.pt) on every core, or only write the checkpoint's decoder into model_dir."""
    if export_only:
        print(f"[decoder] exported to {export(work, model_dir)}")
        return
    import torch
    torch.set_num_threads(max(1, os.cpu_count() or 1))
    print(f"[decoder] {cfg}", flush=True)
    train(cfg, work, model_dir)
