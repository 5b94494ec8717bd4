"""A temperature lab (lesson 9): the world's own caption model, sampled at several
temperatures from one start, and each caption checked against the world.

The same knob the student turns on a language model (temperature, top-k, top-p) is then seen
on images: the tab renders every caption with the image model under one seed. Low
temperatures repeat the most likely caption; high ones write captions the world cannot hold.

A caption is a *valid world scene* (`scene_check`) when all of these hold:
1. it is complete: the model ended it within max_length words;
2. every word is in the caption model's vocabulary (always true of its own output; the check
   also serves typed text);
3. the world's parser (`playground.world.parse_prompt`) reads a subject from it: a subject noun,
   or a setting or landscape word, which the parser reads as a scene without a subject;
4. it names no attribute twice with different values (two subjects, two settings, two lights,
   two styles, two placements, two bird counts, two colours before the subject noun), nor a
   pose its subject never takes (a dog "reading a book"); the parser itself would silently
   keep one value or ignore the pose, so this is checked with the parser's own patterns;
5. the parsed attributes, with the pose and kind `parse_details` reads, have non-zero
   probability under the world's prior tables (no green cat, no birds indoors, no fox in a
   living room), and `scene_for_prompt` can draw a scene with them.
What the parser does not read (word order, repeated words) the check cannot judge:
"a cat cat in a meadow" is a valid scene. Every caption the world's caption writer produces
passes (tests/test_captioner.py checks 3,000 of them). The grammar is reported beside it:
`Caption.unseen_pairs` lists the adjacent words that never met in the training captions
("cat cat"), from the pair table shipped with the model.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Sequence

import numpy as np

from playground.panels import Panel
from playground.params import check_seed
from playground.world.captioner import Captioner, load_captioner
from playground.world.parse import (BACKGROUND_RE, COLOUR_WORDS, LIGHT_RE, PLACEMENT_RE, POSE_RE,
                                    SETTING_RE, STYLE_RE, SUBJECT_RE, find_subject, parse_details, parse_prompt,
                                    scene_for_prompt)
from playground.world.scene import _subject_weight  # the sampler's own P(attributes | subject)
from playground.world.vocab import ATTRIBUTES

MAX_TEMPERATURES = 8
MAX_SAMPLES = 8  # per temperature; the tab renders every caption, so keep a run small
BIRDS_RE = r"\b(no|zero|a|one|single|two|three|four|five|[0-5])\s+(birds?)\b"
BIRD_COUNTS = {"no": 0, "zero": 0, "a": 1, "one": 1, "single": 1, "two": 2, "three": 3, "four": 4,
               "five": 5, **{str(i): i for i in range(6)}}


@dataclass(frozen=True)
class Caption:
    text: str
    temperature: float
    seed: int  # the caption's own sampler seed: sample j of a run uses (seed + j) mod 2^32
    valid: bool
    reason: str  # why it is not a valid scene ("" when it is)
    attributes: dict = field(default_factory=dict)  # what parse_prompt reads from it
    # adjacent words never adjacent in the training captions: the grammar the parser ignores
    unseen_pairs: tuple[str, ...] = ()


def _all_values(table, text: str) -> set[str]:
    return {value for value, pattern in table if re.search(pattern, text)}


def _subject_values(text: str) -> set[str]:
    """Every subject noun that is not marked as background ("a blue apartment building behind")."""
    return {value for value, pattern in SUBJECT_RE for m in re.finditer(pattern, text)
            if not re.match(BACKGROUND_RE, text[m.end():])}


def _colour_values(text: str) -> set[str]:
    """Colour words just before the subject noun, as parse.subject_colour reads them."""
    found = find_subject(text)
    if not found:
        return set()
    words = []
    for word in reversed(re.findall(r"[a-z0-9-]+|,", text[:found[1]])[-5:]):
        if word in (",", "a", "an", "the", "of", "with", "on", "in", "and", "by", "at"):
            break
        words.append(COLOUR_WORDS.get(word))
    colours = {c for c in words if c and c != "tabby"}  # "ginger tabby": tabby is the stripes
    return {"ginger" if c == "orange" and found[0] == "cat" else c for c in colours}


def conflicts(text: str) -> list[str]:
    """Attributes the text names with two different values, e.g. ["setting: beach, meadow"]."""
    t = " " + text.lower() + " "
    # a fjord has a shore: the one place two setting patterns describe one setting
    settings = _all_values(SETTING_RE, t.replace("shore of a fjord", "fjord"))
    rest = re.sub(r"(window|light|lamp)\s+(on|to|from) the (left|right)", " ", t)
    birds = {BIRD_COUNTS[m.group(1)] for m in re.finditer(BIRDS_RE, t)
             if m.group(1) in ("no", "zero") or (m.group(2) == "birds") != (BIRD_COUNTS[m.group(1)] == 1)}
    named = {"subject": _subject_values(t), "setting": settings, "light": _all_values(LIGHT_RE, t),
             "style": _all_values(STYLE_RE, t), "placement": _all_values(PLACEMENT_RE, rest),
             "birds": {str(b) for b in birds}, "colour": _colour_values(t)}
    out = [f"{k}: {', '.join(sorted(v))}" for k, v in named.items() if len(v) > 1]
    if len(named["subject"]) == 1:  # a pose another subject takes ("sitting" is everyone's)
        subject = next(iter(named["subject"]))
        own = {pose for pose, _ in POSE_RE.get(subject, ())}
        alien = {pose for table in POSE_RE.values() for pose, pattern in table
                 if pose not in own and re.search(pattern, t)}
        out += [f"pose: a {subject} is never {pose}" for pose in sorted(alien)]
    return out


def prior_probability(fixed: dict[str, str]) -> float:
    """P(these attributes) under the world's prior tables (scene.sample_scene's own formula)."""
    subjects = [fixed["subject"]] if "subject" in fixed else list(ATTRIBUTES["subject"])
    return sum(ATTRIBUTES["subject"][s] * _subject_weight(s, fixed, strict=True) for s in subjects)


def scene_check(text: str, finished: bool = True, captioner: Captioner | None = None) -> tuple[bool, str, dict]:
    """(valid, reason, parsed attributes): the module docstring's five rules, in order."""
    if not finished:
        return False, "unfinished: no end within max_length words", {}
    unknown = (captioner or load_captioner()).unknown_words(text)
    if unknown:
        return False, f"unknown words: {', '.join(unknown)}", {}
    attrs = parse_prompt(text)
    if "subject" not in attrs:
        return False, "names no subject, setting or landscape", attrs
    clash = conflicts(text)
    if clash:
        return False, "contradicts itself (" + "; ".join(clash) + ")", attrs
    fixed = dict(attrs)
    details = parse_details(text, attrs["subject"])
    fixed.update({k: details[k] for k in ("pose", "variant") if k in details})
    if prior_probability(fixed) == 0.0:
        named = ", ".join(f"{k} {v}" for k, v in fixed.items())
        return False, f"the world never holds this ({named}: prior probability 0)", attrs
    try:
        scene_for_prompt(text, np.random.default_rng(0))
    except ValueError as e:
        return False, f"no scene can be drawn: {e}", attrs
    return True, "", attrs


