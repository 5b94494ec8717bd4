"""Fair sharing of the one model queue: a cost cap per request and queue ETAs from that cost.

Every generation costs about images x denoising steps. params.check_cost refuses one request
past MAX_REQUEST_COST (measured: 64 cells x 50 steps held a class's queue for minutes).
gradio's own ETA multiplies each endpoint's *average* run time by the queue position, so a
64-seed grid behind three triptychs was announced as four triptychs: half the truth. Here a
slot's time is learned as `overhead + seconds_per_image_step x cost` from the runs themselves,
and each waiting request is estimated from its own cost, read from its raw inputs.
"""
from __future__ import annotations

import functools
import os
import statistics
import threading
import time
from collections import deque
from typing import Callable

from gradio.server_messages import EstimationMessage

from playground.params import GenerationParams, check_cost
from playground.ui.values import as_int, settings_kwargs

MODEL_QUEUE = "model"  # the concurrency id every pipeline event shares (one model, one run at a time)
DEFAULT_IMAGES = 1  # a model event that does not say how many images it makes
QUEUE_LIMIT = 64  # bounds the told-ETA book (shared.QUEUE_MAX_SIZE waiting requests at most)
SLOT_LOG = os.environ.get("PLAYGROUND_SLOT_LOG")  # a file: one line per model slot (endpoint, cost, seconds)


class QueueClock:
    """Seconds a model slot takes, learned from the last WINDOW slots as a_endpoint + b x cost:
    each endpoint has its own overhead (a grid's statistics cost more than a triptych's
    captions), all share the seconds per image-step b. Times are whole queue slots, as gradio
    holds them (preprocessing, the callback, postprocessing). The first slot after a start is
    left out: it waits for the model to load. Until it has seen runs it assumes the embedded
    model on a 2-core CPU. What slot times miss (gradio's own time between slots, clients
    fetching results on the same cores) is learnt from the queue's outcome: the ratio of each
    queued request's true wait to the ETA it was told, whose median scales later ETAs
    (measured: without it a class's ETAs were a third short on one run and over on the next)."""

    WINDOW = 40
    CALIBRATION = (0.5, 2.0)  # the scale stays within these: a few odd waits cannot run away

    def __init__(self, per_step: float = 0.06, overhead: float = 0.5):
        self.default = (overhead, per_step)
        self.samples: deque[tuple[str, float, float]] = deque(maxlen=self.WINDOW)
        self.skip = 1
        self.running: dict = {}  # event key -> (estimated seconds, start, cost) of each slot in use
        self.slots = 1  # model requests in flight at once (install_eta sets it)
        # With several slots, requests merge into batches and finish in waves: a slot's time then
        # says little about the queue. What does is the model's pace: busy seconds per unit of
        # cost, from the last completions (each one's busy time: since the previous completion,
        # or since its own start when the model had been idle).
        self.completions: deque[tuple[float, float]] = deque(maxlen=self.WINDOW)  # (busy seconds, cost)
        self._last_end = 0.0
        self._lock = threading.Lock()
        self._fit: tuple[float, dict] | None = None
        self.ratios: deque[float] = deque(maxlen=self.WINDOW)

    def record(self, api_name: str, cost: float, seconds: float) -> None:
        with self._lock:
            if self.skip:
                self.skip -= 1
                return
            self.samples.append((api_name, float(cost), float(seconds)))
            self._fit = None

    def outcome(self, told: float, waited: float) -> None:
        """A queued request waited `waited` s after being told `told` s (before scaling)."""
        if told > 0.5 and waited > 0:
            with self._lock:
                self.ratios.append(waited / told)

    def scale(self) -> float:
        with self._lock:
            if len(self.ratios) < 3:
                return 1.0
            low, high = self.CALIBRATION
            return min(max(statistics.median(self.ratios), low), high)

    def fit(self) -> tuple[float, dict]:
        """(b, {endpoint: a}) by least squares within endpoints (pooled when their costs never vary)."""
        with self._lock:
            if self._fit is None:
                self._fit = _fit(list(self.samples), self.default[1])
            return self._fit

    def estimate(self, api_name: str | None, cost: float) -> float:
        b, overheads = self.fit()
        a = overheads.get(api_name)
        if a is None:
            a = statistics.median(overheads.values()) if overheads else self.default[0]
        return max(a + b * max(float(cost), 0.0), 0.05)

    def completed(self, cost: float, start: float, end: float) -> None:
        with self._lock:
            if start < self._last_end:  # back to back: the model was busy in between
                self.completions.append((end - self._last_end, float(cost)))
            self._last_end = max(self._last_end, end)

    def pace(self) -> float | None:
        """Busy seconds per unit of cost over the last back-to-back completions (None before 4:
        a request that found the model idle says how long one request takes, not the pace)."""
        with self._lock:
            if len(self.completions) < 4:
                return None
            busy, cost = (sum(c[i] for c in self.completions) for i in (0, 1))
            return busy / cost if cost > 0 else None

    def remaining(self, now: float | None = None) -> float:
        """Seconds until a slot frees: 0 while one is free, else the soonest a running one ends."""
        running = list(self.running.values())
        if len(running) < self.slots:
            return 0.0
        now = now or time.monotonic()
        return min(max(estimate - (now - start), 0.05 * estimate) for estimate, start, _ in running)


