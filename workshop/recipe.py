"""The recipe: the commands that made every shipped file of models/tiny-world, in order.

    python -m workshop.recipe                                  # the list (the model card's)
    python -m workshop.recipe --run --out DIR [--work DIR] [--from STEP] [--to STEP] [--tiny]

Each step is data (STEPS): the command with {out} (the model folder) and {work} (a scratch
folder for what is not shipped), the seconds it took and the hardware it ran on as the model
card measured them (None: not timed), the files it writes, and the same command at tiny
sizes (--tiny: the trainers' --smoke and --quick, for a run in seconds). The model card's
recipe list is markdown() and a test keeps the two equal, so the card and this list cannot
drift. --run runs the steps as subprocesses from the repository root; it never writes into
models/tiny-world unless --out names it and --overwrite-shipped says so. The two sketch-pad
steps drive the running app, which serves models/tiny-world only: with another --out they are
skipped, and with --tiny too (they need chromium).
"""
from __future__ import annotations

import argparse
import shlex
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from workshop.model import MODEL_DIR, ROOT

H100 = "one NVIDIA H100 (bf16 autocast), 16 CPU cores"
CPU = "a 2-core CPU"
AFTER = "after: the new decoder; same weights otherwise, seeds and settings"


@dataclass(frozen=True)
class Step:
    name: str
    argv: tuple[str, ...]         # python -m argv[0] argv[1:], with {out} and {work}
    seconds: float | None         # as the model card measured it; None: not timed
    hardware: str
    writes: tuple[str, ...] = ()  # under {out} (shipped) or {work} (scratch)
    tiny: tuple[str, ...] | None = None  # the step at tiny sizes; None: none (skipped by --tiny)
    note: str = ""
    app: bool = False             # drives `python app.py`, which serves models/tiny-world


UPSCALE = ("workshop.upscaler_train", "--checkpoint-every", "250", "--threads", "1")
TRAIN = ("workshop.train",)
# The smoke run's sizes cut to one step of two images: seconds, not a minute, a step
TINY_TRAIN = ("--smoke", "--scenes", "32", "--vae-steps", "1", "--vae-batch", "2", "--unet-steps", "1",
              "--unet-batch", "2", "--controlnet-steps", "1", "--controlnet-batch", "2")
TINY_EVAL = ("--quick", "--device", "cpu", "--steps", "2", "--prompts", "2", "--sweep", "1", "--diversity-seeds", "2",
             "--prior-seeds", "2", "--control-maps", "1", "--held-out", "20", "--vae-scenes", "1", "--gen-scenes", "1",
             "--style-seeds", "1", "--sketches", "1", "--drawings", "3")
