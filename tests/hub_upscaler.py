"""The hub models' learnt upscaler in the fixture cache (tests/hub_fixture.py writes it).

The registry's `upscaler: {repo, file}` (Phips/2xParimgCompact) is a Real-ESRGAN Compact x2: an
SRVGGNetCompact saved as safetensors. The stand-in is a tiny random one under the real file
name and in the original key layout, so spandrel reads it the way it reads the real file
(architecture "RealESRGAN Compact" and scale 2 off the tensors):
  body.0          conv 3 -> F (weight, bias)          body.1  PReLU (F,)
  body.2 .. 2n+1  n pairs of conv F -> F and PReLU (F,)
  body.2n+2       conv F -> 3 * scale^2, pixel-shuffled to 3 channels at scale x the size
Fixtures only: no test module and no workshop import (the workshop trains the embedded model's own);
the weights are playground.tiny's, like the tests' tiny pipelines.
"""
from __future__ import annotations

from pathlib import Path
from typing import Callable

from playground.tiny import tiny_upscaler_state as compact_state


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
