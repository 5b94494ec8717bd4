"""A panel made from a drawing, map or mask keeps them (playground/inputs.py): its PNG carries
them in `playground-<name>` chunks beside an unchanged `parameters`, the ZIP holds them as
panel_NN_<name>.png (named in its JSON), the PDF shows them captioned, and restore puts them
back into the tab, whose button then remakes the same panel. Reading them is reading an upload:
bounded, with a clear error."""
from __future__ import annotations

import base64
import io
import json
import zipfile

import gradio as gr
import numpy as np
import pytest
from PIL import Image, PngImagePlugin
from pypdf import PdfReader

from conftest import max_diff
from playground import inputs as inputs_module
from playground.export import export_pdf, export_png, export_zip, read_portfolio
from playground.inputs import MAX_PIXELS, chunk_name, read_inputs
from playground.panels import Panel, read_panel, to_infotext
from playground.ui import controlnet as controlnet_tab
from playground.ui import inpaint as inpaint_tab
from playground.ui import restore
from playground.ui.shared import SETTINGS, Labs, Shared
from support import UI_STEPS, settings_for

ROLES = {"controlnet": ("kind", "sketch", "upload", "detector", "scales"),
         "inpaint": ("source", "canvas", "strengths")}


def noise(size, mode="RGB", seed=0) -> Image.Image:
    rng = np.random.default_rng(seed)
    shape = (size[1], size[0]) + ((3,) if mode == "RGB" else ())
    return Image.fromarray(rng.integers(0, 256, shape, dtype=np.uint8), mode)


def square_mask(size=32) -> Image.Image:
    arr = np.zeros((size, size), np.uint8)
    arr[8:24, 4:20] = 255
    return Image.fromarray(arr, "L")


def made_panel(**inputs) -> Panel:
    params = {"prompt": "a house", "seed": 4, "num_inference_steps": 8, "guidance_scale": 5.0, "width": 64,
              "height": 64, "detector": "canny", "controlnet_conditioning_scale": 1.0}
    return Panel(noise((32, 32), seed=9), "canny 1", params, inputs)


def equal(a: Image.Image, b: Image.Image) -> bool:
    return a.mode == b.mode and a.size == b.size and np.array_equal(np.asarray(a), np.asarray(b))


def png_with_text(**chunks) -> bytes:
    info = PngImagePlugin.PngInfo()
    info.add_text("parameters", "a cat\nSteps: 4, Seed: 1, CFG scale: 5")
    for key, value in chunks.items():
        info.add_itxt(key, value, zip=True)
    buf = io.BytesIO()
    Image.new("RGB", (8, 8)).save(buf, format="PNG", pnginfo=info)
    return buf.getvalue()


def as_sent(editor: dict) -> dict:
    """An image editor's value as the page sends it back and the tab gets it (type="numpy"):
    restore gives the page PNG paths."""
    return {"background": np.asarray(Image.open(editor["background"])), "composite": np.asarray(
        Image.open(editor["composite"])), "layers": [np.asarray(Image.open(p)) for p in editor["layers"]]}


def b64_png(image: Image.Image, fmt: str = "PNG") -> str:
    buf = io.BytesIO()
    image.save(buf, format=fmt)
    return base64.b64encode(buf.getvalue()).decode("ascii")


# ---------------------------------------------------------------- the panel's own PNG
def test_the_png_carries_each_input_and_keeps_parameters_as_it_was(tmp_path):
    cmap, source = noise((32, 32), seed=1), noise((32, 32), seed=2)
    p = made_panel(control_image=source, control_map=cmap)
    path = p.save(tmp_path / "p.png")
    img = Image.open(path)
    assert img.info["parameters"] == to_infotext(p.params)  # what A1111 and friends parse: as it was
    assert img.info["parameters"] == Image.open(io.BytesIO(made_panel().to_bytes())).info["parameters"]
    assert {chunk_name("control_image"), chunk_name("control_map")} <= set(img.info)
    back = read_inputs(path)
    assert list(back) == ["control_image", "control_map"]
    assert equal(back["control_map"], cmap) and equal(back["control_image"], source)
    again = read_panel(path)
    assert equal(again.inputs["control_map"], cmap) and again.params == p.params


