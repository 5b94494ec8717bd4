"""The sections of workshop.evaluate, each `run_<name>(ctx) -> (figures for the JSON, table rows)`,
with the targets they are judged by. ctx holds "lab" (a playground.lab.Lab on the model),
"clf" (the attribute classifier), "cfg" (the sizes) and "args" (the command line).
Every "renders" figure is the same measure on the world's own renders: the ceiling.
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from playground.detectors import canny_map, scribble_map
from playground.world import ATTRIBUTES, parse_prompt, sample_scene, scene_for_prompt
from workshop.dataset import make_batch
from workshop.metrics import (TOLERANCE, adherence, build_prompt_set, detailed_prompt,
                              hand_sketch, mean_edge_f1, mean_pairwise, moved_camera,
                              pixel_diversity, pooled_share, saturation, shares)
from workshop.model import ROOT
from workshop.render import render
from workshop.sampling import generate

TARGETS = {"subject": 0.90, "colour": 0.80, "light": 0.85, "style": 0.85, "setting": 0.85}
CLASSIFIER_TARGET, DIVERSITY_TARGET, PRIOR_TARGET = 0.95, 1.5, 0.15
F1_TARGET, F1_ABOVE_CHANCE_TARGET = 0.5, 2.5  # above chance replaced "ratio >= 2" (see the model card)
GUIDANCES = (1.0, 2.0, 3.0, 5.0, 7.5, 12.0)
DIVERSITY_SUBJECTS = ("cat", "dog", "car", "house")
HELDOUT_SEED = 987_654  # renders for ControlNet maps: seeds the training never drew


def row(name, value, target=None, higher=True, fmt="{:.1%}"):
    """(name, value text, target text, PASS / FAIL / "report")."""
    if target is None:
        return (name, fmt.format(value), "report", "-")
    ok = value >= target if higher else value <= target
    return (name, fmt.format(value), (">= " if higher else "<= ") + fmt.format(target),
            "PASS" if ok else "FAIL")


def relative(path) -> str:
    """A path as the JSON records it: relative to the repository root."""
    return Path(os.path.relpath(Path(path).resolve(), ROOT)).as_posix()


def print_table(rows) -> None:
    width = max(len(r[0]) for r in rows)
    print(f"\n{'figure':<{width}}  {'value':>8}  {'target':>10}  result")
    for name, value, target, status in rows:
        print(f"{name:<{width}}  {value:>8}  {target:>10}  {status}")
    failed = sum(r[3] == "FAIL" for r in rows)
    print(f"\n{sum(r[3] == 'PASS' for r in rows)} targets passed, {failed} failed")


def gen(ctx, prompts, seeds, guidance=None, control=None, detector=None) -> np.ndarray:
    """generate() through the run's Lab at its steps and scheduler (and guidance unless given)."""
    a = ctx["args"]
    return generate(ctx["lab"], prompts, seeds, a.steps, a.guidance if guidance is None else guidance,
                    a.scheduler, control, detector)


def run_adherence(ctx):
    clf, cfg, a = ctx["clf"], ctx["cfg"], ctx["args"]
    prompt_set = build_prompt_set(cfg["prompts"], a.seed)
    prompts, named = [p for p, _ in prompt_set], [n for _, n in prompt_set]
    images = gen(ctx, prompts, [a.seed + i for i in range(len(prompts))])
    predicted = clf.predict(images)
    rng = np.random.default_rng(a.seed)
    renders = [render(scene_for_prompt(p, rng)) for p in prompts]
    result = adherence(named, predicted)
    ceiling = adherence(named, clf.predict(renders))
    figures = {"by_attribute": result, "renders": ceiling,
               "parse_mismatches": sum(parse_prompt(p) != n for p, n in zip(prompts, named)),
               "truncated_prompts": sum(ctx["lab"].truncations(p) is not None for p in prompts),
               "items": [{"prompt": p, "named": n, "predicted": q}
                         for p, n, q in zip(prompts, named, predicted)]}
    rows = [row(f"adherence: {k} (n={v['n']}, renders {ceiling.get(k, {}).get('share', 0):.0%})",
                v["share"], TARGETS.get(k)) for k, v in result.items()]
    return figures, rows


