"""Train the tiny world's attribute classifier (playground.world.classifier) on fresh renders.

    python -m workshop.classifier_train [--quick] [--out DIR] [--device cuda|cpu] [--seed N]
        [--n-train N] [--n-test N] [--epochs N]

Trained on freshly rendered world images, whose attributes are known exactly, with light
blur / noise / brightness jitter so that it transfers to the slightly soft images the VAE
decodes. workshop.evaluate trains one this way when its model folder has none.
The render workers that multiprocessing spawns import this module, so torch is imported
inside functions only.
"""
from __future__ import annotations

import argparse
import os
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

import numpy as np

from playground.world.classifier import DEFAULT_DIR, SIZE, AttributeClassifier, build_net
from playground.world.scene import sample_scene
from playground.world.vocab import ATTRIBUTES, EVAL_ATTRIBUTES, INDOOR, VALUES
from workshop.render import render

# GPU: ~1 minute on an H100 for >= 95% per head. QUICK: < 2 minutes on a 2-core CPU, for
# tests and for trying the evaluation end to end; its accuracy is low and says so.
FULL = dict(n_train=64000, n_test=6000, epochs=10, batch=256, width=1.0, pool=1, lr=3e-3)
QUICK = dict(n_train=2000, n_test=300, epochs=4, batch=16, width=0.375, pool=2, lr=4e-3)
PLACEMENT_SWAP = {"left": "right", "right": "left"}


# --- data: scenes sampled so that every class is common enough to learn --------------

def sample_training_scene(rng: np.random.Generator):
    """Half the scenes follow the world's prior; half force uniform subject/light/style,
    colour, setting and bird count, so rare classes (a fox at night, five birds) are seen."""
    if rng.random() < 0.5:
        return sample_scene(rng)
    subject = str(rng.choice([s for s in VALUES["subject"]]))
    fixed = {"subject": subject, "light": str(rng.choice(VALUES["light"])),
             "style": str(rng.choice(VALUES["style"]))}
    colours = [c for c, p in ATTRIBUTES[f"{subject}_colour"].items() if p > 0]
    fixed["colour"] = str(rng.choice(colours))
    settings = [s for s, p in ATTRIBUTES[f"{subject}_setting"].items() if p > 0]
    fixed["setting"] = str(rng.choice(settings))
    if fixed["setting"] not in INDOOR:
        fixed["birds"] = str(rng.integers(0, 6))
    return sample_scene(rng, **fixed)


def encode_labels(attributes: dict[str, str]) -> list[int]:
    return [VALUES[a].index(attributes[a]) for a in EVAL_ATTRIBUTES]


def _render_chunk(job: tuple[int, int, int]) -> tuple[np.ndarray, np.ndarray]:
    """Worker: n scenes from one seed -> (uint8 images (n, S, S, 3), int64 labels (n, heads))."""
    seed, n, size = job
    rng = np.random.default_rng(seed)
    images = np.zeros((n, size, size, 3), np.uint8)
    labels = np.zeros((n, len(EVAL_ATTRIBUTES)), np.int64)
    for i in range(n):
        scene = sample_training_scene(rng)
        images[i] = render(scene, size)
        labels[i] = encode_labels(scene.attributes())
    return images, labels


def render_dataset(n: int, seed: int, size: int = SIZE, workers: int | None = None):
    """n labelled renders, made in parallel; the same (n, seed) always gives the same set."""
    if n < 1:
        raise ValueError(f"n must be >= 1, got {n}")
    workers = max(1, min(workers or os.cpu_count() or 1, 32))
    chunk = 250
    seeds = np.random.SeedSequence(seed).generate_state(-(-n // chunk))
    jobs = [(int(s), min(chunk, n - i * chunk), size) for i, s in enumerate(seeds)]
    if workers == 1 or len(jobs) == 1:
        parts = [_render_chunk(j) for j in jobs]
    else:
        # spawn, not fork: the parent may hold CUDA and torch thread pools
        with ProcessPoolExecutor(workers, mp_context=get_context("spawn")) as pool:
            parts = list(pool.map(_render_chunk, jobs))
    return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])


# --- training ---------------------------------------------------------------------------

def _augment(x, torch):
    """Light blur, noise and brightness/contrast jitter on a float NCHW batch in [0, 1]:
    what a VAE decode does to a render, kept small so colours and light stay readable."""
    n = x.shape[0]
    sigma = float(torch.empty(1).uniform_(0.3, 1.2))
    k = torch.arange(-2, 3, device=x.device, dtype=x.dtype)
    k = torch.exp(-k ** 2 / (2 * sigma ** 2))
    k = (k / k.sum()).view(1, 1, 1, 5).repeat(3, 1, 1, 1)
    blurred = torch.nn.functional.conv2d(x, k, padding=(0, 2), groups=3)
    blurred = torch.nn.functional.conv2d(blurred, k.transpose(2, 3), padding=(2, 0), groups=3)
    pick = (torch.rand(n, 1, 1, 1, device=x.device) < 0.5).to(x.dtype)
    x = pick * blurred + (1 - pick) * x
    contrast = torch.empty(n, 1, 1, 1, device=x.device).uniform_(0.92, 1.08)
    shift = torch.empty(n, 1, 1, 1, device=x.device).uniform_(-0.03, 0.03)
    x = (x - 0.5) * contrast + 0.5 + shift
    x = x + torch.randn_like(x) * torch.empty(n, 1, 1, 1, device=x.device).uniform_(0, 0.03)
    return x.clamp(0, 1)


