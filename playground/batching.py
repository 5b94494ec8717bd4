"""Students batched together: pipeline calls from concurrent requests merged into one call.

A class mostly runs the same tab at the same settings, and on a CPU a batch of 8 images costs
per image about half of 8 calls of one. So when several requests are in flight at once (the
app lets a few model events run side by side, ui/shared.MODEL_SLOTS), each request's pipeline
call goes through its manager's Batcher, a group commit:

- a call that finds the model free runs at once, alone (nobody waits for company);
- calls that arrive while the model is busy wait; when it frees, the oldest waiting call runs
  together with every waiting call of the same kind (model task, scheduler, steps, size,
  strength, ...: everything but seed, prompts and, where the family takes one per image,
  guidance), up to the model's batch size, in arrival order;
- each image keeps its own generator, so it is the image it would have been alone (batched and
  lone calls differ by float summation order only: within 1/255, tests/test_batching.py);
- a merged call that fails is run again one request at a time, so each request gets its own
  result or its own error.

No request waits longer than it would have in a one-at-a-time queue plus the one batch it
joined. Calls with hooks into the pipeline (a trajectory's step callback, attention maps) or
ready-made embeddings never merge: they take the model's lock as they always did.
"""
from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence


def enabled() -> bool:
    """PLAYGROUND_BATCH_STUDENTS=0 turns merging off (the bench's 'off' run)."""
    return os.environ.get("PLAYGROUND_BATCH_STUDENTS", "1").strip().lower() not in ("0", "false", "no", "off")


@dataclass
class Job:
    key: tuple
    batch: list            # GenerationParams, one per image
    images: list | None    # one input image per params (img2img, ControlNet) or None
    run: Callable          # (batch, images) -> images: one pipeline call
    limit: int             # images per call (the model's batch size)
    result: list | None = None
    error: BaseException | None = None
    done: bool = False
    merged_with: int = 0   # how many other requests shared its call (0: ran alone)


@dataclass
class Batcher:
    """One per PipelineManager: its calls, requests and merged requests are counted (the bench)."""

    calls: int = 0          # pipeline calls made through it
    requests: int = 0       # requests served
    merged: int = 0         # requests that shared a call with another
    _cond: threading.Condition = field(default_factory=threading.Condition)
    _waiting: list = field(default_factory=list)
    _busy: bool = False

    def submit(self, key: tuple, batch: Sequence, images: Sequence | None,
               run: Callable[[list, list | None], list], limit: int) -> list:
        """The images of `batch` (one per params), made alone or in a merged call. `run` makes
        one call's images; calls of one key are interchangeable, so whichever thread finds the
        model free runs the oldest waiting group, its own job or not."""
        job = Job(key, list(batch), None if images is None else list(images), run, max(limit, len(batch)))
        with self._cond:
            self._waiting.append(job)
            while not job.done:
                if self._busy:
                    self._cond.wait()
                    continue
                group = self._take()
                self._busy = True
                self._cond.release()
                try:
                    self._run(group)
                finally:
                    self._cond.acquire()
                    self._busy = False
                    self._cond.notify_all()
        if job.error is not None:
            raise job.error
        return job.result  # type: ignore[return-value]

    def _take(self) -> list[Job]:
        """The oldest waiting job and the waiting jobs of its kind that fit beside it."""
        first = self._waiting[0]
        group, size = [first], len(first.batch)
        for job in self._waiting[1:]:
            if job.key == first.key and size + len(job.batch) <= first.limit:
                group.append(job)
                size += len(job.batch)
        for job in group:
            self._waiting.remove(job)
        return group

    def _run(self, group: list[Job]) -> None:
        run = group[0].run
        self.calls += 1
        self.requests += len(group)
        if len(group) > 1:
            self.merged += len(group)
        try:
            batch = [p for job in group for p in job.batch]
            images = None if group[0].images is None else [im for job in group for im in job.images]
            made = run(batch, images)
            start = 0
            for job in group:
                job.result, job.merged_with = made[start:start + len(job.batch)], len(group) - 1
                start += len(job.batch)
        except BaseException as exc:  # noqa: BLE001 - each request gets its own outcome
            if len(group) == 1:
                group[0].error = exc
            else:  # alone, one by one: one student's bad input must not fail the others
                for job in group:
                    try:
                        job.result = job.run(job.batch, job.images)
                    except BaseException as own:  # noqa: BLE001
                        job.error = own
                    self.calls += 1
        finally:
            for job in group:
                job.done = True


def merge_key(task: str, detector: str | None, first, per_image: Sequence[str], image: Any,
              call_extra: dict) -> tuple | None:
    """What must match for two requests' calls to merge; None: this call never merges."""
    if call_extra:  # ready-made embeddings, latents, scales per call: the caller's own
        return None
    fields = tuple((k, v) for k, v in sorted(first.to_dict().items()) if k not in per_image)
    size = None if image is None else tuple(getattr(im, "size", ()) for im in image)[:1]
    return (task, detector, fields, bool(first.negative_prompt), image is None, size)
