"""The model registry (presets/models.yaml) and the rules for where weights may come from.

Only registry models load, unless PLAYGROUND_ALLOW_ANY_MODEL=1: a teaching Space should not
fetch whatever id a visitor types. A local folder in diffusers layout is always allowed
(its weights are read as safetensors, so no code runs from it).
"""
from __future__ import annotations

import json
import math
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
    # Hub models: component folders (what a Space preloads), fp16 ControlNets?, GPU cost per image.
    components: tuple = ()
    controlnet_fp16_variant: bool = False
    gpu_step_seconds: float = 0.05   # one image, one denoising step, at `size`, fp16
    gpu_image_seconds: float = 0.05  # one image's text encoding, VAE decode and safety check
    upscaler: dict = field(default_factory=dict)  # {"file", "repo" (hub)}: a learnt upscaler (playground.upscale)
    cpu_engine: str = ""  # "onnxruntime": the UNet's plain calls run there on a CPU (engine.py)
    text_languages: str = ""  # what its text encoder was trained on ("English"; "": not stated): the token note

    def __post_init__(self) -> None:
        if self.family not in TASK_CLASSES:
            raise ValueError(f"family must be one of {', '.join(TASK_CLASSES)}, got {self.family!r} ({self.id})")
        if self.scheduler not in SCHEDULERS:
            raise ValueError(f"scheduler must be one of {', '.join(SCHEDULERS)}, got {self.scheduler!r} ({self.id})")
        unknown = [c for c in self.components if _component_kind(c) is None]
        if unknown:
            raise ValueError(f"components must be pipeline folders ({', '.join(COMPONENT_FILES)}), got {unknown} ({self.id})")
        object.__setattr__(self, "components", tuple(self.components))


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
        entry = dict(entry, controlnets=dict(entry.get("controlnets") or {}),
                     components=tuple(entry.get("components") or ()), upscaler=dict(entry.get("upscaler") or {}))
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
    def config(name: str) -> dict:
        return json.loads((folder / name).read_text()) if (folder / name).is_file() else {}
    family = "sdxl" if "XL" in config("model_index.json").get("_class_name", "") else "sd1.x"
    # No text encoder in the folder means the embedded layout (encoder from its PyPI package).
    family = family if (folder / "text_encoder").is_dir() else "embedded"
    vae_blocks = len(config("vae/config.json").get("block_out_channels", [0] * 4))
    size = int(config("unet/config.json").get("sample_size", 64)) * 2 ** (vae_blocks - 1)
    nets = {p.name.split("-", 1)[1]: p.name for p in folder.glob("controlnet-*") if p.is_dir()}
    return ModelSpec(id=str(folder.resolve()), family=family, label=folder.name, path=str(folder.resolve()),
                     size=size, max_size=2 * size, steps=20, guidance=2.0 if family == "embedded" else 7.5,
                     scheduler="DDIM", max_batch=16 if size <= 256 else 8, controlnets=nets,
                     text_languages="English" if family == "embedded" else "",  # all-MiniLM-L6-v2 (load_text_encoder)
                     upscaler={"file": f"upscaler/{f.name}"} if (f := next(iter(sorted(folder.glob("upscaler/*.safetensors"))), None)) else {})


def spec_for_pipeline(pipe, model: str, controlnets: dict | None, spec_fields: dict) -> ModelSpec:
    """A spec read off a built pipeline; the given ControlNets are listed (they never load)."""
    family = "sdxl" if hasattr(pipe, "text_encoder_2") else "sd1.x"
    size = pipe.unet.config.sample_size * pipe.vae_scale_factor
    fields = dict(id=model, family=family, size=size, max_size=2 * size, label=model,
                  controlnets={k: "(given)" for k in controlnets or {}})
    fields.update(spec_fields)
    return ModelSpec(**fields)