def check_temperatures(temperatures: Sequence[float]) -> list[float]:
    temps = list(temperatures) if isinstance(temperatures, (list, tuple)) else [temperatures]
    if not 1 <= len(temps) <= MAX_TEMPERATURES:
        raise ValueError(f"temperatures must hold 1..{MAX_TEMPERATURES} values, got {len(temps)}")
    return temps  # each value's range is the captioner's to check


def captions(start: str = "", temperatures: Sequence[float] = (0.2, 0.7, 1.2), top_k: int = 0,
             top_p: float = 1.0, seed: int = 0, samples: int = 1, max_length: int = 32,
             captioner: Captioner | None = None) -> list[Caption]:
    """`samples` captions per temperature, all continuing `start` (may be empty), in one batch.

    Sample j (at every temperature) draws with seed (seed + j) mod 2^32, so the same seed at two
    temperatures makes the same random choices on two differently sharpened distributions.
    """
    temps, seed = check_temperatures(temperatures), check_seed(seed)
    if isinstance(samples, bool) or not isinstance(samples, (int, np.integer)) or not 1 <= samples <= MAX_SAMPLES:
        raise ValueError(f"samples must be a whole number in 1..{MAX_SAMPLES}, got {samples!r}")
    if not isinstance(start, str):
        raise ValueError(f"start must be a text (may be empty), got {start!r}")
    model = captioner or load_captioner()
    rows = [(t, (seed + j) % 2**32) for t in temps for j in range(int(samples))]
    drawn = model.sample(start, [t for t, _ in rows], [s for _, s in rows], top_k=top_k,
                         top_p=top_p, max_length=max_length)
    out = []
    for d in drawn:
        valid, reason, attrs = scene_check(d.text, d.finished, model)
        out.append(Caption(d.text, d.temperature, d.seed, valid, reason, attrs,
                           tuple(model.unseen_pairs(d.text))))
    return out


def caption_label(c: Caption) -> str:
    mark = f"not a scene: {c.reason}" if not c.valid else \
        "valid scene, new word pairs" if c.unseen_pairs else "valid scene"
    return f"T {c.temperature:g} · {c.text} · {mark}"


def label_panels(panels: Sequence[Panel], results: Sequence[Caption], top_k: int = 0,
                 top_p: float = 1.0) -> list[Panel]:
    """The rendered panels captioned with their caption, temperature and verdict; the sampling
    settings go into params so a saved panel says how its prompt was written."""
    if len(panels) != len(results):
        raise ValueError(f"panels and captions must be equally many, got {len(panels)} and {len(results)}")
    out = []
    for panel, c in zip(panels, results):
        params = dict(panel.params, caption_temperature=c.temperature, caption_seed=c.seed,
                      caption_top_k=top_k, caption_top_p=top_p, caption_valid=c.valid)
        out.append(Panel(panel.image, caption_label(c), params))
    return out
