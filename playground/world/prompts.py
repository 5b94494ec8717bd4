"""From a prompt to a matching scene: the evaluation attributes plus pose, kind and extras.

parse_prompt (captions.py) reads only the evaluation attributes; scene_for_prompt also
honours the details a reader would expect in a reference image ("sleeping on a navy
armchair", "playing fetch", "a blue apartment building in the background").
"""

import dataclasses
import re

import numpy as np

from playground.world.captions import LANDSCAPE_RE, parse_prompt
from playground.world.scene import Scene, sample_scene
from playground.world.vocab import ATTRIBUTES, INDOOR

POSE_RE = {"cat": (("sleeping", r"sleep|asleep|napping|curled"), ("sitting", r"sitting|sits")),
           "dog": (("fetch", r"fetch|chasing a ball|with a ball"), ("sitting", r"sitting|sits")),
           "fox": (("reading", r"reading|\bbook\b"), ("sitting", r"sitting|sits"))}
CHAIR_RE = r"(navy|red|green|mustard)?\s*(velvet\s+)?armchair"
LANDSCAPES = ("mountains", "beach", "meadow", "fjord")  # what training captions call a landscape
BUILDING_RE = r"(blue|red|yellow|green) (apartment )?(building|block)s? (in the background|behind)"


def parse_details(text: str, subject: str | None) -> dict[str, str]:
    """Pose, variant and extras a prompt names: keys pose, variant, armchair, building,
    window, trees (values as in Scene; armchair "" when its colour is not given)."""
    t = text.lower()
    found = {}
    for pose, pattern in POSE_RE.get(subject, ()):
        if re.search(pattern, t):
            found["pose"] = pose
            break
    if subject == "car":
        vintage = bool(re.search(r"vintage|classic|retro", t))
        sports = bool(re.search(r"sports|roadster", t))
        if vintage or sports or "sedan" in t:
            found["variant"] = " ".join(w for w, on in (("vintage", vintage), ("sports", sports)) if on) or "sedan"
    if subject == "cat" and re.search(r"(ginger|grey|gray|orange) tabby|striped", t):
        found["variant"] = "tabby"
    m = re.search(CHAIR_RE, t)
    if m:
        found["armchair"] = m.group(1) or ""
    m = re.search(BUILDING_RE, t)
    if m:
        found["building"] = m.group(1)
    m = re.search(r"window (on|to) the (left|right)", t)
    if m:
        found["window"] = m.group(2)
    elif "window" in t:
        found["window"] = ""
    if re.search(r"\btrees?\b|forest|pines?\b", t):
        found["trees"] = ""
    return found


def scene_for_prompt(text: str, rng: np.random.Generator) -> Scene:
    """A random scene that shows everything the prompt says (the rest from the prior)."""
    # 1. the evaluation attributes, plus pose and kind
    fixed = dict(parse_prompt(text))
    details = parse_details(text, fixed.get("subject"))
    fixed.update({k: details[k] for k in ("pose", "variant") if k in details})
    # 2. furniture and windows are indoors; a named window stays clear of the subject
    if ("armchair" in details or "window" in details) and "setting" not in fixed \
            and fixed.get("subject") not in ("car", "house", "apartment"):
        fixed["setting"] = "library" if fixed.get("pose") == "reading" else "living room"
    if "building" in details and "setting" not in fixed:
        fixed["setting"] = "city"
    side = details.get("window")
    if side and "placement" not in fixed and fixed.get("subject", "none") != "none":
        other = {"left": "right", "right": "left"}[side]
        fixed["placement"] = other if rng.random() < 0.5 else "centre"
    if fixed.get("subject") == "none" and "setting" not in fixed and re.search(LANDSCAPE_RE, text.lower()):
        options = {s: p for s, p in ATTRIBUTES["none_setting"].items() if s in LANDSCAPES}
        fixed["setting"] = str(rng.choice(list(options), p=np.array(list(options.values())) / sum(options.values())))
    scene = sample_scene(rng, **fixed)
    # 3. the named extras replace the sampled ones
    extras = dict(item.partition(":")[::2] for item in scene.extras)
    if "armchair" in details:
        extras["armchair"] = details["armchair"] or str(
            rng.choice(list(ATTRIBUTES["armchair_colour"])))
    if "building" in details and scene.setting == "city":
        extras["building"] = details["building"]
    if side and scene.setting in INDOOR:
        extras["window"] = side
    if "trees" in details and scene.setting in ("meadow", "mountains", "fjord"):
        extras["trees"] = ""
    items = tuple(f"{k}:{v}" if v else k for k, v in extras.items())
    return dataclasses.replace(scene, extras=items)
