"""What every exercise shares: batched pipeline calls, one CPU generator per image, panels.

`render` groups a list of GenerationParams into as few pipeline calls as possible: images
whose settings differ only in seed, prompt or negative prompt go into one batch (chunked
to the model's max_batch), each with its own CPU torch.Generator, so any cell of a grid is
the same image as a single run with its seed.
"""
from __future__ import annotations

import functools
import math
import os
import secrets
import warnings
import weakref
from contextlib import contextmanager
from typing import Any, Callable, Sequence

from PIL import Image

from playground import batching
from playground.batching import merge_key
from playground.guidance import TRUE_CFG_FAMILIES
from playground.panels import Panel
from playground.params import SEED_MAX, STEPS_RANGE, GenerationParams

# Everything except these must match for two images to share one pipeline call.
_PER_IMAGE = ("seed", "prompt", "negative_prompt")
# A pipeline with a safety checker (SD 1.5) says per image whether it blacked it out; the verdict
# rides on the image (image.info) to make_panel, and on (model, params) for pictures an exercise
# makes from it (heatmaps, pasted-back inpainting, a step's preview), which no checker saw.
SAFETY_INFO = "playground_nsfw"
FILTERED = "filtered by the safety checker"
_FLAGGED: "weakref.WeakKeyDictionary[Any, dict]" = weakref.WeakKeyDictionary()
_FLAGGED_KEEP = 1024  # remembered per manager; a flagged setting re-made later is flagged again


class PromptTruncatedWarning(UserWarning):
    """A prompt was longer than the text encoder takes; the cut part is in panel.params."""


class PanelGrid(list):
    """Panels in row-major order plus the labels of a grid (what Lab.compose needs)."""

    def __init__(self, panels: Sequence[Panel], columns: int, row_labels: Sequence[str],
                 col_labels: Sequence[str], x_axis: str = "", y_axis: str = ""):
        super().__init__(panels)
        self.columns, self.row_labels, self.col_labels = columns, list(row_labels), list(col_labels)
        self.x_axis, self.y_axis = x_axis, y_axis


def random_seed() -> int:
    """A fresh seed in 0..2^32-1: pressing generate twice should give two samples."""
    return secrets.randbelow(SEED_MAX + 1)


def describe(field: str, value: Any) -> str:
    """A short caption fragment for one setting, e.g. "CFG 7.5", "seed 7", "20 steps"."""
    if field == "guidance_scale":
        return f"CFG {value:g}"
    if field == "num_inference_steps":
        return f"{value} steps"
    if field == "strength":
        return f"strength {value:g}"
    if field == "controlnet_conditioning_scale":
        return f"control {value:g}"
    if field in ("prompt", "negative_prompt"):
        text = str(value) if len(str(value)) <= 60 else str(value)[:57] + "..."
        return f'"{text}"' if field == "prompt" else (f'negative "{text}"' if value else "no negative")
    if field == "scheduler":
        return str(value)
    return f"{field} {value}"


def max_batch(spec) -> int:
    """Images per pipeline call for a ModelSpec. PLAYGROUND_MAX_BATCH lowers the registry's
    value on a smaller GPU without editing data."""
    env = os.environ.get("PLAYGROUND_MAX_BATCH")
    return max(1, int(env)) if env else spec.max_batch


