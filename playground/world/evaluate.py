"""Evaluate the tiny-world model against the targets of issue 3, with its real pipeline.

    python -m playground.world.evaluate [--model-dir D] [--quick] [--device cuda|cpu]
        [--out results.json] [--contact-sheet sheet.png] [--strict]

An attribute classifier (classifier.py; loaded from <model-dir>/classifier or trained)
reads what each generated image shows. Figures, each printed with its target:
- adherence: share of images whose classified attribute equals the one the prompt named,
  over the prompts naming it (prompts from the world's grammar, prompt_for);
- a guidance sweep of colour adherence (and mean saturation, which high CFG overcooks);
- diversity: mean pairwise RMSE of 64x64 greyscale images over seeds, vague / detailed
  prompts (the classifier's penultimate-feature distance is reported beside it);
- prior: colour shares of "a cat" over seeds against the world's table;
- ControlNet: F1 of the output's canny edges against the input map (2 px tolerance: a pixel
  matches if one of the other map lies within a 5x5 box), with and without ControlNet, on
  held-out renders and on the same scenes through a moved camera (layouts no caption implies);
  for the scribble net also on hand sketches of those scenes (metrics.hand_sketch), with the
  share of caption attributes the classifier still reads in the result.
Every "renders" figure is the same measure on the world's own renders: the ceiling.
"""
from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from playground.world import ATTRIBUTES, parse_prompt, render, sample_scene
from playground.world.classifier import AttributeClassifier, render_dataset, train_classifier
from playground.world.metrics import (TOLERANCE, adherence, build_prompt_set, detailed_prompt,
                                      hand_sketch, mean_edge_f1, mean_pairwise, moved_camera,
                                      pixel_diversity, pooled_share, saturation, shares)
from playground.world.model import MODEL_DIR
from playground.world.sampling import (EXAMPLE_PROMPTS, app_defaults, contact_sheet, controlnet_pipe,
                                       cpu_threads, generate, load_pipeline)

TARGETS = {"subject": 0.90, "colour": 0.80, "light": 0.85, "style": 0.85, "setting": 0.85}
CLASSIFIER_TARGET, DIVERSITY_TARGET, PRIOR_TARGET = 0.95, 1.5, 0.15
F1_TARGET, F1_RATIO_TARGET = 0.5, 2.0
GUIDANCES = (1.0, 2.0, 3.0, 5.0, 7.5, 12.0)
DIVERSITY_SUBJECTS = ("cat", "dog", "car", "house")
# sizes: the GPU run, and --quick for a 2-core CPU (minutes, not a verdict)
FULL = dict(prompts=210, sweep=100, diversity_seeds=16, prior_seeds=64, control_maps=48, batch=64,
            held_out=3000)
QUICK = dict(prompts=16, sweep=4, diversity_seeds=6, prior_seeds=16, control_maps=2, batch=8,
             held_out=300)
SECTIONS = ("adherence", "sweep", "diversity", "prior", "control")
HELDOUT_SEED = 987_654  # renders for ControlNet maps: seeds the training never drew


# --- the sections: each returns (figures for the JSON, table rows) -------------------------

def row(name, value, target=None, higher=True, fmt="{:.1%}"):
    """(name, value text, target text, PASS / FAIL / "report")."""
    if target is None:
        return (name, fmt.format(value), "report", "-")
    ok = value >= target if higher else value <= target
    return (name, fmt.format(value), (">= " if higher else "<= ") + fmt.format(target),
            "PASS" if ok else "FAIL")


def run_classifier(args, cfg, device, log):
    folder = Path(args.classifier_dir or Path(args.model_dir) / "classifier")
    if (folder / "config.json").exists() and not args.retrain_classifier:
        clf, trained = AttributeClassifier.load(folder, device), False
    else:
        clf, trained = train_classifier(quick=args.quick, device=device, log=log), True
        if not args.quick or args.classifier_dir:  # a --quick classifier never replaces the real one
            clf.save(folder)
    x, y = render_dataset(cfg["held_out"], HELDOUT_SEED + 1)  # scenes drawn as in training
    acc = clf.accuracy(x, y)
    figures = {"folder": str(folder), "trained_now": trained, "held_out": len(x), "accuracy": acc,
               "train": clf.config.get("train", {})}
    return clf, figures, [row(f"classifier accuracy: {a}", v, CLASSIFIER_TARGET) for a, v in acc.items()]


