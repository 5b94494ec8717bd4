"""Train the x2 upscaler (workshop.upscaler) on the CPU, resumably:

    python -m workshop.upscaler_train --out models/tiny-world/upscaler --steps N
        [--checkpoint-every K] [--threads T] [--work .scratch/upscaler] [--smoke]
        [--export-from-checkpoint]

Pairs are made by the shipped path: the input is a world render at 128 px through the
shipped VAE (encode, decode: what the app's pictures look like; a share decodes a posterior
sample, not the mean, since generated latents are not exact encodings), the target the same
scene rendered at 256 px. They are made once, in chunks, into <work>/pairs-*.npz, so a
restart reuses them. Loss: L1 plus L1 between Sobel gradients, so edges stay where the
render has them (pixel art blocky) and do not appear where it has none (watercolour soft).
Adam, warm-up then cosine, batches of random crops. Every --checkpoint-every steps the network,
optimiser, step, seconds and random state go to <work>/ckpt.pt (atomically); a new run with the
same work folder resumes from it. Progress lines (step, loss, s/step, ETA) go to <work>/train.log,
held-out figures to <work>/curve.jsonl. --out is written only at the end (or from the checkpoint
with --export-from-checkpoint).
"""
from __future__ import annotations

import dataclasses
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

from workshop import upscaler
from workshop.dataset import make_batch
from workshop.model import MODEL_DIR, ROOT
from workshop.render import render
from workshop.upscaler_loss import loss_of, style_table

WORK = ROOT / ".scratch" / "upscaler"
PAIR_SEED = 660_000  # make_batch seeds of the training pairs, apart from the other trainers' and the evaluation's
HELD_SEED = 987_654 + 77  # a few held-out pairs for the curve (eval_sections.HELDOUT_SEED + 77)


@dataclasses.dataclass(frozen=True)
class UpscalerConfig:
    scenes: int = 3000        # pairs: 0.7 GB in memory; crops of 48 px make ~20 M distinct windows
    chunk: int = 250          # pairs per cache file: a killed run loses at most one chunk of work
    sample_share: float = 0.5  # inputs decoded from a posterior sample, not the mean
    num_feat: int = upscaler.NUM_FEAT
    num_conv: int = upscaler.NUM_CONV
    batch: int = 16
    crop: int = 48            # input px; the target crop is twice that
    lr: float = 1e-3
    warmup: int = 100
    steps: int = 12000        # 50-80 min of one thread: 0.25 s a step alone, 0.4 beside other jobs
    edge_weight: float = 0.5
    pixel_blocks: bool = True  # pixel art's target: its own blocks (blocky_targets), not the 256 px render
    # Texture energy: L1 between 8 px means of |Laplacian| (the sharpness measure, locally). Photo
    # grain and pencil hatching are random or lost in the VAE, so L1 alone paints them flat: after
    # 5,250 steps without it sharpness was 0.39 of the renders' (photos 0.16); 300 more with it
    # 1.06 (photos 0.85) for L1 0.079 -> 0.082 (bicubic 0.099), on 20 held-out VAE'd renders.
    energy_weight: float = 1.0
    # Consistency: L1 between the output's 4 px cell means and the input's 2 px ones (what the
    # picture shows at 64 px). The target is the true render, so without it the network learnt
    # to "correct" the VAE's colours, and the classifier read another colour, light or bird count
    # in the upscaled picture than in the student's (agreement 96.0% on generated pictures).
    consistency_weight: float = 0.0
    # Per-style loss weights ("pixel art:3,watercolour:2"): the styles whose look the plain loss
    # averaged away (pixel art's blocks, watercolour's softness) count more.
    style_weights: str = ""
    # Neighbour differences: L1 between the output's and the target's differences of adjacent
    # pixels. Sobel's 3 px window lets a block edge sit a pixel off; pixel art's targets have no
    # difference off its grid at all, so this says exactly where its edges belong.
    diff_weight: float = 0.0
    checkpoint_every: int = 250
    log_every: int = 25
    eval_every: int = 1000
    held: int = 16
    seed: int = 0


