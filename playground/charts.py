"""The seed grid's charts as Vega-Lite specs: data that the browser draws.

gradio's Plot renders a Vega-Lite spec with the vega-embed it ships (offline), so the server
builds a few kB of JSON in well under a millisecond and encodes no picture. Measured on the 2-core
CPU (session 14): matplotlib drew and encoded the palette, the histograms and the prior comparison
in 0.18 s of every seed-grid request (45 ms to build, 138 ms to draw and encode), about 8% of an
8-image grid's engine time, in the one model slot a class shares. In the browser the charts also
follow the page's width (a 390 px phone), show their values on hover and take every label in the
student's language: the caller passes the words, this module only knows the data.

Every spec has a white background, as the PNGs had, so it reads the same in a dark theme.
"""
from __future__ import annotations

import math
from collections import Counter
from typing import Mapping, Sequence

SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json"  # vega-embed reads the version here; nothing is fetched
INK, GREY, BLUE = "#222222", "#bbbbbb", "#3b6fb6"
LABEL_PX = 62  # the width a palette slice needs for "#a85339" at 11 px


def _chart(title: str, height: int, description: str, **spec) -> dict:
    # description: vega's aria-label for the chart, so a screen reader hears the numbers it draws
    out = {"$schema": SCHEMA, "width": "container", "height": height, "background": "white",
           "description": f"{title}: {description}" if title else description,
           "config": {"view": {"stroke": None}, "axis": {"labelColor": INK, "titleColor": INK},
                      "legend": {"labelColor": INK}, "title": {"color": INK}}, **spec}
    if title:
        out["title"] = {"text": title, "fontSize": 13}
    return out


def palette_spec(colours: Sequence[Mapping], title: str = "Dominant colours") -> dict:
    """One bar split by colour share, each slice in its own colour and labelled with its hex and
    percent where it is wide enough (a stats.palette() result)."""
    if not colours:
        raise ValueError("colours must hold at least 1 palette entry, got 0")
    rows, left = [], 0.0
    for c in colours:
        share = float(c["share"])
        r, g, b = c["rgb"]
        dark = (0.299 * r + 0.587 * g + 0.114 * b) / 255 <= 0.5
        rows.append({"hex": c["hex"], "share": share, "start": left, "end": left + share,
                     "middle": left + share / 2, "ink": "white" if dark else "black",
                     "label": [c["hex"], f"{share:.0%}"]})
        left += share
    x = {"field": "start", "type": "quantitative", "axis": None, "scale": {"domain": [0, max(left, 1.0)]}}
    text = ", ".join(f"{r['hex']} {r['share']:.0%}" for r in rows)
    return _chart(title, 64, text, data={"values": rows}, layer=[
        {"mark": {"type": "bar", "stroke": "white"},
         "encoding": {"x": x, "x2": {"field": "end"}, "color": {"field": "hex", "type": "nominal", "scale": None},
                      "tooltip": [{"field": "hex", "type": "nominal"},
                                  {"field": "share", "type": "quantitative", "format": ".0%"}]}},
        {"mark": {"type": "text", "fontSize": 11, "lineHeight": 14},
         "encoding": {"x": {**x, "field": "middle"}, "text": {"field": "label"},
                      "color": {"field": "ink", "type": "nominal", "scale": None},
                      # a label only where the slice holds it: on a phone a 10% slice is 35 px
                      "opacity": {"condition": {"test": f"datum.share * width >= {LABEL_PX}", "value": 1},
                                  "value": 0}}},
    ])


