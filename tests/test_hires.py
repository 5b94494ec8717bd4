"""Bigger pictures: Lab.upscale, the hires lesson's four panels, and the shared "Upscale results"
setting that every tab's panels honour (on conftest's tiny Lab, whose upscaler is a random
Real-ESRGAN Compact file that spandrel loads like a real one)."""
from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from playground.infotext import parse_infotext, to_infotext
from playground.ui import hires as tab
from playground.ui import catalog, restore, triptych
from playground.ui.shared import Labs
from support import settings_for


def test_upscale_makes_the_panel_bigger_and_records_it(lab):
    panel = lab.generate("a red car", seed=1)
    for method in ("model", "bicubic", "nearest"):
        big = lab.upscale(panel, 2, method=method)
        assert big.image.size == (2 * panel.image.width, 2 * panel.image.height)
        assert big.params["hires_upscale"] == 2 and big.params["seed"] == 1 and big.params["prompt"] == "a red car"
    assert big.params["hires_upscaler"] == "nearest" and big.caption == "seed 1 · x2 nearest"
    # nearest is the pixels repeated: every 2 x 2 block is one of the original's pixels
    assert np.array_equal(np.asarray(big.image)[::2, ::2], np.asarray(panel.image.convert("RGB")))
    four = lab.upscale(panel, 4)  # the x2 network twice
    assert four.image.size == (4 * panel.image.width,) * 2 and four.params["hires_upscaler"].endswith("-x2")
    assert lab.upscale(panel, 1) is panel


def test_upscale_refuses_what_it_cannot_do(lab):
    panel = lab.generate("a red car", seed=1)
    with pytest.raises(ValueError, match="upscale factor must be one of 1, 2, 4, got 3"):
        lab.upscale(panel, 3)
    with pytest.raises(ValueError, match="method must be one of nearest, bicubic, model"):
        lab.upscale(panel, 2, method="lanczos")
    huge = panel.__class__(Image.new("RGB", (512, 512)), "big", {})
    with pytest.raises(ValueError, match="largest side allowed is 1024"):
        lab.upscale(huge, 4)


def test_the_infotext_says_what_a1111_says():
    text = to_infotext({"prompt": "a cat", "seed": 3, "hires_upscale": 2, "hires_upscaler": "tiny-world-x2"})
    assert text.endswith("Seed: 3, Hires upscale: 2, Hires upscaler: tiny-world-x2")
    back = parse_infotext(text)
    assert back["hires_upscale"] == 2 and back["hires_upscaler"] == "tiny-world-x2" and "extra" not in back


def test_hires_gives_four_captioned_panels_of_one_seed(lab):
    panels = lab.hires("a red car", seed=4, factor=2, strength=0.3)
    base = lab.generate("a red car", seed=4)
    assert [p.caption.split(" ")[1] for p in panels][:2] == ["nearest", "bicubic"]
    assert panels[3].caption == "x2 hires fix 0.3" and panels[2].caption == "x2 tiny-sd1.x-x2"
    assert all(p.image.size == (128, 128) and p.params["seed"] == 4 and p.params["hires_upscale"] == 2
               for p in panels)
    assert np.array_equal(np.asarray(panels[0].image)[::2, ::2], np.asarray(base.image))  # the same seed
    assert panels[3].params["strength"] == 0.3 and "strength" not in panels[2].params
    # the fix repaints: it is not the upscaler's picture, and a stronger fix moves further from it
    upscaled = np.asarray(panels[2].image, np.float32)
    light = np.abs(np.asarray(panels[3].image, np.float32) - upscaled).mean()
    strong = np.abs(np.asarray(lab.hires("a red car", seed=4, strength=0.8)[3].image, np.float32) - upscaled).mean()
    assert 0 < light < strong


@pytest.mark.parametrize("kwargs, message", [
    (dict(factor=3), "upscale factor must be one of 1, 2, 4"),
    (dict(factor=1), "factor must be 2 or 4"),
    (dict(strength=0.9), r"strength must be a number in 0.05..0.8"),
])
def test_hires_refuses_before_any_work(lab, kwargs, message):
    with pytest.raises(ValueError, match=message):
        lab.hires("a red car", seed=1, **kwargs)