SMOKE = dict(scenes=6, chunk=4, num_feat=8, num_conv=1, batch=2, crop=16, warmup=1, steps=4,
             checkpoint_every=2, log_every=1, eval_every=4, held=2)


# --- pairs ---------------------------------------------------------------------------------
def make_pairs(vae, n: int, seed: int, sample_share: float):
    """n scenes (make_batch(n, seed)): (VAE'd 128 px renders, 256 px renders, scenes)."""
    small, _, scenes = make_batch(n, seed)
    big = np.stack([render(s, 256) for s in scenes])
    sample = np.random.default_rng(seed).random(n) < sample_share
    return upscaler.through_vae(vae, small, sample, seed), big, scenes


def blocky_targets(high: np.ndarray, n: int, seed: int) -> np.ndarray:
    """Pixel art's targets become its 128 px render at 2x by nearest neighbour (in place). The
    world's 256 px pixel art is drawn on a 64 px canvas, not the 128 px one's 32 px: no upscaler
    can guess those finer steps, and L1 against them drew smooth diagonals (grid share 0.64,
    renders 1.0, after 5,250 steps): an upscaled pixel-art picture should keep its own blocks."""
    small, _, scenes = make_batch(n, seed)
    for j, scene in enumerate(scenes):
        if scene.style == "pixel art":
            high[j] = small[j].repeat(2, 0).repeat(2, 1)
    return high


def pairs(cfg: UpscalerConfig, vae, work: Path, log) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """All cfg.scenes pairs, each chunk from <work>/pairs-<seed>.npz when made before, and each
    pair's loss weight (cfg.style_weights)."""
    lows, highs, weights = [], [], []
    table = style_table(cfg.style_weights)
    for i in range(0, cfg.scenes, cfg.chunk):
        n, seed = min(cfg.chunk, cfg.scenes - i), PAIR_SEED + cfg.seed * 1000 + i // cfg.chunk
        path = work / f"pairs-{seed}-{n}-{cfg.sample_share:g}.npz"
        if not path.exists():
            t = time.time()
            low, high, _ = make_pairs(vae, n, seed, cfg.sample_share)
            tmp = path.with_suffix(".tmp.npz")
            np.savez(tmp, low=low, high=high)
            os.replace(tmp, path)  # a run killed mid-write leaves no half chunk
            log(f"pairs {i + n}/{cfg.scenes} made ({time.time() - t:.0f} s for {n})")
        data = np.load(path)
        lows.append(data["low"])
        highs.append(blocky_targets(data["high"], n, seed) if cfg.pixel_blocks else data["high"])
        weights.append(np.array([table.get(s.style, 1.0) for s in make_batch(n, seed)[2]] if table else
                                np.ones(n), np.float32))
    return np.concatenate(lows), np.concatenate(highs), np.concatenate(weights)


def crops(low, high, cfg: UpscalerConfig, gen):
    """A batch of random aligned crops (input, target) in [0, 1], half of them mirrored, and the
    indices of their pairs."""
    import torch
    n, size, c = len(low), low.shape[1], cfg.crop
    idx = torch.randint(0, n, (cfg.batch,), generator=gen).tolist()
    ys, xs = (torch.randint(0, size - c + 1, (cfg.batch,), generator=gen).tolist() for _ in range(2))
    flips = torch.rand(cfg.batch, generator=gen).lt(0.5).tolist()
    lo = np.stack([low[i, y:y + c, x:x + c] for i, y, x in zip(idx, ys, xs)])
    hi = np.stack([high[i, 2 * y:2 * y + 2 * c, 2 * x:2 * x + 2 * c] for i, y, x in zip(idx, ys, xs)])
    lo, hi = (torch.from_numpy(a).permute(0, 3, 1, 2).float() / 255 for a in (lo, hi))
    f = torch.tensor(flips)
    return (torch.where(f.view(-1, 1, 1, 1), lo.flip(3), lo), torch.where(f.view(-1, 1, 1, 1), hi.flip(3), hi),
            idx)


def lr_at(step: int, cfg: UpscalerConfig) -> float:
    import math
    if step < cfg.warmup:
        return cfg.lr * (step + 1) / cfg.warmup
    return cfg.lr * 0.5 * (1 + math.cos(math.pi * (step - cfg.warmup) / max(1, cfg.steps - cfg.warmup)))