# ---------------------------------------------------------------------- hub files
# What each kind of pipeline folder holds on the hub: weights named without the variant, which
# hub_files() turns into "<name>.fp16.safetensors" for fp16. Tokenizers are the four files the
# Stable Diffusion repos ship (transformers 5 reads them; no tokenizer.json there).
COMPONENT_FILES = {
    "unet": ("config.json", "diffusion_pytorch_model.safetensors"),
    "vae": ("config.json", "diffusion_pytorch_model.safetensors"),
    "text_encoder": ("config.json", "model.safetensors"),
    "safety_checker": ("config.json", "model.safetensors"),
    "tokenizer": ("merges.txt", "special_tokens_map.json", "tokenizer_config.json", "vocab.json"),
    "scheduler": ("scheduler_config.json",),
    "feature_extractor": ("preprocessor_config.json",),
}
CONTROLNET_FILES = ("config.json", "diffusion_pytorch_model.safetensors")
# controlnet_aux's annotator weights, the only non-safetensors files the app reads (pickles that
# torch >= 2.6 loads weights-only: no code runs): depth is MiDaS DPT-Hybrid; OpenPose reads its
# body, hand and face networks, all three even for bodies only.
ANNOTATOR_REPO = "lllyasviel/Annotators"
ANNOTATOR_FILES = {"depth": ("dpt_hybrid-midas-501f0c75.pt",),
                   "openpose": ("body_pose_model.pth", "hand_pose_model.pth", "facenet.pth")}


def _component_kind(name: str) -> str | None:
    # text_encoder_2 / tokenizer_2 (SDXL's second encoder) hold the same files as the first
    kind = re.sub(r"_\d+$", "", name)
    return kind if kind in COMPONENT_FILES else None


def variant_name(filename: str, fp16: bool) -> str:
    """unet/diffusion_pytorch_model.safetensors -> unet/diffusion_pytorch_model.fp16.safetensors."""
    return filename.replace(".safetensors", ".fp16.safetensors") if fp16 and filename.endswith(".safetensors") else filename


def hub_files(spec: ModelSpec, fp16: bool) -> list[str]:
    """The files of a hub pipeline repo the app loads, with the fp16 weights when fp16."""
    files = ["model_index.json"]
    for component in spec.components:
        files += [f"{component}/{variant_name(f, fp16)}" for f in COMPONENT_FILES[_component_kind(component)]]
    return files


def controlnet_files(fp16: bool) -> list[str]:
    return [variant_name(f, fp16) for f in CONTROLNET_FILES]


def hub_repos(registry: dict[str, ModelSpec], fp16: bool = True) -> dict[str, list[str]]:
    """Every hub repo the registry may load -> the files it needs (fp16 ones where they exist):
    what a GPU Space preloads (Space.yaml preload_from_hub) and what the cache must hold."""
    repos: dict[str, list[str]] = {}
    annotators: list[str] = []
    for spec in registry.values():
        if spec.path:
            continue
        repos[spec.id] = hub_files(spec, fp16 and spec.fp16_variant)
        for detector, repo in spec.controlnets.items():
            repos[repo] = controlnet_files(fp16 and spec.fp16_variant and spec.controlnet_fp16_variant)
            annotators += [f for f in ANNOTATOR_FILES.get(detector, ()) if f not in annotators]
        if spec.upscaler.get("repo"):
            repos[spec.upscaler["repo"]] = [spec.upscaler["file"]]
    if annotators:
        repos[ANNOTATOR_REPO] = annotators
    return repos


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


def missing_from_cache(repo_id: str, files) -> list[str]:
    from huggingface_hub import try_to_load_from_cache

    files = [files] if isinstance(files, str) else list(files)
    return [f for f in files if not isinstance(try_to_load_from_cache(repo_id, f), str)]


