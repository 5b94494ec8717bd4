"""Threats to a class sharing one Space, checked without a server, part 1 of 2:

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
import types

import gradio as gr
import numpy as np
import pytest
from PIL import Image

from playground import infotext, uploads
from playground.panels import Panel, read_params
from playground.ui import panels, restore, shared
from playground.ui.sketch import checked_sketchpad
from support import LOOKS_PER_CHARACTER, CountingText, count_settings_reads, forbid_text_layout
from tools.fuzz_files import bomb_png
from tools.limits_bench import LONG_PARAMETERS, SETTINGS_LINES, over_long_calls, png_with

A1111_REGEX = re.compile(r'\s*(\w[\w \-/]+):\s*("(?:\\.|[^\\"])+"|[^,]*)(?:,|$)')  # the old, backtracking one


# ---------------------------------------------------------------- 1. text chunks
# What the reader makes of each hostile line (A1111's regex agrees on shorter ones of each kind).
HOSTILE_PAIRS = {"no pairs": [], "empty values": [("ab", "ab: " * 49_999)], "unclosed quotes": [], "no word": []}


@pytest.mark.parametrize("name", SETTINGS_LINES)
def test_settings_line_reader_looks_at_each_character_a_bounded_number_of_times(name):
    """The old regex backtracked quadratically (1.2 s at 10 000 characters, 19.8 s at 40 000);
    the reader walks the line once: every character looked at, none more than a few times. A
    reader that goes round the count (a regex) looks at nothing, and fails here too. The seconds,
    against their budget: `python -m tools.limits_bench --only readers`."""
    line = SETTINGS_LINES[name]
    text = CountingText(line)
    assert infotext.settings_pairs(text) == HOSTILE_PAIRS[name]
    assert len(line) <= text.looks <= LOOKS_PER_CHARACTER * len(line), (len(line), text.looks)


def test_a_quadratic_reader_fails_the_count():
    """The count sees a reader that looks back over the whole line at every colon."""
    def rescanning(line):  # the key of each colon, looked for from the start of the line
        return [line[:i].rsplit(",", 1)[-1].strip() for i in range(len(line)) if line[i] == ":"]

    text = CountingText("ab: " * 1000)
    rescanning(text)
    assert text.looks > LOOKS_PER_CHARACTER * len(text)


def test_a_40000_character_parameters_chunk_is_read_in_one_walk(monkeypatch):
    reads = count_settings_reads(monkeypatch)
    assert read_params(io.BytesIO(png_with(parameters=LONG_PARAMETERS)))["prompt"] == LONG_PARAMETERS
    assert max(n for n, _ in reads) == len(LONG_PARAMETERS)
    assert all(n <= looks <= LOOKS_PER_CHARACTER * n for n, looks in reads), reads


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
@pytest.mark.parametrize("field, message", [
    ("title", "title must be at most 120 characters, got 80,000"),
    ("statement", "statement must be at most 4,000 characters"),
    ("export title", "title must be at most 120"),
    ("prompt", "prompt must be at most 2,000 characters, got 2,001"),
    ("note", "note 1 must be at most 1,000 characters"),
])
def test_over_long_fields_are_refused_before_any_text_is_laid_out(monkeypatch, field, message):
    """The old code wrapped the text first (15-68 s of CPU) and then failed silently. The
    seconds, against their budget: `python -m tools.limits_bench --only refusals`."""
    laid_out = forbid_text_layout(monkeypatch)
    with pytest.raises(ValueError, match=message):
        over_long_calls()[field]()
    assert laid_out == []
