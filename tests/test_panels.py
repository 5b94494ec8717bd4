"""Panel PNG metadata (A1111 infotext + JSON chunk), read_params and compose."""
import io
import json
import re

import numpy as np
import pytest
from PIL import Image, PngImagePlugin

from playground.panels import (Panel, compose, parse_infotext, read_panel, read_params,
                               to_infotext, wrap_text, load_font)

A1111 = ('a fox in a library\nNegative prompt: blurry, dark\nSteps: 25, Sampler: DPM++ 2M, '
         'Schedule type: Karras, CFG scale: 5.5, Seed: 987654321, Size: 512x768, Model hash: '
         '6ce0161689, Model: v1-5-pruned-emaonly, Version: v1.10.1')
# A1111's own settings-line pattern (modules/infotext_utils.py) to read our output as it would.
PARAM_RE = re.compile(r'\s*(\w[\w \-/]+):\s*("(?:\\.|[^\\"])+"|[^,]*)(?:,|$)')


def params(**kw):
    base = dict(prompt="a red car, on a city street", negative_prompt="blurry, dark",
                num_inference_steps=8, guidance_scale=6.5, scheduler="Euler a", width=128,
                height=128, seed=123, model="models/tiny-world")
    return {**base, **kw}


def solid(color, size=(128, 128)):
    return Image.new("RGB", size, color)


def settings_line(info):
    return {k.strip(): v.strip() for k, v in PARAM_RE.findall(info.strip().split("\n")[-1])}


def test_save_writes_a1111_infotext_and_json(tmp_path):
    p = Panel(solid((200, 30, 30)), "CFG 6.5", params(strength=0.5, metrics={"ssim": 0.42}))
    path = p.save(tmp_path / "sub" / "p.png")
    info = Image.open(path).info
    text = info["parameters"]
    lines = text.split("\n")
    assert lines[0] == "a red car, on a city street"
    assert lines[1] == "Negative prompt: blurry, dark"
    kv = settings_line(text)
    assert kv["Steps"] == "8" and kv["CFG scale"] == "6.5" and kv["Seed"] == "123"
    assert kv["Size"] == "128x128" and kv["Sampler"] == "Euler a"
    assert kv["Model"] == "models/tiny-world" and kv["Denoising strength"] == "0.5"
    data = json.loads(info["playground"])
    assert data["caption"] == "CFG 6.5" and data["params"]["metrics"] == {"ssim": 0.42}


def test_read_params_round_trip_prefers_json(tmp_path):
    original = params(strength=0.5, metrics={"ssim": 0.42}, controlnet_conditioning_scale=0.8,
                      detector="canny", seed=4294967295)
    path = Panel(solid((1, 2, 3)), "x", original).save(tmp_path / "p.png")
    assert read_params(path) == original
    assert read_params(Image.open(path)) == original
    assert read_params(io.BytesIO(path.read_bytes())) == original
    back = read_panel(path)
    assert back.caption == "x" and back.params == original and back.image.size == (128, 128)


def test_infotext_only_round_trip():
    p = params(scheduler="DPM++ 2M Karras", strength=0.75, controlnet_conditioning_scale=1.5,
               detector="scribble")
    back = parse_infotext(to_infotext(p))
    assert back == p


def test_numbers_written_as_given():
    assert "CFG scale: 7," in to_infotext(params(guidance_scale=7.0))
    assert "CFG scale: 6.5," in to_infotext(params(guidance_scale=6.5))
    assert isinstance(parse_infotext(to_infotext(params(guidance_scale=7.0)))["guidance_scale"], float)


def test_karras_written_new_style_and_read_both_styles():
    text = to_infotext(params(scheduler="DPM++ 2M Karras"))
    assert "Sampler: DPM++ 2M, Schedule type: Karras" in text
    old = "a cat\nSteps: 20, Sampler: DPM++ 2M Karras, CFG scale: 7, Seed: 1"
    assert parse_infotext(old)["scheduler"] == "DPM++ 2M Karras"
    for name in ("DDIM", "Euler", "Euler a", "DPM++ 2M", "UniPC", "PNDM"):
        assert parse_infotext(to_infotext(params(scheduler=name)))["scheduler"] == name
    assert "Sampler: PLMS" in to_infotext(params(scheduler="PNDM"))  # A1111's name for it


def test_commas_and_colons_quoted_as_json():
    text = to_infotext(params(model="org/model, v2: final"))
    assert 'Model: "org/model, v2: final"' in text
    assert settings_line(text)["Steps"] == "8"  # the quoted comma did not split the line
    assert parse_infotext(text)["model"] == "org/model, v2: final"


