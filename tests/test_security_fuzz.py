"""The seeded fuzzer and the load test, run small against the app on a tiny pipeline.

`python -m tools.fuzz` runs 10 000 of each outside the suite and
`python -m tools.load --students 30` the full class; here: 200 uploads and 200 raw-API
payloads (slow), and three students (integration). Every case must end with a result or a
message; the server must be alive at the end.
"""
from __future__ import annotations

import os

import pytest

from tools import fuzz, load, probe
from support import UI_STEPS, serve_app


@pytest.fixture(scope="module")
def server(lab, tmp_path_factory):
    root = tmp_path_factory.mktemp("fuzzed")
    mp = pytest.MonkeyPatch()
    mp.setenv("PLAYGROUND_TMP", str(root / "scratch"))
    mp.setenv("PLAYGROUND_STORE", str(root / "store"))
    with serve_app(lab) as url:
        yield url, root
    mp.undo()


@pytest.mark.slow
def test_200_fuzzed_uploads_and_200_fuzzed_payloads(server):
    url, _ = server
    tally = fuzz.fuzz(url, uploads=200, payloads=200, seed=0)
    print(fuzz.report(tally, 0))
    assert tally.counts["server alive at the end"] == 1
    assert not tally.failures, tally.failures[:5]
    assert tally.counts["message"] > 100 and tally.counts["answered"] > 20  # it reached the callbacks


def test_three_students_each_get_a_result_or_a_message(server, lab):
    url, root = server
    settings = dict(zip(("model", "negative_prompt", "num_inference_steps", "guidance_scale", "scheduler", "width",
                         "height", "upscale"), (lab.model, "", UI_STEPS, 5.0, "DDIM", 64, 64, "Off")))
    result = load.run(url, os.getpid(), [root], students=3, requests=2, settings=settings, seed=1, arrive_s=0,
                      cleanup_s=0, workdir=root)
    text = load.report(result)
    print(text)
    kinds = [o.kind for o in result["outcomes"]]
    assert len(kinds) == 6 and set(kinds) <= {"ok", "message"}, text
    assert "completed" in text and "peak RSS" in text and "temp folders" in text
    # serving time runs from the first request sent to the last answered, inside the whole run
    first = min(o.start for o in result["outcomes"])
    last = max(o.start + o.seconds for o in result["outcomes"])
    assert result["window"] == pytest.approx(last - first) and 0 < result["window"] <= result["wall"]


def test_the_tools_only_talk_to_this_machine():
    for url in ("http://example.com/", "http://10.0.0.1:7860/", "https://evil.invalid"):
        with pytest.raises(ValueError, match="must be on this machine"):
            probe.check_loopback(url)
    assert probe.check_loopback("http://127.0.0.1:7860") == "http://127.0.0.1:7860/"
