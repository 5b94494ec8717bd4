"""Generation parameters: one frozen dataclass named like diffusers' __call__ arguments.

Validation happens when a value is built, so no exercise can start with a bad setting, and
every error names the field and the allowed range (the UI shows the message as it is). The
hard limits live here, in code; the friendlier slider ranges of the UI live in presets/*.yaml
and a test checks they stay inside these limits.
"""
from __future__ import annotations

import copy
import dataclasses
import math
import numbers
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, TypedDict

PRESETS_DIR = Path(__file__).resolve().parent.parent / "presets"

SEED_MAX = 2**32 - 1  # torch.Generator.manual_seed takes any 64-bit value; A1111 and the lab use 32
STEPS_RANGE = (1, 150)
GUIDANCE_RANGE = (0.0, 30.0)
CONTROL_SCALE_RANGE = (0.0, 2.0)  # above 2 the control map overrides the prompt entirely
MIN_SIZE = 64  # below this the VAE's 8x latents are too small for a UNet's downsampling
MAX_GRID_CELLS = 64  # a 8x8 grid: more cells would not fit one screen nor a CPU's patience
# One request's share of the model queue, in images x denoising steps: 32 images at 20 steps or
# 64 at 10, about 40 s of the embedded model on a 2-core CPU. 64 x 50 (3200) held a class's
# queue for minutes under a class's load.
MAX_REQUEST_COST = 640
# Text limits (characters). A prompt past ~300 characters is cut by every text encoder here
# anyway; titles and statements are drawn into the piece, where 80 000 characters cost a minute.
PROMPT_MAX_CHARS = 2000
TITLE_MAX_CHARS = 120
STATEMENT_MAX_CHARS = 4000  # the exercise asks for ~150 words (~1000 characters)
NOTE_MAX_CHARS = 1000

# A1111 sampler name -> (diffusers scheduler class, config overrides). Names are strings so
# this module stays free of diffusers; playground.pipelines resolves them.
SCHEDULERS: dict[str, tuple[str, dict]] = {
    # Latent diffusion never clips x0 to [-1, 1]; hub configs that lack the key would clip.
    "DDIM": ("DDIMScheduler", {"clip_sample": False}),
    "Euler": ("EulerDiscreteScheduler", {"use_karras_sigmas": False}),
    "Euler a": ("EulerAncestralDiscreteScheduler", {}),
    "DPM++ 2M": ("DPMSolverMultistepScheduler",
                 {"algorithm_type": "dpmsolver++", "solver_order": 2, "use_karras_sigmas": False}),
    "DPM++ 2M Karras": ("DPMSolverMultistepScheduler",
                        {"algorithm_type": "dpmsolver++", "solver_order": 2, "use_karras_sigmas": True}),
    "UniPC": ("UniPCMultistepScheduler", {}),
    "DDPM": ("DDPMScheduler", {"clip_sample": False}),
    "PNDM": ("PNDMScheduler", {"skip_prk_steps": True}),
    "LMS": ("LMSDiscreteScheduler", {}),
}


def _is_int(value: Any) -> bool:
    # bool is an int subclass, but seed=True is always a mistake.
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _is_real(value: Any) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool) and math.isfinite(value)


def check_seed(seed: Any) -> int:
    if not _is_int(seed) or not 0 <= int(seed) <= SEED_MAX:
        raise ValueError(f"seed must be an integer in 0..{SEED_MAX}, got {seed!r}")
    return int(seed)


def check_grid_cells(count: int, what: str = "grid") -> None:
    if not 1 <= count <= MAX_GRID_CELLS:
        raise ValueError(f"{what} must have 1..{MAX_GRID_CELLS} cells, got {count}")


def check_length(text: Any, field: str, limit: int) -> str:
    """Text (None is "") of at most `limit` characters, or a ValueError naming the field."""
    text = "" if text is None else text
    if not isinstance(text, str):
        raise ValueError(f"{field} must be a text, got {type(text).__name__}")
    if len(text) > limit:
        raise ValueError(f"{field} must be at most {limit:,} characters, got {len(text):,}")
    return text


def check_cost(images: int, steps: int) -> int:
    """One request's images x steps within MAX_REQUEST_COST (fair sharing of one model queue)."""
    if images < 1:
        raise ValueError(f"a request must make at least 1 image, got {images}")
    if not STEPS_RANGE[0] <= steps <= STEPS_RANGE[1]:
        raise ValueError(f"num_inference_steps must be an integer in {STEPS_RANGE[0]}..{STEPS_RANGE[1]}, got {steps}")
    cost = int(images) * int(steps)
    if cost > MAX_REQUEST_COST:
        raise ValueError(f"this request asks for {images} images x {steps} steps = {cost} image-steps; one "
                         f"request may use at most {MAX_REQUEST_COST} (e.g. {MAX_REQUEST_COST // 20} images at "
                         "20 steps): use fewer images or fewer steps")
    return cost


def check_prompt(prompt: Any, field: str = "prompt") -> str:
    if not isinstance(prompt, str) or not prompt.strip():
        shown = prompt if not isinstance(prompt, str) or len(prompt) <= 40 else prompt[:40] + "..."
        raise ValueError(f"{field} must be a non-empty text, got {shown!r}")
    return check_length(prompt, field, PROMPT_MAX_CHARS)


