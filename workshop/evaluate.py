"""Evaluate the tiny-world model against the targets of issue 3, through the app's own Lab.

    python -m workshop.evaluate [--model-dir D] [--quick] [--device cuda|cpu]
        [--out results.json] [--contact-sheet sheet.png] [--strict]

Images come from playground.lab.Lab.batch: the loading, schedulers and batching a student
gets (batch size: the model's max_batch in presets/models.yaml, or PLAYGROUND_MAX_BATCH).
An attribute classifier (playground.world.classifier; loaded from <model-dir>/classifier or
trained by workshop.classifier_train) reads what each generated image shows. Figures, each
printed with its target (workshop.eval_sections):
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
- issue 10's measures (workshop.eval_sharp, also runnable alone on any model folder): the VAE
  round trip's L1 and sharpness, generated sharpness against renders, the styles' looks, and
  hand sketches and person drawings through the scribble net, each against no drawing.
Every "renders" figure is the same measure on the world's own renders: the ceiling.
Paths in the JSON are relative to the repository, so it holds no machine's own paths.
"""
from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from playground.world.classifier import AttributeClassifier
from workshop.classifier_train import render_dataset, train_classifier
from workshop.eval_sections import (CLASSIFIER_TARGET, HELDOUT_SEED, SECTION_RUNS, print_table,
                                    relative, row)
from workshop.eval_sharp import SHARP_FULL, SHARP_QUICK, SHARP_RUNS
from workshop.model import MODEL_DIR
from workshop.sampling import EXAMPLE_PROMPTS, contact_sheet, cpu_threads, open_lab

# sizes: the GPU run, and --quick for a 2-core CPU (minutes, not a verdict)
FULL = dict(prompts=210, sweep=100, diversity_seeds=16, prior_seeds=64, control_maps=48, held_out=3000,
            **SHARP_FULL)
QUICK = dict(prompts=16, sweep=4, diversity_seeds=6, prior_seeds=16, control_maps=2, held_out=300,
             **SHARP_QUICK)
RUNS = {**SECTION_RUNS, **SHARP_RUNS}  # issue 10's measures (workshop.eval_sharp) after issue 3's
SECTIONS = tuple(RUNS)
# the Lab's settings and the command line's names for them
APP_SETTINGS = {"steps": "num_inference_steps", "guidance": "guidance_scale", "scheduler": "scheduler"}


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
    figures = {"folder": relative(folder), "trained_now": trained, "held_out": len(x), "accuracy": acc,
               "train": clf.config.get("train", {})}
    return clf, figures, [row(f"classifier accuracy: {a}", v, CLASSIFIER_TARGET) for a, v in acc.items()]


def parse_args(argv):
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
    return p.parse_args(argv)


def main(argv=None) -> int:
    import torch
    args = parse_args(argv)
    device = args.device or ("cuda" if torch.cuda.is_available() else "cpu")
    lab = open_lab(args.model_dir, device)
    defaults = lab.defaults()
    for key, setting in APP_SETTINGS.items():  # "the default settings" of issue 3
        if getattr(args, key) is None:
            setattr(args, key, defaults[setting])
    sections = [s for s in args.sections.split(",") if s]
    if set(sections) - set(SECTIONS):
        raise ValueError(f"sections must be among {SECTIONS}, got {sections}")
    if args.steps < 1 or args.guidance < 0:
        raise ValueError(f"steps must be >= 1 and guidance >= 0, got {args.steps}, {args.guidance}")
    threads = torch.get_num_threads()
    if device == "cpu":
        torch.set_num_threads(args.threads or cpu_threads())
    try:
        return _evaluate(args, lab, device, sections)
    finally:
        torch.set_num_threads(threads)  # main() is also called from tests


def _evaluate(args, lab, device: str, sections: list[str]) -> int:
    cfg = {k: getattr(args, k) or v for k, v in (QUICK if args.quick else FULL).items()}
    log = lambda msg: print(msg, flush=True)  # noqa: E731
    t0 = time.time()
    clf, clf_figures, rows = run_classifier(args, cfg, device, log)
    results = {"settings": {"model_dir": relative(args.model_dir), "device": device, "quick": args.quick,
                            "steps": args.steps, "guidance": args.guidance,
                            "scheduler": args.scheduler, "sizes": cfg, "seed": args.seed},
               "classifier": clf_figures, "seconds": {"classifier": round(time.time() - t0, 1)}}
    ctx = {"lab": lab, "clf": clf, "cfg": cfg, "args": args}
    for name in sections:
        t = time.time()
        log(f"evaluate: {name} ...")
        results[name], new_rows = RUNS[name](ctx)
        rows += new_rows
        results["seconds"][name] = round(time.time() - t, 1)
    if args.contact_sheet:
        t = time.time()
        sheet = contact_sheet(lab, EXAMPLE_PROMPTS, args.contact_sheet, steps=args.steps,
                              guidance=args.guidance, scheduler=args.scheduler)
        results["contact_sheet"] = relative(sheet)
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
