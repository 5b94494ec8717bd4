"""Seeded odd files for the fuzzer (ui/fuzz.py): every kind of upload a class or an attacker sends.

fuzz_file(rng) -> (file name, bytes). Kinds: valid images in every format and mode Pillow
writes, decompression-bomb headers, truncated and bit-flipped files, random bytes, text, empty
files, animations, PNGs with hostile text chunks (markup, 500 000 characters, JSON of the wrong
shape, A1111 lines with garbage values, math for matplotlib), EXIF comments, odd names.
"""
from __future__ import annotations

import io
import json
import random
import struct
import zlib

from PIL import Image, PngImagePlugin

FORMATS = {"PNG": ("1", "L", "LA", "P", "RGB", "RGBA", "I;16", "I"), "JPEG": ("L", "RGB", "CMYK"),
           "GIF": ("L", "P"), "BMP": ("1", "L", "P", "RGB"), "TIFF": ("1", "L", "RGB", "RGBA", "CMYK", "I;16", "F"),
           "WEBP": ("RGB", "RGBA"), "ICO": ("RGBA",)}
NAMES = ("photo.png", "a.jpg", "<img src=x onerror=alert(1)>.png", "x" * 200 + ".png", "no_extension",
         "notes.txt", "image.svg", "ünïcødé 图像.webp", "../../etc/passwd.png", "a.png.exe", ".png")
TEXTS = ("<img src=http://example.invalid/x>", "$\\frac{$", "x" * 40000, "a: " * 20000, "Steps: many, Seed: 1, CFG scale: 7",
         "Steps: 20, Sampler: <b>DDIM</b>, CFG scale: 7, Seed: -5, Size: 99999x1",
         "prompt\nNegative prompt: <script>\nSteps: 1e999, Seed: 1, CFG scale: nan", '"' * 5000, "\\" * 5000)
JSONS = ([1, 2], {"params": [1]}, {"panels": "x"}, {"panels": [{"params": {"seed": "abc"}}]}, None, "text",
         {"params": {"prompt": "<img src=x>", "seed": 2 ** 70}}, {"format": 1, "params": {}})


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def bomb_png(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims width x height pixels."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", zlib.compress(b"\0" * 64)) + _chunk(b"IEND", b"")


def image_bytes(rng: random.Random, fmt: str | None = None, size: tuple | None = None, pnginfo=None) -> bytes:
    fmt = fmt or rng.choice(list(FORMATS))
    mode = rng.choice(FORMATS[fmt])
    size = size or (rng.randint(1, 300), rng.randint(1, 300))
    # noise for small images; a large one is a gradient (cheap to make, to send and to compress)
    img = Image.effect_noise(size, rng.uniform(1, 100)).convert("L") if size[0] * size[1] <= 2 ** 20 \
        else Image.radial_gradient("L").resize(size)
    img = img.convert(mode) if mode not in ("I;16", "I", "F") else img.convert("I").convert(mode) if mode != "F" \
        else img.convert("F")
    buf = io.BytesIO()
    try:
        img.save(buf, fmt, **({"pnginfo": pnginfo} if pnginfo is not None and fmt == "PNG" else {}))
    except (OSError, ValueError, KeyError):  # a mode this format cannot hold: plain RGB instead
        buf = io.BytesIO()
        img.convert("RGB").save(buf, "PNG", **({"pnginfo": pnginfo} if pnginfo is not None else {}))
    return buf.getvalue()


def _text_png(rng: random.Random) -> bytes:
    info = PngImagePlugin.PngInfo()
    for _ in range(rng.randint(1, 3)):
        key = rng.choice(("parameters", "playground", "playground-portfolio", "Title"))
        value = rng.choice(TEXTS) if rng.random() < 0.5 else json.dumps(rng.choice(JSONS))
        if rng.random() < 0.1:
            value = "y" * rng.choice((500_000, 600_000))  # at and past the app's 512 KB cap
        info.add_text(key, value, zip=rng.random() < 0.5)
    return image_bytes(rng, "PNG", (rng.randint(1, 64), rng.randint(1, 64)), info)


def _exif_jpeg(rng: random.Random) -> bytes:
    img = Image.new("RGB", (16, 16), "red")
    exif = Image.Exif()
    comment = rng.choice((b"UNICODE\0" + rng.choice(TEXTS)[:20000].encode("utf-16-be"),
                          b"ASCII\0\0\0" + rng.randbytes(64), rng.randbytes(rng.randint(0, 300))))
    exif.get_ifd(0x8769)[0x9286] = comment
    buf = io.BytesIO()
    img.save(buf, rng.choice(("JPEG", "WEBP")), exif=exif)
    return buf.getvalue()


def _animated(rng: random.Random) -> bytes:
    frames = [Image.new("RGB", (16, 16), (rng.randrange(256), 0, 0)) for _ in range(rng.randint(2, 5))]
    buf = io.BytesIO()
    frames[0].save(buf, rng.choice(("GIF", "PNG", "WEBP")), save_all=True, append_images=frames[1:])
    return buf.getvalue()


def _damaged(rng: random.Random, data: bytes) -> bytes:
    if rng.random() < 0.5:
        return data[: rng.randint(0, max(len(data) - 1, 0))]
    data = bytearray(data)
    for _ in range(rng.randint(1, 20)):
        data[rng.randrange(len(data))] = rng.randrange(256)
    return bytes(data)


def fuzz_file(rng: random.Random) -> tuple[str, bytes, str]:
    """(name, bytes, kind) of one seeded odd upload."""
    kind = rng.choice(("valid", "bomb", "damaged", "random", "empty", "text", "animated", "chunks", "chunks",
                       "exif", "large"))
    if kind == "valid":
        data = image_bytes(rng)
    elif kind == "bomb":
        data = bomb_png(rng.choice((4097, 10_000, 30_000, 65_535, 2 ** 31 - 1)), rng.choice((1, 4096, 30_000)))
    elif kind == "damaged":
        data = _damaged(rng, image_bytes(rng))
    elif kind == "random":
        data = rng.randbytes(rng.randint(1, 5000))
    elif kind == "empty":
        data = b""
    elif kind == "text":
        data = rng.choice(TEXTS).encode()
    elif kind == "animated":
        data = _animated(rng)
    elif kind == "chunks":
        data = _text_png(rng)
    elif kind == "exif":
        data = _exif_jpeg(rng)
    else:  # allowed but large: the most pixels an upload may have, or a thin strip
        data = image_bytes(rng, "PNG", rng.choice(((4096, 4096), (4096, 16), (16, 4096), (2048, 2048))))
    name = rng.choice(NAMES) if rng.random() < 0.3 else "upload.png"
    return name, data, kind
