"""AUTOMATIC1111 infotext: the `parameters` text that A1111, ComfyUI and civitai read.

Our params use diffusers' names (num_inference_steps, guidance_scale, ...); infotext uses
A1111's ("Steps", "CFG scale", ...). Both directions live here so they cannot drift apart.
"""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from PIL import Image

# A1111 writes "DPM++ 2M Karras" as "Sampler: DPM++ 2M, Schedule type: Karras" since v1.9;
# older versions wrote the joined name, so reading accepts both.
_KARRAS = " Karras"
# diffusers' PNDM is the sampler A1111 calls PLMS; every other name is shared.
_TO_A1111 = {"PNDM": "PLMS"}
_FROM_A1111 = {v: k for k, v in _TO_A1111.items()}

# A1111's own pattern for "Key: value" pairs (modules/infotext_utils.py), values may be JSON.
_PARAM_RE = re.compile(r'\s*(\w[\w \-/]+):\s*("(?:\\.|[^\\"])+"|[^,]*)(?:,|$)')
_SIZE_RE = re.compile(r"^\s*(\d+)\s*x\s*(\d+)\s*$")
_EXIF_IFD, _USER_COMMENT = 0x8769, 0x9286


def to_json(obj: Any, **kw: Any) -> str:
    """json.dumps that also takes numpy scalars/arrays, tuples and Paths found in params."""

    def default(o: Any) -> Any:
        if hasattr(o, "tolist"):  # numpy scalar or array, torch tensor
            return o.tolist()
        if isinstance(o, (Path, set, frozenset)):
            return str(o) if isinstance(o, Path) else sorted(o)
        raise TypeError(f"{type(o).__name__} in params is not JSON serialisable")

    return json.dumps(obj, default=default, ensure_ascii=False, **kw)


# ---------------------------------------------------------------- infotext (A1111 format)
def _quote(value: Any) -> str:
    # Same rule as A1111's quote(): only values that would break the "k: v, k: v" line.
    text = _fmt(value)
    return json.dumps(text, ensure_ascii=False) if any(c in text for c in ',\n:"') else text


def _fmt(value: Any) -> str:
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value)


def to_infotext(params: dict) -> str:
    """Render diffusers-named params as A1111 infotext: prompt, negative prompt, settings line."""
    lines = [str(params.get("prompt") or "")]
    if params.get("negative_prompt"):
        lines.append(f"Negative prompt: {params['negative_prompt']}")
    pairs: list[tuple[str, Any]] = []
    if params.get("num_inference_steps") is not None:
        pairs.append(("Steps", params["num_inference_steps"]))
    scheduler = params.get("scheduler")
    if scheduler:
        scheduler = _TO_A1111.get(scheduler, scheduler)
        if scheduler.endswith(_KARRAS):
            pairs += [("Sampler", scheduler[: -len(_KARRAS)]), ("Schedule type", "Karras")]
        else:
            pairs.append(("Sampler", scheduler))
    for key, name in (("guidance_scale", "CFG scale"), ("seed", "Seed")):
        if params.get(key) is not None:
            pairs.append((name, params[key]))
    if params.get("width") and params.get("height"):
        pairs.append(("Size", f"{_fmt(params['width'])}x{_fmt(params['height'])}"))
    if params.get("model"):
        pairs.append(("Model", params["model"]))
    if params.get("strength") is not None:
        pairs.append(("Denoising strength", params["strength"]))
    if params.get("detector") or params.get("controlnet_conditioning_scale") is not None:
        # The sd-webui-controlnet extension's shape: one quoted "Module: x, Weight: y" unit.
        unit = []
        if params.get("detector"):
            unit.append(f"Module: {params['detector']}")
        if params.get("controlnet_conditioning_scale") is not None:
            unit.append(f"Weight: {_fmt(params['controlnet_conditioning_scale'])}")
        pairs.append(("ControlNet 0", ", ".join(unit)))
    lines.append(", ".join(f"{k}: {_quote(v)}" for k, v in pairs))
    return "\n".join(lines)


def _unquote(text: str) -> str:
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] == '"':
        try:
            return json.loads(text)
        except json.JSONDecodeError:
            return text
    return text


def _number(text: str, cast: type, name: str) -> Any:
    try:
        return cast(float(text)) if cast is int else cast(text)
    except ValueError:
        raise ValueError(f"infotext field {name!r} must be a number, got {text!r}") from None


def parse_infotext(text: str) -> dict:
    """Parse A1111 infotext into diffusers names; unknown A1111 keys land in params['extra']."""
    if not text or not text.strip():
        raise ValueError("infotext is empty: no prompt and no settings")
    lines = text.strip().split("\n")
    settings: dict[str, str] = {}
    # A1111's rule: the last line holds settings only if it has at least 3 "key: value" pairs.
    if len(_PARAM_RE.findall(lines[-1])) >= 3:
        settings = {k.strip(): _unquote(v) for k, v in _PARAM_RE.findall(lines.pop())}
    prompt, negative, in_negative = [], [], False
    for line in lines:
        if line.startswith("Negative prompt:"):
            in_negative, line = True, line[len("Negative prompt:"):].strip()
        (negative if in_negative else prompt).append(line)
    out: dict[str, Any] = {"prompt": "\n".join(prompt).strip()}
    if in_negative:
        out["negative_prompt"] = "\n".join(negative).strip()
    casts = {"Steps": ("num_inference_steps", int), "CFG scale": ("guidance_scale", float),
             "Seed": ("seed", int), "Denoising strength": ("strength", float)}
    extra = {}
    for key, value in settings.items():
        if key in casts:
            name, cast = casts[key]
            out[name] = _number(value, cast, key)
        elif key == "Sampler":
            out["scheduler"] = _FROM_A1111.get(value, value)
        elif key == "Size" and _SIZE_RE.match(value):
            w, h = _SIZE_RE.match(value).groups()
            out["width"], out["height"] = int(w), int(h)
        elif key == "Model":
            out["model"] = value
        elif key.startswith("ControlNet") and "controlnet_conditioning_scale" not in out:
            unit = {k.strip(): v.strip() for k, v in _PARAM_RE.findall(value)}
            if unit.get("Module"):
                out["detector"] = unit["Module"]
            if unit.get("Weight"):
                out["controlnet_conditioning_scale"] = _number(unit["Weight"], float, "Weight")
        elif key != "Schedule type":
            extra[key] = value
    if settings.get("Schedule type") == "Karras" and "scheduler" in out and not out["scheduler"].endswith(_KARRAS):
        out["scheduler"] += _KARRAS
    if extra:
        out["extra"] = extra
    return out


def exif_comment(img: Image.Image) -> str:
    """A1111 stores JPEG/WebP infotext in EXIF UserComment, 'UNICODE\\0' + UTF-16."""
    try:
        raw = img.getexif().get_ifd(_EXIF_IFD).get(_USER_COMMENT)
    except Exception:  # a malformed EXIF block is the same as none: say "no parameters"
        return ""
    if isinstance(raw, str) or not raw:
        return raw or ""
    head, body = raw[:8], raw[8:]
    if head.startswith(b"UNICODE"):
        # piexif writes big-endian; some tools little-endian: the zero byte shows which.
        le = len(body) > 1 and body[0] != 0 and body[1] == 0
        return body.decode("utf-16-le" if le else "utf-16-be", errors="replace").rstrip("\0")
    return body.decode("utf-8", errors="replace").rstrip("\0") if head.rstrip(b"\0") in (b"ASCII", b"") \
        else raw.decode("utf-8", errors="replace").rstrip("\0")
