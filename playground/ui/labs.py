"""One Lab per picked model, held in memory while requests use it (ui/shared.py re-exports it)."""
from __future__ import annotations

import contextlib
import importlib.util
import sys
import threading

from playground.lab import Lab


def _zero_gpu() -> bool:
    """The `spaces` package exists only on Hugging Face Spaces (ZeroGPU)."""
    return "spaces" in sys.modules or importlib.util.find_spec("spaces") is not None



class Labs:
    """The Lab for the picked model. One pipeline in memory: picking another model frees the
    old one (Lab.switch_model), so two users on two models take turns, not 2x memory."""

    def __init__(self, lab=None):
        self._lab = lab
        self._lock = threading.Lock()
        # requests in flight on the current model (MODEL_SLOTS run side by side): a request for
        # another model waits until they are done, and newcomers wait behind it (no starving)
        self._serving = threading.Condition()
        self._inflight = 0
        self._pending = 0

    @contextlib.contextmanager
    def serving(self, model: str | None):
        """Hold the picked model in memory for one request; switch only when none is in flight."""
        with self._serving:
            while True:
                if not model or model == self.lab.model:
                    if not self._pending:
                        break
                    self._serving.wait()
                elif self._inflight == 0:
                    self.get(model)  # the switch: nobody is using the old one
                    self._serving.notify_all()
                    break
                else:
                    self._pending += 1
                    self._serving.wait()
                    self._pending -= 1
            self._inflight += 1
        try:
            yield
        finally:
            with self._serving:
                self._inflight -= 1
                self._serving.notify_all()

    @property
    def lab(self):
        with self._lock:
            if self._lab is None:
                self._lab = Lab()
            return self._lab

    def preload(self) -> threading.Thread:
        """Load the default model in the background while the first page is being served, so
        the first click does not wait for it (the pipeline lock makes a click wait, not reload).
        One 1-step image follows: on a CPU the first pipeline call costs several seconds more
        than the next ones (kernel set-up). On ZeroGPU no warm-up (no GPU exists outside
        spaces.GPU functions) and no background: the load finishes before the app serves, as
        each GPU call runs in a worker forked from this process (a load still under way there
        would be redone inside the call, against its time limit)."""
        def load():
            self.lab.preload(warm_up=not _zero_gpu())

        thread = threading.Thread(target=load, name="preload-model", daemon=True)
        thread.start()
        if _zero_gpu():  # each GPU call forks a worker: the weights must be in memory before the first
            thread.join()
        return thread

    def get(self, model: str | None):
        lab = self.lab
        if model and model != lab.model:
            with self._lock:
                lab.switch_model(model)
        return lab

    def load(self, model: str | None):
        """The Lab with `model` in memory (None: the current one), loaded here and now: the
        model picker and every pipeline callback call this outside the GPU wrapper (model_fn)."""
        lab = self.get(model)
        lab.preload(warm_up=False)
        return lab
