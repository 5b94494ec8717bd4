"""playground.uploads: every bad upload becomes one clear ValueError before decoding pixels."""
from __future__ import annotations

import struct
import zlib

import numpy as np
import pytest
from PIL import Image

from playground import uploads


def _png_header_only(path, width, height):
    """A tiny file claiming width x height pixels: a decompression bomb's header, no data."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 64))
                     + chunk(b"IEND", b""))
    return path


def test_rgb_png_passes_unchanged(tmp_path):
    Image.new("RGB", (40, 30), (10, 200, 30)).save(tmp_path / "ok.png")
    img, notes = uploads.load_image(str(tmp_path / "ok.png"))
    assert img.mode == "RGB" and img.size == (40, 30) and notes == []
    assert img.getpixel((5, 5)) == (10, 200, 30)


@pytest.mark.parametrize("pixels", [(50_000, 50_000), (4097, 4096), (1, 20_000_000)])
def test_bomb_refused_from_header(tmp_path, pixels):
    path = _png_header_only(tmp_path / "bomb.png", *pixels)
    assert path.stat().st_size < 200
    with pytest.raises(ValueError, match="pixels"):
        uploads.load_image(path)


def test_text_file_and_truncated_png(tmp_path):
    (tmp_path / "notes.png").write_text("this is not an image")
    with pytest.raises(ValueError, match="not an image"):
        uploads.load_image(tmp_path / "notes.png")
    Image.effect_noise((64, 64), 50).convert("RGB").save(tmp_path / "full.png")
    data = (tmp_path / "full.png").read_bytes()
    (tmp_path / "cut.png").write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match="damaged|not an image"):
        uploads.load_image(tmp_path / "cut.png")
    (tmp_path / "empty.png").write_bytes(b"")
    with pytest.raises(ValueError, match="empty"):
        uploads.load_image(tmp_path / "empty.png")
    with pytest.raises(ValueError, match="none given"):
        uploads.load_image(None)


def test_animated_gif_refused(tmp_path):
    frames = [Image.new("RGB", (16, 16), c) for c in ("red", "blue", "green")]
    frames[0].save(tmp_path / "anim.gif", save_all=True, append_images=frames[1:])
    with pytest.raises(ValueError, match="animated \\(3 frames\\)"):
        uploads.load_image(tmp_path / "anim.gif")


def test_cmyk_sixteen_bit_and_alpha_converted_with_notes(tmp_path):
    Image.new("CMYK", (8, 8), (0, 255, 255, 0)).save(tmp_path / "cmyk.jpg")
    img, notes = uploads.load_image(tmp_path / "cmyk.jpg")
    assert img.mode == "RGB" and any("CMYK" in n for n in notes)
    r, g, b = img.getpixel((4, 4))
    assert r > 200 and g < 60 and b < 60  # still red, not garbage
    wide = Image.fromarray(np.full((8, 8), 40000, dtype=np.uint16))
    wide.save(tmp_path / "wide.png")
    img, notes = uploads.load_image(tmp_path / "wide.png")
    assert img.mode == "RGB" and any("16-bit" in n for n in notes)
    assert abs(img.getpixel((0, 0))[0] - round(40000 / 257)) <= 1  # scaled, not clipped to 255
    Image.new("RGBA", (8, 8), (0, 0, 0, 0)).save(tmp_path / "clear.png")
    img, notes = uploads.load_image(tmp_path / "clear.png")
    assert img.getpixel((0, 0)) == (255, 255, 255) and any("transparent" in n for n in notes)


def test_float_image_refused():
    with pytest.raises(ValueError, match="floating-point"):
        uploads.load_image(Image.new("F", (8, 8)))


def test_file_too_large(tmp_path, monkeypatch):
    monkeypatch.setattr(uploads, "MAX_FILE_BYTES", 100)
    Image.effect_noise((64, 64), 50).convert("RGB").save(tmp_path / "big.png")
    with pytest.raises(ValueError, match="MB"):
        uploads.load_image(tmp_path / "big.png")


def test_sketch_empty_and_drawn():
    blank = np.zeros((64, 64, 4), dtype=np.uint8)  # a fully transparent canvas
    with pytest.raises(ValueError, match="sketch: the canvas is empty"):
        uploads.sketch_to_image(blank)
    with pytest.raises(ValueError, match="sketch"):
        uploads.sketch_to_image(np.full((64, 64, 3), 255, dtype=np.uint8))
    with pytest.raises(ValueError, match="sketch"):
        uploads.sketch_to_image(None)
    drawn = blank.copy()
    drawn[20:24, 5:60] = (0, 0, 0, 255)
    out = uploads.sketch_to_image(drawn)
    assert out.mode == "RGB" and out.getpixel((30, 22)) == (0, 0, 0) and out.getpixel((1, 1)) == (255, 255, 255)