def test_a_mask_keeps_its_mode_and_a_big_picture_spans_several_chunks(tmp_path):
    big = noise((700, 700), seed=3)  # ~1.5 MB of PNG: its base64 passes one chunk's 1 MB
    p = made_panel(init_image=big, mask=square_mask())
    p.save(tmp_path / "p.png")
    img = Image.open(tmp_path / "p.png")
    assert chunk_name("init_image", 2) in img.info and chunk_name("mask", 2) not in img.info
    back = read_inputs(tmp_path / "p.png")
    assert equal(back["init_image"], big) and back["mask"].mode == "L" and equal(back["mask"], square_mask())


@pytest.mark.parametrize("inputs, says", [
    ({"sketch": Image.new("RGB", (4, 4))}, "'sketch' is not one of control_image"),
    ({"mask": "mask.png"}, r"inputs\['mask'\] must be a PIL.Image.Image, got str"),
    ({"mask": Image.new("P", (4, 4))}, r"inputs\['mask'\] must be in mode RGB or L, got P"),
    ([Image.new("L", (4, 4))], "inputs must be a dict of name -> image, got list"),
])
def test_a_panel_refuses_inputs_it_could_not_save(inputs, says):
    with pytest.raises(ValueError, match=says):
        made_panel(**inputs) if isinstance(inputs, dict) else Panel(Image.new("RGB", (4, 4)), "", {}, inputs)


def test_hostile_input_chunks_are_refused_with_the_chunk_and_the_limit(tmp_path, monkeypatch):
    def refused(**chunks) -> str:
        path = tmp_path / "hostile.png"
        path.write_bytes(png_with_text(**chunks))
        with pytest.raises(ValueError) as err:
            restore.read_dropped(str(path))  # what a drop on the page runs
        return str(err.value)

    name = chunk_name("control_map")
    assert "'playground-control_map' chunk is not base64 PNG data" in refused(**{name: "not base64!"})
    assert "must hold a PNG in mode RGB or L, got JPEG" in refused(**{name: b64_png(noise((8, 8)), "JPEG")})
    assert "got PNG P" in refused(**{name: b64_png(Image.new("P", (8, 8)))})
    side = int(MAX_PIXELS ** 0.5) + 1  # a black PNG is small; its pixels are not
    assert f"allowed 1 to {MAX_PIXELS:,} pixels" in refused(**{name: b64_png(Image.new("L", (side, side)))})
    parts = {chunk_name("mask", i): "A" * inputs_module.PART_CHARS for i in range(1, inputs_module.MAX_PARTS + 2)}
    assert f"the limit is {inputs_module.MAX_B64_CHARS:,}" in refused(**parts)
    monkeypatch.setattr(inputs_module, "MAX_BYTES", 100)
    assert "the limit is 100" in refused(**{name: b64_png(noise((16, 16)))})


# ---------------------------------------------------------------- ZIP, PDF and the piece's PNG
def test_the_zip_holds_each_input_as_a_file_its_json_names(tmp_path):
    cmap, source, mask = noise((32, 32), seed=1), noise((32, 32), seed=2), square_mask()
    panels = [made_panel(), made_panel(control_image=source, control_map=cmap), made_panel(init_image=source, mask=mask)]
    path = export_zip(panels, tmp_path / "piece.zip", "T", "S")
    zf = zipfile.ZipFile(path)
    assert {"panel_02_control_image.png", "panel_02_control_map.png", "panel_03_init_image.png",
            "panel_03_mask.png"} <= set(zf.namelist())
    assert not [n for n in zf.namelist() if n.startswith("panel_01_")]
    data = read_portfolio(path)
    assert "inputs" not in data["panels"][0]
    assert data["panels"][1]["inputs"]["control_map"] == {"file": "panel_02_control_map.png", "caption": "control map"}
    assert data["panels"][2]["inputs"]["mask"]["caption"] == "mask"
    for entry, panel in zip(data["panels"][1:], panels[1:]):
        for name, item in entry["inputs"].items():
            assert equal(Image.open(io.BytesIO(zf.read(item["file"]))), panel.inputs[name])
    # the panel PNGs inside carry them too, and the piece's PNG its first panel's
    assert equal(read_inputs(io.BytesIO(zf.read("panel_02.png")))["control_map"], cmap)
    first = export_png(panels[1:], tmp_path / "piece.png")
    assert equal(read_inputs(first)["control_map"], cmap)
    assert json.loads(zf.read("portfolio.json")) == data


