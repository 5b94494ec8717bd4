"""Threats to a class on one Space, checked without a server (issue 11). Read it as a list:

1. text chunks: a tiny PNG that freezes the server (regex backtracking), huge or malformed chunks
2. upload bombs in a sketch: a huge composite, a huge layer, 10 000 layers, blobs from the browser
3. markup in every echoed string: toasts render HTML
4. over-long fields: title, statement, prompt, note
5. malformed values: text where numbers go, a list where settings go, matplotlib math
6. fair sharing: one request's cost, the queue's ETA
7. disk and memory: scratch folders, gradio's files, idle sessions, the portfolio's cap
8. the saved portfolio: tokens that are paths, a reload, a restart, the disk budget
Each test asserts the message the user reads. The same threats against the running app:
tests/test_security_app.py; seeded fuzzing: tests/test_security_fuzz.py.
"""
from __future__ import annotations

import datetime
import io
import json
import random
import re
import threading
import time
import types

import gradio as gr
import numpy as np
import pytest
from PIL import Image, PngImagePlugin

from playground import infotext, scratch, uploads
from playground.export import export_all
from playground.panels import Panel, compose, read_params
from playground.params import check_cost, check_prompt
from playground.store import PortfolioStore
from playground.ui import bandit, fair, keep, panels, restore, shared, upkeep, values
from playground.ui.fuzz_files import bomb_png
from playground.ui.sketch import checked_sketchpad

A1111_REGEX = re.compile(r'\s*(\w[\w \-/]+):\s*("(?:\\.|[^\\"])+"|[^,]*)(?:,|$)')  # the old, backtracking one


def png_with(**chunks) -> bytes:
    info = PngImagePlugin.PngInfo()
    for key, value in chunks.items():
        info.add_text(key.replace("_", "-"), value)
    buf = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buf, "PNG", pnginfo=info)
    return buf.getvalue()


def panel(i=0, size=16) -> Panel:
    return Panel(Image.new("RGB", (size, size), (i % 256, 0, 0)), f"cell {i}", {"prompt": "a cat", "seed": i})


@pytest.fixture
def toasts(monkeypatch):
    """Every gr.Info / gr.Warning message, as the browser would receive it."""
    seen = []
    monkeypatch.setattr(gr, "Info", lambda message, *a, **k: seen.append(message))
    monkeypatch.setattr(gr, "Warning", lambda message, *a, **k: seen.append(message))
    return seen


# ---------------------------------------------------------------- 1. text chunks
@pytest.mark.parametrize("line", ["x" * 200_000, "ab: " * 50_000, 'k: "x, ' * 30_000, "-" * 100_000 + ":"],
                         ids=["no pairs", "empty values", "unclosed quotes", "no word"])
def test_settings_line_parses_in_linear_time(line):
    # The old regex took 1.2 s at 10 000 characters and 19.8 s at 40 000 (quadratic).
    start = time.perf_counter()
    infotext.settings_pairs(line)
    assert time.perf_counter() - start < 0.5


def test_a_40000_character_parameters_chunk_is_read_at_once():
    start = time.perf_counter()
    assert read_params(io.BytesIO(png_with(parameters="x" * 40_000)))["prompt"] == "x" * 40_000
    assert time.perf_counter() - start < 0.5


def test_the_linear_reader_finds_what_a1111s_regex_finds():
    rng = random.Random(11)
    alphabet = ['a', 'b', ' ', ':', ',', '"', '\\', '-', '/', '\n', '\t', 'é', '1', '_']
    for _ in range(20_000):
        line = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 14)))
        assert infotext.settings_pairs(line) == A1111_REGEX.findall(line), repr(line)


def test_text_chunks_past_the_cap_are_refused_by_name():
    with pytest.raises(ValueError, match=r"'parameters' text is 524,289 characters; the limit is 524,288"):
        read_params(io.BytesIO(png_with(parameters="x" * (infotext.MAX_TEXT_CHARS + 1))))


