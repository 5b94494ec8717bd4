"""Threats to a class on one Space, checked without a server (issue 11), part 1 of 2:

1. text chunks: a tiny PNG that froze the server (regex backtracking), huge or malformed chunks
2. upload bombs in a sketch: a huge composite, a huge layer, 10 000 layers, blobs from the browser
3. markup in every echoed string: toasts render HTML
4. over-long fields: title, statement, prompt, note
Part 2 (malformed values, fair sharing, disk and memory, the saved portfolio):
tests/test_security_limits.py. Each test asserts the message the user reads. The same threats
against the running app: tests/test_security_app.py; seeded fuzzing: tests/test_security_fuzz.py.
"""
from __future__ import annotations

import io
import json
import random
import re
import time
import types

import gradio as gr
import numpy as np
import pytest
from PIL import Image, PngImagePlugin

from playground import infotext, scratch, uploads
from playground.export import export_all
from playground.panels import Panel, compose, read_params
from playground.params import check_prompt
from playground.ui import panels, restore, shared
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
