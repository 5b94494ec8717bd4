"""Students batched together (playground/batching.py) and guidance per image (playground/guidance.py):
calls that wait together merge, each image stays the one it would have been alone, a failure
stays with its own request, and nothing waits for company."""
import threading
import time

import pytest

from playground.batching import Batcher
from tests.conftest import PIXEL_TOLERANCE, max_diff


def wait_until(cond, timeout=10.0):
    end = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > end:
            raise AssertionError("timed out")
        time.sleep(0.005)


class Recorder:
    """A fake pipeline call: each image is (label, seed); the first call blocks until released."""

    def __init__(self, fail_on=None):
        self.calls, self.gate, self.fail_on = [], threading.Event(), fail_on

    def __call__(self, batch, images):
        self.calls.append(list(batch))
        if len(self.calls) == 1:
            self.gate.wait(10)
        if self.fail_on is not None and self.fail_on in batch:
            raise ValueError(f"seed {self.fail_on} is bad")
        return [f"image {b}" for b in batch]


def submit_all(batcher, run, jobs):
    """Each (key, batch) in its own thread, the first one started (and running) before the rest."""
    out, threads = {}, []

    def go(i, key, batch):
        try:
            out[i] = batcher.submit(key, batch, None, run, limit=6)
        except ValueError as e:
            out[i] = e
    for i, (key, batch) in enumerate(jobs):
        threads.append(threading.Thread(target=go, args=(i, key, batch)))
        threads[-1].start()
        if i == 0:
            wait_until(lambda: run.calls)  # the model is busy with the first
        else:  # the others queue in this order
            wait_until(lambda: len(batcher._waiting) == i)
    run.gate.set()
    for t in threads:
        t.join(10)
    return out


def test_calls_that_wait_together_merge_by_kind_and_size():
    batcher, run = Batcher(), Recorder()
    jobs = [("a", [1]), ("a", [2, 3]), ("b", [4]), ("a", [5, 6, 7]), ("a", [8, 9])]
    out = submit_all(batcher, run, jobs)
    # the first ran alone at once; then the oldest waiting (a: 2, 3) with the a's that fit (6 images)
    assert run.calls == [[1], [2, 3, 5, 6, 7], [4], [8, 9]]
    assert out == {i: [f"image {b}" for b in batch] for i, (_, batch) in enumerate(jobs)}  # each its own
    assert (batcher.calls, batcher.requests, batcher.merged) == (4, 5, 2)


def test_a_merged_call_that_fails_is_run_again_one_request_at_a_time():
    batcher, run = Batcher(), Recorder(fail_on=5)
    out = submit_all(batcher, run, [("a", [1]), ("a", [2]), ("a", [5]), ("a", [3])])
    assert run.calls[1] == [2, 5, 3] and run.calls[2:] == [[2], [5], [3]]
    assert out[1] == ["image 2"] and out[3] == ["image 3"]
    assert isinstance(out[2], ValueError) and "seed 5" in str(out[2])


def test_a_lone_call_runs_at_once():
    batcher = Batcher()
    start = time.monotonic()
    assert batcher.submit(("a",), [1, 2], None, lambda b, i: [x * 10 for x in b], limit=4) == [10, 20]
    assert time.monotonic() - start < 0.5 and batcher.merged == 0


def test_concurrent_requests_on_a_pipeline_merge_and_keep_their_pictures(lab):
    """Three students' grids while the model is busy: one call for the two that waited, and every
    picture equal to the same grid made alone."""
    prompts = [("a red square", [1, 2]), ("a blue circle", [3]), ("a red square", [4, 5, 6])]
    alone = [lab.seed_grid(p, seeds=s) for p, s in prompts]
    batcher, out = lab.manager.batcher, {}
    before = (batcher.calls, batcher.merged)

    def go(i, p, s):
        out[i] = lab.seed_grid(p, seeds=s)
    with lab.manager.lock:  # the model is busy: whoever comes now waits
        threads = [threading.Thread(target=go, args=(i, p, s)) for i, (p, s) in enumerate(prompts)]
        for i, t in enumerate(threads):  # the first leads (and waits for the lock), the others queue
            t.start()
            wait_until(lambda: len(batcher._waiting) == max(i, 0) and (i or batcher._busy))
    for t in threads:
        t.join(60)
    assert batcher.calls - before[0] == 2 and batcher.merged - before[1] == 2
    for (p, s), grid, ref in zip(prompts, [out[0], out[1], out[2]], alone):
        assert [c.params["seed"] for c in grid] == s and all(c.params["prompt"] == p for c in grid)
        assert max(max_diff(a.image, b.image) for a, b in zip(grid, ref)) <= PIXEL_TOLERANCE


