"""The evaluation's sketch section (`python -m workshop.evaluate --sections sketch`): does a
scribble ControlNet follow a drawing, and does the picture still show what the caption says?

Two sets, each next to the same prompts and seeds without the drawing:
(a) hand sketches of held-out world scenes (metrics.hand_sketch: the scenes' outlines with a
    third of the strokes left out), the model card's figure;
(b) drawings a person would make in the app's sketch pad (workshop.drawings: a house, a car,
    a mountain ridge, trees, suns and ground lines anywhere, horizons the world never has).
Maps come from the app's own detector (playground.detectors.control_map, the function the
scribble net's training calls). Edge F1 is the output's canny edges against the map (2 px);
adherence is the share of the caption's subject / colour / setting / light / style that the
attribute classifier reads in the output. Target: adherence within 5 points of without.
"""
from __future__ import annotations

import numpy as np
from PIL import Image

from playground.detectors import canny_map, control_map
from workshop.dataset import make_batch
from workshop.drawings import KINDS, drawing_set
from workshop.eval_sections import HELDOUT_SEED, TARGETS, gen, row, sketch_figures
from workshop.metrics import adherence, edge_f1, pooled_share, to_size

SKETCH_F1_TARGET, SKETCH_ADHERENCE_TARGET, SKETCH_COST_TARGET = 0.75, 0.97, -0.05
SKETCH_FULL, SKETCH_QUICK = dict(sketches=16, drawings=24), dict(sketches=2, drawings=3)  # workshop.evaluate's sizes
DRAWING_SEED = 10_010  # drawings no training run has seen (the scribble net never saw any)


def scribble_maps(images) -> list[np.ndarray]:
    """The app's scribble maps of drawings at the generation size."""
    return [np.asarray(control_map(Image.fromarray(np.asarray(im)), "scribble")) for im in images]


def stroke_f1(images, maps) -> list[float]:
    """Each image's canny edges against its map (2 px), judged at the map's size."""
    return [edge_f1(canny_map(to_size(im, len(m))), m)["f1"] for im, m in zip(images, maps)]


def target_rows(label: str, fig: dict) -> list:
    cost = fig["adherence"] - fig["adherence_without"]
    return [row(f"{label}: scribble edge F1 (without ControlNet {fig['f1_without']:.2f})", fig["f1"],
                SKETCH_F1_TARGET, fmt="{:.2f}"),
            row(f"{label}: caption adherence (without {fig['adherence_without']:.1%})", fig["adherence"],
                SKETCH_ADHERENCE_TARGET),
            row(f"{label}: adherence with - without (points)", cost, SKETCH_COST_TARGET, fmt="{:+.1%}")]


def run_sketches(ctx):
    """(a) the world-outline hand sketches, (b) the person drawings; figures and rows."""
    cfg, a = ctx["cfg"], ctx["args"]
    _, captions, scenes = make_batch(cfg["sketches"], HELDOUT_SEED)  # the control section's scenes
    seeds = [a.seed + i for i in range(len(captions))]
    plain = gen(ctx, captions, seeds)
    outlines, _ = sketch_figures(ctx, scenes, captions, seeds, plain)  # the card's hand-sketch rule
    outlines["n"] = len(captions)
    drawings = drawing_figures(ctx, cfg["drawings"])
    rows = target_rows("hand sketches of world scenes", outlines) + target_rows("person drawings", drawings)
    rows.append(row("person drawings: placement as drawn (without ControlNet "
                    f"{drawings['placement_without']:.0%})", drawings["placement"]))
    rows += [row(f"person drawings, {k} (n={v['n']}): F1 {v['f1']:.2f}, adherence "
                 f"(without {v['adherence_without']:.0%})", v["adherence"]) for k, v in drawings["by_kind"].items()]
    return {"world_outlines": outlines, "drawings": drawings}, rows


def drawing_figures(ctx, n: int) -> dict:
    clf, a = ctx["clf"], ctx["args"]
    drawings = drawing_set(n, DRAWING_SEED + a.seed)
    captions, named = [d.caption for d in drawings], [d.named for d in drawings]
    seeds = [a.seed + i for i in range(n)]
    maps = scribble_maps([d.image for d in drawings])
    made = gen(ctx, captions, seeds, control=maps, detector="scribble")
    plain = gen(ctx, captions, seeds)
    ctx.setdefault("pictures", {})["drawings"] = ([d.image for d in drawings], maps, made, plain)
    pred, pred_plain = clf.predict(made), clf.predict(plain)
    f1, f1_plain = stroke_f1(made, maps), stroke_f1(plain, maps)
    placed = [i for i, d in enumerate(drawings) if "placement" in d.layout]

    def placement(p):
        return float(np.mean([p[i]["placement"] == drawings[i].layout["placement"] for i in placed])) if placed else 1.0
    fig = {"n": n, "f1": float(np.mean(f1)), "f1_without": float(np.mean(f1_plain)),
           "adherence": pooled_share(named, pred, TARGETS), "adherence_without": pooled_share(named, pred_plain, TARGETS),
           "by_attribute": adherence(named, pred), "by_attribute_without": adherence(named, pred_plain),
           "placement": placement(pred), "placement_without": placement(pred_plain), "by_kind": {},
           "items": [{"caption": d.caption, "kind": d.kind, "parts": list(d.parts), "layout": d.layout,
                      "f1": f, "f1_without": g, "predicted": p, "predicted_without": q}
                     for d, f, g, p, q in zip(drawings, f1, f1_plain, pred, pred_plain)]}
    for kind in KINDS:
        idx = [i for i, d in enumerate(drawings) if d.kind == kind]
        if idx:
            fig["by_kind"][kind] = {
                "n": len(idx), "f1": float(np.mean([f1[i] for i in idx])),
                "adherence": pooled_share([named[i] for i in idx], [pred[i] for i in idx], TARGETS),
                "adherence_without": pooled_share([named[i] for i in idx], [pred_plain[i] for i in idx], TARGETS)}
    return fig


def sheet(pictures, path, columns: int = 4) -> None:
    """drawing | map | with ControlNet | without, one row of `columns` drawings per line (PNG)."""
    drawings, maps, made, plain = pictures
    tiles = [np.concatenate([d, m, to_size(w, len(d)), to_size(p, len(d))], axis=1)
             for d, m, w, p in zip(drawings, maps, made, plain)]
    tiles += [np.full_like(tiles[0], 255)] * (-len(tiles) % columns)
    rows = [np.concatenate(tiles[i:i + columns], axis=1) for i in range(0, len(tiles), columns)]
    Image.fromarray(np.concatenate(rows, axis=0)).save(path, optimize=True)
