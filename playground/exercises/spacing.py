"""Where to put a walk's frames so that each step changes the picture about as much as the next.

Equal steps of t are equal steps of noise (slerp), not of the image: the embedded model keeps one
picture for a long stretch of the walk and then turns into another within a ten-thousandth of t
(a blurry scene snapping sharp, a sunset turning to noon: seeds 0 to 1 change by 34 grey levels
per pixel between t = 0.67081 and 0.67111, by a tenth per step of that size around it), and
some turns no halving of t resolves (cuts): there the 20-step sampler is chaotic, and noise one
float32 unit apart still gives two different pictures. So an even walk renders the uniform walk,
halves the steps that change the picture most (each round one batched call) until its frames can
be picked at about equal image steps or its renders run out, leaves a step narrower than
MIN_WIDTH as it is (a cut, named in the result), and keeps both ends.

Pure functions of rendered images: `render_ts(ts) -> images` does the rendering. An image
step is the mean absolute difference of RGB values (0..255), as the evaluation's lessons section measures it.
"""
from __future__ import annotations

from typing import Callable, Sequence

import numpy as np
from PIL import Image

SPACINGS = ("even", "uniform")  # even: equal steps of the image; uniform: equal steps of t
GOAL = 1.5  # stop refining once the picked frames' largest step is within this of their median
# A step of t this short that still changes the image a lot is a cut: left as it is. Measured on
# seeds 8 and 9 ('a cat in a meadow'): halving such a step 21 times (to 2e-11) still left 14 grey
# levels between its ends, with midpoints like one end or the other, so renders spent below
# 1e-4 buy nothing; a smooth turn (0.67081..0.67111 above) is wider than this.
MIN_WIDTH = 1e-4
PER_FRAME = 4  # renders per frame an even walk may use unless told (budget_for)
MAX_BUDGET = 256
DISTANCE_SIDE = 128  # images are compared at most this big (mean differences barely change)


def check_spacing(spacing: str) -> str:
    if spacing not in SPACINGS:
        raise ValueError(f"spacing must be one of {', '.join(SPACINGS)}, got {spacing!r}")
    return spacing


def budget_for(frames: int) -> int:
    """Renders an even walk of `frames` frames may use unless told: PER_FRAME per frame (8 frames:
    32, the cost cap at 20 steps). Each sharp turn of the picture takes about 14 halvings of
    t to resolve, or to be found a cut; with 4 per frame, two turns fit beside the frames."""
    return PER_FRAME * frames


def check_budget(budget, frames: int) -> int:
    if not isinstance(budget, int) or isinstance(budget, bool) or not frames <= budget <= MAX_BUDGET:
        raise ValueError(f"budget must be an integer in {frames}..{MAX_BUDGET} (renders, at least the "
                         f"frames), got {budget!r}")
    return budget


def pixels(image: Image.Image) -> np.ndarray:
    """An image as a flat float32 vector of RGB values 0..255 (shrunk past DISTANCE_SIDE)."""
    image = image.convert("RGB")
    if max(image.size) > DISTANCE_SIDE:
        scale = DISTANCE_SIDE / max(image.size)
        image = image.resize((max(1, round(image.width * scale)), max(1, round(image.height * scale))),
                             Image.Resampling.BOX)
    return np.asarray(image, dtype=np.float32).ravel()


def distances(vectors: Sequence[np.ndarray]) -> np.ndarray:
    """Mean absolute difference (0..255) between every two images, as a symmetric matrix."""
    stack = np.stack(vectors)
    out = np.zeros((len(stack), len(stack)))
    for i in range(len(stack) - 1):
        out[i, i + 1:] = np.abs(stack[i + 1:] - stack[i]).mean(axis=1)
    return out + out.T


def _path(back: list, n: int) -> list[int]:
    path = [n - 1]
    for arg in reversed(back):
        path.append(int(arg[path[-1]]))
    return path[::-1]


def _least_squares(dist: np.ndarray, frames: int, allowed: np.ndarray) -> list[int]:
    """The path of `frames` indices from 0 to n-1 with the least sum of squared steps: equal
    steps, when distances add up along the walk (and one cut no path avoids, the rest equal)."""
    n = len(dist)
    squares = np.where(allowed, dist ** 2, np.inf)
    cost, back = np.full(n, np.inf), []
    cost[0] = 0.0
    for _ in range(frames - 1):
        through = cost[:, None] + squares
        back.append(through.argmin(axis=0))
        cost = through[back[-1], np.arange(n)]
    return _path(back, n)


def _bottlenecks(dist: np.ndarray, frames: int, allowed: np.ndarray) -> list[list[int]]:
    """For each smallest step allowed (quantiles of the distances), the path whose largest step
    is least (the best of them has the least largest step / smallest step)."""
    n = len(dist)
    lows = np.unique(np.quantile(dist[allowed], np.linspace(0, 1, 65)))
    paths = []
    for low in lows[lows > 0]:
        steps = np.where(allowed & (dist >= low), dist, np.inf)
        cost, back = np.full(n, np.inf), []
        cost[0] = 0.0
        for _ in range(frames - 1):  # cost[j]: the least largest step of a path to j so far
            through = np.maximum(cost[:, None], steps)
            back.append(through.argmin(axis=0))
            cost = through[back[-1], np.arange(n)]
        if np.isfinite(cost[-1]):
            paths.append(_path(back, n))
    return paths