def check_hub(repo_id: str, files) -> bool:
    """Whether to load `repo_id` from the local cache only (True) or let diffusers download (False).

    `files` (one name or a list) are what the load reads. With the hub out of reach, every one
    must be cached; else a HubUnavailableError names the repo and the missing files (an fp16
    weight missing is said to be the fp16 variant), before diffusers says something vaguer.
    """
    missing = missing_from_cache(repo_id, files)
    if hub_offline() or not hub_reachable():
        if not missing:
            return True
        why = "HF_HUB_OFFLINE=1" if hub_offline() else "no connection"
        shown = ", ".join(missing[:6]) + (f" and {len(missing) - 6} more" if len(missing) > 6 else "")
        what = "the fp16 variant" if all(".fp16." in f for f in missing) else "files"
        raise HubUnavailableError(f"model {repo_id}: {what} missing from the local cache ({shown}) and the "
                                  f"Hugging Face Hub is unreachable ({why}); the embedded model tiny-world "
                                  "works offline")
    return False


def check_local_weights(spec: ModelSpec) -> str:
    """The folder of a local model, or a FileNotFoundError that says how to get the weights."""
    folder = Path(spec.path)
    index = folder / "model_index.json"
    if not index.is_file() or not any((folder / "unet").glob("*.safetensors")):
        raise FileNotFoundError(
            f"model {spec.id}: no weights in {folder} (need model_index.json and unet/*.safetensors). "
            "The trained weights ship with the repository (git checkout models/tiny-world); "
            "a random-weight stand-in: python -m workshop.model --init-random")
    json.loads(index.read_text())  # a clear JSONDecodeError now beats a confusing one later
    return str(folder)


# ---------------------------------------------------------------------- hardware
# A hub model in fp32 on a CPU Space: SDXL-Turbo alone is some 14 GB against cpu-basic's 16 GB,
# and one image takes minutes. PLAYGROUND_HUB_ON_CPU=1 allows it anyway (a bigger CPU Space).
def on_space() -> bool:  # a Hugging Face Space sets SPACE_ID
    return bool(os.environ.get("SPACE_ID"))


def on_zero_gpu() -> bool:
    """ZeroGPU Spaces set SPACES_ZERO_GPU: a GPU is attached inside each spaces.GPU call."""
    return os.environ.get("SPACES_ZERO_GPU", "").strip().lower() in {"1", "true", "yes", "on"}


def hub_models_runnable() -> bool:
    """Whether this machine may run hub models: a GPU, ZeroGPU, or anywhere off a Space (a
    laptop with the weights cached may run one slowly). False on a CPU Space."""
    if os.environ.get("PLAYGROUND_HUB_ON_CPU") == "1" or on_zero_gpu() or not on_space():
        return True
    import torch

    return torch.cuda.is_available()


def check_runnable(spec: ModelSpec) -> None:
    """A ValueError, before any download, for a hub model on hardware that cannot run it."""
    if not spec.path and not hub_models_runnable():
        raise ValueError(f"model {spec.id} needs a GPU and this Space runs on CPU hardware: use the "
                         "embedded model tiny-world (or duplicate the Space onto a GPU)")


# ZeroGPU's spaces.GPU(duration=...): the default 60 s is too short for a 64-image grid and too
# long (quota) for one Turbo image. A call costs a set-up plus work in images x steps.
# GPU_MARGIN: the registry's costs are typical, not worst-case; a request beyond GPU_MAX_SECONDS
# is refused by the cost cap long before.
GPU_CALL_SECONDS, GPU_MARGIN, GPU_MAX_SECONDS = 10.0, 1.5, 300


def gpu_duration(spec: ModelSpec, images: int, steps: int, width: int | None = None,
                 height: int | None = None) -> int:
    """Seconds to ask spaces.GPU for: images x (steps x step cost + per-image cost), scaled by
    pixels relative to the model's own size, plus the call's set-up, with a margin."""
    pixels = (width or spec.size) * (height or spec.size) / spec.size ** 2
    work = max(1, int(images)) * (max(1, int(steps)) * spec.gpu_step_seconds + spec.gpu_image_seconds) * pixels
    return int(min(GPU_MAX_SECONDS, math.ceil(GPU_CALL_SECONDS + GPU_MARGIN * work)))
