"""Lesson 3, second half: let the app learn which prompt variant the student likes.

Thompson sampling: each variant's chance of a like has a Beta(1 + likes, 1 + dislikes)
posterior (Beta(1, 1) = no opinion yet). Each round draws one number from every posterior
and shows the variant with the largest draw, so a variant is shown about as often as it is
probably the best one; a variant with few votes still gets its chance. Every round uses a
fresh random seed, so the student judges the prompt, not one lucky sample.
"""
from __future__ import annotations

import math
import random
from dataclasses import dataclass
from typing import Sequence

from playground.params import SEED_MAX, check_prompt

MAX_VARIANTS = 16


@dataclass(frozen=True)
class Choice:
    index: int
    prompt: str
    seed: int


class PromptBandit:
    """Beta-Bernoulli Thompson sampling over prompt variants, with its own random generator."""

    def __init__(self, variants: Sequence[str], rng_seed: int | None = None):
        variants = list(variants)
        if not 2 <= len(variants) <= MAX_VARIANTS:
            raise ValueError(f"variants must hold 2..{MAX_VARIANTS} prompts, got {len(variants)}")
        for i, v in enumerate(variants):
            check_prompt(v, f"variants[{i}]")
        self.variants = variants
        self.likes = [0] * len(variants)
        self.dislikes = [0] * len(variants)
        self.history: list[dict] = []  # {"variant", "seed", "liked"} per judged round
        # Its own generator: sampling here must not disturb (or be disturbed by) torch or numpy.
        self.rng = random.Random(rng_seed)

    def choose(self) -> Choice:
        """The variant with the largest posterior draw, and a fresh seed to render it with."""
        draws = [self.rng.betavariate(1 + a, 1 + b) for a, b in zip(self.likes, self.dislikes)]
        index = max(range(len(draws)), key=draws.__getitem__)
        return Choice(index, self.variants[index], self.rng.randrange(SEED_MAX + 1))

    def record(self, index: int, liked: bool, seed: int | None = None) -> None:
        """Count one like (liked=True) or dislike for variant `index`."""
        if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < len(self.variants):
            raise ValueError(f"index must be an integer in 0..{len(self.variants) - 1}, got {index!r}")
        if not isinstance(liked, bool):
            raise ValueError(f"liked must be True or False, got {liked!r}")
        (self.likes if liked else self.dislikes)[index] += 1
        self.history.append({"variant": index, "seed": seed, "liked": liked})

    def posterior(self) -> list[dict]:
        """Per variant: its prompt, votes, Beta parameters and posterior mean of P(like)."""
        return [{"variant": i, "prompt": v, "likes": a, "dislikes": b, "alpha": 1 + a, "beta": 1 + b,
                 "mean": (1 + a) / (2 + a + b)}
                for i, (v, a, b) in enumerate(zip(self.variants, self.likes, self.dislikes))]

    def posterior_curves(self, points: int = 101) -> tuple[list[float], list[list[float]]]:
        """x in [0, 1] and each variant's Beta density over it, ready for a line plot."""
        if not 2 <= points <= 10_000:
            raise ValueError(f"points must be in 2..10000, got {points}")
        xs = [i / (points - 1) for i in range(points)]
        return xs, [[beta_pdf(x, 1 + a, 1 + b) for x in xs] for a, b in zip(self.likes, self.dislikes)]

    def to_dict(self) -> dict:
        """JSON-ready state, including the generator's, so a restored bandit continues exactly."""
        version, state, gauss = self.rng.getstate()
        return {"variants": list(self.variants), "likes": list(self.likes), "dislikes": list(self.dislikes),
                "history": [dict(h) for h in self.history], "rng_state": [version, list(state), gauss]}

    @classmethod
    def from_dict(cls, data: dict) -> "PromptBandit":
        bandit = cls(data["variants"])
        n = len(bandit.variants)
        for key in ("likes", "dislikes"):
            counts = list(data.get(key) or [0] * n)
            if len(counts) != n or any(isinstance(c, bool) or not isinstance(c, int) or c < 0 for c in counts):
                raise ValueError(f"{key} must be {n} counts >= 0, got {counts!r}")
            setattr(bandit, key, counts)
        bandit.history = [dict(h) for h in data.get("history") or []]
        if data.get("rng_state"):
            version, state, gauss = data["rng_state"]
            bandit.rng.setstate((version, tuple(state), gauss))
        return bandit


def beta_pdf(x: float, a: float, b: float) -> float:
    """Beta(a, b) density at x, via log-gamma (no scipy needed)."""
    if x <= 0.0 or x >= 1.0:
        # The edges: finite only where the exponent is zero (a or b equal to 1).
        edge_exp = (a - 1) if x <= 0.0 else (b - 1)
        if edge_exp > 0:
            return 0.0
        x = min(max(x, 1e-9), 1 - 1e-9)
    log_b = math.lgamma(a) + math.lgamma(b) - math.lgamma(a + b)
    return math.exp((a - 1) * math.log(x) + (b - 1) * math.log(1 - x) - log_b)
