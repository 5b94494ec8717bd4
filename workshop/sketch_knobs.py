"""The scribble pipeline's own knobs on the evaluation's person drawings (issue 10): can a
setting, rather than training, keep both the drawing and the caption?

    python -m workshop.sketch_knobs [--model models/tiny-world] [--classifier-dir DIR] [--drawings 24]

For each setting (conditioning scale, diffusers' guess_mode, CFG) it calls the app's
ControlNet pipeline on workshop.eval_drawings' drawings, maps, captions and seeds and prints
the same two figures as `workshop.eval_sharp --sections sketches`: edge F1 against the map
and caption adherence read by the attribute classifier. The first setting is the
evaluation's own, so its row reproduces that section's figures.
"""
from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from playground.world.classifier import AttributeClassifier
from workshop.drawings import drawing_set
from workshop.eval_drawings import DRAWING_SEED, scribble_maps, stroke_f1
from workshop.eval_sections import TARGETS
from workshop.metrics import pooled_share
from workshop.model import MODEL_DIR
from workshop.sampling import open_lab

SETTINGS = [dict(controlnet_conditioning_scale=1.0),
            dict(controlnet_conditioning_scale=1.0, guess_mode=True),
            dict(controlnet_conditioning_scale=1.5, guess_mode=True),
            dict(controlnet_conditioning_scale=1.0, guidance_scale=4.0),
            dict(controlnet_conditioning_scale=2.0, guess_mode=True, guidance_scale=3.0)]


def measure(pipe, clf, drawings, maps, setting: dict, defaults: dict) -> tuple[float, float]:
    """(edge F1, adherence) of the pipeline's images at one setting; seeds 0..n-1, one CPU
    generator each, as the evaluation draws them."""
    import torch
    from PIL import Image
    kwargs = {"guidance_scale": defaults["guidance_scale"], **setting}
    out = pipe(prompt=[d.caption for d in drawings], image=[Image.fromarray(m).convert("RGB") for m in maps],
               num_inference_steps=defaults["num_inference_steps"], output_type="np",
               generator=[torch.Generator().manual_seed(i) for i in range(len(drawings))], **kwargs).images
    images = (out * 255).round().astype(np.uint8)
    return float(np.mean(stroke_f1(images, maps))), pooled_share([d.named for d in drawings], clf.predict(images), TARGETS)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", type=Path, default=MODEL_DIR)
    p.add_argument("--classifier-dir", type=Path, default=None, help="default <model>/classifier")
    p.add_argument("--drawings", type=int, default=24)
    a = p.parse_args(argv)
    lab = open_lab(a.model, "cpu")
    clf = AttributeClassifier.load(a.classifier_dir or a.model / "classifier", "cpu")
    drawings = drawing_set(a.drawings, DRAWING_SEED)  # the evaluation's, at its seed 0
    maps = scribble_maps([d.image for d in drawings])
    defaults = lab.defaults()
    pipe = lab.manager.pipeline("controlnet", "scribble")
    lab.manager.set_scheduler(pipe, defaults["scheduler"])
    print(f"{'setting':70} {'F1':>6} {'adherence':>10}")
    for setting in SETTINGS:
        f1, adh = measure(pipe, clf, drawings, maps, setting, defaults)
        print(f"{str(setting):70} {f1:6.2f} {adh:10.1%}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