def histogram_spec(values: Sequence[float], top: float, title: str, colour: str, y_title: str = "images",
                   bins: int = 20) -> dict:
    """How many images fall in each of `bins` equal bins over 0..top, with the mean as a dashed
    line (one measure of stats.grid_stats()'s per_image values)."""
    values = [float(v) for v in values]
    if not values or not all(math.isfinite(v) for v in values):
        raise ValueError(f"values must be at least 1 finite number, got {values}")
    if not (math.isfinite(top) and top > 0):
        raise ValueError(f"top must be a finite number > 0, got {top}")
    x = {"field": "v", "type": "quantitative", "title": title, "scale": {"domain": [0, top]}}
    step = top / bins
    tallest = max(Counter(min(int(v / step), bins - 1) for v in values).values())
    # whole images on the y axis: vega's own ticks for a tallest bin of 2 read "0, 1, 1, 2, 2"
    counts = {"values": list(range(tallest + 1))} if tallest <= 8 else {"tickMinStep": 1}
    text = f"{title}: " + ", ".join(f"{v:.2f}" if top <= 1 else f"{v:.0f}" for v in values)
    return _chart("", 150, text, data={"values": [{"v": min(max(v, 0.0), top)} for v in values]}, layer=[
        {"mark": {"type": "bar", "color": colour},
         "encoding": {"x": {**x, "bin": {"extent": [0, top], "step": step}},
                      "y": {"aggregate": "count", "type": "quantitative", "title": y_title,
                            "axis": {**counts, "format": "d"}}}},
        {"mark": {"type": "rule", "color": "black", "strokeDash": [4, 3]},
         "encoding": {"x": {**x, "aggregate": "mean"}}},
    ])


def prior_spec(observed: Mapping[str, float], truth: Mapping[str, float], title: str = "",
               names: tuple[str, str] = ("observed", "training prior"), y_title: str = "") -> dict:
    """Grouped bars per attribute value: the share seen in the grid next to the world's prior.
    Shares (all <= 1) read as percents; larger values as counts."""
    keys = list(dict.fromkeys([*truth, *observed]))  # the prior's order, then surprises
    if not keys:
        raise ValueError("observed and truth must name at least 1 attribute value, got none")
    for name, shares in (("observed", observed), ("truth", truth)):
        bad = {k: v for k, v in shares.items() if not (math.isfinite(v) and v >= 0)}
        if bad:
            raise ValueError(f"{name} shares must be finite and >= 0, got {bad}")
    rows = [{"value": k, "source": names[i], "share": float(shares.get(k, 0.0))}
            for k in keys for i, shares in enumerate((observed, truth))]
    as_share = max(r["share"] for r in rows) <= 1.0
    fmt = ".0%" if as_share else "d"
    y_title = y_title or ("share of images" if as_share else "count")
    top = max([r["share"] for r in rows] + [1e-9]) * 1.2  # room for the labels above the bars
    encoding = {
        "x": {"field": "value", "type": "nominal", "sort": keys, "title": None,
              "axis": {"labelAngle": -30 if len(keys) > 5 else 0, "labelLimit": 120}},
        "xOffset": {"field": "source", "type": "nominal", "sort": list(names)},
        "y": {"field": "share", "type": "quantitative", "title": y_title, "scale": {"domain": [0, top]},
              "axis": {"format": fmt}},
        "color": {"field": "source", "type": "nominal", "title": None,
                  "scale": {"domain": list(names), "range": [BLUE, GREY]}, "legend": {"orient": "top"}},
        "tooltip": [{"field": "value", "type": "nominal"}, {"field": "source", "type": "nominal"},
                    {"field": "share", "type": "quantitative", "format": fmt}],
    }
    show = "{:.0%}" if as_share else "{:g}"
    text = "; ".join(f"{r['value']}: {names[0]} {show.format(r['share'])}, {names[1]} {show.format(t['share'])}"
                     for r, t in zip(rows[::2], rows[1::2]))
    return _chart(title, 200, text, data={"values": rows}, encoding=encoding, layer=[
        {"mark": {"type": "bar"}},
        {"mark": {"type": "text", "dy": -6, "fontSize": 10},
         "encoding": {"text": {"field": "share", "type": "quantitative", "format": fmt}, "color": {"value": INK}}},
    ])
