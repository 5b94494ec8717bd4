"""Diffusion Lab Playground: the lab's exercises as a Python library (no UI in here).

    from playground import Lab, read_params

Names are imported on first use (PEP 562), so `import playground` loads no torch, no
diffusers and no model: nothing happens on import.
"""
from __future__ import annotations

import importlib
from typing import Any

__all__ = ["Lab", "Panel", "read_params", "compose", "GenerationParams", "PromptBandit", "PipelineManager"]

_WHERE = {
    "Lab": "playground.lab",
    "Panel": "playground.panels",
    "read_params": "playground.panels",
    "compose": "playground.panels",
    "GenerationParams": "playground.params",
    "PromptBandit": "playground.exercises.bandit",
    "PipelineManager": "playground.pipelines",
}


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        return getattr(importlib.import_module(_WHERE[name]), name)
    raise AttributeError(f"module 'playground' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(list(globals()) + __all__)
