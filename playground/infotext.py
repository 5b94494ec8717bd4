"""AUTOMATIC1111 infotext: the `parameters` text that A1111, ComfyUI and civitai read.

Our params use diffusers' names (num_inference_steps, guidance_scale, ...); infotext uses
A1111's ("Steps", "CFG scale", ...). Both directions live here so they cannot drift apart.
"""
from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any

from PIL import Image

# A1111 writes "DPM++ 2M Karras" as "Sampler: DPM++ 2M, Schedule type: Karras" since v1.9;
# older versions wrote the joined name, so reading accepts both.
_KARRAS = " Karras"
# "Automatic" is the sampler's own schedule: what every scheduler here uses (Karras aside).
_SAMPLERS_OWN = ("Automatic",)
# diffusers' PNDM is the sampler A1111 calls PLMS; every other name is shared.
_TO_A1111 = {"PNDM": "PLMS"}
_FROM_A1111 = {v: k for k, v in _TO_A1111.items()}

# Text chunks longer than this are refused before parsing: A1111 writes a few KB, a portfolio of
# 48 panels with 2000-character prompts about 400 KB. Pillow itself allows 1 MB per chunk.
MAX_TEXT_CHARS = 512 * 1024
_SIZE_RE = re.compile(r"^\s*(\d{1,6})\s*x\s*(\d{1,6})\s*$")
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
    for key, name in (("hires_upscale", "Hires upscale"), ("hires_upscaler", "Hires upscaler")):
        if params.get(key) is not None:  # A1111's hires fix: Size stays the first pass's
            pairs.append((name, params[key]))
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


# ---------------------------------------------------------------- the settings line, in linear time
# A1111 reads "Key: value, Key: "quoted, value"" with the regex
#   \s*(\w[\w \-/]+):\s*("(?:\\.|[^\\"])+"|[^,]*)(?:,|$)
# whose findall backtracks quadratically on a long line without pairs (40 000 characters took
# 20 s, holding the interpreter lock). settings_pairs() gives the same pairs walking the line
# once: every character is looked at a bounded number of times (tests compare it to the regex).
def _is_key_char(ch: str) -> bool:
    return ch.isalnum() or ch in "_ -/"  # [\w \-/]: \w is isalnum() or "_"


def _key_before(line: str, start: int, colon: int) -> str | None:
    """The key ending at `colon`: the run of key characters before it (not before `start`),
    from its first word character; None when that is shorter than 2 characters."""
    i = colon
    while i > start and _is_key_char(line[i - 1]):
        i -= 1
    while i < colon and not (line[i].isalnum() or line[i] == "_"):
        i += 1
    return line[i:colon] if colon - i >= 2 else None


def _quoted_end(line: str, j: int) -> int | None:
    """Index just past a JSON-quoted value opening at line[j] that ends the pair (a comma or
    the end of the line follows), else None."""
    n, k = len(line), j + 1
    while k < n and line[k] != '"':
        if line[k] == "\\":
            if k + 1 >= n or line[k + 1] == "\n":  # "." does not match a newline
                return None
            k += 2
        else:
            k += 1
    if k >= n or k == j + 1:  # no closing quote, or "" (the regex wants one character inside)
        return None
    after = k + 1
    if after == n or line[after] == "," or (after == n - 1 and line[after] == "\n"):
        return after
    return None


def settings_pairs(line: str) -> list[tuple[str, str]]:
    """The (key, raw value) pairs of an A1111 settings line, as A1111's regex finds them."""
    pairs, pos, n = [], 0, len(line)
    while pos < n:
        colon = line.find(":", pos)
        if colon < 0:
            break
        key = _key_before(line, pos, colon)
        if key is None:
            pos = colon + 1
            continue
        j = colon + 1
        while j < n and line[j].isspace():
            j += 1
        end = _quoted_end(line, j) if j < n and line[j] == '"' else None
        if end is None:
            end = line.find(",", j)
            end = n if end < 0 else end
        pairs.append((key, line[j:end]))
        pos = end + 1
    return pairs


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
        value = float(text)
        if not math.isfinite(value):
            raise ValueError(text)
        return int(value) if cast is int else cast(text)
    except (ValueError, OverflowError):  # "1e999" overflows int(float(...))
        shown = text if len(text) <= 40 else text[:40] + "..."
        raise ValueError(f"infotext field {name!r} must be a finite number, got {shown!r}") from None


