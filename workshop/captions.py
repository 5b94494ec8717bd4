"""Captions for scenes (terse to detailed, never false) and prompts naming chosen attributes.

A caption names the subject (or, for a landscape, its setting or "a landscape") and then a
random share of the optional attributes, in several phrasings. Whatever it leaves out the
model has to draw from the prior, so vague prompts map to a wide distribution and detailed
ones to a narrow slice. The reader of these texts, parse_prompt, is in playground.world.parse
(the app needs it at run time).
"""

import re

import numpy as np

from playground.world import vocab as V
from playground.world.scene import Scene, sample_scene

OPTIONAL = ("colour", "variant", "pose", "furniture", "setting", "light", "style",
            "placement", "birds", "background", "mood")
LIGHT_CLAUSE = {"dawn": ("dawn light", "sunrise"), "day": ("daylight", "bright daylight"),
                "sunset": ("golden hour", "sunset light", "evening light"),
                "night": ("night", "a moonlit night")}


def pick(rng: np.random.Generator, options):
    return options[int(rng.integers(len(options)))]


def article(words: str) -> str:
    return ("an " if words[0] in "aeiou" else "a ") + words


def subject_phrase(scene: Scene, keep: set, rng, exact: bool = False) -> str:
    """The subject's noun phrase with the kept adjectives ("a vintage red sports car")."""
    colour = scene.colour if "colour" in keep else None
    striped = "variant" in keep and scene.variant == "tabby"
    if scene.subject == "cat":
        if colour in ("ginger", "grey") and striped:
            words = f"{colour} tabby cat"
        elif colour:
            words = f"{colour} cat"
        else:  # "tabby" alone names the brown tabby colour, so a ginger tabby is "striped"
            words = ("tabby cat" if scene.colour == "tabby" else "striped cat") if striped else "cat"
    elif scene.subject == "dog":
        breed = V.DOG_BREEDS[scene.colour]
        if colour:  # the breed always carries its colour word ("black labrador")
            words = breed if colour == "golden" else f"{colour} {pick(rng, ('dog', breed))}"
        else:
            words = breed.split()[-1] if "variant" in keep else "dog"
    elif scene.subject == "car":
        kind = scene.variant if "variant" in keep else ""
        age = pick(rng, ("vintage", "classic")) if "vintage" in kind else ""
        noun = "sports car" if "sports" in kind else ("sedan" if kind == "sedan" else "car")
        words = " ".join(w for w in (age, colour or "", noun) if w)
    elif scene.subject == "fox":
        words = "orange fox" if colour and (exact or rng.random() < 0.3) else "fox"
    else:
        noun = pick(rng, V.SUBJECT_NOUNS[scene.subject])
        words = f"{colour} {noun}" if colour else noun
    return article(words)


def furniture_phrase(scene: Scene, keep: set, rng) -> str:
    chair = scene.extra("armchair")
    if chair is None or "furniture" not in keep:
        return ""
    words = pick(rng, ("armchair", "velvet armchair"))
    if rng.random() < 0.7:
        words = f"{chair} {words}"
    return f"{pick(rng, ('on', 'in'))} {article(words)}"


def window_light(scene: Scene, rng) -> str:
    side = f" on the {scene.extra('window')}" if rng.random() < 0.5 else ""
    return f"{V.WINDOW_LIGHT[scene.light]} from a window{side}"


def birds_phrase(n: int, rng, exact: bool) -> str:
    if n == 0:
        return pick(rng, ("no birds", "no birds in the sky"))
    if n == 1:
        return pick(rng, ("a bird in the sky", "one bird overhead", "a single bird"))
    if not exact and rng.random() < 0.35:
        vague = ["a few birds overhead"] if n <= 3 else ["a flock of birds"]
        return pick(rng, vague + (["several birds in the sky"] if n >= 3 else []))
    number = V.NUMBER_WORDS[n] if rng.random() < 0.7 else str(n)
    return f"{number} birds {pick(rng, ('in the sky', 'overhead', 'flying'))}"


def mood_phrase(scene: Scene) -> str:
    if scene.light == "night":
        return V.MOODS["cool"]
    if scene.light in ("dawn", "sunset") or scene.setting in V.INDOOR:
        return V.MOODS["warm"]
    return V.MOODS["soft"] if scene.style == "watercolour" else ""


