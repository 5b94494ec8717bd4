"""Evaluate a tiny-world model folder against the model card's targets, through the app's own Lab:
the one evaluation command.

    python -m workshop.evaluate [--model DIR] [--quick] [--sections S,...] [--device cuda|cpu]
        [--out results.json] [--contact-sheet sheet.png [--before-after OLD.png LABEL LABEL]]
        [--drawings-sheet drawings.png] [--strict]

Images come from playground.lab.Lab.batch: the loading, schedulers and batching a student
gets (batch size: the model's max_batch in presets/models.yaml, or PLAYGROUND_MAX_BATCH).
An attribute classifier (playground.world.classifier; loaded from <model>/classifier or
trained by workshop.classifier_train) reads what each generated image shows. Sections, each
`run_<name>(ctx) -> (figures, table rows)` and printed with its target; --sections takes
section names or these groups (default: world,sharp,sketch):
- world (workshop.eval_sections): adherence (share of images whose classified attribute
  equals the one the prompt named), sweep (colour adherence and saturation per CFG), diversity
  (mean pairwise RMSE of 64x64 greyscale images over seeds, vague / detailed prompts), prior
  (colour shares of "a cat" over seeds against the world's table), control (edge F1 of the
  output's canny edges against the input map, 2 px tolerance, with and without ControlNet, on
  held-out renders and through a moved camera; the scribble net also on hand sketches);
- sharp (workshop.eval_sharp): vae (round trip L1 and sharpness), generated (sharpness against
  renders), styles (each art style's look);
- sketch (workshop.eval_drawings): sketches, world-outline hand sketches and drawings a person
  makes through the scribble net, each against no drawing;
- lessons (workshop.lessons_eval): attention, walks, negation, inpaint, costs;
- upscaler (workshop.upscaler_eval): the x2 upscaler against bicubic and the 256 px renders, on
  generated pictures and VAE'd renders (L1, sharpness, classifier agreement, pixel art, x4, time).
`--sections none` runs no section (with --contact-sheet: only the sheet). Every "renders"
figure is the same measure on the world's own renders: the ceiling. Paths in the JSON are
relative to the repository, so it holds no machine's own paths.
"""
from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from playground.world.classifier import AttributeClassifier
from workshop.classifier_train import render_dataset, train_classifier
from workshop.eval_drawings import SKETCH_FULL, SKETCH_QUICK, run_sketches, sheet
from workshop.eval_sections import (CLASSIFIER_TARGET, HELDOUT_SEED, SECTION_RUNS, print_table,
                                    relative, row)
from workshop.eval_sharp import SHARP_FULL, SHARP_QUICK, SHARP_RUNS
from workshop.lessons_eval import LESSON_FULL, LESSON_QUICK, LESSON_RUNS
from workshop.model import MODEL_DIR
from workshop.upscaler_eval import UPSCALER_FULL, UPSCALER_QUICK, run_upscaler
from workshop.sampling import EXAMPLE_PROMPTS, before_after, contact_sheet, cpu_threads, open_lab

# sizes: the full run, and --quick for a 2-core CPU (minutes, not a verdict)
FULL = dict(prompts=210, sweep=100, diversity_seeds=16, prior_seeds=64, control_maps=48, held_out=3000,
            **SHARP_FULL, **SKETCH_FULL, **LESSON_FULL, **UPSCALER_FULL)
QUICK = dict(prompts=16, sweep=4, diversity_seeds=6, prior_seeds=16, control_maps=2, held_out=300,
             **SHARP_QUICK, **SKETCH_QUICK, **LESSON_QUICK, **UPSCALER_QUICK)
RUNS = {**SECTION_RUNS, **SHARP_RUNS, "sketches": run_sketches, **LESSON_RUNS, "upscaler": run_upscaler}
GROUPS = {"world": tuple(SECTION_RUNS), "sharp": tuple(SHARP_RUNS), "sketch": ("sketches",),
          "lessons": tuple(LESSON_RUNS), "none": ()}  # "upscaler" is a section of its own
DEFAULT_SECTIONS = "world,sharp,sketch"  # what makes evaluation.json; the lessons have their own rows
NO_CLASSIFIER = {"vae", *LESSON_RUNS}  # sections that never read an image's attributes
# the Lab's settings and the command line's names for them
APP_SETTINGS = {"steps": "num_inference_steps", "guidance": "guidance_scale", "scheduler": "scheduler"}