def train_classifier(quick: bool = False, device: str | None = None, seed: int = 0,
                     log=print, **overrides) -> AttributeClassifier:
    """Render, train, and measure held-out accuracy (stored in config["accuracy"])."""
    import torch
    cfg = dict(QUICK if quick else FULL, **overrides)
    device = device or ("cuda" if torch.cuda.is_available() else "cpu")
    t0 = time.time()
    x_train, y_train = render_dataset(cfg["n_train"], seed)
    x_test, y_test = render_dataset(cfg["n_test"], seed + 10_007)  # disjoint seeds
    t_render = time.time() - t0
    log(f"classifier: rendered {len(x_train)} + {len(x_test)} images in {t_render:.1f} s")
    torch.manual_seed(seed)
    threads = torch.get_num_threads()
    if not device.startswith("cuda"):
        # one thread: on a busy 2-core machine two OpenMP threads wait on each other at every
        # op and ran 8x slower than one (measured while another job trained beside it)
        torch.set_num_threads(1)
    try:
        return _train(cfg, device, seed, quick, x_train, y_train, x_test, y_test, t0, t_render, log)
    finally:
        torch.set_num_threads(threads)


def _train(cfg, device, seed, quick, x_train, y_train, x_test, y_test, t0, t_render, log):
    import torch
    net = build_net(cfg["width"], cfg["pool"]).to(device)
    cuda = device.startswith("cuda")
    if cuda:
        net = net.to(memory_format=torch.channels_last)
    xs = torch.from_numpy(x_train).to(device)
    ys = torch.from_numpy(y_train).to(device)
    steps = cfg["epochs"] * (len(xs) // cfg["batch"])
    opt = torch.optim.AdamW(net.parameters(), lr=cfg["lr"], weight_decay=5e-4)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, cfg["lr"], total_steps=steps, pct_start=0.15)
    # a horizontal flip swaps left and right: augment by flipping and relabelling placement
    p_col = EVAL_ATTRIBUTES.index("placement")
    swap = torch.arange(len(VALUES["placement"]), device=device)
    for a, b in PLACEMENT_SWAP.items():
        swap[VALUES["placement"].index(a)] = VALUES["placement"].index(b)
    net.train()
    for epoch in range(cfg["epochs"]):
        order = torch.randperm(len(xs), device=device)
        total = 0.0
        for start in range(0, len(xs) - cfg["batch"] + 1, cfg["batch"]):
            idx = order[start:start + cfg["batch"]]
            x = xs[idx].permute(0, 3, 1, 2).float() / 255.0
            y = ys[idx].clone()
            flip = torch.rand(len(idx), device=device) < 0.5
            x = torch.where(flip[:, None, None, None], x.flip(3), x)
            y[:, p_col] = torch.where(flip, swap[y[:, p_col]], y[:, p_col])
            x = (_augment(x, torch) - 0.5) / 0.25
            if cuda:
                x = x.contiguous(memory_format=torch.channels_last)
            with torch.autocast("cuda", dtype=torch.bfloat16, enabled=cuda):
                f = net["trunk"](x)
                loss = sum(torch.nn.functional.cross_entropy(net["heads"][a](f).float(), y[:, j],
                                                             label_smoothing=0.05)
                           for j, a in enumerate(EVAL_ATTRIBUTES))
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            total += float(loss.detach())
        log(f"classifier: epoch {epoch + 1}/{cfg['epochs']} loss "
            f"{total / max(1, len(xs) // cfg['batch']):.3f} ({time.time() - t0:.0f} s)")
    clf = AttributeClassifier(net.to(memory_format=torch.contiguous_format),
                              {"width": cfg["width"], "pool": cfg["pool"], "size": SIZE, "seed": seed,
                               "attributes": list(EVAL_ATTRIBUTES),
                               "values": {a: list(VALUES[a]) for a in EVAL_ATTRIBUTES},
                               "train": dict(cfg, quick=quick, device=device)}, device)
    acc = clf.accuracy(x_test, y_test)
    clf.config["accuracy"] = acc
    clf.config["train"]["seconds"] = round(time.time() - t0, 1)
    clf.config["train"]["render_seconds"] = round(t_render, 1)
    log("classifier: held-out accuracy " + ", ".join(f"{a} {v:.1%}" for a, v in acc.items()))
    return clf


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="small CPU config (low accuracy)")
    parser.add_argument("--out", type=Path, default=DEFAULT_DIR, help="folder to save into")
    parser.add_argument("--device", choices=("cuda", "cpu"), default=None)
    parser.add_argument("--seed", type=int, default=0)
    for key in ("n_train", "n_test", "epochs"):  # smaller than --quick: the recipe's --tiny run
        parser.add_argument(f"--{key.replace('_', '-')}", type=int, default=None, help="default: FULL / QUICK's")
    args = parser.parse_args(argv)
    sizes = {k: getattr(args, k) for k in ("n_train", "n_test", "epochs") if getattr(args, k) is not None}
    clf = train_classifier(args.quick, args.device, args.seed, **sizes)
    print(f"saved to {clf.save(args.out)}")


if __name__ == "__main__":
    main()
