"""Scenes of the tiny world and how they are drawn from the prior tables in vocab.py."""

from dataclasses import dataclass

import numpy as np

from playground.world.vocab import ATTRIBUTES, EVAL_ATTRIBUTES, INDOOR, SUBJECTS

FIELDS = ("subject", "colour", "variant", "pose", "setting", "light", "style",
          "placement", "birds", "extras", "seed")


@dataclass(frozen=True)
class Scene:
    subject: str
    colour: str | None
    variant: str | None
    pose: str | None
    setting: str
    light: str
    style: str
    placement: str
    birds: int
    extras: tuple[str, ...] = ()
    seed: int = 0

    def attributes(self) -> dict[str, str]:
        """The evaluation attributes as strings ("none" where one does not apply)."""
        values = {"subject": self.subject, "colour": self.colour or "none",
                  "setting": self.setting, "light": self.light, "style": self.style,
                  "placement": self.placement, "birds": str(self.birds)}
        return {key: values[key] for key in EVAL_ATTRIBUTES}

    def extra(self, name: str) -> str | None:
        """The value of an extra: "armchair" -> "navy" for "armchair:navy", "" for "book"."""
        for item in self.extras:
            key, _, value = item.partition(":")
            if key == name:
                return value
        return None


def variant_options(subject: str, colour: str) -> dict[str, float]:
    """Variant distribution given subject and colour (stripes, breed or car kind)."""
    if subject == "cat":
        if colour == "tabby":
            return {"tabby": 1.0}
        if colour in ("ginger", "grey"):
            return {"tabby": ATTRIBUTES["cat_stripes"]["tabby"],
                    "plain": ATTRIBUTES["cat_stripes"]["plain"]}
        return {"plain": 1.0}
    if subject == "dog":
        return {{"golden": "golden retriever", "black": "labrador",
                 "brown": "spaniel"}[colour]: 1.0}
    if subject == "car":
        return dict(ATTRIBUTES["car_variant"])
    return {"plain": 1.0}


def pose_options(subject: str) -> dict[str, float]:
    return dict(ATTRIBUTES.get(f"{subject}_pose", {"none": 1.0}))


def birds_options(setting: str) -> dict[str, float]:
    return dict(ATTRIBUTES["indoor_birds" if setting in INDOOR else "outdoor_birds"])


def placement_options(subject: str) -> dict[str, float]:
    return {"none": 1.0} if subject == "none" else dict(ATTRIBUTES["placement"])


def _choose(rng: np.random.Generator, table: dict[str, float], field: str,
            fixed: str | None = None) -> str:
    """Draw from table, or return the fixed value after checking the table allows it."""
    if fixed is not None:
        if fixed not in table:
            raise ValueError(f"{field} must be one of {sorted(table)} here, got {fixed!r}")
        return fixed
    keys = list(table)
    probs = np.array([table[k] for k in keys], dtype=float)
    return keys[int(rng.choice(len(keys), p=probs / probs.sum()))]


def _subject_weight(subject: str, fixed: dict[str, str], strict: bool) -> float:
    """P(fixed attributes | subject); strict=False only asks whether they are possible."""
    def p(table: dict[str, float], key: str) -> float:
        if key not in fixed:
            return 1.0
        if fixed[key] not in table:
            return 0.0
        return table[fixed[key]] if strict else 1.0

    colours = ATTRIBUTES[f"{subject}_colour"]
    weight = p(colours, "colour") * p(pose_options(subject), "pose")
    weight *= p(placement_options(subject), "placement")
    if "variant" in fixed:
        cols = [fixed["colour"]] if "colour" in fixed else list(colours)
        weight *= max((p(variant_options(subject, c), "variant") for c in cols
                       if c in colours), default=0.0)
    settings = ATTRIBUTES[f"{subject}_setting"]
    where = sum((ps if strict else 1.0) * p(birds_options(s), "birds")
                for s, ps in settings.items() if fixed.get("setting", s) == s)
    return weight * where


def _normalise(fixed: dict) -> dict[str, str]:
    unknown = set(fixed) - set(FIELDS)
    if unknown:
        raise ValueError(f"sample_scene got unknown fields {sorted(unknown)}; allowed: {FIELDS}")
    out = {k: str(v) for k, v in fixed.items() if v is not None and k not in ("extras", "seed")}
    if "subject" in out and out["subject"] not in SUBJECTS:
        raise ValueError(f"subject must be one of {SUBJECTS}, got {out['subject']!r}")
    return out


