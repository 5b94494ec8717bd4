"""The model registry (presets/models.yaml) and the rules for where weights may come from.

Only registry models load, unless PLAYGROUND_ALLOW_ANY_MODEL=1: a teaching Space should not
fetch whatever id a visitor types. A local folder in diffusers layout is always allowed
(its weights are read as safetensors, so no code runs from it).
"""
from __future__ import annotations

import os
import re
import socket
from dataclasses import dataclass, field, fields
from pathlib import Path
from urllib.parse import urlparse

from playground.params import SCHEDULERS

# {family: {task: pipeline class name in diffusers}}; a new task (inpainting, ...) is one
# more key per family, and PipelineManager derives it from the base like the others.
_SD = {"text2img": "StableDiffusionPipeline", "img2img": "StableDiffusionImg2ImgPipeline",
       "controlnet": "StableDiffusionControlNetPipeline", "inpaint": "StableDiffusionInpaintPipeline"}
TASK_CLASSES: dict[str, dict[str, str]] = {
    "embedded": _SD, "sd1.x": _SD, "sd2.x": _SD,
    "sdxl": {"text2img": "StableDiffusionXLPipeline", "img2img": "StableDiffusionXLImg2ImgPipeline",
             "controlnet": "StableDiffusionXLControlNetPipeline", "inpaint": "StableDiffusionXLInpaintPipeline"},
}
_HUB_ID = re.compile(r"^[A-Za-z0-9][\w.-]{0,95}/[\w.-]{1,96}$")


class HubUnavailableError(RuntimeError):
    """A hub model (or hub detector) was asked for while the Hugging Face Hub is out of reach."""


@dataclass(frozen=True)
class ModelSpec:
    """One registry entry: where the model lives and the defaults every exercise starts from."""

    id: str
    family: str
    label: str = ""
    path: str | None = None  # absolute folder for local models; None for hub models
    size: int = 512
    max_size: int = 1024
    steps: int = 20
    guidance: float = 7.5
    scheduler: str = "DDIM"
    max_batch: int = 8
    fp16_variant: bool = False
    controlnets: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.family not in TASK_CLASSES:
            raise ValueError(f"family must be one of {', '.join(TASK_CLASSES)}, got {self.family!r} ({self.id})")
        if self.scheduler not in SCHEDULERS:
            raise ValueError(f"scheduler must be one of {', '.join(SCHEDULERS)}, got {self.scheduler!r} ({self.id})")


def load_registry(path: str | Path) -> tuple[dict[str, ModelSpec], str]:
    """({id: ModelSpec}, default id) from a models.yaml; local paths resolved from the project root."""
    import yaml

    path = Path(path)
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    root = path.resolve().parent.parent
    known = {f.name for f in fields(ModelSpec)}
    registry: dict[str, ModelSpec] = {}
    for entry in data.get("models") or []:
        unknown = set(entry) - known
        if unknown:
            raise ValueError(f"{path}: model {entry.get('id')!r} has unknown keys {sorted(unknown)}")
        entry = dict(entry, controlnets=dict(entry.get("controlnets") or {}))
        if entry.get("path"):
            entry["path"] = str((root / entry["path"]).resolve())
        registry[entry["id"]] = ModelSpec(**entry)
    default = data.get("default") or next(iter(registry), "")
    return registry, default


def resolve_model(name: str, registry: dict[str, ModelSpec]) -> ModelSpec:
    """The spec for a registry id, a local diffusers folder, or (when allowed) any hub id."""
    if not isinstance(name, str) or not name.strip():
        raise ValueError(f"model must be a registry id or a local folder, got {name!r}")
    if name in registry:
        return registry[name]
    folder = Path(name).expanduser()
    if (folder / "model_index.json").is_file():
        return spec_for_folder(folder)
    if os.environ.get("PLAYGROUND_ALLOW_ANY_MODEL") == "1" and _HUB_ID.match(name):
        family = "sdxl" if "xl" in name.lower() else "sd1.x"
        return ModelSpec(id=name, family=family, label=name, size=1024 if family == "sdxl" else 512)
    raise ValueError(f"model must be one of {', '.join(registry)} (presets/models.yaml) or a local "
                     f"diffusers folder; set PLAYGROUND_ALLOW_ANY_MODEL=1 to allow any hub id; got {name!r}")


def spec_for_folder(folder: Path) -> ModelSpec:
    """A spec read from a folder's own files: pipeline class, UNet sample size, ControlNets beside it."""
    import json

    index = json.loads((folder / "model_index.json").read_text())
    family = "sdxl" if "XL" in index.get("_class_name", "") else "sd1.x"
    # No text encoder in the folder means the embedded layout (encoder from its PyPI package).
    if not (folder / "text_encoder").is_dir():
        family = "embedded"
    unet = json.loads((folder / "unet" / "config.json").read_text()) if (folder / "unet" / "config.json").is_file() else {}
    vae_blocks = 4
    if (folder / "vae" / "config.json").is_file():
        vae_blocks = len(json.loads((folder / "vae" / "config.json").read_text()).get("block_out_channels", [0] * 4))
    size = int(unet.get("sample_size", 64)) * 2 ** (vae_blocks - 1)
    nets = {p.name.split("-", 1)[1]: p.name for p in folder.glob("controlnet-*") if p.is_dir()}
    return ModelSpec(id=str(folder.resolve()), family=family, label=folder.name, path=str(folder.resolve()),
                     size=size, max_size=2 * size, steps=20, guidance=2.0 if family == "embedded" else 7.5,
                     scheduler="DDIM", max_batch=16 if size <= 256 else 8, controlnets=nets)


# ---------------------------------------------------------------------- the hub
def hub_offline() -> bool:
    return os.environ.get("HF_HUB_OFFLINE", "").strip().lower() in {"1", "true", "yes", "on"}


def hub_reachable(timeout: float = 1.0) -> bool:
    """One TCP connect to the hub's endpoint: a second at most, instead of a long retry loop."""
    from huggingface_hub import constants

    url = urlparse(constants.ENDPOINT)
    try:
        with socket.create_connection((url.hostname, url.port or 443), timeout=timeout):
            return True
    except OSError:
        return False


def check_hub(repo_id: str, probe_file: str) -> bool:
    """Whether to load `repo_id` from the local cache only (True) or let diffusers download (False).

    Raises HubUnavailableError, naming the repo, when it is neither cached nor reachable.
    """
    from huggingface_hub import try_to_load_from_cache

    cached = isinstance(try_to_load_from_cache(repo_id, probe_file), str)
    if hub_offline() or not hub_reachable():
        if cached:
            return True
        why = "HF_HUB_OFFLINE=1" if hub_offline() else "no connection"
        raise HubUnavailableError(f"model {repo_id}: not in the local cache and the Hugging Face Hub "
                                  f"is unreachable ({why}); the embedded model tiny-world works offline")
    return False
