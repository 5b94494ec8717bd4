"""gradio_client against the launched app on 127.0.0.1: every api_name, bad input, state survival."""
from __future__ import annotations


import numpy as np
import pytest
from PIL import Image

from playground.ui import catalog
from support import PANEL_TABS, PUBLIC_ENDPOINTS, SEED_TABS, SEND_TABS, serve_app, settings_for

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")


@pytest.fixture(scope="module")
def server(lab):
    with serve_app(lab) as url:
        yield url


@pytest.fixture(scope="module")
def files(tmp_path_factory, photo):
    folder = tmp_path_factory.mktemp("uploads")
    photo.save(folder / "photo.png")
    (folder / "notes.png").write_text("not an image at all")
    Image.effect_noise((64, 64), 40).convert("RGB").save(folder / "noise.png")
    data = (folder / "noise.png").read_bytes()
    (folder / "cut.png").write_bytes(data[: len(data) // 2])
    return folder


@pytest.fixture
def client(server):
    from gradio_client import Client
    return Client(server, verbose=False)


def _call(client, name, *args, **kwargs):
    return client.predict(*args, api_name=f"/{name}", **kwargs)


def _settings(lab):
    return settings_for(lab)


def _panel_count(outputs) -> int:
    """The portfolio's size after an add: its gallery's items (the badge is a button, which the
    API does not return)."""
    gallery = outputs[0]
    assert isinstance(gallery, list), str(outputs)[:300]
    return len(gallery)


def test_every_endpoint_answers(client, lab, files):
    """Each public api_name is called once. The model endpoints and their example calls come from
    the exercise descriptors, in the tabs' order; after each, the tab's result goes to the
    portfolio, which must grow by the panels the descriptor says the call makes."""
    from gradio_client import handle_file
    from gradio_client.exceptions import AppError

    s = settings_for(lab)
    photo = handle_file(str(files / "photo.png"))
    called = set()

    def call(name, *args, **kwargs):
        called.add(name)
        return _call(client, name, *args, **kwargs)

    # the inpainting canvas: the photo loaded into it, nothing painted (refused), then a square painted
    canvas = call("inpaint_load", photo, 1)
    unpainted = {"background": handle_file(canvas["background"]), "layers": [],
                 "composite": handle_file(canvas["composite"])}
    with pytest.raises(AppError, match="mask is empty"):
        call("inpaint", unpainted, "a car", "1.0", 2, **s)
    painted = Image.open(canvas["composite"]).convert("RGB")
    painted.paste((255, 0, 255), (100, 100, 250, 250))
    painted.save(files / "painted.png")
    placeholders = {"<photo>": photo, "<painted>": {**unpainted, "composite": handle_file(str(files / "painted.png"))}}

    # 1. every model endpoint, as its descriptor calls it, and the panels it leaves
    total = 0
    for ex in catalog.EXERCISES:
        for endpoint in ex.api:
            args = [placeholders.get(a, a) if isinstance(a, str) else a for a in endpoint.example]
            if endpoint.embedded_only:  # the tiny pipeline has no world classifier
                with pytest.raises(AppError, match="needs the embedded model"):
                    call(endpoint.name, *args, **s)
                continue
            assert call(endpoint.name, *args, **s), endpoint.name
            if ex.panels:
                now = _panel_count(call(f"{ex.id}_add_all"))
                made = s["num_inference_steps"] if endpoint.panels is None else endpoint.panels
                assert now - total == made, (endpoint.name, now - total, made)
                total = now
    assert total > 20
    # 2. small helpers
    assert call("model_defaults", lab.model)[0]["value"] == lab.defaults()["num_inference_steps"]
    assert call("triptych_values", "scheduler").startswith("DDIM")
    assert call("img2img_check_upload", photo, 64, 64)
    assert call("controlnet_detectors", lab.model, "Sketch")["value"] == "scribble"  # the net for drawings
    assert call("controlnet_detectors", lab.model, "Upload")["value"] == "canny"
    for tab in SEED_TABS:
        assert 0 <= call(f"{tab}_new_seed") <= 4294967295
    for tab in PANEL_TABS:
        with pytest.raises(AppError, match="click a panel"):  # selection is a browser click
            call(f"{tab}_add_selected")
    for tab in SEND_TABS:
        with pytest.raises(AppError, match="click a panel"):
            call(f"{tab}_send_to_img2img")
    # 3. the portfolio: preview, export, read back, restore, remove
    assert call("portfolio_preview", [0, 1, 2], "Title", "Statement.")
    piece, downloads = call("portfolio_export", [0, 1, 2], "Title", "Statement.")
    png = next(d for d in downloads if d.endswith(".png"))
    assert "parameters" in Image.open(png).info
    assert "parameters" in Image.open(piece).info  # the piece on the page is the exported PNG
    params = call("read_params", handle_file(png))
    first = catalog.EXERCISES[0].api[0].example
    # the first panel's prompt and seed (the first tab's example: its seed, or the first typed seed)
    assert params["prompt"] == first[0] and str(params["seed"]) in str(first), (params, first)
    restored = call("restore_settings", params, "img2img")
    assert any(isinstance(r, dict) and r.get("value") == first[0] for r in restored)
    assert _panel_count(call("portfolio_remove", [0])) == total - 1
    assert called == PUBLIC_ENDPOINTS, PUBLIC_ENDPOINTS - called


@pytest.mark.parametrize("name, make_args, message", [
    ("triptych", lambda f, s: ("", "guidance_scale", "1", 7), "prompt must be a non-empty"),
    ("triptych", lambda f, s: ("a fox", "guidance_scale", "1, 31", 7), "guidance_scale must be a number in 0..30"),
    ("triptych", lambda f, s: ("a fox", "seed", "1, -5", 7), "seed must be an integer in 0..4294967295"),
    ("seed_grid", lambda f, s: ("a cat", "Typed list", 8, "4294967296"), "seed must be an integer"),
    ("img2img", lambda f, s: (f("cut.png"), "a fox", "0.5", 7), "damaged|not an image"),
    ("img2img", lambda f, s: (f("photo.png"), "a fox", "0", 7), "strength"),
    ("controlnet", lambda f, s: ("Sketch", None, None, "canny", "1", "a", 7), "canvas is empty"),
    ("controlnet", lambda f, s: ("Upload", None, f("photo.png"), "canny", "5", "a", 7),
     "controlnet_conditioning_scale"),
    ("denoising", lambda f, s: ("a cat", 7, 99), "greater than maximum value"),  # the slider checks it
])
def test_bad_input_is_a_clear_error_and_the_app_keeps_serving(client, lab, files, name, make_args, message):
    from gradio_client import handle_file
    from gradio_client.exceptions import AppError

    args = make_args(lambda n: handle_file(str(files / n)), None)
    with pytest.raises(AppError, match=message):
        _call(client, name, *args, **_settings(lab))
    assert _call(client, "triptych_values", "seed") == "1, 2, 3"  # still serving


def test_non_image_upload_is_refused_by_type(client, lab, files):
    from gradio_client import handle_file
    from gradio_client.exceptions import AppError

    (files / "notes.txt").write_text("hello")
    with pytest.raises(AppError, match="file type|not an image"):
        _call(client, "img2img", handle_file(str(files / "notes.txt")), "a fox", "0.5", 7, **_settings(lab))
    with pytest.raises(AppError, match="not an image"):
        _call(client, "img2img", handle_file(str(files / "notes.png")), "a fox", "0.5", 7, **_settings(lab))


def test_portfolio_survives_a_failed_generation(client, lab):
    from gradio_client.exceptions import AppError

    s = _settings(lab)
    _call(client, "triptych", "a fox", "guidance_scale", "1, 5, 15", 7, **s)
    assert _panel_count(_call(client, "triptych_add_all")) == 3
    with pytest.raises(AppError):
        _call(client, "triptych", "a fox", "guidance_scale", "1, 99", 7, **s)
    # the failed run changed neither the portfolio nor the tab's last panels
    assert _panel_count(_call(client, "triptych_add_all")) == 6
    piece, downloads = _call(client, "portfolio_export", [0, 1, 2], "T", "S")
    assert len(downloads) == 3


def test_sessions_do_not_share_portfolios(server, lab):
    from gradio_client import Client

    a, b = Client(server, verbose=False), Client(server, verbose=False)
    _call(a, "triptych", "a fox", "seed", "1, 2, 3", 7, **_settings(lab))
    assert _panel_count(_call(a, "triptych_add_all")) == 3
    from gradio_client.exceptions import AppError
    with pytest.raises(AppError, match="nothing to add"):
        _call(b, "triptych_add_all")


def test_triptych_notes_reach_the_exported_zip(client, lab):
    import json
    import zipfile

    _call(client, "triptych", "a fox", "seed", "1, 2, 3", 7, **_settings(lab))
    _call(client, "triptych_add_all", "Panel one changed.", "", "Panel three changed.")
    _, downloads = _call(client, "portfolio_export", [0, 1, 2], "T", "S")
    zipped = next(d for d in downloads if d.endswith(".zip"))
    sidecar = json.loads(zipfile.ZipFile(zipped).read("portfolio.json"))
    assert [p["params"].get("note") for p in sidecar["panels"]] == ["Panel one changed.", None,
                                                                     "Panel three changed."]


def test_sketch_through_the_api(client, lab, tmp_path):
    from gradio_client import handle_file

    arr = np.full((96, 96, 3), 255, np.uint8)
    arr[40:46, 10:86] = 0
    Image.fromarray(arr).save(tmp_path / "sketch.png")
    sketch = {"background": None, "layers": [], "composite": handle_file(str(tmp_path / "sketch.png"))}
    cmap, panels = _call(client, "controlnet", "Sketch", sketch, None, "scribble", "1", "a house", 7,
                         **_settings(lab))
    assert len(panels) == 1 and np.asarray(Image.open(cmap)).max() == 255