def sample_scene(rng: np.random.Generator, **fixed) -> Scene:
    """Draw a scene from the prior; keyword arguments force attributes (strings, birds may be int).

    Fixed values condition the rest: sample_scene(rng, colour="red") picks a subject that
    can be red in proportion to how often it is red. A forced combination the prior never
    produces but the renderer can draw (a car in a library) is allowed; an impossible one
    (a green cat, birds indoors) raises ValueError.
    """
    # 1. the subject, weighted by how well it explains the fixed attributes
    want = _normalise(fixed)
    if "subject" in want:
        subject = want["subject"]
        if _subject_weight(subject, want, strict=False) == 0.0:
            raise ValueError(f"no {subject} scene has {want}; see ATTRIBUTES")
    else:
        prior = ATTRIBUTES["subject"]
        weights = {s: prior[s] * _subject_weight(s, want, strict=True) for s in prior}
        if sum(weights.values()) == 0.0:
            weights = {s: prior[s] * _subject_weight(s, want, strict=False) for s in prior}
        if sum(weights.values()) == 0.0:
            raise ValueError(f"no subject can have {want}; see ATTRIBUTES")
        subject = _choose(rng, weights, "subject")
    # 2. appearance, compatible with a fixed variant
    colours = ATTRIBUTES[f"{subject}_colour"]
    if "variant" in want and "colour" not in want:
        colours = {c: p for c, p in colours.items() if want["variant"] in variant_options(subject, c)}
    colour = _choose(rng, colours, "colour", want.get("colour"))
    variant = _choose(rng, variant_options(subject, colour), "variant", want.get("variant"))
    pose = _choose(rng, pose_options(subject), "pose", want.get("pose"))
    # 3. where and when; a fixed bird count rules out indoor settings
    settings = ATTRIBUTES[f"{subject}_setting"]
    if "birds" in want and "setting" not in want:
        settings = {s: p * birds_options(s).get(want["birds"], 0.0) for s, p in settings.items()}
    setting = _choose(rng, settings, "setting", want.get("setting"))
    light = _choose(rng, ATTRIBUTES["light"], "light", want.get("light"))
    style = _choose(rng, ATTRIBUTES["style"], "style", want.get("style"))
    placement = _choose(rng, placement_options(subject), "placement", want.get("placement"))
    birds = int(_choose(rng, birds_options(setting), "birds", want.get("birds")))
    # 4. extras that follow from the rest, and a seed for the renderer's jitter
    extras = fixed.get("extras")
    if extras is None:
        extras = sample_extras(rng, subject, pose, setting, placement)
    seed = int(fixed["seed"]) if fixed.get("seed") is not None else int(rng.integers(2**31))
    return Scene(subject, None if colour == "none" else colour,
                 None if variant == "plain" else variant, None if pose == "none" else pose,
                 setting, light, style, placement, birds, tuple(extras), seed)


def sample_extras(rng: np.random.Generator, subject: str, pose: str, setting: str,
                  placement: str) -> tuple[str, ...]:
    extras = []
    if pose == "reading":
        extras.append("book")
    if pose == "fetch":
        extras.append("ball")
    chair = (subject == "cat" and setting == "living room") or \
            (subject == "fox" and pose == "reading" and setting == "library")
    if chair and _choose(rng, ATTRIBUTES["armchair"], "armchair") == "yes":
        extras.append("armchair:" + _choose(rng, ATTRIBUTES["armchair_colour"], "armchair"))
    if setting in ("meadow", "mountains", "fjord") and \
            _choose(rng, ATTRIBUTES["trees"], "trees") == "yes":
        extras.append("trees")
    if setting == "city" and subject != "apartment":
        extras.append("building:" + _choose(rng, ATTRIBUTES["building_colour"], "building"))
    if setting in INDOOR:
        # the window sits opposite the subject so it is never hidden
        side = {"left": "right", "right": "left"}.get(placement)
        extras.append("window:" + (side or ("left" if rng.random() < 0.5 else "right")))
    return tuple(extras)