@dataclass(frozen=True)
class GenerationParams:
    """Everything one image needs, with diffusers' argument names.

    strength is set only for image-to-image, controlnet_conditioning_scale only for
    ControlNet; None means the argument is not passed to the pipeline.
    """

    prompt: str
    negative_prompt: str = ""
    num_inference_steps: int = 20
    guidance_scale: float = 5.0
    scheduler: str = "DDIM"
    width: int = 128
    height: int = 128
    seed: int = 0
    strength: float | None = None
    controlnet_conditioning_scale: float | None = None

    def __post_init__(self) -> None:
        check_prompt(self.prompt)
        if not isinstance(self.negative_prompt, str):
            raise ValueError(f"negative_prompt must be a text, got {self.negative_prompt!r}")
        check_length(self.negative_prompt, "negative_prompt", PROMPT_MAX_CHARS)
        # Surrounding whitespace (a pasted prompt's newline) changes no token, but the saved copy
        # then differed from what an infotext reader gives back (A1111's strips): strip it once here.
        object.__setattr__(self, "prompt", self.prompt.strip())
        object.__setattr__(self, "negative_prompt", self.negative_prompt.strip())
        object.__setattr__(self, "seed", check_seed(self.seed))
        lo, hi = STEPS_RANGE
        if not _is_int(self.num_inference_steps) or not lo <= self.num_inference_steps <= hi:
            raise ValueError(f"num_inference_steps must be an integer in {lo}..{hi}, "
                             f"got {self.num_inference_steps!r}")
        lo, hi = GUIDANCE_RANGE
        if not _is_real(self.guidance_scale) or not lo <= self.guidance_scale <= hi:
            raise ValueError(f"guidance_scale must be a number in {lo:g}..{hi:g}, got {self.guidance_scale!r}")
        if self.scheduler not in SCHEDULERS:
            raise ValueError(f"scheduler must be one of {', '.join(SCHEDULERS)}, got {self.scheduler!r}")
        for name in ("width", "height"):
            value = getattr(self, name)
            if not _is_int(value) or value < MIN_SIZE or value % 8:
                raise ValueError(f"{name} must be a multiple of 8 and at least {MIN_SIZE} pixels, got {value!r}")
        self._check_strength()
        if self.controlnet_conditioning_scale is not None:
            lo, hi = CONTROL_SCALE_RANGE
            scale = self.controlnet_conditioning_scale
            if not _is_real(scale) or not lo <= scale <= hi:
                raise ValueError(f"controlnet_conditioning_scale must be a number in {lo:g}..{hi:g}, got {scale!r}")

    def _check_strength(self) -> None:
        if self.strength is None:
            return
        if not _is_real(self.strength) or not 0 < self.strength <= 1:
            raise ValueError(f"strength must be a number in (0, 1] (0 keeps the input unchanged), got {self.strength!r}")
        # diffusers runs int(steps * strength) denoising steps; zero would return the input.
        if int(self.num_inference_steps * self.strength) < 1:
            need = 1 / self.num_inference_steps
            raise ValueError(f"strength {self.strength:g} x {self.num_inference_steps} steps leaves 0 denoising "
                             f"steps: strength must be at least {need:.3g} at this step count")

    def check_size(self, max_size: int) -> None:
        """The model's cap: larger images tile (a model sees only its training size) or run out of memory."""
        for name in ("width", "height"):
            if getattr(self, name) > max_size:
                raise ValueError(f"{name} must be at most {max_size} pixels for this model "
                                 f"(multiple of 8, {MIN_SIZE}..{max_size}), got {getattr(self, name)}")

    def replace(self, **changes: Any) -> "GenerationParams":
        """A copy with some fields changed, validated again."""
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict:
        """The settings as Panel.params wants them: unset optional arguments left out."""
        return {k: v for k, v in dataclasses.asdict(self).items() if v is not None}

    def call_kwargs(self) -> dict:
        """Keyword arguments for a diffusers pipeline call (seed and scheduler are handled apart)."""
        skip = {"seed", "scheduler"}
        return {k: v for k, v in self.to_dict().items() if k not in skip}



@lru_cache(maxsize=None)
def _read_preset(name: str) -> dict:
    import yaml  # only when a preset is asked for: nothing happens on import

    path = PRESETS_DIR / f"{name}.yaml"
    if not path.is_file():
        raise ValueError(f"preset must be one of {', '.join(sorted(p.stem for p in PRESETS_DIR.glob('*.yaml')))}, got {name!r}")
    with path.open(encoding="utf-8") as f:
        return yaml.safe_load(f) or {}


def load_preset(name: str) -> dict:
    """presets/<name>.yaml as a dict (a fresh copy: callers may change it freely)."""
    return copy.deepcopy(_read_preset(name))


def preset_picture(name: str) -> Path:
    """A picture a preset names (presets/pictures/: the image tabs' first inputs), checked to exist."""
    path = (PRESETS_DIR / name).resolve()
    if path.parent != (PRESETS_DIR / "pictures").resolve() or not path.is_file():
        raise ValueError(f"preset picture must be a file in presets/pictures/, got {name!r}")
    return path


class Settings(TypedDict, total=False):
    """The keywords every Lab method takes besides its own (Unpack[Settings])."""

    negative_prompt: str
    num_inference_steps: int
    guidance_scale: float
    scheduler: str
    width: int
    height: int