def run_sweep(ctx):
    """Per CFG: colour adherence, saturation, and how far "a cat" drifts from the prior table
    (guidance trades the prior's spread for adherence: the seed grid's and the triptych's lesson)."""
    clf, cfg, a = ctx["clf"], ctx["cfg"], ctx["args"]
    chosen = [(p, n) for p, n in build_prompt_set(max(cfg["prompts"], 2 * cfg["sweep"]), a.seed)
              if "colour" in n][:cfg["sweep"]]
    prompts, named = [p for p, _ in chosen], [n for _, n in chosen]
    seeds = [a.seed + i for i in range(len(prompts))]
    cat_seeds = [a.seed + i for i in range(cfg["prior_seeds"])]
    figures, rows = {}, []
    for g in GUIDANCES:
        images = gen(ctx, prompts, seeds, guidance=g)
        result = adherence(named, clf.predict(images))
        cats = clf.predict(gen(ctx, ["a cat"] * len(cat_seeds), cat_seeds, guidance=g))
        prior = shares([c["colour"] for c in cats], ATTRIBUTES["cat_colour"])
        figures[str(g)] = {"colour": result["colour"]["share"], "subject": result["subject"]["share"],
                           "saturation": saturation(images), "n": len(prompts),
                           "cat_colour_max_deviation": prior["max_deviation"],
                           "cat_colour_observed": prior["observed"]}
        rows.append(row(f"CFG {g:g}: colour adherence (saturation {figures[str(g)]['saturation']:.2f}; "
                        f"'a cat' colour prior off by {prior['max_deviation']:.0%})", result["colour"]["share"]))
    return figures, rows


def run_diversity(ctx):
    clf, cfg, a = ctx["clf"], ctx["cfg"], ctx["args"]
    rng = np.random.default_rng(a.seed + 1)
    seeds = [a.seed + i for i in range(cfg["diversity_seeds"])]
    subjects = DIVERSITY_SUBJECTS if cfg["diversity_seeds"] >= 16 else DIVERSITY_SUBJECTS[:2]
    per = {}
    for subject in subjects:
        detailed, named = detailed_prompt(subject, rng)
        entry = {}
        for kind, prompt, fixed in (("vague", f"a {subject}", {"subject": subject}),
                                    ("detailed", detailed, named)):
            images = gen(ctx, [prompt] * len(seeds), seeds)
            renders = [render(sample_scene(rng, **fixed)) for _ in seeds]
            entry[kind] = {"prompt": prompt, "pixel_rmse": pixel_diversity(images),
                           "feature_distance": mean_pairwise(clf.features(images), rms=False),
                           "renders_pixel_rmse": pixel_diversity(renders)}
        per[subject] = entry

    def ratio(key):
        return float(np.mean([e["vague"][key] for e in per.values()]) /
                     max(1e-9, np.mean([e["detailed"][key] for e in per.values()])))
    figures = {"metric": "mean pairwise RMSE of 64x64 greyscale images (0..1)", "seeds": len(seeds),
               "ratio": ratio("pixel_rmse"), "feature_ratio": ratio("feature_distance"),
               "renders_ratio": ratio("renders_pixel_rmse"), "prompts": per}
    return figures, [row(f"diversity vague/detailed, pixel RMSE (renders {figures['renders_ratio']:.2f}, "
                         f"features {figures['feature_ratio']:.2f})", figures["ratio"],
                         DIVERSITY_TARGET, fmt="{:.2f}")]


def run_prior(ctx):
    clf, cfg, a = ctx["clf"], ctx["cfg"], ctx["args"]
    seeds = [a.seed + i for i in range(cfg["prior_seeds"])]
    predicted = clf.predict(gen(ctx, ["a cat"] * len(seeds), seeds))
    rng = np.random.default_rng(a.seed + 2)
    on_renders = clf.predict([render(sample_scene(rng, subject="cat")) for _ in seeds])
    tables = {"colour": ATTRIBUTES["cat_colour"], "setting": ATTRIBUTES["cat_setting"],
              "light": ATTRIBUTES["light"], "style": ATTRIBUTES["style"]}
    figures = {"prompt": "a cat", "seeds": len(seeds),
               "subject_is_cat": float(np.mean([p["subject"] == "cat" for p in predicted]))}
    for attr, table in tables.items():
        figures[attr] = shares([p[attr] for p in predicted], table)
        figures[attr]["renders_max_deviation"] = shares([p[attr] for p in on_renders], table)["max_deviation"]
    rows = [row("prior: 'a cat' classified as cat", figures["subject_is_cat"])]
    rows += [row(f"prior: max {k} share deviation (renders {figures[k]['renders_max_deviation']:.0%})",
                 figures[k]["max_deviation"], PRIOR_TARGET if k == "colour" else None, higher=False)
             for k in tables]
    return figures, rows


def run_control(ctx):
    """Edge F1 with and without ControlNet, beside two references that need no model: an
    unrelated held-out render (chance) and a fresh render of a scene that fits the caption
    (the best any text-only model can do). The world's fixed horizons, margins and hatching
    make both high, which caps the with / without ratio (see the model card)."""
    cfg, a = ctx["cfg"], ctx["args"]
    renders, captions, scenes = make_batch(cfg["control_maps"], HELDOUT_SEED)
    views = moved_camera(scenes, np.random.default_rng(a.seed + 4))
    seeds = [a.seed + i for i in range(len(captions))]
    plain = gen(ctx, captions, seeds)
    rng = np.random.default_rng(a.seed + 3)
    held_out = {"renders": renders, "captions": captions, "scenes": scenes, "views": views,
                "seeds": seeds, "plain": plain, "unrelated": np.roll(renders, 1, axis=0),
                "text_only": [render(scene_for_prompt(c, rng)) for c in captions]}
    figures, rows = {"tolerance_px": TOLERANCE, "maps": len(captions)}, []
    for name, detector in (("canny", canny_map), ("scribble", scribble_map)):
        figures[name], new_rows = control_figures(ctx, name, detector, held_out)
        rows += new_rows
    return figures, rows


