"""Where to put a walk's frames so that each step changes the picture about as much as the next.

Equal steps of t are equal steps of noise (slerp), not of the image: the embedded model keeps one
picture for a long stretch of the walk and then turns into another within a ten-thousandth of t
(a blurry scene snapping sharp, a sunset turning to noon: seeds 0 to 1 change by 34 grey levels
per pixel between t = 0.67081 and 0.67111, by a tenth per step of that size around it), and
some turns no cutting of t resolves (cuts): there the 20-step sampler is chaotic, and noise one
float32 unit apart still gives two different pictures. So an even walk renders the uniform walk,
then in rounds of one batched call each (ROUND points at least: a batch of 8 costs about 4 single
renders on a 2-core CPU) cuts the steps that change the picture most into several parts each,
until its frames can be picked at about equal image steps or its renders run out. It leaves a
step narrower than MIN_WIDTH that still holds the change around it as it is (a cut, named in the
result; no frame is picked between two of them), picks frames that leave no stretch of the walk
unshown (detours), and keeps both ends.

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
SHARE = 0.75  # a narrow step holding this much of the change around it is a cut (cut_steps)
PER_FRAME = 2  # renders per frame an even walk may use unless told (budget_for)
# A round's points at least (more with more frames). On the embedded model at 20 steps on a 2-core
# CPU a batch of 8 took 2.2 to 2.9 s and one render 0.53 to 0.74 s: 8 points cost what 4 halvings
# do. For a lone jump that is about even (its step cut in 9, against 16), but a round's points go
# to every large step at once, and a walk of a few full rounds takes a time its renders foretell.
ROUND = 8
MAX_BUDGET = 256
DISTANCE_SIDE = 128  # images are compared at most this big (mean differences barely change)


def check_spacing(spacing: str) -> str:
    if spacing not in SPACINGS:
        raise ValueError(f"spacing must be one of {', '.join(SPACINGS)}, got {spacing!r}")
    return spacing


def budget_for(frames: int) -> int:
    """Renders an even walk of `frames` frames may use unless told: PER_FRAME per frame, that is
    the uniform walk and one round as big (8 frames: 16 renders in two batched calls of 8, 4.5 to
    5.8 s of the embedded model at 20 steps on a quiet 2-core CPU, where the bisection before it
    took 14 to 20 s for its 32 renders in 20 calls). That round cuts a jump's step of t into 9
    and brackets the jump between two frames 1/63 of t apart; resolving a sharp turn to
    MIN_WIDTH, or finding it a cut, takes 3 rounds more (the Renders slider)."""
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


def cut_steps(ts: Sequence[float], dist: np.ndarray, frames: int) -> tuple[list[int], float]:
    """(the candidate steps k that are cuts, an even walk's image step). A cut is a step of t no
    wider than MIN_WIDTH that changes the image by more than half that step, which is what the
    candidates' summed steps give per frame once each cut takes one step of the walk, and that
    holds SHARE of the change from the candidate before it to the one after: cutting t finer
    did not spread it. A smooth turn cut that fine spreads over several steps, none holding it."""
    n = len(ts)
    steps = [dist[k, k + 1] for k in range(n - 1)]
    step = sum(steps) / (frames - 1)
    found = [k for k, d in enumerate(steps) if ts[k + 1] - ts[k] <= MIN_WIDTH and d > step / 2
             and d >= SHARE * dist[max(k - 1, 0), min(k + 2, n - 1)]]
    if found and len(found) < frames - 1:
        step = (sum(steps) - sum(steps[k] for k in found)) / (frames - 1 - len(found))
    return found, step


def inside_cuts(ts: Sequence[float], found: Sequence[int]) -> list[int]:
    """Candidates between two cuts with only steps narrower than MIN_WIDTH between them: there
    noise a hair apart flips between pictures, and frames picked there crowd (seeds 3 and 11:
    four of eight frames at t = 0.2908 to 0.2913). No frame is picked inside: the walk reaches
    across in one step, marked as a jump."""
    inside: set[int] = set()
    for a, b in zip(found, found[1:]):
        if all(ts[k + 1] - ts[k] <= MIN_WIDTH for k in range(a, b + 1)):
            inside.update(range(a + 1, b + 1))
    return sorted(inside)


def evenness(dist: np.ndarray, path: Sequence[int], skip: Sequence[int] = ()) -> float:
    """The walk's largest image step over its median step (1 = perfectly even); steps into the
    frames in `skip` (cuts) are left out of the largest, not of the median."""
    steps = [dist[i, j] for i, j in zip(path, path[1:])]
    kept = [d for k, d in enumerate(steps, start=1) if k not in skip] or [0.0]
    return max(kept) / max(float(np.median(steps)), 1e-9)


def crossed(path: Sequence[int], found: Sequence[int]) -> list[int]:
    """The picked frames reached across a cut (`found`, cut_steps). No spacing can smooth such a
    step: the embedded model's 20-step sampler is chaotic there, and noise one float32 unit
    apart (t 2e-11 apart) still gives pictures 14 grey levels apart (seeds 8 and 9, 'a cat in a
    meadow', t = 0.913539), so the walk says where it jumps. Returns indices k into `path`."""
    return [k for k, (i, j) in enumerate(zip(path, path[1:]), start=1) if any(i <= c < j for c in found)]


def detours(dist: np.ndarray) -> np.ndarray:
    """dist[i, j], or more where the walk between candidates i and j leaves both: the longest way
    from i to j through one candidate between them, d(i, k) + d(k, j). A step whose ends look
    alike but which skips a different picture (seeds 0 and 1 at 64 px, 10 steps: a quarter of
    the walk, 50 to 90 grey levels from both ends) costs as if it went there and back."""
    n = len(dist)
    out = dist.copy()
    for i in range(n - 2):
        through = dist[i][:, None] + dist  # through[k, j] = d(i, k) + d(k, j)
        through[: i + 1] = 0.0  # k strictly after i ...
        longest = np.maximum.accumulate(through, axis=0)  # ... and before j: row j - 1
        out[i, i + 2:] = np.maximum(dist[i, i + 2:], longest[np.arange(i + 1, n - 1), np.arange(i + 2, n)])
    return out


def pick(dist: np.ndarray, frames: int, skip: Sequence[int] = ()) -> tuple[list[int], float]:
    """`frames` increasing indices from 0 to n-1, none in `skip` (candidates inside cuts), whose
    steps are most even: the least sum of squared steps, each step counted as its detour (so no
    frame is spent on a near-copy of its neighbour while a stretch of the walk goes unshown).
    Returns (indices, their largest image step over their median step)."""
    n = len(dist)
    if not 2 <= frames <= n - len(skip):
        raise ValueError(f"frames must be in 2..{n - len(skip)} (the candidates), got {frames}")
    allowed = np.triu(np.ones((n, n), bool), 1)
    allowed[list(skip), :] = allowed[:, list(skip)] = False
    path = _least_squares(detours(dist), frames, allowed)
    return path, evenness(dist, path)


def splits(ts: list[float], dist: np.ndarray, frames: int, room: int) -> list[float]:
    """`room` new points of t or fewer, in order: the candidate steps are cut into equal parts of
    t, each point going to the step whose parts would stay largest in the image (a jump's step
    takes most of a round, quarters or eighths of it), so that a round is one full batch. Cuts
    (cut_steps) stay whole, and no part is made narrower than MIN_WIDTH / 2."""
    found, _ = cut_steps(ts, dist, frames)
    sizes = {k: dist[k, k + 1] for k in range(len(ts) - 1)
             if k not in found and dist[k, k + 1] > 0 and ts[k + 1] - ts[k] > MIN_WIDTH}
    parts = dict.fromkeys(sizes, 1)
    for _ in range(room):
        open_ = [k for k in sizes if (ts[k + 1] - ts[k]) / (parts[k] + 1) >= MIN_WIDTH / 2]
        if not open_:
            break
        parts[max(open_, key=lambda k: (sizes[k] / parts[k], -k))] += 1
    return sorted(ts[k] + (ts[k + 1] - ts[k]) * j / p for k, p in parts.items() for j in range(1, p))


def even_walk(render_ts: Callable[[list[float]], list], frames: int, budget: int | None = None,
              per_round: int | None = None, goal: float = GOAL) -> tuple[list[float], list, dict]:
    """(ts, images, facts) of `frames` frames from t=0 to t=1 at about equal image distance.

    1. render the uniform walk (equal steps of t): when it is already even, it is the answer;
    2. while the picked frames' largest step (cuts left out) is more than `goal` x their median
       and renders are left, cut the largest candidate steps into parts (splits): one batched
       call of up to `per_round` points a round (None: `frames` or ROUND, the larger);
    3. pick the frames among all candidates (both ends always, none inside cuts). facts: renders,
       rounds, ratio, candidates, cuts (indices of frames reached across a cut) and
       ratio_between_cuts.
    """
    budget = budget_for(frames) if budget is None else check_budget(budget, frames)
    per_round = max(frames, ROUND) if per_round is None else per_round
    ts = [i / (frames - 1) for i in range(frames)]
    images = list(render_ts(ts))
    vectors = [pixels(im) for im in images]
    rounds = 0
    while True:
        dist = distances(vectors)
        path, jumps = _picked(ts, dist, frames)
        ratio_between = evenness(dist, path, jumps)
        room = min(per_round, budget - len(ts))
        new = splits(ts, dist, frames, room) if ratio_between > goal and room > 0 else []
        if not new:
            break
        rounds += 1
        for t, image in zip(new, render_ts(new)):
            k = int(np.searchsorted(ts, t))
            ts.insert(k, t)
            images.insert(k, image)
            vectors.insert(k, pixels(image))
    return ([ts[i] for i in path], [images[i] for i in path],
            {"renders": len(ts), "rounds": rounds, "ratio": evenness(dist, path), "candidates": list(ts),
             "cuts": jumps, "ratio_between_cuts": ratio_between})


def _picked(ts: list[float], dist: np.ndarray, frames: int) -> tuple[list[int], list[int]]:
    """The frames picked among the candidates, and those of them reached across a cut."""
    found, _ = cut_steps(ts, dist, frames)
    inside = inside_cuts(ts, found)
    path, _ = pick(dist, frames, inside if len(ts) - len(inside) >= frames else [])  # too few left: all
    return path, crossed(path, found)