STEPS = (
    Step("vae-unet", TRAIN + ("--parts", "vae,unet", "--vae-steps", "4000", "--unet-steps", "9000",
                              "--max-minutes", "7", "--out", "{out}"),
         755, H100, ("{out}/vae/", "{out}/unet/", "{out}/scheduler/", "{out}/model_index.json"),
         TRAIN + TINY_TRAIN + ("--parts", "vae,unet", "--out", "{out}"),
         "rendering 35 s, the VAE's 4,000 steps 300 s, the UNet stopped by the 7-minute cap after "
         "about 4,100 of its 9,000 cosine steps; the latents between them not timed"),
    Step("controlnets-gpu", TRAIN + ("--parts", "canny,scribble", "--init-from", "{out}", "--scenes", "40000",
                                     "--controlnet-steps", "1000", "--controlnet-jitter", "0", "--max-minutes", "2.2",
                                     "--out", "{out}"),
         264, H100, ("{out}/controlnet-canny/", "{out}/controlnet-scribble/"),
         TRAIN + TINY_TRAIN + ("--parts", "canny,scribble", "--init-from", "{out}", "--controlnet-jitter", "0",
                               "--out", "{out}"),
         "2.2 minutes each, the cap; no camera jitter yet, the next stage brought it"),
    Step("classifier", ("workshop.classifier_train", "--out", "{out}/classifier"), 57, H100, ("{out}/classifier/",),
         ("workshop.classifier_train", "--quick", "--n-train", "64", "--n-test", "32", "--epochs", "1",
          "--device", "cpu", "--out", "{out}/classifier"),
         "the evaluation's attribute classifier"),
    Step("controlnets-cpu", TRAIN + ("--parts", "canny,scribble", "--init-from", "{out}", "--controlnet-resume",
                                     "--controlnet-jitter", "0.5", "--scenes", "4000", "--workers", "2",
                                     "--controlnet-steps", "600", "--controlnet-batch", "32", "--controlnet-lr",
                                     "0.0001", "--device", "cpu", "--out", "{out}"),
         2520, CPU, ("{out}/controlnet-canny/", "{out}/controlnet-scribble/"),
         TRAIN + TINY_TRAIN + ("--parts", "canny,scribble", "--init-from", "{out}", "--controlnet-resume",
                               "--device", "cpu", "--out", "{out}"),
         "about 21 minutes each; half of every batch through a moved camera"),
    Step("captioner", ("workshop.captioner_train", "--max-minutes", "10", "--out", "{out}/captioner"),
         417, "2 shared CPU cores", ("{out}/captioner/",),
         ("workshop.captioner_train", "--quick", "--out", "{out}/captioner"),
         "training 6.6 minutes, which the cap did not bind, then its evaluation 21 s, which writes "
         "captioner/evaluation.json"),
    Step("sheet-old-decoder", ("workshop.evaluate", "--model", "{out}", "--sections", "none", "--device", "cpu",
                               "--contact-sheet", "{work}/contact_sheet_old_decoder.png"),
         None, CPU, ("{work}/contact_sheet_old_decoder.png",),
         ("workshop.evaluate", "--model", "{out}", "--sections", "none", "--device", "cpu", "--steps", "2",
          "--contact-sheet", "{work}/contact_sheet_old_decoder.png"),
         "the contact sheet before the decoder step, the left half of the before/after sheet"),
    Step("sketches-old-decoder", ("workshop.pad_sketches", "--out", "{work}/sketches_old_decoder"),
         None, CPU + " with chromium", ("{work}/sketches_old_decoder/",),
         note="the pad drawings before the decoder step, the sketch sheet's left columns", app=True),
    Step("decoder", TRAIN + ("--parts", "decoder", "--decoder-steps", "2000", "--work", "{work}/decoder",
                             "--out", "{out}"),
         1400, "a quiet 2-core CPU", ("{work}/decoder/",),
         TRAIN + ("--parts", "decoder", "--smoke", "--work", "{work}/decoder", "--out", "{out}"),
         "0.70 s a step; the shipped run was cut and resumed, so its own clock is no measure"),
    Step("decoder-export", TRAIN + ("--parts", "decoder", "--export", "--work", "{work}/decoder", "--out", "{out}"),
         None, CPU, ("{out}/vae/",),
         TRAIN + ("--parts", "decoder", "--export", "--work", "{work}/decoder", "--out", "{out}"),
         "the decoder of step 2,000 into vae/; the encoder stays bit for bit"),
    Step("evaluation", ("workshop.evaluate", "--model", "{out}", "--device", "cpu", "--out", "{out}/evaluation.json",
                        "--contact-sheet", "{out}/contact_sheet.png", "--before-after",
                        "{work}/contact_sheet_old_decoder.png", "before: the old decoder", AFTER),
         741, CPU, ("{out}/evaluation.json", "{out}/contact_sheet.png", "{out}/contact_sheet_before_after.png"),
         ("workshop.evaluate", "--model", "{out}", *TINY_EVAL, "--out", "{out}/evaluation.json",
          "--contact-sheet", "{out}/contact_sheet.png", "--before-after",
          "{work}/contact_sheet_old_decoder.png", "before: the old decoder", AFTER),
         "the default sections (world, sharp, sketch) at the app's settings"),
    Step("sketches", ("workshop.pad_sketches", "--out", "{out}/sketches", "--before", "{work}/sketches_old_decoder"),
         None, CPU + " with chromium", ("{out}/sketches/",),
         note="three drawings in the app's sketch pad, at the ControlNet tab's scales 0.5 and 1.0", app=True),
    # The upscaler: 3,000 pairs (renders through vae/ against 256 px renders), then one schedule in
    # two stages: L1 + Sobel to step 5,250, then with the texture-energy term and blocky pixel-art
    # targets to the end. One thread: the other core stayed free for other work.
    Step("upscaler-a", UPSCALE + ("--steps", "12000", "--energy-weight", "0", "--pixel-blocks", "false",
                                  "--stop-at", "5250", "--work", "{work}/upscaler"), 2110, CPU + ", one thread",
         ("{work}/upscaler/",), UPSCALE + ("--smoke", "--stop-at", "2", "--work", "{work}/upscaler"),
         "about 9 minutes making the pairs, then 0.30 s a step"),
    Step("upscaler-b", UPSCALE + ("--steps", "12000", "--work", "{work}/upscaler"),
         2030, CPU + ", one thread", ("{work}/upscaler/",),
         UPSCALE + ("--smoke", "--stop-at", "3", "--work", "{work}/upscaler"),
         "resumed at step 5,250 with the texture-energy term and blocky pixel-art targets; 0.30 s a step"),
    # Then two fine-tunes, each a new cosine tail: the classifier read 4% of the generated pictures
    # differently once upscaled (the network "corrected" the VAE's colours), and pixel art and
    # watercolour had been averaged away by the other styles.
    Step("upscaler-c", UPSCALE + ("--steps", "15000", "--lr", "0.002", "--consistency-weight", "1.0",
                                  "--style-weights", "pixel art:4,watercolour:3", "--work", "{work}/upscaler"),
         890, CPU + ", one thread", ("{work}/upscaler/",),
         UPSCALE + ("--smoke", "--steps", "5", "--consistency-weight", "1.0", "--style-weights", "pixel art:4",
                    "--work", "{work}/upscaler"),
         "resumed at step 12,000 with the consistency term and per-style weights; 0.27 s a step beside other work"),
    Step("upscaler-d", UPSCALE + ("--steps", "18000", "--lr", "0.002", "--consistency-weight", "1.0",
                                  "--diff-weight", "1.0", "--style-weights", "pixel art:8,watercolour:4",
                                  "--work", "{work}/upscaler"),
         840, CPU + ", one thread", ("{work}/upscaler/",),
         UPSCALE + ("--smoke", "--steps", "6", "--diff-weight", "1.0", "--work", "{work}/upscaler"),
         "resumed at step 15,000 with the neighbour-difference term; 0.28 s a step beside other work"),
    Step("upscaler-e", UPSCALE + ("--steps", "20000", "--lr", "0.004", "--consistency-weight", "1.0",
                                  "--diff-weight", "1.0", "--style-weights", "pixel art:8,watercolour:12",
                                  "--out", "{out}/upscaler", "--work", "{work}/upscaler"),
         640, CPU + ", one thread", ("{out}/upscaler/tiny-world-x2.safetensors", "{out}/upscaler/config.json"),
         UPSCALE + ("--smoke", "--steps", "7", "--diff-weight", "1.0", "--style-weights", "watercolour:12",
                    "--out", "{out}/upscaler", "--work", "{work}/upscaler"),
         "resumed at step 18,000, watercolour weighed 12: its grain had stayed 4% crisper than the input's"),
    Step("upscaler-evaluation", ("workshop.evaluate", "--model", "{out}", "--sections", "upscaler", "--device", "cpu",
                                 "--threads", "1", "--out", "{out}/upscaler/evaluation.json",
                                 "--upscaler-sheet", "{out}/upscaler/contact_sheet.png"), 120, CPU + ", one thread",
         ("{out}/upscaler/evaluation.json", "{out}/upscaler/contact_sheet.png"),
         ("workshop.evaluate", "--model", "{out}", "--sections", "upscaler", "--quick", "--device", "cpu",
          "--threads", "1", "--out", "{out}/upscaler/evaluation.json",
          "--upscaler-sheet", "{out}/upscaler/contact_sheet.png"),
         "64 held-out scenes per set; the figures in the card's upscaler section"),
)