def control_figures(ctx, name, detector, held_out):
    """One ControlNet (`name`, maps made by `detector`) on the held-out scenes of run_control."""
    captions, seeds, plain = held_out["captions"], held_out["seeds"], held_out["plain"]
    maps = [detector(im) for im in held_out["renders"]]
    controlled = gen(ctx, captions, seeds, control=maps, detector=name)

    def mean_f1(images, tol=TOLERANCE, against=maps):
        return mean_edge_f1(images, against, tol)
    with_cn, without = mean_f1(controlled), mean_f1(plain)
    f = {"f1": with_cn, "f1_without": without, "ratio": with_cn / max(without, 1e-6),
         "f1_1px": mean_f1(controlled, 1), "f1_without_1px": mean_f1(plain, 1),
         "f1_renders": mean_f1(held_out["renders"]), "f1_chance": mean_f1(held_out["unrelated"]),
         "f1_text_only_renders": mean_f1(held_out["text_only"])}
    rows = [row(f"{name} ControlNet edge F1 ({TOLERANCE} px; renders {f['f1_renders']:.2f})",
                with_cn, F1_TARGET, fmt="{:.2f}"),
            row(f"{name}: F1 without ControlNet (unrelated render {f['f1_chance']:.2f}, "
                f"text-only render {f['f1_text_only_renders']:.2f})", without, fmt="{:.2f}"),
            row(f"{name}: F1 ratio with / without", f["ratio"], fmt="{:.2f}")]
    # The same ratio over the chance level: how much more of the above-chance agreement the
    # map buys than the words do. It replaced the plain ratio as the target (the world's floor
    # caps the plain ratio under 2; the model card measures why); the plain ratio is still reported.
    f["ratio_above_chance"] = (with_cn - f["f1_chance"]) / max(without - f["f1_chance"], 1e-6)
    rows.append(row(f"{name}: F1 above chance, with / without", f["ratio_above_chance"],
                    F1_ABOVE_CHANCE_TARGET, fmt="{:.2f}"))
    rows.append(row(f"{name}: at 1 px, F1 {f['f1_1px']:.2f} / without {f['f1_without_1px']:.2f}, ratio",
                    f["f1_1px"] / max(f["f1_without_1px"], 1e-6), fmt="{:.2f}"))
    # The same scenes through a moved camera: layouts the caption cannot imply, as in a
    # student's own sketch or photo. Without ControlNet the model draws its usual layout.
    moved_maps = [detector(v) for v in held_out["views"]]
    moved = gen(ctx, captions, seeds, control=moved_maps, detector=name)
    mc = f["moved_camera"] = {"f1": mean_f1(moved, against=moved_maps),
                              "f1_without": mean_f1(plain, against=moved_maps)}
    rows.append(row(f"{name}, moved camera: F1 {mc['f1']:.2f} / without {mc['f1_without']:.2f}, ratio",
                    mc["f1"] / max(mc["f1_without"], 1e-6), fmt="{:.2f}"))
    if name == "scribble":
        f["hand_sketch"], sketch_rows = sketch_figures(ctx, held_out["scenes"], captions, seeds, plain)
        rows += sketch_rows
    return f, rows


def sketch_figures(ctx, scenes, captions, seeds, plain):
    """Scribble ControlNet on hand-sketch-like drawings of the held-out scenes (outlines only,
    a third of them left out, dark strokes on white paper through the app's scribble_map):
    does the picture follow the strokes, and does it still show what the caption says?"""
    clf, a = ctx["clf"], ctx["args"]
    rng = np.random.default_rng(a.seed + 5)
    maps = [scribble_map(hand_sketch(s, rng)) for s in scenes]
    images = gen(ctx, captions, seeds, control=maps, detector="scribble")
    named = [parse_prompt(c) for c in captions]
    fig = {"f1": mean_edge_f1(images, maps), "f1_without": mean_edge_f1(plain, maps),
           "adherence": pooled_share(named, clf.predict(images), TARGETS),
           "adherence_without": pooled_share(named, clf.predict(plain), TARGETS)}
    return fig, [row(f"scribble, hand sketch: F1 {fig['f1']:.2f} / without {fig['f1_without']:.2f}, ratio",
                     fig["f1"] / max(fig["f1_without"], 1e-6), fmt="{:.2f}"),
                 row(f"scribble, hand sketch: caption adherence (without ControlNet "
                     f"{fig['adherence_without']:.0%})", fig["adherence"])]


SECTION_RUNS = {"adherence": run_adherence, "sweep": run_sweep, "diversity": run_diversity,
                "prior": run_prior, "control": run_control}