def save_checkpoint(path: Path, state: dict) -> None:
    import torch
    tmp = path.with_suffix(".tmp")
    torch.save(state, tmp)
    os.replace(tmp, path)  # a run killed mid-write keeps the previous checkpoint


def resume(cfg: UpscalerConfig, work: Path, log):
    """The network, optimiser and run state: from <work>/ckpt.pt when there is one."""
    import torch
    net = upscaler.build(cfg.num_feat, cfg.num_conv, seed=cfg.seed)
    opt = torch.optim.Adam(net.parameters(), lr=cfg.lr, betas=(0.9, 0.99))
    state = {"step": 0, "seconds": 0.0, "gen": torch.Generator().manual_seed(cfg.seed + 1).get_state(), "history": []}
    path = work / "ckpt.pt"
    if path.exists():
        saved = torch.load(path, weights_only=False)
        if (saved["config"]["num_feat"], saved["config"]["num_conv"]) != (cfg.num_feat, cfg.num_conv):
            raise ValueError(f"{path} holds num_feat/num_conv {saved['config']['num_feat']}/"
                             f"{saved['config']['num_conv']}, not {cfg.num_feat}/{cfg.num_conv}: use another --work")
        net.load_state_dict(saved["net"])
        opt.load_state_dict(saved["opt"])
        state = {k: saved[k] for k in ("step", "seconds", "gen")}
        state["history"] = saved.get("history") or [{"from_step": 0, "config": saved["config"]}]
        log(f"resumed at step {state['step']} ({state['seconds'] / 60:.1f} min trained)")
    return net, opt, state


def held_figures(net, low, high) -> dict:
    """L1 (0-255) of the upscaler and of bicubic against the 256 px renders, on held-out pairs."""
    from PIL import Image
    net.eval()
    up = upscaler.upscale(net, low).astype(np.float32)
    net.train()
    bicubic = np.stack([np.asarray(Image.fromarray(im).resize(high.shape[1:3], Image.Resampling.BICUBIC))
                        for im in low]).astype(np.float32)
    return {"l1": round(float(np.abs(up - high).mean()), 3),
            "l1_bicubic": round(float(np.abs(bicubic - high).mean()), 3)}


def train(cfg: UpscalerConfig, work: Path = WORK, out: Path | None = None, model_dir: Path = MODEL_DIR,
          command: str = "", stop_at: int | None = None) -> dict:
    """Train from the last checkpoint to cfg.steps (or stop, checkpointed, at `stop_at`, for a
    schedule that changes its loss part-way); write `out` at the end. Returns the last curve row."""
    import torch
    work.mkdir(parents=True, exist_ok=True)
    log = logger(work / "train.log")
    log(f"config {dataclasses.asdict(cfg)}, {torch.get_num_threads()} thread(s)")
    net, opt, state = resume(cfg, work, log)
    vae = upscaler.load_vae(model_dir)
    low, high, weights = pairs(cfg, vae, work, log)
    weights = torch.from_numpy(weights)
    held_low, held_high, _ = make_pairs(vae, cfg.held, HELD_SEED, 0.0)
    del vae
    gen = torch.Generator()
    gen.set_state(state["gen"])
    history = state["history"]  # each setting a run changed, and from which step: config.json tells
    if not history or history[-1]["config"] != dataclasses.asdict(cfg):
        history = history + [{"from_step": state["step"], "config": dataclasses.asdict(cfg), "command": command}]
    step, start, done_before, row = state["step"], time.time(), state["seconds"], {}
    net.train()
    end = min(cfg.steps, stop_at or cfg.steps)
    while step < end:
        x, y, idx = crops(low, high, cfg, gen)
        for group in opt.param_groups:
            group["lr"] = lr_at(step, cfg)
        loss, parts = loss_of(net(x), y, cfg, x, weights[idx] if cfg.style_weights else None)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        step += 1
        seconds = done_before + time.time() - start
        if step % cfg.log_every == 0 or step == cfg.steps:
            rate = (time.time() - start) / (step - state["step"])
            terms = " ".join(f"{k} {v:.4f}" for k, v in parts.items())
            log(f"step {step}/{cfg.steps} loss {loss.item():.4f} ({terms}) "
                f"lr {lr_at(step - 1, cfg):.2e} {rate:.3f} s/step ETA {rate * (cfg.steps - step) / 60:.1f} min")
        if step % cfg.eval_every == 0 or step == cfg.steps:
            row = {"step": step, "seconds": round(seconds), **held_figures(net, held_low, held_high)}
            with open(work / "curve.jsonl", "a") as f:
                f.write(json.dumps(row) + "\n")
            log(f"held-out {json.dumps(row)}")
        if step % cfg.checkpoint_every == 0 or step in (cfg.steps, end):
            save_checkpoint(work / "ckpt.pt", {"net": net.state_dict(), "opt": opt.state_dict(), "step": step,
                                               "seconds": seconds, "gen": gen.get_state(), "history": history,
                                               "config": dataclasses.asdict(cfg)})
    if out is not None and step == cfg.steps:
        log(f"exported to {export(work, out, command)}")
    return row


