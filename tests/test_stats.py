"""Statistics over a seed grid: brightness, colourfulness, palette, diversity."""
import numpy as np
import pytest
from PIL import Image

from playground.panels import Panel
from playground.stats import (brightness, colourfulness, colourfulness_label, diversity,
                              grid_stats, mean_ssim, palette,
                              pairwise_distances)


def solid(rgb, size=(64, 64)):
    return Image.new("RGB", size, rgb)


def noise(seed, size=64):
    return Image.fromarray(np.random.default_rng(seed).integers(0, 256, (size, size, 3), dtype=np.uint8))


def test_brightness_black_white_grey():
    assert brightness(solid((0, 0, 0))) == 0.0
    assert brightness(solid((255, 255, 255))) == pytest.approx(1.0)
    assert brightness(solid((128, 128, 128))) == pytest.approx(128 / 255)
    assert brightness(Panel(solid((0, 0, 0)), "", {})) == 0.0  # panels are accepted too


def test_colourfulness_grey_is_zero_and_vivid_is_high():
    assert colourfulness(solid((128, 128, 128))) == pytest.approx(0.0, abs=1e-9)
    vivid = solid((255, 0, 0))
    vivid.paste((0, 0, 255), (0, 0, 32, 64))
    assert colourfulness(vivid) > 100 > colourfulness(solid((140, 120, 110)))
    assert colourfulness_label(0.0) == "not colourful"
    assert colourfulness_label(colourfulness(vivid)) == "extremely colourful"


def test_palette_finds_both_colours_of_a_two_colour_image():
    img = solid((255, 0, 0), (100, 100))
    img.paste((0, 0, 255), (0, 0, 100, 30))
    pal = palette([img], colors=6)
    assert [p["rgb"] for p in pal] == [(255, 0, 0), (0, 0, 255)]
    assert pal[0]["hex"] == "#ff0000" and pal[0]["share"] == pytest.approx(0.7, abs=0.03)
    assert sum(p["share"] for p in pal) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="colors"):
        palette([img], colors=0)


def test_palette_pools_all_images():
    pal = palette([solid((0, 200, 0)), solid((0, 200, 0)), solid((250, 250, 0))], colors=4)
    assert pal[0]["rgb"] == (0, 200, 0) and pal[0]["share"] == pytest.approx(2 / 3, abs=1e-6)
    assert pal[1]["rgb"] == (250, 250, 0)


def test_diversity_zero_for_identical_and_positive_for_varied():
    same = [noise(1)] * 4
    assert diversity(same) == pytest.approx(0.0, abs=1e-6)
    varied = [noise(i) for i in range(4)] + [solid((0, 0, 0)), solid((255, 255, 255))]
    assert diversity(varied) > 0.1
    d = pairwise_distances([solid((0, 0, 0)), solid((255, 255, 255))])
    assert d.shape == (2, 2) and d[0, 1] == pytest.approx(1.0) and d[0, 0] == 0.0
    with pytest.raises(ValueError, match="at least 2"):
        diversity([noise(1)])


def test_mean_ssim_identical_is_one_unrelated_is_low():
    assert mean_ssim([noise(3)] * 3) == pytest.approx(1.0)
    assert mean_ssim([noise(i) for i in range(4)]) < 0.3


def test_grid_stats_summary():
    images = [noise(i) for i in range(5)] + [solid((0, 0, 0))]
    s = grid_stats(images, colors=4)
    assert s["count"] == 6 and len(s["brightness"]["per_image"]) == 6
    assert s["brightness"]["min"] == 0.0 and 0 < s["brightness"]["mean"] < 1
    assert s["colourfulness"]["label"] and len(s["palette"]) <= 4
    assert s["diversity_rmse"] > 0 and -1 <= s["mean_ssim"] <= 1
    single = grid_stats([solid((10, 20, 30))])
    assert single["diversity_rmse"] is None and single["mean_ssim"] is None
    with pytest.raises(ValueError, match="at least 1"):
        grid_stats([])
    with pytest.raises(ValueError, match="PIL images"):
        grid_stats(["not an image"])