def run_adherence(ctx):
    from playground.world import scene_for_prompt
    pipe, clf, cfg, a = ctx["pipe"], ctx["clf"], ctx["cfg"], ctx["args"]
    prompt_set = build_prompt_set(cfg["prompts"], a.seed)
    prompts, named = [p for p, _ in prompt_set], [n for _, n in prompt_set]
    images = generate(pipe, prompts, [a.seed + i for i in range(len(prompts))], a.steps,
                      a.guidance, cfg["batch"])
    predicted = clf.predict(images)
    rng = np.random.default_rng(a.seed)
    renders = [render(scene_for_prompt(p, rng)) for p in prompts]
    result = adherence(named, predicted)
    ceiling = adherence(named, clf.predict(renders))
    limit = pipe.tokenizer.model_max_length
    figures = {"by_attribute": result, "renders": ceiling,
               "parse_mismatches": sum(parse_prompt(p) != n for p, n in zip(prompts, named)),
               "truncated_prompts": sum(len(pipe.tokenizer(p).input_ids) > limit for p in prompts),
               "items": [{"prompt": p, "named": n, "predicted": q}
                         for p, n, q in zip(prompts, named, predicted)]}
    rows = [row(f"adherence: {k} (n={v['n']}, renders {ceiling.get(k, {}).get('share', 0):.0%})",
                v["share"], TARGETS.get(k)) for k, v in result.items()]
    return figures, rows


def run_sweep(ctx):
    """Per CFG: colour adherence, saturation, and how far "a cat" drifts from the prior table
    (guidance trades the prior's spread for adherence: the lesson of exercises 1 and 5)."""
    pipe, clf, cfg, a = ctx["pipe"], ctx["clf"], ctx["cfg"], ctx["args"]
    chosen = [(p, n) for p, n in build_prompt_set(max(cfg["prompts"], 2 * cfg["sweep"]), a.seed)
              if "colour" in n][:cfg["sweep"]]
    prompts, named = [p for p, _ in chosen], [n for _, n in chosen]
    seeds = [a.seed + i for i in range(len(prompts))]
    cat_seeds = [a.seed + i for i in range(cfg["prior_seeds"])]
    figures, rows = {}, []
    for g in GUIDANCES:
        images = generate(pipe, prompts, seeds, a.steps, g, cfg["batch"])
        result = adherence(named, clf.predict(images))
        cats = clf.predict(generate(pipe, ["a cat"] * len(cat_seeds), cat_seeds, a.steps, g, cfg["batch"]))
        prior = shares([c["colour"] for c in cats], ATTRIBUTES["cat_colour"])
        figures[str(g)] = {"colour": result["colour"]["share"], "subject": result["subject"]["share"],
                           "saturation": saturation(images), "n": len(prompts),
                           "cat_colour_max_deviation": prior["max_deviation"],
                           "cat_colour_observed": prior["observed"]}
        rows.append(row(f"CFG {g:g}: colour adherence (saturation {figures[str(g)]['saturation']:.2f}; "
                        f"'a cat' colour prior off by {prior['max_deviation']:.0%})", result["colour"]["share"]))
    return figures, rows