def test_where_the_model_cannot_paint_that_big_there_is_no_fix(lab):
    panels = lab.hires("a red car", seed=1, factor=4)  # 64 -> 256 px, past the tiny model's 128
    assert [p.caption for p in panels] == ["x4 nearest", "x4 bicubic", "x4 tiny-sd1.x-x2"]
    assert all(p.image.size == (256, 256) for p in panels)


def test_the_shared_upscale_is_refused_before_any_generation(lab, monkeypatch):
    calls = []
    monkeypatch.setattr(type(lab), "triptych", lambda *a, **k: calls.append(1))
    with pytest.raises(ValueError, match="largest side allowed is 1024"):
        triptych.run_triptych(Labs(lab), "a fox", "seed", "1", 7, **settings_for(lab, upscale="x4", width=512))
    assert calls == []


def test_the_tab_returns_the_four_panels(lab):
    gallery, panels = tab.run_hires(Labs(lab), "a red car", 2, 2, 0.3, **settings_for(lab, upscale="x2"))
    assert len(gallery) == len(panels) == 4 and panels[0].image.size == (128, 128)  # not upscaled twice


def test_the_shared_setting_upscales_every_tabs_panels(lab):
    labs = Labs(lab)
    _, plain = triptych.run_triptych(labs, "a fox", "seed", "1, 2", 7, **settings_for(lab))
    _, big = triptych.run_triptych(labs, "a fox", "seed", "1, 2", 7, **settings_for(lab, upscale="x2"))
    assert [p.image.size for p in plain] == [(64, 64)] * 2 and [p.image.size for p in big] == [(128, 128)] * 2
    assert [p.params["seed"] for p in big] == [1, 2] and big[0].params["hires_upscale"] == 2
    grid = lab.upscaled(2).xy_grid("a cat", "seed", [1, 2], "prompt", ["a cat", "a dog"], seed=1)
    assert grid.columns == 2 and grid.row_labels and all(p.image.size == (128, 128) for p in grid)
    with pytest.raises(ValueError, match="upscale must be one of Off, x2, x4"):
        triptych.run_triptych(labs, "a fox", "seed", "1", 7, **settings_for(lab, upscale="x3"))


def test_restore_brings_the_upscale_back(lab):
    settings = restore.checked({"prompt": "a cat", "seed": 1, "hires_upscale": 2.0, "hires_upscaler": "x"})
    assert settings["upscale"] == "x2"
    assert "upscale" not in restore.checked({"prompt": "a cat", "seed": 1})


def test_the_export_can_upscale_the_panels(lab, tmp_path):
    import zipfile

    from playground.ui import portfolio

    labs = Labs(lab)
    small = [lab.generate("a cat", seed=s) for s in (1, 2)]
    made_big = lab.upscale(lab.generate("a cat", seed=3), 2)
    _, files = portfolio.export_piece(labs, small + [made_big], [0, 1, 2], "T", "S", "x4 (learnt upscaler)")
    with zipfile.ZipFile(next(f for f in files if f.endswith(".zip"))) as z:
        sizes = [Image.open(z.open(n)).size for n in sorted(z.namelist()) if n.startswith("panel")]
    assert sizes == [(256, 256), (256, 256), (128, 128)]  # an upscaled panel keeps its size
    with pytest.raises(ValueError, match="export size must be one of As made"):
        portfolio.export_piece(labs, small, [0], "T", "S", "x3")


@pytest.mark.parametrize("call", [pytest.param(call, id=f"{ex.id}-{i}") for ex in catalog.EXERCISES
                                  for i, call in enumerate(ex.lab_examples)])
def test_every_exercises_panels_can_be_upscaled(lab, photo, call):
    """The catalog's example call of every exercise, through the shared setting's Lab.upscaled(2)."""
    mask = Image.new("L", photo.size, 0)
    mask.paste(255, (16, 16, 48, 48))
    s = dict(width=64, height=64, num_inference_steps=2)
    plain, big = call(lab, photo, mask, **s), call(lab.upscaled(2), photo, mask, **s)
    plain, big = ([plain] if not isinstance(plain, list) else plain), ([big] if not isinstance(big, list) else big)
    assert len(plain) == len(big)
    for a, b in zip(plain, big):
        if "hires_upscale" in a.params:  # the hires lesson's panels are the upscales already
            assert b.image.size == a.image.size
        else:
            assert b.image.size == (2 * a.image.width, 2 * a.image.height) and b.params["hires_upscale"] == 2
