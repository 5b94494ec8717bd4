"""Threats to a class sharing one Space, against the running app through its raw HTTP API.

A list to review; each test asserts what the user (or the script) reads back:
1. traversal and SSRF through file payloads
2. upload bombs: the file, a sketch's composite, its layers; odd images
3. text chunks: a PNG that used to freeze everyone, while /gradio_api/info keeps answering
4. markup in every echoed string (messages are escaped; the browser test checks no tag renders)
5. over-long fields
6. malformed raw-API payloads: wrong types, wrong shapes, wrong counts, not a list at all
7. fair sharing and limits: the cost cap, concurrency of image-decoding endpoints, disk cleanup
Unit-level versions: tests/test_security_units.py and tests/test_security_limits.py; seeded
fuzzing and the load test: tests/test_security_fuzz.py; in a browser: tests/test_security_browser.py.
"""
from __future__ import annotations

import io
import threading
import urllib.request

import pytest
from PIL import Image, PngImagePlugin

from playground.ui.shared import SETTINGS
from support import LOOKS_PER_CHARACTER, count_settings_reads, forbid_text_layout, serve_app, settings_for
from tools.fuzz_files import bomb_png
from tools.limits_bench import LONG_PARAMETERS, LONG_STATEMENT, LONG_TITLE
from tools.rawapi import RawAPI

MARKUP = '<img src="http://example.invalid/x.png">'


@pytest.fixture(scope="module")
def server(lab, tmp_path_factory, monkeypatch_module):
    root = tmp_path_factory.mktemp("security")
    monkeypatch_module.setenv("PLAYGROUND_TMP", str(root / "scratch"))
    monkeypatch_module.setenv("PLAYGROUND_STORE", str(root / "store"))
    with serve_app(lab) as url:
        yield url


@pytest.fixture(scope="module")
def monkeypatch_module():
    mp = pytest.MonkeyPatch()
    yield mp
    mp.undo()


@pytest.fixture
def api(server):
    client = RawAPI(server, timeout=120)
    yield client
    client.close()


def s(lab, **changes):
    return list(settings_for(lab, **changes).values())


def png(size=(32, 32), mode="RGB", **chunks) -> bytes:
    info = PngImagePlugin.PngInfo()
    for key, value in chunks.items():
        info.add_text(key.replace("_", "-"), value)
    buf = io.BytesIO()
    Image.new(mode, size, "red").save(buf, "PNG", pnginfo=info)
    return buf.getvalue()


def upload(api, data: bytes, name: str = "x.png") -> dict:
    return api.file(api.upload(name, data))


def message(api, endpoint: str, data) -> str:
    result = api.call(endpoint, data)
    assert result.kind in ("message", "http"), (result.kind, result.data)
    assert result.message
    return result.message


# ---------------------------------------------------------------- 1. traversal and SSRF
@pytest.mark.parametrize("path, says", [
    ("/etc/passwd", "not uploaded by a user"), ("../../../../etc/passwd", "not uploaded by a user"),
    ("http://169.254.169.254/latest/meta-data", "failed validation"),
    ("http://127.0.0.1:22/", "failed validation"),
], ids=["absolute path", "traversal", "cloud metadata", "loopback"])
def test_file_payloads_cannot_reach_outside_files_or_hosts(api, path, says):
    assert says in message(api, "img2img_check_upload", [{"path": path, "meta": {"_type": "gradio.FileData"}}, 64, 64])


def test_the_file_route_refuses_traversal(server):
    for route in ("gradio_api/file=/etc/passwd", "gradio_api/file=../../../../etc/passwd"):
        with pytest.raises(urllib.request.HTTPError) as e:
            urllib.request.urlopen(server + route, timeout=10)
        assert e.value.code in (403, 404)


# ---------------------------------------------------------------- 2. upload bombs and odd images
def test_a_file_over_20_mb_is_refused_at_the_door(api):
    import httpx

    with pytest.raises(httpx.HTTPStatusError) as e:
        api.upload("big.png", b"\0" * (20 * 2 ** 20 + 1))
    assert e.value.response.status_code == 413


