"""The hub models' learnt upscaler in the fixture cache (tests/hub_fixture.py writes it).

The registry's `upscaler: {repo, file}` (Phips/2xParimgCompact) is a Real-ESRGAN Compact x2: an
SRVGGNetCompact saved as safetensors. The stand-in is a tiny random one under the real file
name and in the original key layout, so spandrel reads it the way it reads the real file
(architecture "RealESRGAN Compact" and scale 2 off the tensors):
  body.0          conv 3 -> F (weight, bias)          body.1  PReLU (F,)
  body.2 .. 2n+1  n pairs of conv F -> F and PReLU (F,)
  body.2n+2       conv F -> 3 * scale^2, pixel-shuffled to 3 channels at scale x the size
Fixtures only: no test module and no workshop import (the workshop trains the embedded model's own).
"""
from __future__ import annotations

from pathlib import Path
from typing import Callable


def compact_state(num_feat: int = 8, num_conv: int = 2, scale: int = 2, seed: int = 0) -> dict:
    """An SRVGGNetCompact state dict with small random weights (the net adds the nearest-upscaled
    input to its output, so the picture stays recognisable)."""
    import torch

    gen = torch.Generator().manual_seed(seed)

    def conv(index: int, cin: int, cout: int) -> dict:
        return {f"body.{index}.weight": torch.randn(cout, cin, 3, 3, generator=gen) * 0.05,
                f"body.{index}.bias": torch.randn(cout, generator=gen) * 0.01}

    state = {**conv(0, 3, num_feat), "body.1.weight": torch.full((num_feat,), 0.25)}
    for i in range(num_conv):
        state |= {**conv(2 + 2 * i, num_feat, num_feat), f"body.{3 + 2 * i}.weight": torch.full((num_feat,), 0.25)}
    return state | conv(2 + 2 * num_conv, num_feat, 3 * scale * scale)


def write_upscalers(cache: Path, registry: dict, snapshot: Callable[[Path, str], Path]) -> list[Path]:
    """Each hub model's `upscaler:` file in its repo's snapshot (one per repo, shared by models)."""
    from safetensors.torch import save_file

    written = {}
    for spec in registry.values():
        repo, file = spec.upscaler.get("repo"), spec.upscaler.get("file")
        if repo and (repo, file) not in written:
            written[repo, file] = snapshot(cache, repo) / file
            written[repo, file].parent.mkdir(parents=True, exist_ok=True)
            save_file(compact_state(), written[repo, file], metadata={"format": "pt"})
    return list(written.values())