@pytest.mark.parametrize("chunks, message", [
    ({"playground_portfolio": "[1, 2]"}, "'playground-portfolio' chunk must hold a JSON object, got a list"),
    ({"playground_portfolio": '{"panels": "x"}'}, "'playground-portfolio' chunk has no panels"),
    ({"playground": "[" * 100_000}, "'playground' chunk is not valid JSON"),
    ({"playground": '{"params": [1]}'}, "'playground' chunk has no 'params' object"),
    ({"parameters": "a\nSteps: 1e999, Seed: 1, CFG scale: 2"}, "'Steps' must be a finite number, got '1e999'"),
])
def test_malformed_chunks_are_clear_errors(chunks, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        read_params(io.BytesIO(png_with(**chunks)))


def test_settings_found_must_be_showable(tmp_path):
    path = tmp_path / "big.png"
    path.write_bytes(png_with(playground=json.dumps({"params": {"prompt": "a", "seed": 2 ** 70}})))
    with pytest.raises(ValueError, match=r"settings.seed is 1180591620717411303424.*too large to show"):
        restore.read_saved(str(path))


# ---------------------------------------------------------------- 2. sketch bombs
def test_sketch_parts_are_checked_from_their_headers(tmp_path):
    bomb = tmp_path / "bomb.png"
    bomb.write_bytes(bomb_png(10_000, 10_000))
    with pytest.raises(ValueError, match=r"'sketch composite' is 10000 x 10000 = 100,000,000 pixels; "
                                         r"allowed 1 to 1,048,576 pixels \(1024 x 1024\)"):
        uploads.check_sketch(None, [], str(bomb))
    with pytest.raises(ValueError, match="'sketch layer 2' is 10000 x 10000"):
        uploads.check_sketch(None, [bomb_png(8, 8), bomb.read_bytes()], None)
    with pytest.raises(ValueError, match="sketch: 5 layers; at most 4 are allowed"):
        uploads.check_sketch(None, [bomb_png(8, 8)] * 5, None)


def test_an_array_sketch_is_measured_before_it_is_copied():
    huge = np.broadcast_to(np.zeros(4, np.uint8), (30_000, 30_000, 4))  # no memory behind it
    with pytest.raises(ValueError, match="'sketch' is 30000 x 30000"):
        uploads.sketch_to_image(huge)
    with pytest.raises(ValueError, match="sketch: expected an image"):
        uploads.sketch_to_image({"not": "an image"})


def _blob(blob_id, kind, data, index=None):
    return types.SimpleNamespace(data={"id": blob_id, "type": kind, "index": index}, files=[("f.png", data)])


def test_the_sketchpad_refuses_before_decoding_and_decodes_only_the_composite(tmp_path):
    from gradio.components.image_editor import EditorData
    from gradio.data_classes import FileData

    pad = checked_sketchpad(type="numpy", image_mode="RGBA", render=False)
    bomb = tmp_path / "bomb.png"
    bomb.write_bytes(bomb_png(30_000, 30_000))
    with pytest.raises(ValueError, match="'sketch composite' has more than 1,048,576 pixels"):
        pad.preprocess(EditorData(composite=FileData(path=str(bomb))))
    good = tmp_path / "good.png"
    Image.new("RGBA", (40, 30), (0, 0, 0, 255)).save(good)
    out = pad.preprocess(EditorData(background=FileData(path=str(good)), composite=FileData(path=str(good))))
    assert out["background"] is None and out["layers"] == [] and out["composite"].shape == (30, 40, 4)


def test_browser_blobs_are_checked_on_arrival_and_capped():
    from gradio.components.image_editor import EditorData

    pad = checked_sketchpad(type="numpy", image_mode="RGBA", render=False)
    pad.accept_blobs(_blob("a", "layer", bomb_png(8, 8), index=10 ** 9))  # gradio made a 10^9-long list
    assert "a" not in pad.blob_storage
    with pytest.raises(ValueError, match="a layer beyond the 4 allowed"):
        pad.preprocess(EditorData(id="a"))
    pad.accept_blobs(_blob("b", "composite", bomb_png(2000, 2000)))
    with pytest.raises(ValueError, match="'sketch composite' is 2000 x 2000"):
        pad.preprocess(EditorData(id="b"))
    with pytest.raises(ValueError, match="expired"):
        pad.preprocess(EditorData(id="never-sent"))


# ---------------------------------------------------------------- 3. markup in toasts
MARKUP = '<img src="http://example.invalid/x.png">'


def test_errors_are_escaped():
    def bad():
        raise ValueError(f"infotext field 'Steps' must be a finite number, got {MARKUP!r}")

    with pytest.raises(gr.Error) as e:
        shared.core_errors(bad)()
    assert "<img" not in e.value.message and "&lt;img src=" in e.value.message


def test_every_echoing_toast_is_escaped(toasts, tmp_path):
    Image.new("CMYK", (8, 8)).save(tmp_path / "<i onclick=x>.jpg")
    shared.checked_image(str(tmp_path / "<i onclick=x>.jpg"))  # the file name comes back in a note
    panels.warn_truncated([Panel(Image.new("RGB", (4, 4)), "", {"truncated": MARKUP * 50})])
    restore.checked({"scheduler": MARKUP})
    shared.info(MARKUP)
    assert len(toasts) == 4 and all("<" not in t for t in toasts), toasts
    assert "&lt;i onclick=x&gt;" in toasts[0] and len(toasts[1]) < 400


# ---------------------------------------------------------------- 4. over-long fields
@pytest.mark.parametrize("call, message", ids=["title", "statement", "export title", "prompt", "note"], argvalues=[
    (lambda: compose([panel()], title="t" * 80_000), "title must be at most 120 characters, got 80,000"),
    (lambda: compose([panel()], statement="s" * 300_000), "statement must be at most 4,000 characters"),
    (lambda: export_all([panel()], scratch.new_folder(), "t" * 121), "title must be at most 120"),
    (lambda: check_prompt("a" * 2001), "prompt must be at most 2,000 characters, got 2,001"),
    (lambda: panels.with_notes([panel()], ["n" * 1001]), "note 1 must be at most 1,000 characters"),
])
def test_over_long_fields_are_refused_at_once(call, message):
    start = time.perf_counter()
    with pytest.raises(ValueError, match=message):
        call()
    assert time.perf_counter() - start < 0.5  # the old code spent 15-68 s before failing silently


# ---------------------------------------------------------------- 5. malformed values
@pytest.mark.parametrize("params, message", [
    ({"seed": "abc"}, "seed must be a whole number, got 'abc'"),
    ([1, 2], "settings must be a JSON object"),
    ({"num_inference_steps": 1000}, "num_inference_steps must be an integer in 1..150"),
    ({"guidance_scale": [1]}, "guidance_scale must be a number, got \\[1\\]"),
    ({"width": 65}, "width must be a multiple of 8"),
    ({"prompt": 5}, "prompt must be a non-empty text"),
])
def test_restore_checks_every_setting(params, message):
    with pytest.raises(ValueError, match=message):
        restore.checked(params)


@pytest.mark.parametrize("value", ["abc", [1], {"a": 1}, None, "", 2.5, float("nan"), "1e400", True])
def test_whole_numbers_from_an_api_client(value):
    with pytest.raises(ValueError, match="seed must be a (whole )?number"):
        values.as_int(value, "seed")


def test_matplotlib_math_in_a_variant_label_is_plain_text():
    from playground.exercises.bandit import PromptBandit

    fig = bandit.posterior_figure(PromptBandit(["a $\\frac{$ cat", "a dog $x"]))
    fig.canvas.draw()  # mathtext used to fail here, after the callback, with no message
    assert "$\\frac{$" in fig.axes[0].get_legend().get_texts()[0].get_text().replace("\\$", "$")


# ---------------------------------------------------------------- 6. fair sharing
def test_one_request_has_a_cost_cap():
    assert check_cost(32, 20) == 640
    with pytest.raises(ValueError, match="64 images x 50 steps = 3200 image-steps; one request may use at most 640"):
        check_cost(64, 50)


def test_the_queue_clock_learns_per_endpoint_and_skips_the_first_slot():
    clock = fair.QueueClock()
    clock.record("seed_grid", 4, 60.0)  # the first slot waited for the model to load: left out
    for cost, seconds in [(16, 2.0), (32, 3.5), (16, 2.1)]:
        clock.record("seed_grid", cost, seconds)
    for _ in range(3):
        clock.record("triptych", 12, 1.5)
    assert clock.estimate("triptych", 12) == pytest.approx(1.5, rel=0.05)
    assert clock.estimate("seed_grid", 32) == pytest.approx(3.5, rel=0.1)


def test_eta_adds_up_each_waiting_requests_own_cost():
    clock, sent = fair.QueueClock(), []
    for i in range(3):
        clock.record("seed_grid", 8 * (i + 1), 1.0 * (i + 1) + 0.5)
    events = [types.SimpleNamespace(fn=types.SimpleNamespace(api_name="seed_grid"),
                                    data=types.SimpleNamespace(data=["a cat", "Random seeds", n, "", "m", "", 4, 5.0,
                                                                     "DDIM", 64, 64])) for n in (8, 2)]
    queue = types.SimpleNamespace(event_queue_per_concurrency_id={"model": types.SimpleNamespace(queue=events)},
                                  broadcast_estimations=None, process_events=None,
                                  send_message=lambda event, message: sent.append(message.rank_eta))
    costs = {"seed_grid": (lambda p, mode, count, s: values.as_int(count, "count"), 4, shared.SETTINGS)}
    fair.install_eta(queue, costs, clock)
    queue.broadcast_estimations("model")
    assert sent[0] == pytest.approx(clock.estimate("seed_grid", 32))
    assert sent[1] - sent[0] == pytest.approx(clock.estimate("seed_grid", 8))


# ---------------------------------------------------------------- 7. disk and memory
def test_scratch_folders_go_by_age(tmp_path, monkeypatch):
    monkeypatch.setenv(scratch.ROOT_ENV, str(tmp_path))
    old, new = scratch.new_folder(), scratch.new_folder()
    (old / "piece.png").write_bytes(b"x" * 1000)
    assert scratch.sweep(max_age=60, now=time.time() + 30) == 0
    import os
    os.utime(old, (time.time() - 3600, time.time() - 3600))
    assert scratch.sweep(max_age=60) == 1 and not old.exists() and new.exists()


def test_trim_deletes_the_oldest_files_first(tmp_path):
    files = []
    for i in range(4):
        f = tmp_path / f"{i}.bin"
        f.write_bytes(b"x" * 100)
        files.append(f)
        time.sleep(0.01)
    assert scratch.trim(files, 250) == [str(files[0]), str(files[1])]


def test_idle_sessions_are_forgotten():
    now = datetime.datetime.now()
    holder = types.SimpleNamespace(lock=threading.Lock(), session_data={"old": 1, "new": 2},
                                   time_last_used={"old": now - datetime.timedelta(hours=3), "new": now})
    assert upkeep.drop_idle_sessions(holder, 2 * 3600, now) == 1
    assert list(holder.session_data) == ["new"]


def test_the_portfolio_has_a_panel_and_byte_cap(toasts):
    with pytest.raises(ValueError, match="holds at most 48 panels and 48 MB of images; it has 48 panels"):
        panels.add_to_portfolio([panel(i) for i in range(48)], [panel()])
    with pytest.raises(ValueError, match=r"it has 45.0 MB and these panels add 3.4 MB"):
        panels.add_to_portfolio([panel(i, 1024) for i in range(15)], [panel(size=1088)])
    assert "(1 of 48)" in toasts[-1] if toasts else True


# ---------------------------------------------------------------- 8. the saved portfolio
def test_tokens_that_are_paths_never_reach_the_disk(tmp_path):
    store = PortfolioStore(tmp_path, persistent=True)
    for token in ("../../etc", "/etc/passwd", "a" * 32 + "/..", "", None, ["x"], "A" * 32):
        assert not store.valid(token)
        with pytest.raises(ValueError, match="32 hex digits"):
            store.save(token, [panel()])
    assert list(tmp_path.iterdir()) == []


def test_a_reload_and_a_restart_find_the_portfolio(tmp_path, toasts):
    store = PortfolioStore(tmp_path, persistent=True)
    token, owner, *_ = keep.reopen(store, "")  # a browser seen for the first time
    assert store.valid(token) and owner == token
    owned = types.SimpleNamespace(store=store)
    panels.commit(owned, token, [panel(i) for i in range(3)])
    again = keep.reopen(store, token)  # the page reloaded
    assert again[0] == token and [p.caption for p in again[2]] == ["cell 0", "cell 1", "cell 2"]
    assert toasts[-1] == "Your portfolio is back: 3 panels."
    restarted = PortfolioStore(tmp_path, persistent=True)  # a new process, the same disk
    assert [p.params["seed"] for p in restarted.load(token)] == [0, 1, 2]
    assert restarted.secret() == store.secret()  # the browser's encrypted token stays readable
    panels.commit(owned, token, [panel(1)])  # removing panels removes their files
    assert len(list((tmp_path / token).glob("*.png"))) == 1


def test_the_store_has_a_disk_budget_and_an_age_limit(tmp_path):
    store = PortfolioStore(tmp_path, persistent=True, total_max_bytes=2000)
    token = store.new_token()
    with pytest.raises(ValueError, match="portfolio storage is full"):
        store.save(token, [Panel(Image.effect_noise((64, 64), 80).convert("RGB"), "", {})])
    store.save(token, [panel()])
    assert store.sweep(now=time.time() + 31 * 86400) == 1 and store.load(token) == []