def render(manager, params: Sequence[GenerationParams], task: str = "text2img", *,
           image: Image.Image | None = None, detector: str | None = None,
           setup: Callable | None = None, per_image: dict | None = None,
           **call_extra: Any) -> list[Image.Image]:
    """Images for each params, in order, with as few batched pipeline calls as possible.

    image is the input of img2img or the control map of ControlNet (one for all, or a list
    with one per params); setup(pipe) runs after the scheduler is set and before the call
    (the trajectory uses it to watch each step). per_image maps a pipeline argument to one
    tensor per params (latents, prompt_embeds, ...), concatenated per call. This is where every generation passes, so
    the model's size cap is checked here, once, before any work starts.
    """
    # 1. check every image against the model's size cap before any work starts
    for p in params:
        p.check_size(manager.spec.max_size)
    # 2. group images that can share a call, keeping first-seen order of groups (the scale of
    # guidance may differ within a call where the family's pipelines take one per image)
    per_image_fields = _PER_IMAGE + (("guidance_scale",) if mixes_guidance(manager, task, call_extra) else ())
    groups: dict[tuple, list[int]] = {}
    for i, p in enumerate(params):
        # With and without a negative prompt apart: SDXL encodes "no negative" as zeros, which a
        # batch that mixes in one real negative prompt would turn into an encoded "".
        key = tuple((k, v) for k, v in sorted(p.to_dict().items()) if k not in per_image_fields)
        key += (bool(p.negative_prompt),)
        groups.setdefault(key, []).append(i)
    # 3. one pipeline call per chunk of a group
    out: list[Image.Image | None] = [None] * len(params)
    size = max_batch(manager.spec)
    for indices in groups.values():
        for start in range(0, len(indices), size):
            chunk = indices[start:start + size]
            given = [image[i] for i in chunk] if isinstance(image, list) else image
            tensors = {k: _cat([v[i] for i in chunk]) for k, v in (per_image or {}).items()}
            images = call_pipeline(manager, [params[i] for i in chunk], task, image=given,
                                   detector=detector, setup=setup, **tensors, **call_extra)
            for i, img in zip(chunk, images):
                out[i] = img
    return out  # type: ignore[return-value]


def _cat(tensors):
    import torch

    return torch.cat(tensors)


def call_pipeline(manager, batch: Sequence[GenerationParams], task: str, *, image=None,
                  detector=None, setup=None, **call_extra: Any) -> list[Image.Image]:
    """One pipeline call for params that differ only in seed and prompts (and guidance where the
    family takes one per image). A plain call goes through the manager's Batcher, which merges
    it with other requests' calls of its kind that wait at the same time (playground/batching.py);
    one with a setup hook or ready-made tensors runs on its own."""
    per_image = _PER_IMAGE + (("guidance_scale",) if mixes_guidance(manager, task, call_extra) else ())
    images = [image] * len(batch) if image is not None and not isinstance(image, list) else image
    key = None if setup is not None else merge_key(task, detector, batch[0], per_image, images, call_extra)
    if key is None or not batching.enabled():
        return _call(manager, batch, task, image=image, detector=detector, setup=setup, **call_extra)
    return manager.batcher.submit(key, batch, images, functools.partial(_merged, manager, task, detector),
                                  max_batch(manager.spec))


def _merged(manager, task: str, detector, batch: list, images: list | None) -> list[Image.Image]:
    return _call(manager, batch, task, image=images, detector=detector)


def _call(manager, batch: Sequence[GenerationParams], task: str, *, image=None,
          detector=None, setup=None, **call_extra: Any) -> list[Image.Image]:
    import torch

    first = batch[0]
    kwargs = first.call_kwargs()
    kwargs["prompt"] = [p.prompt for p in batch]
    # None (not [""]) when no negative prompt: SDXL then uses zeros, as its authors intend.
    negatives = [p.negative_prompt for p in batch]
    kwargs["negative_prompt"] = negatives if any(negatives) else None
    # A list even for one image, so a single run draws its noise exactly as a grid cell does.
    kwargs["generator"] = [torch.Generator("cpu").manual_seed(p.seed) for p in batch]
    if task == "img2img":
        del kwargs["width"], kwargs["height"]  # img2img takes its size from the input image
    if image is not None:
        kwargs["image"] = image
    if "prompt_embeds" in call_extra:  # conditioning given as embeddings: the texts go unread
        del kwargs["prompt"], kwargs["negative_prompt"]
    scales = [p.guidance_scale for p in batch]
    with manager.lock:
        pipe = manager.pipeline(task, detector)
        manager.set_scheduler(pipe, first.scheduler)
        if setup is not None:
            setup(pipe)
        with torch.inference_mode(), per_sample_guidance(pipe, scales) as scale:
            out = pipe(**{**kwargs, "guidance_scale": scale}, **call_extra, output_type="pil")
    return _mark_safety(manager, batch, list(out.images), getattr(out, "nsfw_content_detected", None))