def run_diversity(ctx):
    pipe, clf, cfg, a = ctx["pipe"], ctx["clf"], ctx["cfg"], ctx["args"]
    rng = np.random.default_rng(a.seed + 1)
    seeds = [a.seed + i for i in range(cfg["diversity_seeds"])]
    subjects = DIVERSITY_SUBJECTS if cfg["diversity_seeds"] >= 16 else DIVERSITY_SUBJECTS[:2]
    per = {}
    for subject in subjects:
        detailed, named = detailed_prompt(subject, rng)
        entry = {}
        for kind, prompt, fixed in (("vague", f"a {subject}", {"subject": subject}),
                                    ("detailed", detailed, named)):
            images = generate(pipe, [prompt] * len(seeds), seeds, a.steps, a.guidance, cfg["batch"])
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
    pipe, clf, cfg, a = ctx["pipe"], ctx["clf"], ctx["cfg"], ctx["args"]
    seeds = [a.seed + i for i in range(cfg["prior_seeds"])]
    predicted = clf.predict(generate(pipe, ["a cat"] * len(seeds), seeds, a.steps, a.guidance,
                                     cfg["batch"]))
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
    from playground.detectors import canny_map, scribble_map
    from playground.world import make_batch, scene_for_prompt
    pipe, cfg, a = ctx["pipe"], ctx["cfg"], ctx["args"]
    renders, captions, scenes = make_batch(cfg["control_maps"], HELDOUT_SEED)
    views = moved_camera(scenes, np.random.default_rng(a.seed + 4))
    seeds = [a.seed + i for i in range(len(captions))]
    plain = generate(pipe, captions, seeds, a.steps, a.guidance, cfg["batch"])
    rng = np.random.default_rng(a.seed + 3)
    text_only = [render(scene_for_prompt(c, rng)) for c in captions]
    unrelated = np.roll(renders, 1, axis=0)
    figures, rows = {"tolerance_px": TOLERANCE, "maps": len(captions)}, []
    for name, detector in (("canny", canny_map), ("scribble", scribble_map)):
        maps = [detector(im) for im in renders]
        cn = controlnet_pipe(pipe, a.model_dir, name)
        controlled = generate(cn, captions, seeds, a.steps, a.guidance, cfg["batch"], control=maps)

        def mean_f1(images, tol=TOLERANCE, against=maps):
            return mean_edge_f1(images, against, tol)
        with_cn, without = mean_f1(controlled), mean_f1(plain)
        f = figures[name] = {"f1": with_cn, "f1_without": without, "ratio": with_cn / max(without, 1e-6),
                             "f1_1px": mean_f1(controlled, 1), "f1_without_1px": mean_f1(plain, 1),
                             "f1_renders": mean_f1(renders), "f1_chance": mean_f1(unrelated),
                             "f1_text_only_renders": mean_f1(text_only)}
        rows.append(row(f"{name} ControlNet edge F1 ({TOLERANCE} px; renders "
                        f"{f['f1_renders']:.2f})", with_cn, F1_TARGET, fmt="{:.2f}"))
        rows.append(row(f"{name}: F1 without ControlNet (unrelated render {f['f1_chance']:.2f}, "
                        f"text-only render {f['f1_text_only_renders']:.2f})", without, fmt="{:.2f}"))
        rows.append(row(f"{name}: F1 ratio with / without", f["ratio"], F1_RATIO_TARGET, fmt="{:.2f}"))
        # The same ratio over the chance level: how much more of the above-chance agreement
        # the map buys than the words do (not issue 3's target; reported beside it).
        f["ratio_above_chance"] = (with_cn - f["f1_chance"]) / max(without - f["f1_chance"], 1e-6)
        rows.append(row(f"{name}: F1 above chance, with / without", f["ratio_above_chance"], fmt="{:.2f}"))
        rows.append(row(f"{name}: at 1 px, F1 {f['f1_1px']:.2f} / without {f['f1_without_1px']:.2f}, ratio",
                        f["f1_1px"] / max(f["f1_without_1px"], 1e-6), fmt="{:.2f}"))
        # The same scenes through a moved camera: layouts the caption cannot imply, as in a
        # student's own sketch or photo. Without ControlNet the model draws its usual layout.
        moved_maps = [detector(v) for v in views]
        moved = generate(cn, captions, seeds, a.steps, a.guidance, cfg["batch"], control=moved_maps)
        f["moved_camera"] = {"f1": mean_f1(moved, against=moved_maps),
                             "f1_without": mean_f1(plain, against=moved_maps)}
        mc = f["moved_camera"]
        rows.append(row(f"{name}, moved camera: F1 {mc['f1']:.2f} / without {mc['f1_without']:.2f}, ratio",
                        mc["f1"] / max(mc["f1_without"], 1e-6), fmt="{:.2f}"))
        if name == "scribble":
            f["hand_sketch"], sketch_rows = sketch_figures(ctx, cn, scenes, captions, seeds, plain)
            rows += sketch_rows
    return figures, rows


def sketch_figures(ctx, cn, scenes, captions, seeds, plain):
    """Scribble ControlNet on hand-sketch-like drawings of the held-out scenes (outlines only,
    a third of them left out, dark strokes on white paper through the app's scribble_map):
    does the picture follow the strokes, and does it still show what the caption says?"""
    from playground.detectors import scribble_map
    clf, cfg, a = ctx["clf"], ctx["cfg"], ctx["args"]
    rng = np.random.default_rng(a.seed + 5)
    maps = [scribble_map(hand_sketch(s, rng)) for s in scenes]
    images = generate(cn, captions, seeds, a.steps, a.guidance, cfg["batch"], control=maps)
    named = [parse_prompt(c) for c in captions]
    fig = {"f1": mean_edge_f1(images, maps), "f1_without": mean_edge_f1(plain, maps),
           "adherence": pooled_share(named, clf.predict(images), TARGETS),
           "adherence_without": pooled_share(named, clf.predict(plain), TARGETS)}
    return fig, [row(f"scribble, hand sketch: F1 {fig['f1']:.2f} / without {fig['f1_without']:.2f}, ratio",
                     fig["f1"] / max(fig["f1_without"], 1e-6), fmt="{:.2f}"),
                 row(f"scribble, hand sketch: caption adherence (without ControlNet "
                     f"{fig['adherence_without']:.0%})", fig["adherence"])]


