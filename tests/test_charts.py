"""The seed grid's charts (playground/charts.py): Vega-Lite specs with the grid's numbers in them.

The browser draws them; tests/test_browser_path.py presses the seed grid in chromium and checks
that the four charts are drawn, named, and no wider than a phone.
"""
import json

import numpy as np
import pytest
from PIL import Image

from playground import charts
from playground.stats import grid_stats
from playground.ui import seed_grid


def layer(spec, mark):
    return next(part for part in spec["layer"] if part["mark"]["type"] == mark)


def test_palette_slices_follow_the_shares_in_their_own_colours():
    colours = [{"hex": "#102030", "rgb": (16, 32, 48), "share": 0.6},
               {"hex": "#f0e0d0", "rgb": (240, 224, 208), "share": 0.35},
               {"hex": "#ff0000", "rgb": (255, 0, 0), "share": 0.05}]
    spec = charts.palette_spec(colours, "主な色")
    rows = spec["data"]["values"]
    assert [(r["start"], r["end"]) for r in rows] == pytest.approx([(0, 0.6), (0.6, 0.95), (0.95, 1.0)])
    assert layer(spec, "bar")["encoding"]["color"] == {"field": "hex", "type": "nominal", "scale": None}
    # white on the dark slice, black on the light one; a label only where the drawn slice holds it
    assert [(r["ink"], r["label"]) for r in rows] == [("white", ["#102030", "60%"]), ("black", ["#f0e0d0", "35%"]),
                                                      ("white", ["#ff0000", "5%"])]
    shown = layer(spec, "text")["encoding"]["opacity"]
    assert shown["condition"]["test"] == f"datum.share * width >= {charts.LABEL_PX}" and shown["value"] == 0
    assert spec["title"]["text"] == "主な色" and spec["description"].startswith("主な色: #102030 60%")
    assert spec["width"] == "container" and spec["background"] == "white"
    with pytest.raises(ValueError, match="at least 1 palette entry"):
        charts.palette_spec([])


def test_histogram_bins_the_values_with_whole_image_ticks_and_a_mean_line():
    spec = charts.histogram_spec([0.1, 0.12, 0.5, 0.9], 1.0, "Brightness", "#777777", y_title="images", bins=10)
    bar = layer(spec, "bar")["encoding"]
    assert bar["x"]["bin"] == {"extent": [0, 1.0], "step": 0.1} and bar["y"]["aggregate"] == "count"
    assert bar["y"]["axis"]["values"] == [0, 1, 2]  # 0.1 and 0.12 share a bin: the tallest holds 2
    assert layer(spec, "rule")["encoding"]["x"]["aggregate"] == "mean"
    assert [r["v"] for r in spec["data"]["values"]] == [0.1, 0.12, 0.5, 0.9]
    assert spec["description"] == "Brightness: 0.10, 0.12, 0.50, 0.90"
    wide = charts.histogram_spec(list(range(0, 100, 9)) + [150.0], 120.0, "Colourfulness", "#cc6633")
    assert max(r["v"] for r in wide["data"]["values"]) == 120.0  # beyond the axis: drawn at its end
    for bad, match in (([], "at least 1"), ([float("nan")], "finite"), ([0.5], "top")):
        with pytest.raises(ValueError, match=match):
            charts.histogram_spec(bad, 0.0 if match == "top" else 1.0, "t", "#000000")


def test_prior_bars_pair_each_value_with_the_truth():
    spec = charts.prior_spec({"ginger": 0.75, "white": 0.25}, {"ginger": 0.35, "black": 0.65}, "colour",
                             names=("this grid", "the world's prior"))
    rows = [(r["value"], r["source"], r["share"]) for r in spec["data"]["values"]]
    # the prior's order, then what the grid showed beyond it; a value one side lacks is 0
    assert rows == [("ginger", "this grid", 0.75), ("ginger", "the world's prior", 0.35),
                    ("black", "this grid", 0.0), ("black", "the world's prior", 0.65),
                    ("white", "this grid", 0.25), ("white", "the world's prior", 0.0)]
    enc = spec["encoding"]
    assert enc["xOffset"]["field"] == "source" and enc["x"]["sort"] == ["ginger", "black", "white"]
    assert enc["y"]["axis"]["format"] == ".0%" and enc["y"]["title"] == "share of images"
    assert "ginger: this grid 75%, the world's prior 35%" in spec["description"]
    counts = charts.prior_spec({"red": 3}, {"red": 2})
    assert counts["encoding"]["y"]["axis"]["format"] == "d" and counts["encoding"]["y"]["title"] == "count"
    with pytest.raises(ValueError, match="at least 1"):
        charts.prior_spec({}, {})
    with pytest.raises(ValueError, match="observed"):
        charts.prior_spec({"red": float("nan")}, {"red": 0.5})


def test_the_tab_sends_specs_in_the_students_language():
    rng = np.random.default_rng(0)
    images = [Image.fromarray(rng.integers(100, 140, (32, 32, 3), dtype=np.uint8)) for _ in range(4)]  # greyish
    request = type("R", (), {"headers": {"accept-language": "ko-KR,ko;q=0.9"}})()
    palette, bright, colour = seed_grid.grid_charts(grid_stats(images), request)
    assert {p.type for p in (palette, bright, colour)} == {"altair"}
    specs = [json.loads(p.plot) for p in (palette, bright, colour)]
    assert specs[0]["title"]["text"] == "주요 색"
    assert layer(specs[1], "bar")["encoding"]["x"]["title"].startswith("밝기")
    assert layer(specs[2], "bar")["encoding"]["y"]["title"] == "이미지 수"
    assert layer(specs[2], "bar")["encoding"]["x"]["scale"]["domain"] == [0, 120.0]  # every label's range
    loud = [Image.fromarray(rng.integers(0, 255, (32, 32, 3), dtype=np.uint8)) for _ in range(4)]
    top = layer(json.loads(seed_grid.grid_charts(grid_stats(loud))[2].plot), "bar")["encoding"]["x"]["scale"]
    assert top["domain"][1] > 120  # noise is more colourful than any label: the axis grows to hold it