def check_text_size(text: str, name: str) -> str:
    """A text chunk within MAX_TEXT_CHARS, or a ValueError naming the chunk and the limit."""
    if len(text) > MAX_TEXT_CHARS:
        raise ValueError(f"the {name!r} text is {len(text):,} characters; the limit is {MAX_TEXT_CHARS:,}")
    return text


def parse_infotext(text: str) -> dict:
    """Parse A1111 infotext into diffusers names; unknown A1111 keys land in params['extra']."""
    if not text or not text.strip():
        raise ValueError("infotext is empty: no prompt and no settings")
    lines = check_text_size(text, "parameters").strip().split("\n")
    settings: dict[str, str] = {}
    # A1111's rule: the last line holds settings only if it has at least 3 "key: value" pairs.
    last = settings_pairs(lines[-1])
    if len(last) >= 3:
        lines.pop()
        settings = {k.strip(): _unquote(v) for k, v in last}
    prompt, negative, in_negative = [], [], False
    for line in lines:
        if line.startswith("Negative prompt:"):
            in_negative, line = True, line[len("Negative prompt:"):].strip()
        (negative if in_negative else prompt).append(line)
    out: dict[str, Any] = {"prompt": "\n".join(prompt).strip()}
    if in_negative:
        out["negative_prompt"] = "\n".join(negative).strip()
    casts = {"Steps": ("num_inference_steps", int), "CFG scale": ("guidance_scale", float),
             "Seed": ("seed", int), "Denoising strength": ("strength", float),
             "Hires upscale": ("hires_upscale", float)}
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
        elif key in ("Model", "Hires upscaler"):
            out["model" if key == "Model" else "hires_upscaler"] = value
        elif key.startswith("ControlNet") and "controlnet_conditioning_scale" not in out:
            unit = {k.strip(): v.strip() for k, v in settings_pairs(value)}
            if unit.get("Module"):
                out["detector"] = unit["Module"]
            if unit.get("Weight"):
                out["controlnet_conditioning_scale"] = _number(unit["Weight"], float, "Weight")
        elif key != "Schedule type":
            extra[key] = value
    schedule = settings.get("Schedule type")
    if schedule == "Karras" and "scheduler" in out:
        out["scheduler"] += "" if out["scheduler"].endswith(_KARRAS) else _KARRAS
    elif schedule and schedule not in _SAMPLERS_OWN:
        # Exponential, Uniform, Beta, ...: no scheduler here applies them. Kept in 'extra' (the
        # "Settings found" box shows it, restore says so) rather than dropped unseen.
        extra["Schedule type"] = schedule
    if extra:
        out["extra"] = extra
    return out


def comfyui_note(chunks: dict) -> str | None:
    """What to say about a ComfyUI PNG (None: not one). ComfyUI saves its node graph in `prompt`
    (the API form) and `workflow` (the editor's), JSON objects, and no `parameters` text."""
    for name in ("workflow", "prompt"):
        raw = chunks.get(name)
        if not isinstance(raw, str) or not raw.lstrip().startswith("{"):
            continue
        try:
            graph = json.loads(check_text_size(raw, name))
        except (json.JSONDecodeError, RecursionError):
            continue
        if isinstance(graph, dict):
            return ("this is a ComfyUI image: its 'prompt' and 'workflow' chunks hold a ComfyUI node graph, "
                    "which this app cannot restore (it reads AUTOMATIC1111's 'parameters' text and its own "
                    "'playground' chunk); open it in ComfyUI, or copy its prompt and seed into a tab by hand")
    return None


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