def print_table(rows) -> None:
    width = max(len(r[0]) for r in rows)
    print(f"\n{'figure':<{width}}  {'value':>8}  {'target':>10}  result")
    for name, value, target, status in rows:
        print(f"{name:<{width}}  {value:>8}  {target:>10}  {status}")
    failed = sum(r[3] == "FAIL" for r in rows)
    print(f"\n{sum(r[3] == 'PASS' for r in rows)} targets passed, {failed} failed")


def main(argv=None) -> int:
    import torch
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--model-dir", type=Path, default=MODEL_DIR)
    p.add_argument("--quick", action="store_true", help="small sizes for a 2-core CPU")
    p.add_argument("--device", choices=("cuda", "cpu"), default=None)
    p.add_argument("--out", type=Path, default=None, help="write all figures to this JSON")
    p.add_argument("--contact-sheet", type=Path, default=None, help="write the LAB.md example sheet")
    p.add_argument("--steps", type=int, default=None, help="default: the app's (presets/models.yaml)")
    p.add_argument("--guidance", type=float, default=None, help="default: the app's")
    p.add_argument("--scheduler", default=None, help="default: the app's")
    p.add_argument("--sections", default=",".join(SECTIONS), help=f"any of {','.join(SECTIONS)}")
    for key in FULL:
        p.add_argument(f"--{key.replace('_', '-')}", type=int, default=None)
    p.add_argument("--classifier-dir", type=Path, default=None,
                   help="default <model-dir>/classifier; trained and saved there when missing")
    p.add_argument("--retrain-classifier", action="store_true")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=None,
                   help="CPU threads (default: all, or 1 when other jobs keep the cores busy)")
    p.add_argument("--strict", action="store_true", help="exit 1 when a target fails")
    args = p.parse_args(argv)
    for key, value in app_defaults(args.model_dir).items():  # "the default settings" of issue 3
        if getattr(args, key) is None:
            setattr(args, key, value)
    sections = [s for s in args.sections.split(",") if s]
    if set(sections) - set(SECTIONS):
        raise ValueError(f"sections must be among {SECTIONS}, got {sections}")
    if args.steps < 1 or args.guidance < 0:
        raise ValueError(f"steps must be >= 1 and guidance >= 0, got {args.steps}, {args.guidance}")
    device = args.device or ("cuda" if torch.cuda.is_available() else "cpu")
    threads = torch.get_num_threads()
    if device == "cpu":
        torch.set_num_threads(args.threads or cpu_threads())
    try:
        return _evaluate(args, device, sections)
    finally:
        torch.set_num_threads(threads)  # main() is also called from tests


def _evaluate(args, device: str, sections: list[str]) -> int:
    cfg = {k: getattr(args, k) or v for k, v in (QUICK if args.quick else FULL).items()}
    log = lambda msg: print(msg, flush=True)  # noqa: E731
    t0 = time.time()
    clf, clf_figures, rows = run_classifier(args, cfg, device, log)
    results = {"settings": {"model_dir": str(args.model_dir), "device": device, "quick": args.quick,
                            "steps": args.steps, "guidance": args.guidance,
                            "scheduler": args.scheduler, "sizes": cfg, "seed": args.seed},
               "classifier": clf_figures, "seconds": {"classifier": round(time.time() - t0, 1)}}
    ctx = {"pipe": load_pipeline(args.model_dir, device, args.scheduler), "clf": clf,
           "cfg": cfg, "args": args}
    for name in sections:
        t = time.time()
        log(f"evaluate: {name} ...")
        results[name], new_rows = globals()[f"run_{name}"](ctx)
        rows += new_rows
        results["seconds"][name] = round(time.time() - t, 1)
    if args.contact_sheet:
        t = time.time()
        results["contact_sheet"] = str(contact_sheet(ctx["pipe"], EXAMPLE_PROMPTS, args.contact_sheet,
                                                     steps=args.steps, guidance=args.guidance))
        results["seconds"]["contact_sheet"] = round(time.time() - t, 1)
    results["seconds"]["total"] = round(time.time() - t0, 1)
    results["checks"] = [{"figure": r[0], "value": r[1], "target": r[2], "result": r[3]} for r in rows]
    print_table(rows)
    print(f"total {results['seconds']['total']} s on {device}")
    if args.quick:
        print("--quick: small samples (and a weak classifier if trained now): a smoke test, not a verdict")
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(results, indent=1, default=float) + "\n")
        print(f"figures written to {args.out}")
    return 1 if args.strict and any(r[3] == "FAIL" for r in rows) else 0


if __name__ == "__main__":
    raise SystemExit(main())