def _fit(samples: list, default_b: float) -> tuple[float, dict]:
    """b from the runs of one endpoint at different costs (a grid of 4 and of 8 seeds); without
    such runs the prior b. Each endpoint's overhead is then its median residual, so an endpoint
    that always costs the same (a triptych) is estimated by its own median time."""
    groups: dict[str, list] = {}
    for api, c, s in samples:
        groups.setdefault(api, []).append((c, s))
    means = {api: (statistics.fmean(c for c, _ in g), statistics.fmean(s for _, s in g)) for api, g in groups.items()}
    sxx = sum((c - means[api][0]) ** 2 for api, c, _ in samples)
    sxy = sum((c - means[api][0]) * (s - means[api][1]) for api, c, s in samples)
    b = sxy / sxx if sxx > 1e-9 and sxy > 0 else default_b
    return b, {api: _trimmed_mean([s - b * c for c, s in g]) for api, g in groups.items()}


def _trimmed_mean(values: list[float]) -> float:
    """The mean without the largest value once there are three: one slow first run (matplotlib's
    import, a classifier's load) does not stick, yet a queue's sum is a sum of means: slot times
    are skewed, and adding medians made a class's ETAs short."""
    values = sorted(values)
    return statistics.fmean(values[:-1] if len(values) >= 3 else values)


def request_cost(images: Callable | None, args, steps) -> int:
    """images x steps of one request, checked against the cap (a ValueError past it)."""
    count = images(*args) if images is not None else DEFAULT_IMAGES
    return check_cost(count, as_int(steps, "num_inference_steps"))


def costed(fn: Callable, images: Callable | None, n_inputs: int) -> Callable:
    """`fn` with the cost cap checked before anything runs."""
    @functools.wraps(fn)
    def wrapper(*args, **settings):
        request_cost(images, args[:n_inputs], settings.get("num_inference_steps"))
        return fn(*args, **settings)
    return wrapper


def raw_cost(event, costs: dict) -> int | None:
    """The cost of a waiting event from its raw inputs (None when it cannot be read; 0 when the
    request will be refused at once: past the cap, or settings the Lab refuses)."""
    spec = costs.get(getattr(event.fn, "api_name", None))
    data = getattr(getattr(event, "data", None), "data", None)
    if spec is None or not isinstance(data, list):
        return None
    images, n_inputs, names = spec
    try:
        settings = dict(zip(names, data[n_inputs:], strict=True))
        GenerationParams(prompt="-", **settings_kwargs(**settings))
        return request_cost(images, data[:n_inputs], settings["num_inference_steps"])
    except (ValueError, TypeError, IndexError, KeyError, AttributeError, OverflowError):
        return 0  # a malformed request: it will fail at once, with its message


