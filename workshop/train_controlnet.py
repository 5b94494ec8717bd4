"""ControlNet training for the tiny world (run by workshop.train): control maps made as the
lab's detectors make them, the camera jitter that moves the world's fixed layouts, and the loop."""
from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from playground.detectors import OFFLINE
from workshop.model import new_controlnet, scheduler_config
from workshop.training import (Clock, Config, TextBank, autocast, diffusion_loss, encode_scaled,
                               lr_at, noisy_batch, optimizer_step)


def maps_of(images, detector: str = "canny") -> np.ndarray:
    """Control maps (N, H, W) made by the lab's own function for `detector`
    (playground.detectors.OFFLINE), in threads: cv2 releases the GIL, and on a GPU this CPU
    work would otherwise be a large part of a ControlNet step."""
    images = np.asarray(images)
    if len(images) == 0:
        return np.zeros(images.shape[:3], np.uint8)
    make = OFFLINE[detector]
    chunks = np.array_split(images, min(8, os.cpu_count() or 1, len(images)))
    with ThreadPoolExecutor(len(chunks)) as pool:
        parts = pool.map(lambda chunk: [make(im)[:, :, 0] for im in chunk], chunks)
        return np.stack([e for part in parts for e in part])


def edges_of(images) -> np.ndarray:
    """Canny edges (N, H, W) as playground.detectors makes them."""
    return maps_of(images, "canny")


def drop_blotches(x, kept, gen):
    """Augmentation, not part of the map: a hand sketch draws fewer lines than a detector
    finds, so blotches of each map (N, 1, H, W) are left out, keeping about `kept` (N,) of it."""
    import torch
    import torch.nn.functional as F
    keep = torch.rand((len(x), 1, 8, 8), device=x.device, generator=gen)
    keep = F.interpolate(keep, size=x.shape[-2:], mode="bilinear") > 1 - kept.view(-1, 1, 1, 1)
    return x * keep


def control_maps(images, detector, device, gen, outlines=None, sketch_share: float = 0.0):
    """Maps for a batch, made by the lab's own detector function (maps_of). For the scribble,
    a `sketch_share` of the batch is drawn from the `outlines` views instead, and blotches of
    every scribble are dropped: a quarter of a photo's map, and 0-70% of a sketch's."""
    import torch
    n = len(images)
    sketch = np.zeros(n, bool)
    if detector == "scribble" and outlines is not None and sketch_share > 0:
        sketch = (torch.rand(n, generator=gen, device=device) < sketch_share).cpu().numpy()
    sources = np.where(sketch[:, None, None, None], outlines, images) if sketch.any() else images
    x = torch.as_tensor(maps_of(sources, detector), device=device).float().div(255)[:, None]
    if detector == "scribble":
        kept = torch.full((n,), 0.75, device=device)
        s = torch.as_tensor(sketch, device=device)
        kept = torch.where(s, 0.3 + 0.7 * torch.rand(n, device=device, generator=gen), kept)
        x = drop_blotches(x, kept, gen)
    return x.expand(-1, 3, -1, -1).contiguous()


def camera_jitter(images_u8, share: float, gen, max_zoom: float = 1.5, device="cpu"):
    """A `share` of the batch zoomed in (1..max_zoom) on a random window, the rest untouched:
    the same scene with its horizon, walls and subject moved, as a student's sketch moves them.
    Returns the images and which of them moved. The draws come from the CPU generator `gen`;
    the resampling runs on `device`."""
    import torch
    import torch.nn.functional as F
    x = torch.as_tensor(images_u8).to(device).permute(0, 3, 1, 2).float()
    n = len(x)
    moved = torch.rand(n, generator=gen) < share
    zoom = torch.where(moved, 1 + (max_zoom - 1) * torch.rand(n, generator=gen), torch.ones(n))
    reach = 1 - 1 / zoom  # the window stays inside the image: no invented borders
    theta = torch.zeros(n, 2, 3)
    theta[:, 0, 0] = theta[:, 1, 1] = 1 / zoom
    theta[:, 0, 2] = (2 * torch.rand(n, generator=gen) - 1) * reach
    theta[:, 1, 2] = (2 * torch.rand(n, generator=gen) - 1) * reach
    grid = F.affine_grid(theta.to(device), list(x.shape), align_corners=False)
    out = F.grid_sample(x, grid, mode="bilinear", padding_mode="border", align_corners=False)
    return out.round().clamp(0, 255).byte().permute(0, 2, 3, 1).cpu().numpy(), moved.numpy()