@pytest.mark.parametrize("endpoint", ["img2img_check_upload", "read_params"])
def test_a_decompression_bomb_is_refused_from_its_header(api, endpoint):
    bomb = upload(api, bomb_png(50_000, 50_000))
    data = [bomb, 64, 64] if endpoint == "img2img_check_upload" else [bomb]
    assert "has more than 16,777,216 pixels" in message(api, endpoint, data)


def test_sketch_bombs_composite_and_layers(api, lab):
    small, bomb = upload(api, png()), upload(api, bomb_png(10_000, 10_000))
    run = ["canny", "1", "a house", 7, *s(lab)]
    said = message(api, "controlnet", ["Sketch", {"background": None, "layers": [], "composite": bomb}, None, *run])
    assert "'sketch composite' is 10000 x 10000 = 100,000,000 pixels; allowed 1 to 1,048,576" in said
    said = message(api, "controlnet", ["Sketch", {"background": None, "layers": [small] * 5, "composite": small},
                                       None, *run])
    assert "sketch: 5 layers; at most 4 are allowed" in said
    said = message(api, "controlnet", ["Sketch", {"background": bomb, "layers": [], "composite": small}, None, *run])
    assert "'sketch background' is 10000 x 10000" in said


def test_odd_images_get_their_own_message(api):
    frames = [Image.new("RGB", (8, 8), c) for c in ("red", "blue")]
    buf = io.BytesIO()
    frames[0].save(buf, "GIF", save_all=True, append_images=frames[1:])
    assert "animated (2 frames)" in message(api, "img2img_check_upload", [upload(api, buf.getvalue(), "a.gif"), 64, 64])
    assert "not an image Pillow can read" in message(api, "img2img_check_upload",
                                                    [upload(api, png()[:40]), 64, 64])


# ---------------------------------------------------------------- 3. text chunks
def test_a_long_parameters_chunk_is_read_in_one_walk_while_the_server_answers(api, server, monkeypatch):
    """The old regex backtracked 19.8 s over this chunk, holding the interpreter lock: the server
    (in this process) now reads it looking at each character a few times, and /gradio_api/info
    answers meanwhile. The seconds, against their budgets: `python -m tools.limits_bench --only app`."""
    reads = count_settings_reads(monkeypatch)
    answered = []

    def pulse():
        for _ in range(10):
            with urllib.request.urlopen(server + "gradio_api/info", timeout=30) as r:
                answered.append(r.status)

    heartbeat = threading.Thread(target=pulse)
    heartbeat.start()
    result = api.call("read_params", [upload(api, png(parameters=LONG_PARAMETERS))])
    heartbeat.join()
    assert result.kind == "ok" and answered == [200] * 10
    assert max(n for n, _ in reads) == len(LONG_PARAMETERS)
    assert all(n <= looks <= LOOKS_PER_CHARACTER * n for n, looks in reads), reads


def test_a_json_list_in_the_portfolio_chunk(api):
    said = message(api, "read_params", [upload(api, png(playground_portfolio="[1, 2]"))])
    assert "'playground-portfolio' chunk must hold a JSON object, got a list" in said


# ---------------------------------------------------------------- 4. markup in echoed strings
@pytest.mark.parametrize("endpoint, data, echoes", [
    ("read_params", lambda api, lab: [upload(api, png(parameters=f"a\nSteps: {MARKUP}, Seed: 1, CFG scale: 2"))],
     "infotext field 'Steps'"),
    ("triptych", lambda api, lab: ["a fox", "guidance_scale", f"1, {MARKUP}", 7, *s(lab)], "values must be numbers"),
    ("restore_settings", lambda api, lab: [{"prompt": "a", "seed": MARKUP}, "triptych"], "seed must be"),
    ("restore_settings", lambda api, lab: [{"prompt": "a"}, MARKUP], "is not in the list of choices"),
], ids=["png chunk", "typed values", "restored seed", "a dropdown value"])
def test_messages_that_echo_input_are_escaped(api, lab, endpoint, data, echoes):
    said = message(api, endpoint, data(api, lab))
    assert echoes in said and "<img" not in said and "&lt;img" in said