def export(work: Path, out: Path, command: str = "") -> Path:
    """The checkpoint's network as <out>/tiny-world-x2.safetensors (fp32) and config.json, which
    names the command of the run that wrote the checkpoint (else `command`) and every run's settings."""
    import torch
    saved = torch.load(work / "ckpt.pt", weights_only=False)
    runs = saved.get("history", [])
    command = next((r["command"] for r in reversed(runs) if r.get("command")), command)
    net = upscaler.build(saved["config"]["num_feat"], saved["config"]["num_conv"])
    net.load_state_dict(saved["net"])
    out = Path(out)
    path = upscaler.save(net, out / upscaler.WEIGHTS, metadata={"step": saved["step"]})
    upscaler.write_config(out, net, command, {"steps": saved["step"], "runs": runs,
                                               "train_minutes": round(saved["seconds"] / 60, 1)})
    return path


def logger(path: Path):
    def log(text: str) -> None:
        print(line := f"{time.strftime('%H:%M:%S')} [upscaler] {text}", flush=True)
        with open(path, "a") as f:
            f.write(line + "\n")
    return log


def main(argv=None) -> None:
    import argparse
    p = argparse.ArgumentParser(prog="python -m workshop.upscaler_train", description=__doc__.split("\n")[0])
    p.add_argument("--out", type=Path, default=None, help="model folder to write at the end (default: none)")
    p.add_argument("--work", type=Path, default=WORK, help="pairs cache, checkpoint, log and curve")
    p.add_argument("--model", type=Path, default=MODEL_DIR, help="the model folder whose VAE makes the inputs")
    p.add_argument("--threads", type=int, default=None, help="torch threads (default: torch's)")
    p.add_argument("--smoke", action="store_true", help="tiny sizes: a test that the loop runs")
    p.add_argument("--export-from-checkpoint", action="store_true", help="write --out from <work>/ckpt.pt and stop")
    p.add_argument("--stop-at", type=int, default=None, help="stop (checkpointed) at this step; resume changes settings")
    for f in dataclasses.fields(UpscalerConfig):  # bool("false") is True: booleans read words
        kind = (lambda v: v.lower() in ("1", "true", "yes")) if isinstance(f.default, bool) else type(f.default)
        p.add_argument("--" + f.name.replace("_", "-"), type=kind, default=None)
    args = p.parse_args(argv)
    command = "python -m workshop.upscaler_train " + " ".join(sys.argv[1:] if argv is None else argv)
    if args.export_from_checkpoint:
        out = args.out or p.error("--export-from-checkpoint needs --out")
        print(f"[upscaler] exported to {export(args.work, out)}")
        return
    if args.threads:
        import torch
        torch.set_num_threads(args.threads)
    given = {f.name: getattr(args, f.name) for f in dataclasses.fields(UpscalerConfig)
             if getattr(args, f.name) is not None}
    cfg = UpscalerConfig(**{**(SMOKE if args.smoke else {}), **given})
    train(cfg, args.work, args.out, args.model, command, args.stop_at)


if __name__ == "__main__":
    main()
