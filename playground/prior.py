"""The embedded model's prior against the truth: what a seed grid shows vs what the world holds.

Lesson 1 (docs/lessons.md) asks for the model's "default cat". For the embedded model the default can be
checked: the world's prior tables say how often a cat is ginger, and the attribute
classifier (shipped in models/tiny-world/classifier) says what each generated image shows.
The true shares *given the prompt* come from sampling the world's own scene sampler with
everything the prompt names held fixed, so "a cat in a library" is compared with library cats.
"""
from __future__ import annotations

import functools
import threading
from collections import Counter
from pathlib import Path
from typing import Any, Sequence

from playground.world import parse_prompt, scene_for_prompt
from playground.world.classifier import DEFAULT_DIR, AttributeClassifier

# Attributes a vague prompt usually leaves open, in the order worth showing first.
OPEN_ORDER = ("colour", "subject", "setting", "light", "style", "placement")
TRUTH_SAMPLES = 4000  # scene draws (no rendering, ~0.1 s); 1.6 points of error at most at 95%
ROOT = Path(__file__).resolve().parents[1]
_lock = threading.Lock()
_classifiers: dict[str, Any] = {}


def open_attribute(prompt: str) -> str:
    """The first attribute the prompt does not name (colour needs a named subject)."""
    named = parse_prompt(prompt)
    for attribute in OPEN_ORDER:
        if attribute in named:
            continue
        if attribute == "colour" and named.get("subject") in (None, "none"):
            continue
        return attribute
    raise ValueError(f"prompt names every attribute ({', '.join(named)}); leave one open "
                     "(e.g. no colour) to compare the model's prior with the world's")


def true_shares(prompt: str, attribute: str, samples: int = TRUTH_SAMPLES, seed: int = 0) -> dict[str, float]:
    """Share of each value of `attribute` among world scenes that fit the prompt (a copy: callers
    may change it)."""
    return dict(_true_shares(prompt, attribute, samples, seed))


@functools.lru_cache(maxsize=256)
def _true_shares(prompt: str, attribute: str, samples: int, seed: int) -> tuple:
    # Seeded and a function of the world alone: the same prompt always gets the same truth, so
    # it is drawn once (4,000 scene draws took seconds of every seed-grid request in a class).
    import numpy as np

    rng = np.random.default_rng(seed)
    counts = Counter(scene_for_prompt(prompt, rng).attributes()[attribute] for _ in range(samples))
    return tuple((k, v / samples) for k, v in counts.most_common())


def classifier(folder: str | Path | None = None):
    """The attribute classifier, loaded once per folder (a 2 MB CNN on the CPU)."""
    key = str(folder or DEFAULT_DIR)
    with _lock:
        if key not in _classifiers:
            if not (Path(key) / "classifier.safetensors").is_file():
                where = Path(key).relative_to(ROOT) if Path(key).is_relative_to(ROOT) else Path(key).name
                raise ValueError(f"prior comparison needs the attribute classifier in {where} "
                                 "(python -m workshop.classifier_train trains it)")
            _classifiers[key] = AttributeClassifier.load(key, device="cpu")
        return _classifiers[key]


def observed_shares(images: Sequence[Any], attribute: str, folder: str | Path | None = None) -> dict[str, float]:
    """Share of each value of `attribute` the classifier reads in the images."""
    images = [getattr(i, "image", i) for i in images]
    if not images:
        raise ValueError("images must hold at least 1 image, got 0")
    counts = Counter(p[attribute] for p in classifier(folder).predict(images))
    return {k: v / len(images) for k, v in counts.most_common()}


def compare(prompt: str, images: Sequence[Any], folder: str | Path | None = None) -> dict:
    """{"attribute", "observed", "truth", "gap"}: gap is the largest difference in points."""
    attribute = open_attribute(prompt)
    truth = true_shares(prompt, attribute)
    observed = observed_shares(images, attribute, folder)
    gap = max(abs(observed.get(k, 0.0) - truth.get(k, 0.0)) for k in set(truth) | set(observed))
    return {"attribute": attribute, "observed": observed, "truth": truth, "gap": round(100 * gap, 1)}