def sections_of(text: str) -> list[str]:
    """Section names from a comma list of names and groups, in order, each once."""
    names = []
    for item in filter(None, text.split(",")):
        if item not in RUNS and item not in GROUPS:
            raise ValueError(f"sections must be among {tuple(RUNS)} or the groups {tuple(GROUPS)}, got {item!r}")
        names += [n for n in GROUPS.get(item, (item,)) if n not in names]
    return names


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
    p = argparse.ArgumentParser(prog="python -m workshop.evaluate", description=__doc__.split("\n")[0])
    p.add_argument("--model", "--model-dir", dest="model_dir", type=Path, default=MODEL_DIR,
                   help="the model folder to judge (default: the shipped one)")
    p.add_argument("--quick", action="store_true", help="small sizes for a 2-core CPU")
    p.add_argument("--sections", default=DEFAULT_SECTIONS,
                   help=f"names ({','.join(RUNS)}) or groups ({','.join(GROUPS)})")
    p.add_argument("--device", choices=("cuda", "cpu"), default=None)
    p.add_argument("--out", type=Path, default=None, help="write all figures to this JSON")
    p.add_argument("--contact-sheet", type=Path, default=None, help="write the LAB.md example sheet")
    p.add_argument("--before-after", nargs=3, metavar=("OLD_SHEET", "OLD_LABEL", "NEW_LABEL"), default=None,
                   help="with --contact-sheet: beside it, <name>_before_after.png (an older sheet on the left)")
    p.add_argument("--drawings-sheet", type=Path, default=None,
                   help="with the sketch section: drawing | map | with | without, as a PNG")
    p.add_argument("--upscaler-sheet", type=Path, default=None,
                   help="with the upscaler section: 128 px | bicubic | upscaler | render 256, as a PNG")
    p.add_argument("--steps", type=int, default=None, help="default: the app's (presets/models.yaml)")
    p.add_argument("--guidance", type=float, default=None, help="default: the app's")
    p.add_argument("--scheduler", default=None, help="default: the app's")
    for key in FULL:
        p.add_argument(f"--{key.replace('_', '-')}", type=int, default=None)
    p.add_argument("--classifier-dir", type=Path, default=None,
                   help="default <model>/classifier; trained and saved there when missing")
    p.add_argument("--retrain-classifier", action="store_true")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=None,
                   help="CPU threads (default: all, or 1 when other jobs keep the cores busy)")
    p.add_argument("--strict", action="store_true", help="exit 1 when a target fails")
    args = p.parse_args(argv)
    try:
        args.sections = sections_of(args.sections)
    except ValueError as e:
        p.error(str(e))
    if args.before_after and not args.contact_sheet:
        p.error("--before-after needs --contact-sheet (the new sheet it puts on the right)")
    return args


def main(argv=None) -> int:
    import torch
    args = parse_args(argv)
    device = args.device or ("cuda" if torch.cuda.is_available() else "cpu")
    lab = open_lab(args.model_dir, device)
    defaults = lab.defaults()
    for key, setting in APP_SETTINGS.items():  # the figures describe the app's default settings
        if getattr(args, key) is None:
            setattr(args, key, defaults[setting])
    if args.steps < 1 or args.guidance < 0:
        raise ValueError(f"steps must be >= 1 and guidance >= 0, got {args.steps}, {args.guidance}")
    threads = torch.get_num_threads()
    if device == "cpu":
        torch.set_num_threads(args.threads or cpu_threads())
    try:
        return _evaluate(args, lab, device, args.sections)
    finally:
        torch.set_num_threads(threads)  # main() is also called from tests


def _evaluate(args, lab, device: str, sections: list[str]) -> int:
    """1. the classifier (when a section reads attributes), 2. each section, 3. the sheets,
    4. the table and the JSON."""
    cfg = {k: v if getattr(args, k) is None else getattr(args, k) for k, v in (QUICK if args.quick else FULL).items()}
    log = lambda msg: print(msg, flush=True)  # noqa: E731
    t0 = time.time()
    results = {"settings": {"model_dir": relative(args.model_dir), "device": device, "quick": args.quick,
                            "steps": args.steps, "guidance": args.guidance,
                            "scheduler": args.scheduler, "sizes": cfg, "seed": args.seed}, "seconds": {}}
    clf, rows = None, []
    if set(sections) - NO_CLASSIFIER:
        clf, results["classifier"], rows = run_classifier(args, cfg, device, log)
        results["seconds"]["classifier"] = round(time.time() - t0, 1)
    ctx = {"lab": lab, "clf": clf, "cfg": cfg, "args": args}
    for name in sections:
        t = time.time()
        log(f"evaluate: {name} ...")
        results[name], new_rows = RUNS[name](ctx)
        rows += new_rows
        results["seconds"][name] = round(time.time() - t, 1)
    write_sheets(args, lab, ctx, results)
    results["seconds"]["total"] = round(time.time() - t0, 1)
    results["checks"] = [{"figure": r[0], "value": r[1], "target": r[2], "result": r[3]} for r in rows]
    if rows:
        print_table(rows)
    print(f"model {relative(args.model_dir)}, {args.steps} steps, CFG {args.guidance}: "
          f"total {results['seconds']['total']} s on {device}")
    if args.quick:
        print("--quick: small samples (and a weak classifier if trained now): a smoke test, not a verdict")
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(results, indent=1, default=float) + "\n")
        print(f"figures written to {args.out}")
    return 1 if args.strict and any(r[3] == "FAIL" for r in rows) else 0


def write_sheets(args, lab, ctx, results) -> None:
    """The contact sheet (and beside an older one, the before/after sheet) and the drawings sheet."""
    if args.contact_sheet:
        t = time.time()
        path = contact_sheet(lab, EXAMPLE_PROMPTS, args.contact_sheet, steps=args.steps,
                             guidance=args.guidance, scheduler=args.scheduler)
        results["contact_sheet"] = relative(path)
        results["seconds"]["contact_sheet"] = round(time.time() - t, 1)
        if args.before_after:
            old, *labels = args.before_after
            pair = before_after(Path(old), path, path.with_name(f"{path.stem}_before_after.png"), labels)
            results["contact_sheet_before_after"] = relative(pair)
    if args.drawings_sheet and "drawings" in ctx.get("pictures", {}):
        sheet(ctx["pictures"]["drawings"], args.drawings_sheet)


if __name__ == "__main__":
    raise SystemExit(main())