def world_part(images, latents, outlines, pick, detector, cfg: Config, gens, vae, device):
    """The world's scenes of a batch: their rows, latents (moved views encoded again) and maps."""
    import torch
    cpu_gen, gen = gens
    idx = torch.as_tensor(pick, device=device)
    batch = images[pick]
    views = outlines[pick] if outlines is not None else None
    x0 = latents[idx] if latents is not None else None
    if cfg.controlnet_jitter > 0:
        if views is None:
            batch, moved = camera_jitter(batch, cfg.controlnet_jitter, cpu_gen, device=device)
        else:  # the same camera for a scene and its outlines: stacked as 6 channels
            both, moved = camera_jitter(np.concatenate([batch, views], axis=3),
                                        cfg.controlnet_jitter, cpu_gen, device=device)
            batch, views = both[..., :3], both[..., 3:]
        if x0 is None:  # every view moved: nothing precomputed to reuse
            x0 = encode_scaled(vae, batch, device)
        elif moved.any():  # only the moved views need the VAE (x0 is a copy)
            x0[torch.as_tensor(moved, device=device)] = encode_scaled(vae, batch[moved], device)
    if x0 is None:  # no camera and nothing precomputed
        x0 = encode_scaled(vae, batch, device)
    return idx, x0, control_maps(batch, detector, device, gen, views, cfg.scribble_sketch)


def train_controlnet(unet, latents, images, text: TextBank, detector, cfg: Config, device,
                     vae=None, start=None, outlines=None):
    """`latents` are the images' (scaled) posterior means; with cfg.controlnet_jitter the moved
    views are encoded batch by batch instead, which needs the `vae`. `start`: weights to resume.
    `outlines`: the images' outline views, for cfg.scribble_sketch."""
    import copy
    import torch
    from diffusers import DDPMScheduler
    torch.manual_seed(cfg.seed + 4)
    net = (copy.deepcopy(start).float() if start is not None else new_controlnet(unet)).to(device).train()
    cpu_gen = torch.Generator().manual_seed(cfg.seed + 7)
    unet.to(device).eval().requires_grad_(False)
    sched = DDPMScheduler.from_config(scheduler_config())
    sched.alphas_cumprod = sched.alphas_cumprod.to(device)
    opt = torch.optim.AdamW(net.parameters(), lr=cfg.controlnet_lr, weight_decay=0.0)
    gen = torch.Generator(device).manual_seed(cfg.seed + 5)
    rng = np.random.default_rng(cfg.seed + 6)
    clock = Clock(cfg, f"controlnet-{detector}")
    for step in range(cfg.controlnet_steps):
        pick = rng.integers(0, len(images), cfg.controlnet_batch)
        idx, x0, cond = world_part(images, latents, outlines, pick, detector, cfg, (cpu_gen, gen), vae, device)
        states = text.embed(idx, gen, cfg.controlnet_caption_dropout)
        noisy, noise, t = noisy_batch(x0, sched, gen)
        with autocast(device):
            down, mid = net(noisy, t, encoder_hidden_states=states, controlnet_cond=cond,
                            return_dict=False)
            out = unet(noisy, t, encoder_hidden_states=states,
                       down_block_additional_residuals=down,
                       mid_block_additional_residual=mid).sample
        loss = diffusion_loss(out, noise, t, sched)
        optimizer_step(opt, net, loss,
                       lr_at(step, cfg.controlnet_steps, cfg.controlnet_lr, warmup=100))
        if step % cfg.log_every == 0 or step == cfg.controlnet_steps - 1:
            clock.log(step, cfg.controlnet_steps, loss=loss.item())
        if clock.expired():
            break
    return net.eval()