def evenness(dist: np.ndarray, path: Sequence[int], skip: Sequence[int] = ()) -> float:
    """The walk's largest image step over its median step (1 = perfectly even); steps into the
    frames in `skip` (cuts) are left out of the largest, not of the median."""
    steps = [dist[i, j] for i, j in zip(path, path[1:])]
    kept = [d for k, d in enumerate(steps, start=1) if k not in skip] or [0.0]
    return max(kept) / max(float(np.median(steps)), 1e-9)


def cuts(ts: Sequence[float], dist: np.ndarray, path: Sequence[int], factor: float = 2.0) -> list[int]:
    """The picked frames reached across a cut: a step of t no wider than MIN_WIDTH (bisection
    stopped there) that alone changes the image by more than `factor` x the walk's median step.
    No spacing can smooth such a step: the embedded model's 20-step sampler is chaotic there,
    and noise one float32 unit apart (t 2e-11 apart) still gives pictures 14 grey levels apart
    (seeds 8 and 9, 'a cat in a meadow', t = 0.913539), so the walk says where it jumps.
    Returns the indices k (into `path`) of the frames reached across one."""
    steps = [dist[i, j] for i, j in zip(path, path[1:])]
    median = float(np.median(steps))
    out = []
    for k, (i, j) in enumerate(zip(path, path[1:]), start=1):
        if any(ts[c + 1] - ts[c] <= MIN_WIDTH and dist[c, c + 1] > factor * median for c in range(i, j)):
            out.append(k)
    return out


def pick(dist: np.ndarray, frames: int) -> tuple[list[int], float]:
    """`frames` increasing indices from 0 to n-1 whose consecutive image distances are most even:
    of the least-squares path and the bottleneck paths, the one with the least largest step
    over median step. Returns (indices, that ratio)."""
    n = len(dist)
    if not 2 <= frames <= n:
        raise ValueError(f"frames must be in 2..{n} (the candidates), got {frames}")
    allowed = np.triu(np.ones((n, n), bool), 1)
    paths = [_least_squares(dist, frames, allowed), *_bottlenecks(dist, frames, allowed)]
    path = min(paths, key=lambda p: evenness(dist, p))
    return path, evenness(dist, path)


def splits(ts: list[float], dist: np.ndarray, frames: int, room: int) -> list[float]:
    """New points of t: the midpoints of the candidate steps larger than half an even walk's
    step, largest first, at most `room` of them. That step is what the candidates' summed steps
    give per frame once the cuts (steps shorter than MIN_WIDTH in t that still change the image
    more than that) each take one step of the walk."""
    steps = [dist[k, k + 1] for k in range(len(ts) - 1)]
    narrow = [ts[k + 1] - ts[k] <= MIN_WIDTH for k in range(len(steps))]
    step = sum(steps) / (frames - 1)
    cuts = [d for d, short in zip(steps, narrow) if short and d > step / 2]
    if cuts and len(cuts) < frames - 1:
        step = (sum(steps) - sum(cuts)) / (frames - 1 - len(cuts))
    for least in (step, step / 2):  # the steps larger than a whole step first: they hold the turns
        big = [(d, k) for k, d in enumerate(steps) if d > least and not narrow[k]]
        if big:
            return [(ts[k] + ts[k + 1]) / 2 for _, k in sorted(big, reverse=True)[:room]]
    return []


def even_walk(render_ts: Callable[[list[float]], list], frames: int, budget: int | None = None,
              per_round: int | None = None, goal: float = GOAL) -> tuple[list[float], list, dict]:
    """(ts, images, facts) of `frames` frames from t=0 to t=1 at about equal image distance.

    1. render the uniform walk (equal steps of t): when it is already even, it is the answer;
    2. while the picked frames' largest step is more than `goal` x their median and renders
       are left, render the midpoints of the largest candidate steps (one batched call a round);
    3. pick the frames among all candidates (both ends always). facts: renders, rounds, ratio,
       candidates, cuts (indices of frames reached across a cut) and ratio_between_cuts.
    """
    budget = budget_for(frames) if budget is None else check_budget(budget, frames)
    per_round = frames if per_round is None else per_round
    ts = [i / (frames - 1) for i in range(frames)]
    images = list(render_ts(ts))
    vectors = [pixels(im) for im in images]
    rounds = 0
    while True:
        dist = distances(vectors)
        path, ratio = pick(dist, frames)
        new = splits(ts, dist, frames, min(per_round, budget - len(ts))) if ratio > goal else []
        if not new:
            break
        rounds += 1
        for t, image in zip(new, render_ts(new)):
            k = int(np.searchsorted(ts, t))
            ts.insert(k, t)
            images.insert(k, image)
            vectors.insert(k, pixels(image))
    jumps = cuts(ts, dist, path)
    return ([ts[i] for i in path], [images[i] for i in path],
            {"renders": len(ts), "rounds": rounds, "ratio": ratio, "candidates": list(ts), "cuts": jumps,
             "ratio_between_cuts": evenness(dist, path, jumps)})