def test_parse_a1111_sample():
    r = parse_infotext(A1111)
    assert r["prompt"] == "a fox in a library" and r["negative_prompt"] == "blurry, dark"
    assert r["seed"] == 987654321 and r["num_inference_steps"] == 25
    assert r["guidance_scale"] == 5.5 and (r["width"], r["height"]) == (512, 768)
    assert r["scheduler"] == "DPM++ 2M Karras" and r["model"] == "v1-5-pruned-emaonly"
    assert r["extra"] == {"Model hash": "6ce0161689", "Version": "v1.10.1"}


def test_read_params_a1111_png_and_jpeg_exif(tmp_path):
    meta = PngImagePlugin.PngInfo()
    meta.add_text("parameters", A1111)
    solid((0, 0, 0), (64, 64)).save(tmp_path / "a.png", pnginfo=meta)
    assert read_params(tmp_path / "a.png")["seed"] == 987654321
    exif = Image.Exif()
    exif.get_ifd(0x8769)[0x9286] = b"UNICODE\0" + A1111.encode("utf-16-be")  # as piexif writes
    solid((0, 0, 0), (64, 64)).save(tmp_path / "a.jpg", exif=exif.tobytes())
    r = read_params(tmp_path / "a.jpg")
    assert r["negative_prompt"] == "blurry, dark" and r["height"] == 768


def test_multiline_prompt_and_prompt_without_settings():
    r = parse_infotext("line one\nline two\nNegative prompt: bad\nworse\nSteps: 4, Seed: 9, CFG scale: 2")
    assert r["prompt"] == "line one\nline two" and r["negative_prompt"] == "bad\nworse"
    assert parse_infotext("just a prompt") == {"prompt": "just a prompt"}


def test_missing_metadata_is_a_clear_error(tmp_path):
    solid((0, 0, 0)).save(tmp_path / "plain.png")
    with pytest.raises(ValueError, match="no generation parameters"):
        read_params(tmp_path / "plain.png")
    (tmp_path / "junk.png").write_bytes(b"not an image")
    with pytest.raises(ValueError, match="cannot read an image"):
        read_params(tmp_path / "junk.png")
    with pytest.raises(ValueError, match="infotext"):
        parse_infotext("a\nSteps: many, Seed: 1, CFG scale: 7")
    with pytest.raises(ValueError, match="image"):
        Panel("not an image", "c", {})


def panels(n, size=128):
    rng = np.random.default_rng(0)
    return [Panel(Image.fromarray(rng.integers(0, 255, (size, size, 3), dtype=np.uint8)),
                  f"CFG {i}", params(guidance_scale=float(i))) for i in range(n)]


def test_compose_grows_with_panels_and_upscales_small_images():
    one, three = compose(panels(1)), compose(panels(3))
    assert three.width > one.width and three.width >= 3 * 256  # 128 px cells upscaled to 256
    assert three.mode == "RGB" and three.getpixel((0, 0)) == (255, 255, 255)
    big = compose(panels(2, size=512))
    assert big.width >= 2 * 512 and big.width < 2 * 512 + 200  # not upscaled further


def test_compose_captions_and_labels_change_pixels():
    ps = panels(4)
    blank = [Panel(p.image, "", p.params) for p in ps]
    a = np.asarray(compose(blank, columns=2))
    b = np.asarray(compose(ps, columns=2))
    assert b.shape[0] > a.shape[0]  # caption rows add height
    labelled = np.asarray(compose(ps, columns=2, row_labels=["seed 1", "seed 2"], col_labels=["a", "b"]))
    assert labelled.shape[0] > b.shape[0] and labelled.shape[1] > b.shape[1]
    other = np.asarray(compose([Panel(p.image, "different words", p.params) for p in ps], columns=2))
    assert other.shape == b.shape and (other != b).any()


def test_compose_title_and_statement_add_height():
    ps = panels(3)
    plain = compose(ps)
    titled = compose(ps, title="Three guidance scales")
    statement = " ".join(["The prompt narrows the distribution."] * 30)  # ~150 words
    full = compose(ps, title="Three guidance scales", statement=statement)
    assert plain.height < titled.height < full.height
    assert full.width == titled.width


def test_compose_validates():
    with pytest.raises(ValueError, match="panels"):
        compose([])
    with pytest.raises(ValueError, match="columns"):
        compose(panels(2), columns=3)
    with pytest.raises(ValueError, match="row_labels"):
        compose(panels(4), columns=2, row_labels=["one"])
    with pytest.raises(ValueError, match="col_labels"):
        compose(panels(4), columns=2, col_labels=["a", "b", "c"])


def test_wrap_text_respects_width():
    font = load_font(16)
    lines = wrap_text("a " * 40 + "supercalifragilisticexpialidocious" * 3, font, 120)
    assert len(lines) > 3 and all(font.getlength(line) <= 120 for line in lines)
