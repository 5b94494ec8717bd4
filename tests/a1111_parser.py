"""An independent reader of AUTOMATIC1111's infotext, for tests: what A1111 would fill in from a
PNG's `parameters` chunk (PNG Info, "Send to txt2img").

Written from the format as A1111 documents and writes it, not from its code (AGPL; this project
is MIT), and deliberately apart from playground.infotext, so the app's writer and reader are
checked against a second implementation of the grammar rather than against themselves:

    <prompt, one or more lines>
    Negative prompt: <negative prompt, one or more lines>      (optional)
    Key: value, Key: "JSON-quoted, value", Size: 512x512, ...  (the settings line)

- The text is stripped and split into lines. The last line is the settings line only if at
  least three "Key: value" pairs are found in it; otherwise it belongs to the prompt.
- A key starts with a word character, followed by word characters, spaces, "-" or "/"; then a
  colon and optional spaces. A value is a JSON string in double quotes, or everything up to the
  next comma. Quoted values are JSON-decoded. A value "<W>x<H>" becomes Key-1 = W and Key-2 = H.
- Every other line is stripped. From the first one that starts with "Negative prompt:" on,
  lines go to the negative prompt (that prefix removed); before it, to the prompt. Lines are
  joined with newlines, except that nothing is added before the first non-empty text.
- Since A1111 1.9 the schedule is its own key ("Schedule type"); an older joined sampler
  name such as "DPM++ 2M Karras" is split into sampler and schedule type on reading.
"""
from __future__ import annotations

import json
import re

_KEY = r"\w[\w \-/]+"
_VALUE = r'"(?:\\.|[^\\"])+"|[^,]*'
SETTING = re.compile(rf"\s*({_KEY}):\s*({_VALUE})(?:,|$)")
SIZE = re.compile(r"^(\d+)x(\d+)$")
NEGATIVE = "Negative prompt:"
SCHEDULES = ("Karras", "Exponential", "Polyexponential", "SGM Uniform", "Uniform")


def _append(text: str, line: str) -> str:
    return line if text == "" else f"{text}\n{line}"


def parse_generation_parameters(text: str) -> dict[str, str]:
    """{"Prompt", "Negative prompt", <setting>: <text>, "Size-1", "Size-2", ...} as A1111 reads it."""
    lines = text.strip().split("\n")
    pairs = SETTING.findall(lines[-1])
    if len(pairs) >= 3:
        lines = lines[:-1]
    else:
        pairs = []
    prompt = negative = ""
    in_negative = False
    for line in lines:
        line = line.strip()
        if line.startswith(NEGATIVE):
            in_negative, line = True, line[len(NEGATIVE):].strip()
        if in_negative:
            negative = _append(negative, line)
        else:
            prompt = _append(prompt, line)
    out = {"Prompt": prompt, "Negative prompt": negative}
    for key, value in pairs:
        if len(value) >= 2 and value[0] == value[-1] == '"':
            value = json.loads(value)
        size = SIZE.match(value)
        if size:
            out[f"{key}-1"], out[f"{key}-2"] = size.groups()
        else:
            out[key] = value
    sampler = out.get("Sampler", "")
    for schedule in SCHEDULES:
        if "Schedule type" not in out and sampler.endswith(f" {schedule}"):
            out["Sampler"], out["Schedule type"] = sampler[: -len(schedule) - 1], schedule
    return out


def as_app_settings(read: dict[str, str]) -> dict:
    """A1111's reading in the app's names and types, for comparison with Panel.params. The app's
    "PNDM" is A1111's PLMS; its "DPM++ 2M Karras" is sampler DPM++ 2M with schedule Karras."""
    sampler = {"PLMS": "PNDM"}.get(read.get("Sampler", ""), read.get("Sampler", ""))
    if read.get("Schedule type") == "Karras":
        sampler += " Karras"
    out = {"prompt": read["Prompt"], "negative_prompt": read["Negative prompt"], "scheduler": sampler}
    for key, name, cast in (("Steps", "num_inference_steps", int), ("CFG scale", "guidance_scale", float),
                            ("Seed", "seed", int), ("Size-1", "width", int), ("Size-2", "height", int)):
        out[name] = cast(read[key]) if key in read else None
    return out