def describe(scene: Scene, keep: set, rng, exact: bool = False) -> str:
    """A caption mentioning the subject and exactly the attribute groups in keep."""
    # 1. the head: style prefix, subject, pose, furniture, placement, setting, light
    inline, clauses = [], []
    light_done = "light" not in keep
    if scene.subject == "none":
        if "setting" in keep or (scene.setting == "city" and not exact):
            place = pick(rng, V.LANDSCAPE_NOUNS[scene.setting])
            if not light_done and scene.setting not in V.INDOOR and rng.random() < 0.4:
                place = f"{pick(rng, V.LIGHT_OVER[scene.light])} over {re.sub('^an? ', 'the ', place)}"
                light_done = True
        else:
            place = pick(rng, V.GENERIC_LANDSCAPES)
        inline.append(place)
    else:
        inline.append(subject_phrase(scene, keep, rng, exact))
        if "pose" in keep and scene.pose:
            inline.append(pick(rng, V.POSE_PHRASES[(scene.subject, scene.pose)]))
        inline.append(furniture_phrase(scene, keep, rng))
        if "placement" in keep:
            inline.append(pick(rng, V.PLACEMENT_PHRASES[scene.placement]))
        if "setting" in keep:
            parked = "parked " if scene.subject == "car" and rng.random() < 0.5 else ""
            inline.append(parked + pick(rng, V.SETTING_PHRASES[scene.setting]))
    if not light_done:
        if scene.extra("window") and rng.random() < 0.5:
            clauses.append(window_light(scene, rng))
        elif rng.random() < 0.6:
            inline.append(pick(rng, V.LIGHT_PHRASES[scene.light]))
        else:
            clauses.append(pick(rng, V.LIGHT_PHRASES[scene.light] + LIGHT_CLAUSE[scene.light]))
    head = " ".join(w for w in inline if w)
    style_suffix = ""
    if "style" in keep:
        if rng.random() < 0.5:
            head = f"{pick(rng, V.STYLE_PREFIX[scene.style])} {head}"
        else:
            style_suffix = pick(rng, V.STYLE_SUFFIX[scene.style])
    # 2. clauses: birds, the building behind, trees, mood, then the style
    outdoor = scene.setting not in V.INDOOR
    if "birds" in keep and (exact or (outdoor and (scene.birds > 0 or rng.random() < 0.3))):
        clauses.append(birds_phrase(scene.birds, rng, exact))
    if "background" in keep:
        building = scene.extra("building")
        if building:
            clauses.append(f"{article(building)} apartment building "
                           f"{pick(rng, ('in the background', 'behind'))}")
        if scene.extra("trees") is not None:
            clauses.append(pick(rng, ("trees", "a few trees")) if scene.setting == "meadow"
                           else pick(rng, ("pine trees", "fir trees")))
    if "mood" in keep and mood_phrase(scene):
        clauses.append(mood_phrase(scene))
    order = rng.permutation(len(clauses))
    clauses = [clauses[i] for i in order] + ([style_suffix] if style_suffix else [])
    return ", ".join([head] + clauses)


def caption(scene: Scene, rng: np.random.Generator, detail: float | None = None) -> str:
    """A true caption of scene; detail in [0, 1] is the share of optional attributes named
    (None: random, from terse "a cat" to fully detailed)."""
    if detail is None:
        detail = pick(rng, (0.0, 1.0, float(rng.uniform()), float(rng.uniform())))
    if not 0.0 <= detail <= 1.0:
        raise ValueError(f"detail must be in [0, 1], got {detail}")
    keep = {k for k in OPTIONAL if rng.random() < detail}
    text = describe(scene, keep, rng)
    # the text encoder reads 32 tokens: drop the least useful details rather than truncate
    for extra in DROP_ORDER:
        if token_estimate(text) <= TOKEN_BUDGET:
            break
        if extra in keep:
            keep.discard(extra)
            text = describe(scene, keep, rng)
    return text


TOKEN_BUDGET = 26  # 32 BERT tokens less [CLS], [SEP] and words WordPiece splits
DROP_ORDER = ("mood", "background", "furniture", "variant", "pose", "placement", "birds")


def token_estimate(text: str) -> int:
    """About the WordPiece count: words, numbers and punctuation ("8-bit" is three)."""
    return len(re.findall(r"[a-z]+|[0-9]+|[^a-z0-9\s]", text.lower()))


def prompt_for(attrs: dict[str, str], rng: np.random.Generator) -> str:
    """A natural prompt naming exactly these evaluation attributes.

    As in the training captions, a prompt without a subject noun reads as a landscape, so a
    setting without a subject comes back from parse_prompt with subject "none" as well.
    """
    unknown = set(attrs) - set(V.EVAL_ATTRIBUTES)
    if unknown:
        raise ValueError(f"attrs may only hold {V.EVAL_ATTRIBUTES}, got {sorted(unknown)}")
    if "subject" not in attrs and {"colour", "placement"} & set(attrs):
        raise ValueError("attrs with colour or placement need a subject")
    fixed = {k: v for k, v in attrs.items() if not (k in ("colour", "placement") and v == "none")}
    if "subject" not in fixed:
        fixed["subject"] = "none"  # the head noun is then a place or "a picture"
    scene = sample_scene(rng, **fixed)
    keep = {k for k in ("colour", "setting", "light", "style", "placement", "birds") if k in fixed}
    text = describe(scene, keep, rng, exact=True)
    if "subject" not in attrs and "setting" not in attrs:
        generic = "|".join(V.GENERIC_LANDSCAPES[::-1])
        text = re.sub(f"({generic})", "a picture", text, count=1)
    return text
