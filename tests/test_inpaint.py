"""The inpainting exercise: white changes, black is kept pixel for pixel."""
from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw

from playground.exercises.inpaint import fit_mask
from support import settings_for


def _mask(size=(64, 64), box=(16, 16, 48, 48)):
    mask = Image.new("L", size, 0)
    ImageDraw.Draw(mask).rectangle(box, fill=255)
    return mask


def test_outside_the_mask_nothing_changes_inside_it_does(any_lab, photo):
    panels = any_lab.inpaint(photo, _mask(), "a red car", strengths=[0.75, 1.0], seed=3)
    assert [p.caption for p in panels] == ["inpaint strength 0.75", "inpaint strength 1"]
    src = np.asarray(photo.convert("RGB").resize((64, 64)), float)
    inside = np.asarray(_mask()) > 0
    for p in panels:
        out = np.asarray(p.image, float)
        assert np.abs(out - src)[~inside].max() == 0  # outside: the input itself, pixel for pixel
        assert np.abs(out - src)[inside].mean() > 1.0
    assert panels[0].params["strength"] == 0.75 and panels[0].params["mask_share"] == pytest.approx(33 * 33 / 64 ** 2, abs=0.01)


@pytest.mark.parametrize("mask, message", [
    (Image.new("L", (64, 64), 0), "mask is empty"), ("not an image", "mask must be a PIL.Image"),
])
def test_bad_masks_are_clear_errors(lab, photo, mask, message):
    with pytest.raises(ValueError, match=message):
        lab.inpaint(photo, mask, "a red car", seed=1)


def test_bad_strength_names_the_field(lab, photo):
    with pytest.raises(ValueError, match="strength"):
        lab.inpaint(photo, _mask(), "a red car", strengths=[0.0], seed=1)


def test_a_grey_mask_is_binarised():
    grey = Image.new("L", (32, 32), 100)
    ImageDraw.Draw(grey).rectangle((0, 0, 15, 31), fill=200)
    assert set(np.unique(np.asarray(fit_mask(grey, 32, 32)))) == {0, 255}


def test_inpaint_tab_paints_the_mask_from_the_canvas(lab, photo, tmp_path):
    from playground.ui import inpaint as tab
    from playground.ui.shared import Labs

    photo.save(tmp_path / "p.png")
    value, source = tab.load_source(str(tmp_path / "p.png"), [], 1)
    canvas = np.asarray(value["composite"]).copy()
    canvas[100:250, 100:250] = (255, 0, 255)  # a painted square
    mask = tab.mask_from(source, {"composite": canvas})
    assert np.asarray(mask)[170, 170] == 255 and np.asarray(mask)[20, 20] == 0
    gallery, panels = tab.run_inpaint(Labs(lab), source, {"composite": canvas}, "a red car", "1.0", 2,
                                      **settings_for(lab))
    assert len(panels) == 1
    with pytest.raises(ValueError, match="portfolio"):
        tab.load_source(None, [], 1)
    with pytest.raises(ValueError, match="panel number must be in 1..1"):
        tab.load_source(None, panels, 5)