def test_batching_off_runs_each_call_on_its_own(lab, monkeypatch):
    monkeypatch.setenv("PLAYGROUND_BATCH_STUDENTS", "0")
    before = lab.manager.batcher.calls
    lab.seed_grid("a cat", seeds=[1, 2])
    assert lab.manager.batcher.calls == before
    from playground.ui.shared import model_slots
    assert model_slots() == 1  # and the app runs model requests one at a time, as before


def test_a_model_switch_waits_for_the_requests_in_flight():
    from playground.ui.shared import Labs

    class FakeLab:
        model = "one"

        def switch_model(self, m):
            self.model = m

    labs, order = Labs(FakeLab()), []
    with labs.serving(None):
        t = threading.Thread(target=lambda: labs.serving("two").__enter__() or order.append(labs.lab.model))
        t.start()
        time.sleep(0.2)
        order.append("first done on " + labs.lab.model)
    t.join(5)
    assert order == ["first done on one", "two"]


@pytest.mark.slow
def test_guidance_scales_share_one_call_on_the_embedded_model():
    """A triptych of four guidance scales is one pipeline call (guidance per image), each panel
    within 1/255 of the same scale made alone (1 too: the formula's w = 1 is the prompt alone)."""
    from playground import Lab

    lab = Lab()
    lab.progress = False
    calls = []
    pipe_class = type(lab.manager.base)
    original = pipe_class.__call__

    def counting(self, *a, **k):
        calls.append(k.get("prompt"))
        return original(self, *a, **k)
    pipe_class.__call__ = counting
    try:
        panels = lab.triptych("a fox in a meadow", vary="guidance_scale", values=[0, 1, 2, 15], seed=5)
        assert len(calls) == 1 and len(calls[0]) == 4
        singles = [lab.generate("a fox in a meadow", seed=5, guidance_scale=g) for g in (0, 1, 2, 15)]
    finally:
        pipe_class.__call__ = original
    assert [p.params["guidance_scale"] for p in panels] == [0, 1, 2, 15]
    assert max(max_diff(a.image, b.image) for a, b in zip(panels, singles)) <= 1
    assert max_diff(panels[0].image, panels[3].image) > 30  # the scales did act


def test_with_several_slots_the_eta_is_the_models_pace_times_the_work_ahead():
    """Merged requests finish in waves: the queue is told the model's busy seconds per unit of
    cost times the work before each request (the running ones first), not slot times."""
    import types

    from playground.ui import fair

    clock, sent = fair.QueueClock(), []
    clock.completed(10, start=96.0, end=100.0)  # found the model idle: not the pace
    for i in range(4):  # then one completion a second, 10 image-steps each, the model always busy
        clock.completed(10, start=98.0 + i, end=101.0 + i)
    assert clock.pace() == pytest.approx(4 / 40)
    events = [types.SimpleNamespace(_id=f"e{i}", fn=types.SimpleNamespace(api_name="triptych", concurrency_id="model"),
                                    data=None) for i in range(3)]
    queue = types.SimpleNamespace(event_queue_per_concurrency_id={"model": types.SimpleNamespace(queue=events)},
                                  broadcast_estimations=None, process_events=None,
                                  send_message=lambda event, message: sent.append(message.rank_eta))
    fair.install_eta(queue, {}, clock, slots=4)
    clock.running = {"a": (5.0, 0.0, 20), "b": (5.0, 0.0, 20)}
    for _ in range(3):  # slot-time ETAs that were 2x short: that calibration must not touch the pace
        clock.outcome(told=5.0, waited=10.0)
    assert clock.scale() == 2.0
    queue.broadcast_estimations("model")
    pace = clock.pace()
    assert sent == pytest.approx([pace * (40 + 20), pace * (40 + 40), pace * (40 + 60)])


@pytest.mark.slow
def test_the_embedded_model_encodes_each_text_once_to_the_same_rows():
    """Prompts a class repeats are encoded once; the cached rows are diffusers' own encoding."""
    import torch

    from playground import Lab
    from playground.guidance import TrueGuidance

    pipe = Lab().manager.base
    cache = pipe.text_encoder.__dict__.setdefault("_lab_text_cache", {})
    cache.clear()
    cond, uncond = pipe.encode_prompt(["a cat", "a fox", "a cat"], "cpu", 1, True)
    assert set(cache) == {"a cat", "a fox", ""}
    own = super(TrueGuidance, pipe).encode_prompt(["a cat", "a fox", "a cat"], "cpu", 1, True)
    assert torch.allclose(cond, own[0], atol=1e-6) and torch.allclose(uncond, own[1], atol=1e-6)
    calls = []
    hook = pipe.text_encoder.register_forward_hook(lambda *a: calls.append(1))
    try:
        pipe.encode_prompt(["a fox", "a cat"], "cpu", 1, True)
        assert calls == []  # all three texts came from the cache
        pipe.encode_prompt(["a dog"], "cpu", 1, False)
    finally:
        hook.remove()
    assert len(calls) == 1 and "a dog" in cache