def command(argv, out="DIR", work="WORK") -> list[str]:
    return [part.format(out=out, work=work) for part in argv]


def markdown(steps=STEPS) -> str:
    """The numbered list the model card carries, DIR the model folder and WORK a scratch folder."""
    lines = []
    for i, s in enumerate(steps, 1):
        took = f"{s.seconds:,.0f} s on {s.hardware}" if s.seconds is not None else f"{s.hardware}, not timed"
        writes = ", ".join(w.replace("{out}/", "").replace("{work}", "WORK") for w in s.writes)
        lines.append(f"{i}. **{s.name}**: `python -m {shlex.join(command(s.argv))}`")
        lines.append(f"   Writes {writes}. {took[0].upper()}{took[1:]}" + (f": {s.note}" if s.note else "") + ".")
    return "\n".join(lines) + "\n"


def select(first: str | None, last: str | None, steps=STEPS) -> tuple[Step, ...]:
    names = [s.name for s in steps]
    for name in (first, last):
        if name is not None and name not in names:
            raise ValueError(f"a step must be one of {names}, got {name!r}")
    lo = names.index(first) if first else 0
    hi = names.index(last) if last else len(names) - 1
    if lo > hi:
        raise ValueError(f"--from {first} comes after --to {last}")
    return steps[lo:hi + 1]


