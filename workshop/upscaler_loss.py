"""The x2 upscaler's training loss (workshop.upscaler_train): L1, Sobel edges, texture energy,
neighbour differences and consistency with the input, each sample weighed by its style.

Every term and its reason is set in UpscalerConfig; a weight of 0 leaves its term out.
"""
from __future__ import annotations

from playground.world.vocab import STYLES
from workshop.train_decoder import sobel


def style_table(text: str) -> dict:
    """"pixel art:3,watercolour:2" -> {"pixel art": 3.0, "watercolour": 2.0}."""
    table = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        style, _, weight = part.rpartition(":")
        if style not in STYLES:
            raise ValueError(f"style_weights: {style!r} is not one of {', '.join(STYLES)}")
        table[style] = float(weight)
    return table


# --- training ------------------------------------------------------------------------------
def energy(x, cell: int = 8):
    """Mean |4-neighbour Laplacian| of the grey image per cell x cell window."""
    import torch
    import torch.nn.functional as F
    k = torch.tensor([[0.0, 1, 0], [1, -4, 1], [0, 1, 0]]).view(1, 1, 3, 3)
    return F.avg_pool2d(F.conv2d(x.mean(1, keepdim=True), k).abs(), cell)


def loss_of(pred, y, cfg, x=None, w=None):
    """The training loss and its parts (floats, for the log); w weighs each sample (mean 1)."""
    import torch.nn.functional as F
    w = None if w is None else (w / w.mean()).view(-1, 1, 1, 1)

    def mean(t):
        return (t if w is None else t * w).mean()
    l1 = mean((pred - y).abs())
    edge = mean((sobel(pred) - sobel(y)).abs())
    loss, parts = l1 + cfg.edge_weight * edge, {"l1": l1.item(), "edge": edge.item()}
    if cfg.energy_weight:
        tex = mean((energy(pred) - energy(y)).abs())
        loss, parts["energy"] = loss + cfg.energy_weight * tex, tex.item()
    if cfg.diff_weight:
        steps = [(a[..., :, 1:] - a[..., :, :-1], a[..., 1:, :] - a[..., :-1, :]) for a in (pred, y)]
        diff = sum(mean((p - t).abs()) for p, t in zip(*steps)) / 2
        loss, parts["diff"] = loss + cfg.diff_weight * diff, diff.item()
    if cfg.consistency_weight and x is not None:
        same = mean((F.avg_pool2d(pred, 4) - F.avg_pool2d(x, 2)).abs())
        loss, parts["consistency"] = loss + cfg.consistency_weight * same, same.item()
    return loss, parts