def mixes_guidance(manager, task: str, call_extra: dict) -> bool:
    """Whether images at different guidance scales may share one call: the family's pipelines
    take one scale per image (guidance.TrueGuidance), and the call passes no ready-made
    embeddings (whose unconditional half the pipeline would not make for a scale of 1)."""
    return (manager.spec.family in TRUE_CFG_FAMILIES and task in ("text2img", "img2img")
            and not {"prompt_embeds", "negative_prompt_embeds"} & set(call_extra))


@contextmanager
def per_sample_guidance(pipe, scales: Sequence[float]):
    """The scale to pass to the call; with several, the pipeline reads one per image meanwhile.
    The call gets a scale that is not 1 (so it makes the unconditional half for every image):
    at 1 the formula gives the conditional picture, as a lone call at 1 draws it."""
    if len(set(scales)) == 1:
        yield scales[0]
        return
    import torch

    pipe.per_sample_guidance = torch.tensor(scales, dtype=torch.float32).view(-1, 1, 1, 1)
    try:
        yield next(s for s in scales if s != 1)
    finally:
        pipe.per_sample_guidance = None


def _mark_safety(manager, batch: Sequence[GenerationParams], images: list, flags) -> list:
    """Record the safety checker's verdicts (None: the pipeline has no checker)."""
    if flags is None:
        return images
    seen = _FLAGGED.setdefault(manager, {})
    for p, img, flag in zip(batch, images, flags):
        img.info[SAFETY_INFO] = bool(flag)
        seen.pop((manager.model, p), None)  # the latest verdict on these settings counts
        if flag:
            seen[(manager.model, p)] = True
            while len(seen) > _FLAGGED_KEEP:
                seen.pop(next(iter(seen)))
    return images


def was_filtered(manager, params: GenerationParams, image: Image.Image) -> bool:
    """Whether the safety checker blacked out this image, or the image this one was made from."""
    verdict = image.info.get(SAFETY_INFO)
    if isinstance(verdict, bool):  # a PNG text chunk of that name (an upload's) is a str: not ours
        return verdict
    return (manager.model, params) in _FLAGGED.get(manager, {})


def steps_for_strength(steps: int, strength: float) -> int:
    """The fewest steps >= `steps` at which diffusers' int(steps x strength) runs one denoising
    step (its advice for Turbo img2img); `steps` itself when none up to the cap would, so that
    GenerationParams says what is wrong."""
    if not isinstance(strength, (int, float)) or isinstance(strength, bool) or not 0 < strength <= 1:
        return steps
    need = max(steps, math.ceil(1 / strength))
    while int(need * strength) < 1:  # float rounding: 3 x (1/3) may fall short of 1
        need += 1
    return need if need <= STEPS_RANGE[1] else steps


def make_panel(manager, params: GenerationParams, image: Image.Image, caption: str,
               **extra: Any) -> Panel:
    """A Panel whose params re-make it: the settings, the model, and any cut prompt text."""
    data = params.to_dict()
    data["model"] = manager.model
    for field in ("prompt", "negative_prompt"):
        cut = manager.truncations(data.get(field) or "")
        if cut:
            key = "truncated" if field == "prompt" else "negative_truncated"
            data[key] = cut
            warnings.warn(f"{field} is longer than the text encoder takes; not seen: {cut!r}",
                          PromptTruncatedWarning, stacklevel=3)
    data.update(extra)
    if was_filtered(manager, params, image):
        # Black, with the reason in words: a picture made from a filtered one (a heatmap, a
        # step's preview) would show what the checker hid.
        image = Image.new("RGB", image.size)
        caption = f"{caption} · {FILTERED}" if caption else FILTERED
        data["nsfw_content_detected"] = True  # diffusers' name for the verdict
    return Panel(image, caption, data)


def fit_image(image: Image.Image, width: int, height: int) -> Image.Image:
    """The input image as RGB at the generation size (centre crop to the aspect, then resize)."""
    from PIL import ImageOps

    if not isinstance(image, Image.Image):
        raise ValueError(f"image must be a PIL.Image.Image, got {type(image).__name__}")
    return ImageOps.fit(image.convert("RGB"), (width, height), Image.Resampling.LANCZOS)
