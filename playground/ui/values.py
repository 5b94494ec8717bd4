"""Reading widget values strictly: typed lists, whole numbers, slider ranges from presets.

No gradio here: these raise ValueError (the callbacks' wrapper shows it as a toast) and are
tested on their own.
"""
from __future__ import annotations

from typing import Any, Callable


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def as_float(value: Any, name: str) -> float:
    """A number from a widget or an API payload; text, lists and the like are a clear error."""
    if value is None or value == "" or isinstance(value, bool):
        raise ValueError(f"{name} must be a number, got {_short(value)}")
    try:
        return float(value)
    except (TypeError, ValueError, OverflowError):
        raise ValueError(f"{name} must be a number, got {_short(value)}") from None


def as_int(value: Any, name: str) -> int:
    """Widget numbers arrive as floats (128.0); a fractional one is an error, not rounded."""
    if value is None or value == "":
        raise ValueError(f"{name} must be a whole number, got nothing")
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    number = as_float(value, name) if not isinstance(value, str) else None
    if number is None:  # text: "12" is fine from an API client, "abc" is not
        try:
            number = float(value)
        except ValueError:
            raise ValueError(f"{name} must be a whole number, got {_short(value)}") from None
    if not number.is_integer():
        raise ValueError(f"{name} must be a whole number, got {_short(value)}")
    return int(number)


# The shared "Upscale results" choice: what the radio shows -> the factor (1: off).
UPSCALE_CHOICES = {"Off": 1, "x2": 2, "x4": 4}


def upscale_value(value: Any) -> int:
    """The upscale factor from the radio ("Off", "x2", "x4") or an API client's number; absent: off."""
    if value is None or value == "":
        return 1
    if isinstance(value, str) and value in UPSCALE_CHOICES:
        return UPSCALE_CHOICES[value]
    factor = as_int(value, "upscale") if not isinstance(value, str) or value.strip().isdigit() else None
    if factor not in UPSCALE_CHOICES.values():
        raise ValueError(f"upscale must be one of {', '.join(UPSCALE_CHOICES)} (or 1, 2, 4), got {_short(value)}")
    return factor


def settings_kwargs(model, negative_prompt, num_inference_steps, guidance_scale, scheduler,
                    width, height, upscale=None) -> dict:
    """The advanced accordion's values as Lab keyword arguments (model apart; the upscale is
    checked here and applied to the results, ui/shared.lab_call)."""
    upscale_value(upscale)
    return dict(negative_prompt=negative_prompt or "",
                num_inference_steps=as_int(num_inference_steps, "num_inference_steps"),
                guidance_scale=as_float(guidance_scale, "guidance_scale"), scheduler=scheduler,
                width=as_int(width, "width"), height=as_int(height, "height"))


def seed_value(seed: Any) -> int:
    return as_int(seed, "seed")


def parse_list(text: Any, name: str, cast: Callable = str, sep: str = ",") -> list:
    """'1, 7.5, 20' -> [1.0, 7.5, 20.0]; every bad item is named, not skipped."""
    if text is not None and not isinstance(text, (str, int, float)):
        raise ValueError(f"{name} must be a text of values separated by '{sep}', got {type(text).__name__}")
    items = [t.strip() for t in str(text or "").replace("\n", sep).split(sep) if t.strip()]
    if not items:
        raise ValueError(f"{name} must list at least one value, separated by '{sep}'")
    out = []
    for item in items:
        try:
            out.append(cast(item))
        except (ValueError, OverflowError):
            kind = {int: "whole numbers", int_item: "whole numbers", float: "numbers"}.get(cast, "values")
            raise ValueError(f"{name} must be {kind} separated by '{sep}', got {item!r}") from None
    return out


def int_item(text: str) -> int:
    return as_int(float(text), "value")


def value_parser(field_name: str) -> Callable:
    """How to read one typed value of a generation argument (the core validates the range)."""
    if field_name in ("num_inference_steps", "seed", "width", "height"):
        return int_item
    if field_name in ("guidance_scale", "strength", "controlnet_conditioning_scale"):
        return float
    return str


def slider(preset: dict, name: str) -> dict:
    """minimum/maximum/step of a slider from a preset's `sliders` table (presets are the source)."""
    spec = preset["sliders"][name]
    return {"minimum": spec["min"], "maximum": spec["max"], "step": spec["step"]}
