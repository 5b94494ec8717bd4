"""Reading prompts: which evaluation attributes a text names, and a scene that fits it.

parse_prompt reads only the evaluation attributes (Scene.attributes() terms); parse_details
and scene_for_prompt also honour the details a reader would expect in a reference image
("sleeping on a navy armchair", "playing fetch", "a blue apartment building in the
background"). The captions the model was trained on are written by workshop.captions; this
module is their reader, and what the app needs at run time.
"""

import dataclasses
import re

import numpy as np

from playground.world.scene import Scene, sample_scene
from playground.world.vocab import ATTRIBUTES, EVAL_ATTRIBUTES, INDOOR

# --- the evaluation attributes --------------------------------------------------------

STYLE_RE = (("pencil sketch", r"pencil|graphite|charcoal sketch"),
            ("pixel art", r"pixel|8-bit|8 bit|16-bit"),
            ("watercolour", r"watercolou?r"),
            ("flat illustration", r"flat (vector )?(illustration|art|design)|vector (art|illustration)"),
            ("photo", r"photo|35 ?mm|dslr|realistic"))
LIGHT_RE = (("night", r"\bnight|moonli|midnight|starry"),
            ("sunset", r"sunset|golden hour|evening|dusk"),
            ("dawn", r"dawn|sunrise|morning"),
            ("day", r"daylight|daytime|sunny|midday|noon|afternoon|\bday\b"))
SETTING_RE = (("fjord", r"fjord"), ("library", r"librar|bookshel|bookcase"),
              ("living room", r"living room|lounge|sitting room"),
              ("beach", r"beach|seaside|\bsea\b|ocean|shore"),
              ("city", r"city|street|\btown|downtown"),
              ("meadow", r"meadow|field|grassland"), ("mountains", r"mountain"))
SUBJECT_RE = (("cat", r"\bcats?\b|kitten|kitty"),
              ("dog", r"\bdogs?\b|pupp|retriever|labrador|spaniel"),
              ("fox", r"\bfox(es)?\b"), ("car", r"\bcars?\b|sedan|roadster|automobile"),
              ("house", r"\bhouses?\b|cottage"),
              ("apartment", r"apartment|tower block|block of flats|\bflats\b"))
BACKGROUND_RE = r"\s*(building|block)?s?\s*(in the background|behind)"
LANDSCAPE_RE = r"landscape|scenery|scenic|vista|panorama|cityscape|seascape|\bview\b"
PLACEMENT_RE = (("left", r"(on|to|at) the left|left side|left of the (frame|picture|image)"),
                ("right", r"(on|to|at) the right|right side|right of the (frame|picture|image)"),
                ("centre", r"in the cent(re|er)|centred|centered|cent(re|er) of the"))
COLOUR_WORDS = {"ginger": "ginger", "orange": "orange", "tabby": "tabby", "black": "black",
                "white": "white", "grey": "grey", "gray": "grey", "golden": "golden",
                "gold": "golden", "brown": "brown", "red": "red", "blue": "blue",
                "yellow": "yellow", "green": "green"}
BIRD_COUNTS = {"no": 0, "zero": 0, "a": 1, "one": 1, "single": 1, "two": 2, "three": 3,
               "four": 4, "five": 5, "0": 0, "1": 1, "2": 2, "3": 3, "4": 4, "5": 5}


def first_match(table, text: str) -> str | None:
    """The value whose pattern occurs earliest in text (ties: the table's order)."""
    hits = [(m.start(), i, value) for i, (value, pattern) in enumerate(table)
            if (m := re.search(pattern, text))]
    return min(hits)[2] if hits else None


def find_subject(text: str) -> tuple[str, int] | None:
    """The first subject noun not marked as background, and where it starts."""
    hits = []
    for value, pattern in SUBJECT_RE:
        for m in re.finditer(pattern, text):
            if not re.match(BACKGROUND_RE, text[m.end():]):
                hits.append((m.start(), value))
                break
    return min(hits)[::-1] if hits else None


def subject_colour(subject: str, before: str) -> str | None:
    """The colour adjective in the words just before the subject noun."""
    words = []
    for word in reversed(re.findall(r"[a-z0-9-]+|,", before)[-5:]):
        if word in (",", "a", "an", "the", "of", "with", "on", "in", "and", "by", "at"):
            break
        words.append(word)
    colours = [COLOUR_WORDS[w] for w in words if w in COLOUR_WORDS]
    if not colours:
        return None
    plain = [c for c in colours if c != "tabby"]
    colour = plain[-1] if plain else "tabby"
    if subject == "cat" and colour == "orange":
        return "ginger"
    return colour


def parse_prompt(text: str) -> dict[str, str]:
    """Which evaluation attributes text names, as {attribute: value} in Scene.attributes() terms."""
    t = " " + text.lower().replace("colored", "coloured") + " "
    found = {}
    subject = find_subject(t)
    # settings by priority: a fjord has a shore, a street scene may show mountains
    setting = next((v for v, pattern in SETTING_RE if re.search(pattern, t)), None)
    if subject:
        found["subject"] = subject[0]
        colour = subject_colour(subject[0], t[:subject[1]])
        if colour:
            found["colour"] = colour
    elif setting or re.search(LANDSCAPE_RE, t):
        found["subject"] = "none"
    if setting:
        found["setting"] = setting
    for key, table in (("light", LIGHT_RE), ("style", STYLE_RE)):
        value = first_match(table, t)
        if value:
            found[key] = value
    # a window or the light may be "on the left" without the subject being there
    rest = re.sub(r"(window|light|lamp)\s+(on|to|from) the (left|right)", " ", t)
    placement = first_match(PLACEMENT_RE, rest) if subject else None
    if placement:
        found["placement"] = placement
    m = re.search(r"\b(no|zero|a|one|single|two|three|four|five|[0-5])\s+birds?\b", t)
    if m and (m.group(1) in ("no", "zero") or (m.group(0).endswith("birds") != (BIRD_COUNTS[m.group(1)] == 1))):
        found["birds"] = str(BIRD_COUNTS[m.group(1)])
    return {k: found[k] for k in EVAL_ATTRIBUTES if k in found}


# --- details beyond the evaluation attributes, and a matching scene ---------------------

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