def _cost_or_default(cost: int | None) -> int:
    """A request's cost, or a default request's (one image at 20 steps) when it cannot be read."""
    return DEFAULT_IMAGES * 20 if cost is None else cost


def _estimate(event, costs: dict, clock: QueueClock) -> float:
    """Never raises: this runs inside gradio's queue, where an exception would stall the queue."""
    try:
        return clock.estimate(getattr(event.fn, "api_name", None), _cost_or_default(raw_cost(event, costs)))
    except (ValueError, TypeError, OverflowError, ZeroDivisionError, statistics.StatisticsError):
        return clock.default[0]


def install_eta(queue, costs: dict, clock: QueueClock, slots: int = 1) -> None:
    """Replace the queue's ETA broadcast for the model queue with per-request estimates, and
    time every model slot to learn from. `costs`: api_name -> (images function, number of
    positional inputs, names of the settings inputs that follow them). With `slots` requests in
    flight at once, a waiting request ends after the soonest running one, the requests ahead of it
    shared among the slots, and its own time."""
    clock.slots = max(1, slots)
    broadcast, process = queue.broadcast_estimations, queue.process_events
    told: dict[str, tuple[float, float]] = {}  # event id -> (when, raw ETA) first told, while queued

    def broadcast_estimations(concurrency_id: str, after: int | None = None) -> None:
        if concurrency_id != MODEL_QUEUE:
            return broadcast(concurrency_id, after)
        waiting = list(queue.event_queue_per_concurrency_id[concurrency_id].queue)
        ahead, now, pace = clock.remaining(), time.monotonic(), clock.pace()
        paced = clock.slots > 1 and pace is not None
        # The pace is the served rate itself, every overhead in it: the calibration learnt from
        # slot times would scale it twice (measured: a class's ETAs swung 30-79% off with it).
        scale = 1.0 if paced else clock.scale()
        if paced:  # the running requests end first (Little's law: a slot lasts slots / rate)
            ahead = pace * sum(c for _, _, c in list(clock.running.values()))
        for rank, event in enumerate(waiting):
            if paced:  # merged batches: the model's pace x the work
                own = pace * _cost_or_default(raw_cost(event, costs))
                eta, ahead = ahead + own, ahead + own
            else:  # one at a time (or no pace yet): each slot's own time
                own = _estimate(event, costs, clock)
                eta = ahead + own
                ahead += own / clock.slots
            key = getattr(event, "_id", id(event))
            if rank >= 1 and key not in told and not paced:  # the calibration learns slot-time ETAs only
                if len(told) >= 4 * QUEUE_LIMIT:  # cancelled events never come back: the oldest go
                    told.pop(next(iter(told)))
                told[key] = (now, eta)
            if after is None or rank >= after:
                queue.send_message(event, EstimationMessage(rank=rank, rank_eta=eta * scale, queue_size=len(waiting)))

    async def process_events(events, batch, begin_time, fn):
        if getattr(fn, "concurrency_id", None) != MODEL_QUEUE or not events:
            return await process(events, batch, begin_time, fn)
        start, cost, key = time.monotonic(), raw_cost(events[0], costs), object()
        clock.running[key] = (_estimate(events[0], costs, clock), start, _cost_or_default(cost))
        try:
            return await process(events, batch, begin_time, fn)
        finally:
            clock.running.pop(key, None)
            end = time.monotonic()
            if cost:  # a refused request (cost 0) says nothing about run times
                clock.record(fn.api_name, cost, end - start)
                clock.completed(cost, start, end)
            if SLOT_LOG:  # the benches read each slot's server time here
                with open(SLOT_LOG, "a", encoding="utf-8") as f:
                    f.write(f"{fn.api_name} {cost} {end - start:.4f}\n")
            first = told.pop(getattr(events[0], "_id", id(events[0])), None)
            if first and cost:
                clock.outcome(first[1], end - first[0])

    queue.broadcast_estimations = broadcast_estimations
    queue.process_events = process_events