def test_the_pdf_shows_the_inputs_captioned_under_their_panel(tmp_path):
    panels = [made_panel(), made_panel(control_image=noise((32, 32)), control_map=noise((32, 32), seed=1)),
              made_panel(init_image=noise((32, 32)), mask=square_mask())]
    reader = PdfReader(io.BytesIO(export_pdf(panels, tmp_path / "piece.pdf").read_bytes()))
    text = [page.extract_text() for page in reader.pages]
    images = [len(page.images) for page in reader.pages]
    assert "control map" not in text[1] and images[1] == 1  # a plain panel: its image alone
    assert "control image" in text[2] and "control map" in text[2] and images[2] == 3
    assert "picture" in text[3] and "mask" in text[3] and images[3] == 3


# ---------------------------------------------------------------- restore, at the function level
class FakeLab:
    def models(self, runnable=False):
        return {"tiny": "Tiny"}

    def defaults(self, model=None):
        return {"max_size": 256}

    def detectors(self, model=None):
        return ["canny", "scribble"]


def fake_shared() -> Shared:
    return Shared(labs=type("Labs", (), {"lab": FakeLab()})())


def tab_values(out: list, targets: dict, tab: str) -> dict:
    """The restore outputs of one tab's "inputs" widgets, by role."""
    i = 0
    for tab_id, widgets in targets.items():
        i += 1 + (widgets["seed"] is not None)
        roles = list(widgets.get("inputs", {}))
        if tab_id == tab:
            return dict(zip(roles, out[i:i + len(roles)]))
        i += len(roles)
    raise KeyError(tab)


def targets_of(*tabs) -> dict:
    return {t: {"prompt": "p", "seed": "s", "inputs": dict.fromkeys(ROLES.get(t, ()))} for t in tabs}


@pytest.mark.parametrize("detector, kind", [("canny", controlnet_tab.UPLOAD), ("scribble", controlnet_tab.SKETCH)])
def test_restore_puts_the_control_image_into_the_controlnet_tab(toasts, tmp_path, detector, kind):
    source = noise((32, 32), seed=2)
    p = made_panel(control_image=source, control_map=noise((32, 32)))
    p.params.update(detector=detector, controlnet_conditioning_scale=1.5)
    p.save(tmp_path / "p.png")
    params, images = restore.read_dropped(str(tmp_path / "p.png"))
    assert "control image and control map" in toasts[0]
    targets = targets_of("triptych", "controlnet", "inpaint")
    out = restore.restore(fake_shared(), targets, params, "controlnet", images)
    got = {k: v.get("value") for k, v in tab_values(out, targets, "controlnet").items()}
    assert got["kind"] == kind and got["detector"] == detector and got["scales"] == "1.5"
    assert equal(Image.open(got["upload"]), source)
    assert got["sketch"]["composite"] == got["sketch"]["background"] == got["upload"]  # PNG, not WebP
    assert all(v == gr.update() for v in tab_values(out, targets, "inpaint").values())  # only the chosen tab
    # into another tab: the prompt and seed only; without pictures: the settings only
    out = restore.restore(fake_shared(), targets, params, "triptych", images)
    assert all(v == gr.update() for v in tab_values(out, targets, "controlnet").values())
    out = restore.restore(fake_shared(), targets, params, "controlnet", {})
    assert all(v == gr.update() for v in tab_values(out, targets, "controlnet").values())


def test_a_detector_the_model_lacks_is_named_and_the_tab_keeps_its_own(toasts):
    images = {"control_image": noise((32, 32))}
    values = restore.controlnet_values(FakeLab(), {"detector": "depth"}, images, None)
    assert "detector" not in values and "kind" not in values and "upload" in values
    assert "detector depth" in toasts[-1] and "canny, scribble" in toasts[-1]
    with pytest.raises(ValueError, match="controlnet_conditioning_scale must be a number in 0..2"):
        restore.controlnet_values(FakeLab(), {"controlnet_conditioning_scale": 7}, images, None)
    with pytest.raises(ValueError, match="pictures are malformed"):
        restore.input_values(fake_shared(), "controlnet", {}, {"control_image": "x.png"}, None)


