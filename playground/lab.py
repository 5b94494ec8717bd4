"""Lab: the playground's public Python API and the only door to the models (docs/design.md).

    from playground import Lab
    lab = Lab()                                   # the embedded model, CPU or GPU
    panel = lab.generate("a cat", seed=7)
    grid = lab.seed_grid("a cat", seeds=range(8))

Every method also takes the settings negative_prompt, num_inference_steps, guidance_scale,
scheduler, width and height as keywords; a setting left out takes the model's default from
presets/models.yaml. seed=None draws a fresh random seed (recorded in panel.params).
"""
from __future__ import annotations

from typing import Any, Sequence, Unpack

from PIL import Image

from playground import prior, upscale as _upscale
from playground.detectors import DETECTORS, check_detector
from playground.exercises import common, generate
from playground.lessons.conditioning import ConditioningLessons
from playground.lessons.inside import InsideLessons
from playground.lessons.prompts import PromptLessons
from playground.lessons.samplers import SamplerLessons
from playground.panels import Panel, compose
from playground.params import SCHEDULERS, GenerationParams, Settings
from playground.pipelines import PipelineManager, check_available, find_truncation
from playground.registry import ModelSpec, gpu_duration, hub_models_runnable, resolve_model
from playground.tokens import unread_pieces


class Lab(PromptLessons, SamplerLessons, ConditioningLessons, InsideLessons):
    """The lab exercises on one model.

    Lab(pipeline=pipe, pipeline_options={...}) wraps a pipeline you built yourself; the options
    go to PipelineManager (controlnets, steps, guidance, scheduler, ...).
    """

    def __init__(self, model: str | None = None, device: str | None = None, dtype=None, *,
                 pipeline=None, pipeline_options: dict | None = None,
                 manager: PipelineManager | None = None):
        if manager is not None:
            self.manager = manager
        elif pipeline is not None:
            self.manager = PipelineManager(model, pipeline=pipeline, **(pipeline_options or {}))
        else:
            self.manager = PipelineManager(model, device, dtype)
            # Fail now, with a clear message, rather than at the first button press.
            check_available(self.manager.spec, self.manager.dtype)

    # ------------------------------------------------------------------ model facts (no loading)
    @property
    def model(self) -> str:
        return self.manager.model

    @property
    def device(self) -> str:
        return self.manager.device

    @property
    def dtype(self):
        return self.manager.dtype

    @property
    def family(self) -> str:
        """The model family of presets/models.yaml: embedded, sd1.x, sd2.x or sdxl."""
        return self.manager.spec.family

    @property
    def progress(self) -> bool:
        """Whether pipelines show tqdm bars (the UI turns them into gr.Progress)."""
        return self.manager.progress

    @progress.setter
    def progress(self, on: bool) -> None:
        self.manager.progress = bool(on)

    @property
    def loaded(self) -> bool:
        return self.manager.loaded

    def _spec(self, model: str | None) -> ModelSpec:
        if model is None or model == self.model or not self.manager.registry:
            return self.manager.spec
        return resolve_model(model, self.manager.registry)

    def defaults(self, model: str | None = None) -> dict:
        """A model's default settings (what a setting left out becomes), read from the registry
        without loading anything; model None: the current model."""
        spec = self._spec(model)
        return {"negative_prompt": "", "num_inference_steps": spec.steps, "guidance_scale": spec.guidance,
                "scheduler": spec.scheduler, "width": spec.size, "height": spec.size,
                "max_size": spec.max_size, "max_batch": common.max_batch(spec)}

    def gpu_seconds(self, images: int, steps: int, width: int | None = None, height: int | None = None,
                    model: str | None = None) -> int:
        """Seconds a ZeroGPU call asks for to make `images` at `steps` on a model (registry.gpu_duration,
        no loading); model None: the current one."""
        return gpu_duration(self._spec(model), images, steps, width, height)

    def models(self, runnable: bool = False) -> dict[str, str]:
        """Registry id -> label, for a model picker. runnable=True: only the models this machine
        may run (on a CPU Space the embedded ones: a hub model is a GPU model, registry.check_runnable)."""
        hub_ok = not runnable or hub_models_runnable()
        offered = {k: s.label or k for k, s in self.manager.registry.items() if s.path or hub_ok}
        return offered or {self.model: self.model}

    @staticmethod
    def schedulers() -> list[str]:
        return list(SCHEDULERS)

    def detectors(self, model: str | None = None) -> list[str]:
        """Control-map detectors a model has a ControlNet for (no loading); model None: the current one."""
        nets = self._spec(model).controlnets
        return [d for d in DETECTORS if d in nets]

    def truncations(self, text: str) -> str | None:
        """The part of `text` the model's text encoder will not see (None: all of it fits).
        Loads the model: the tokenizer comes with it."""
        return self.manager.truncations(text)

    def tokens(self, text: str) -> dict | None:
        """{"count", "max", "cut"}: the prompt's tokens, how many the text encoder takes, and the
        part it will not see (None when it all fits); with what playground.tokens.unread_pieces
        says ("unknown" pieces, "unknown_chars" of "chars", "unreadable") and the language(s) its
        text encoder was trained on ("languages", the registry's text_languages). None while the
        model is still loading. The prompt is never translated: the counter shows what is read."""
        tokenizers = self.manager.tokenizers()
        if not tokenizers:
            return None
        tok, text = tokenizers[0], str(text or "")
        count = len(tok(text, add_special_tokens=False, truncation=False, verbose=False).input_ids)
        cut = max([c for c in (find_truncation(t, text) for t in tokenizers) if c] or [None],
                  key=lambda c: len(c or ""))
        return {"count": count, "max": tok.model_max_length - tok.num_special_tokens_to_add(False), "cut": cut,
                **unread_pieces(tok, text), "languages": self.manager.spec.text_languages}

    def switch_model(self, model: str) -> None:
        """Use another registry model; the current one's memory is freed first.

        A model that cannot load (not in the registry, no weights, hub offline) raises
        before anything changes, so the current model stays usable.
        """
        if self.manager.registry:
            check_available(resolve_model(model, self.manager.registry), self.manager.dtype)
        self.manager.switch(model)

    def preload(self, warm_up: bool = True) -> None:
        """Load the model now instead of at the first call. warm_up also runs one 1-step image:
        on a CPU the first pipeline call costs several seconds more than the next ones."""
        self.manager.base  # noqa: B018 - the property loads the pipeline (once; no wait when loaded)
        if warm_up:  # no bar: nobody asked for this image
            shown, self.progress = self.progress, False
            try:
                self.generate("warm-up", seed=0, num_inference_steps=1)
            finally:
                self.progress = shown

    def params(self, prompt: str, seed: int | None = None, **settings: Any) -> GenerationParams:
        """Validated parameters with the model's defaults filled in (seed None: a random one)."""
        return self._params(prompt, seed, **settings)

    def _params(self, prompt: str, seed: int | None, *, negative_prompt: str | None = "",
                num_inference_steps: int | None = None, guidance_scale: float | None = None,
                scheduler: str | None = None, width: int | None = None, height: int | None = None,
                **extra: Any) -> GenerationParams:
        # The Lab's door: every setting is checked here (GenerationParams), the size cap where
        # every generation passes (exercises.common.render), before any work starts.
        spec = self.manager.spec
        return GenerationParams(
            prompt=prompt, negative_prompt=negative_prompt or "",
            num_inference_steps=spec.steps if num_inference_steps is None else num_inference_steps,
            guidance_scale=spec.guidance if guidance_scale is None else guidance_scale,
            scheduler=scheduler or spec.scheduler, width=width or spec.size, height=height or spec.size,
            seed=common.random_seed() if seed is None else seed, **extra)

    # ------------------------------------------------------------------ images (the lessons: playground/lessons/)
    def generate(self, prompt: str, seed: int | None = None, **settings: Unpack[Settings]) -> Panel:
        """One image."""
        return generate.generate(self.manager, self._params(prompt, seed, **settings))

    def batch(self, prompts: Sequence[str], seeds: Sequence[int], control_images: Sequence[Image.Image] | None = None,
              detector: str | None = None, controlnet_conditioning_scale: float = 1.0,
              **settings: Unpack[Settings]) -> list[Panel]:
        """Many (prompt, seed) pairs in as few batched calls as the model allows (the
        evaluation's path). With control_images (one per prompt, already control maps at the
        generation size) every image goes through the detector's ControlNet."""
        return generate.batch(self.manager, self._params("-", 0, **settings), prompts, seeds, control_images,
                              detector and check_detector(detector, self.detectors(), self.model), controlnet_conditioning_scale)

    def prior(self, prompt: str, panels: Sequence[Panel]) -> dict:
        """The embedded model's prior against the world's truth for the attribute the prompt
        leaves open: {"attribute", "observed", "truth", "gap"} (see playground.prior)."""
        if self.family != "embedded":
            raise ValueError(f"prior comparison needs the embedded model (tiny-world), got {self.model}")
        # under the model's lock, as a pipeline call: on 2 cores, the classifier's torch threads
        # beside a running call made an 8-image grid 1.33x slower (771 against 581 ms, 0.35 s
        # of classifier work in 4.6 s), so the two take turns
        with self.manager.lock:
            return prior.compare(prompt, panels)

    # ------------------------------------------------------------------ output
    def upscale(self, panel: Panel, factor: int = 2, method: str = "model", device: str | None = None) -> Panel:
        """The panel `factor` times bigger (2 or 4; 1 gives it back): through the model's learnt
        upscaler ("model", the registry's `upscaler`), or "bicubic" / "nearest" to compare.
        The settings are kept and the upscale recorded as AUTOMATIC1111 writes it. `device`:
        where the network runs (default the model's; the portfolio export, outside any GPU call,
        says "cpu")."""
        factor = _upscale.check_factor(factor)
        if method not in _upscale.METHODS:
            raise ValueError(f"method must be one of {', '.join(_upscale.METHODS)}, got {method!r}")
        if factor == 1:
            return panel
        _upscale.check_size(panel.image, factor)
        if method == "model":
            image, name = _upscale.learnt(self.manager.spec, device or self.device, panel.image, factor)
        else:
            image, name = _upscale.resize(panel.image, factor, method), method
        params = dict(panel.params, hires_upscale=factor, hires_upscaler=name)
        return Panel(image, f"{panel.caption} · x{factor} {name}", params, panel.inputs)  # remade at the first size

    def upscaled(self, factor: int) -> "_upscale.Upscaled":
        """This Lab with every panel it returns upscaled `factor` times (Lab.upscale, "model")."""
        return _upscale.Upscaled(self, factor)

    @staticmethod
    def compose(panels: Sequence[Panel], title: str | None = None, statement: str | None = None,
                columns: int | None = None, row_labels: Sequence[str] | None = None,
                col_labels: Sequence[str] | None = None) -> Image.Image:
        """Panels side by side (or a grid from xy_grid, labels included) with captions."""
        if isinstance(panels, common.PanelGrid):
            columns = columns or panels.columns
            row_labels = panels.row_labels if row_labels is None else row_labels
            col_labels = panels.col_labels if col_labels is None else col_labels
        return compose(panels, title=title, statement=statement, columns=columns,
                       row_labels=row_labels, col_labels=col_labels)