def test_matplotlib_math_in_a_bandit_variant(api, lab):
    assert api.call("bandit_start", ["a $\\frac{$ cat\na dog", *s(lab)]).kind == "ok"


# ---------------------------------------------------------------- 5. over-long fields
def test_over_long_fields_are_refused_with_their_limit(api, lab, monkeypatch):
    """The export refuses the long title and statement before laying out any text (the old code
    spent 15-68 s of CPU on each). The seconds: `python -m tools.limits_bench --only app`."""
    assert "prompt must be at most 2,000 characters" in message(
        api, "triptych", ["a" * 3000, "guidance_scale", "1", 7, *s(lab)])
    api.call("triptych", ["a fox", "seed", "1, 2, 3", 7, *s(lab)])
    api.call("triptych_add_all", ["", "", ""])  # the three notes
    laid_out = forbid_text_layout(monkeypatch)
    assert "title must be at most 120 characters, got 80,000" in message(
        api, "portfolio_export", [[0, 1, 2], LONG_TITLE, "s", "As made"])
    assert "statement must be at most 4,000 characters" in message(
        api, "portfolio_export", [[0, 1, 2], "t", LONG_STATEMENT, "As made"])
    assert laid_out == []


# ---------------------------------------------------------------- 6. malformed raw-API payloads
@pytest.mark.parametrize("endpoint, data, says", [
    ("restore_settings", lambda lab: [{"seed": "abc"}, "triptych"], "seed must be a whole number, got 'abc'"),
    ("restore_settings", lambda lab: [[1, 2], "triptych"], "settings must be a JSON object"),
    ("triptych", lambda lab: ["a fox", "seed", "1, 2", "abc", *s(lab)], "Seed (0 to 4294967295): expected"),
    ("triptych", lambda lab: ["a fox", "seed", "1, 2", 7], f"this endpoint takes {4 + len(SETTINGS)} inputs"),
    ("controlnet", lambda lab: ["Sketch", [1, 2], None, "canny", "1", "a", 7, *s(lab)],
     "Sketch: dark lines: malformed value"),
    ("seed_grid", lambda lab: ["a cat", "Random seeds", "many", "", *s(lab)],
     "How many random seeds: expected number, got 'many'"),
    ("portfolio_remove", lambda lab: [["x"]], "is not in the list of choices"),
    ("triptych", lambda lab: "not a list", "Input should be a valid list"),
], ids=["seed text", "settings list", "string seed", "too few inputs", "sketch list", "count text",
        "picked text", "data not a list"])
def test_malformed_payloads_get_a_message(api, lab, endpoint, data, says):
    assert says in message(api, endpoint, data(lab))


# ---------------------------------------------------------------- 7. fair sharing and limits
def test_one_request_may_not_hold_the_queue(api, lab):
    said = message(api, "seed_grid", ["a cat", "Typed list", 8, ", ".join(map(str, range(64))),
                                      *s(lab, num_inference_steps=50)])
    assert "64 images x 50 steps = 3200 image-steps; one request may use at most 640" in said


def test_image_decoding_endpoints_take_turns_and_files_expire(lab):
    import app
    from playground.ui.shared import IMAGE_CONCURRENCY, IMAGE_QUEUE

    demo = app.build_app(lab)
    by_name = {d.api_name: d for d in demo.fns.values()}
    for name in ("img2img_check_upload", "read_params", "portfolio_preview", "portfolio_export",
                 "triptych_send_to_img2img"):
        assert (by_name[name].concurrency_id, by_name[name].concurrency_limit) == (IMAGE_QUEUE, IMAGE_CONCURRENCY) == ("images", 1)
    assert demo.delete_cache and demo.delete_cache[1] <= 3600
    title = next(b for b in demo.blocks.values() if getattr(b, "elem_id", None) == "portfolio-title")
    assert title.max_length == 120