def test_the_restored_canvas_gives_the_tab_the_same_mask_even_over_paint_coloured_pixels():
    picture = np.asarray(noise((32, 32), seed=5)).copy()
    picture[10:14, 6:10] = (250, 10, 245)  # near the tab's magenta paint, inside the mask
    picture = Image.fromarray(picture)
    values = restore.inpaint_values({"strength": 0.75}, {"init_image": picture, "mask": square_mask()})
    assert values["source"] is picture and values["strengths"] == "0.75"
    assert all(str(path).endswith(".png") for path in (values["canvas"]["background"], *values["canvas"]["layers"]))
    assert equal(inpaint_tab.mask_from(values["source"], as_sent(values["canvas"])), square_mask())
    with pytest.raises(ValueError, match="the mask is 16 x 16, the picture 32 x 32"):
        restore.inpaint_values({}, {"init_image": picture, "mask": square_mask(16)})


# ---------------------------------------------------------------- on the tiny pipeline
def restored_call(lab, tmp_path, panel: Panel, tab: str):
    """Save the panel, drop its PNG, restore it into `tab`: (that tab's values by role, prompt,
    seed, the settings the model callback then gets)."""
    panel.save(tmp_path / "panel.png")
    params, images = restore.read_dropped(str(tmp_path / "panel.png"))
    targets = targets_of(tab)
    out = restore.restore(Shared(labs=Labs(lab)), targets, params, tab, images)
    settings = settings_for(lab)
    for name, update in zip(SETTINGS, out[2 + len(ROLES[tab]):]):
        settings[name] = update.get("value", settings[name])
    values = {k: v.get("value") for k, v in tab_values(out, targets, tab).items()}
    return values, out[0]["value"], out[1]["value"], settings


def test_a_controlnet_zip_holds_its_map_and_its_png_brings_it_back(lab, photo, tmp_path):
    result = lab.controlnet(photo, "a house on a hill", detector="canny", scales=[0.5, 1.0], seed=4,
                            num_inference_steps=UI_STEPS)
    cmap = result.control_map.image
    assert all(p.inputs["control_map"] is cmap for p in result)  # one map for the run's panels
    zf = zipfile.ZipFile(export_zip(list(result), tmp_path / "piece.zip"))
    for number in (1, 2):
        assert equal(Image.open(io.BytesIO(zf.read(f"panel_{number:02d}_control_map.png"))), cmap)
    result[1].save(tmp_path / "p.png")
    assert equal(read_inputs(tmp_path / "p.png")["control_map"], cmap)
    assert equal(read_panel(tmp_path / "p.png").inputs["control_map"], cmap)


@pytest.mark.parametrize("detector", ["canny", "scribble"])
def test_a_restored_controlnet_panel_is_remade_by_the_tabs_button(lab, photo, tmp_path, detector):
    made = lab.controlnet(photo, "a house on a hill", detector=detector, scales=[0.5, 1.5], seed=4,
                          num_inference_steps=UI_STEPS)[1]
    v, prompt, seed, settings = restored_call(lab, tmp_path, made, "controlnet")
    for kind in (controlnet_tab.UPLOAD, controlnet_tab.SKETCH):  # either source remakes the map
        cmap, _, panels = controlnet_tab.run_controlnet(Labs(lab), kind, as_sent(v["sketch"]), v["upload"], v["detector"],
                                                        v["scales"], prompt, seed, **settings)
        assert len(panels) == 1 and equal(cmap, made.inputs["control_map"])
        assert max_diff(panels[0].image, made.image) == 0 and panels[0].params == made.params


def test_a_restored_inpainting_panel_is_remade_by_the_tabs_button(lab, photo, tmp_path):
    mask = Image.new("L", photo.size)
    mask.paste(255, (16, 16, 48, 40))
    made = lab.inpaint(photo, mask, "a red car", strengths=[0.75, 1.0], seed=3, num_inference_steps=UI_STEPS)[0]
    assert set(made.inputs) == {"init_image", "mask"}
    v, prompt, seed, settings = restored_call(lab, tmp_path, made, "inpaint")
    _, panels = inpaint_tab.run_inpaint(Labs(lab), v["source"], as_sent(v["canvas"]), prompt, v["strengths"], seed,
                                        **settings)
    assert len(panels) == 1 and equal(panels[0].inputs["mask"], made.inputs["mask"])
    assert max_diff(panels[0].image, made.image) == 0 and panels[0].params == made.params