def run(steps, out: Path, work: Path, tiny: bool = False, python: str = sys.executable) -> list[str]:
    """Run the steps in order (a failing step stops the run); returns the names of those run."""
    shipped = out.resolve() == MODEL_DIR.resolve()
    done = []
    for step in steps:
        if (step.app and not shipped) or (tiny and step.tiny is None):
            why = "it needs chromium" if tiny else "the app serves models/tiny-world, not this --out"
            print(f"[recipe] skipped {step.name}: {why}", flush=True)
            continue
        argv = [python, "-m", *command(step.tiny if tiny else step.argv, out, work)]
        print(f"[recipe] {step.name}: {shlex.join(argv[1:])}", flush=True)
        start = time.time()
        subprocess.run(argv, cwd=ROOT, check=True)
        print(f"[recipe] {step.name} took {time.time() - start:.0f} s", flush=True)
        done.append(step.name)
    return done


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m workshop.recipe", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--run", action="store_true", help="run the steps (else print the list)")
    parser.add_argument("--out", type=Path, help="the model folder the steps write (required with --run)")
    parser.add_argument("--work", type=Path, help="scratch folder (default: <out>.work beside it)")
    parser.add_argument("--from", dest="first", help="the first step to run (a name from the list)")
    parser.add_argument("--to", dest="last", help="the last step to run")
    parser.add_argument("--tiny", action="store_true", help="each step at tiny sizes (a smoke run)")
    parser.add_argument("--overwrite-shipped", action="store_true", help="allow --out models/tiny-world")
    args = parser.parse_args(argv)
    if not args.run:
        print(markdown(), end="")
        return
    if args.out is None:
        parser.error("--run needs --out (a model folder to write)")
    if args.out.resolve() == MODEL_DIR.resolve() and not args.overwrite_shipped:
        parser.error("--out is the shipped model: add --overwrite-shipped to write into it")
    try:
        steps = select(args.first, args.last)
    except ValueError as e:
        parser.error(str(e))
    work = args.work or args.out.with_name(args.out.name + ".work")
    work.mkdir(parents=True, exist_ok=True)
    run(steps, args.out, work, args.tiny)


if __name__ == "__main__":
    main()
