"""The lessons' targets, measured with the embedded model through the app's own Lab: the
evaluation's lessons sections (`python -m workshop.evaluate --sections lessons`, about 4
minutes on 2 cores).

One row per target: attention lands on the subject's side (where words land), slerp keeps the
noise's length and lerp does not (walks), written negation fails where a negative prompt works,
inpainting keeps the outside and follows the prompt inside, and what each exercise costs beyond
its generations. --quick runs a handful of seeds (a smoke test, not figures).
"""
from __future__ import annotations

import time

import numpy as np
from PIL import Image, ImageDraw

from playground import prior
from playground.exercises.interpolate import even_steps, lerp, slerp
from playground.lab import Lab

SUBJECTS = ("cat", "dog", "fox", "car", "house")


def attention_sides(lab: Lab, seeds: int) -> dict:
    """Share of runs where the subject word's map has its centre on the side the prompt names."""
    hits = 0
    for i in range(seeds):
        subject, side = SUBJECTS[i % len(SUBJECTS)], ("left", "right")[(i // len(SUBJECTS)) % 2]
        panels = lab.attention_maps(f"a {subject} on the {side}, in a meadow", seed=i)
        x = next(p.params["centre"][0] for p in panels[1:] if p.params["word"] == subject)
        hits += (x < 0.5) == (side == "left")
    return {"seeds": seeds, "share": hits / seeds}


WALK_PROMPTS = ("a cat in a meadow", "a red car in a street at noon")


def walks(lab: Lab, pairs: int) -> dict:
    """Noise norms along both paths, image contrast of the middle frames, step evenness in noise
    and in images (walk_pair), over `pairs` seed pairs (2i, 2i+1) and two prompts in turn."""
    import torch

    norm_dev, lerp_mid, noise_ratio, runs = [], [], [], []
    for i in range(pairs):
        a, b = (torch.randn(1, 4, 16, 16, generator=torch.Generator().manual_seed(s)) for s in (2 * i, 2 * i + 1))
        lo, hi = sorted(float(x.norm()) for x in (a, b))
        norms = [float(slerp(t, a, b).norm()) for t in even_steps(9)]
        norm_dev.append([max(max(0, lo - n) / lo, max(0, n - hi) / hi) for n in norms])
        lerp_mid.append(float(lerp(0.5, a, b).norm()) / ((lo + hi) / 2))
        path = [slerp(t, a, b) for t in even_steps(8)]
        noise_steps = [float((x - y).norm()) for x, y in zip(path[1:], path)]
        noise_ratio.append(max(noise_steps) / float(np.median(noise_steps)))
        runs.append(walk_pair(lab, WALK_PROMPTS[i % 2], (2 * i, 2 * i + 1)))
    return {"pairs": pairs, "slerp_max_norm_deviation": max(max(d) for d in norm_dev),
            "lerp_middle_norm_ratio": float(np.mean(lerp_mid)),
            "middle_contrast_vs_ends": {m: float(np.mean([r["contrast"][m] for r in runs])) for m in ("slerp", "lerp")},
            "slerp_noise_max_step_over_median": float(max(noise_ratio)),
            "image_steps_per_pair": runs, "image_steps": step_summary(runs)}


def step_ratio(panels, colour: bool, skip=()) -> float:
    """A walk's largest consecutive-frame mean absolute difference over the median one; steps
    into the frames in `skip` (cuts) are left out of the largest, not of the median."""
    pics = [np.asarray(p.image.convert("RGB" if colour else "L"), float) for p in panels]
    steps = [np.abs(x - y).mean() for x, y in zip(pics[1:], pics)]
    kept = [d for k, d in enumerate(steps, start=1) if k not in skip] or [0.0]
    return float(max(kept) / max(np.median(steps), 1e-9))


def walk_pair(lab: Lab, prompt: str, seeds: tuple[int, int]) -> dict:
    """8-frame walks of one seed pair: slerp and lerp at equal steps of t (the middle frames'
    contrast; t = 0.5 is lerp's quietest noise), and slerp at even image steps. For both slerp
    walks: max image step / median step in grey levels and in RGB, renders, wall seconds."""
    out = {"prompt": prompt, "seeds": list(seeds), "contrast": {}}
    for mode, spacing in (("slerp", "uniform"), ("lerp", "uniform"), ("slerp", "even")):
        start = time.perf_counter()
        # 64 renders: naming a jump a cut takes bisecting it to 1e-4 of t, more than the tab's
        # quick default (2 renders a frame, answered in about 5 s) buys
        walk = lab.interpolate(prompt, seeds=seeds, frames=8, mode=mode, spacing=spacing,
                               budget=64 if spacing == "even" else None)
        seconds = time.perf_counter() - start
        if spacing == "uniform":
            grey = [np.asarray(p.image.convert("L"), float) for p in walk]
            out["contrast"][mode] = float(np.mean([g.std() for g in grey[3:5]]) / np.mean([grey[0].std(), grey[-1].std()]))
        if mode == "slerp":
            out[spacing] = {"grey": step_ratio(walk, colour=False), "rgb": step_ratio(walk, colour=True),
                            "renders": walk.renders, "seconds": seconds, "t": [p.params["t"] for p in walk],
                            "cuts": len(walk.cuts), "grey_between_cuts": step_ratio(walk, False, walk.cuts),
                            "rgb_between_cuts": step_ratio(walk, True, walk.cuts)}
    print(f"walk {seeds} {prompt!r}: image max/median step (grey, rgb) " + "; ".join(
        f"{s} {out[s]['grey']:.2f}, {out[s]['rgb']:.2f} in {out[s]['renders']} renders, {out[s]['seconds']:.0f} s"
        for s in ("uniform", "even")) + f"; cuts {out['even']['cuts']}, between them "
        f"{out['even']['grey_between_cuts']:.2f}, {out['even']['rgb_between_cuts']:.2f}", flush=True)
    return out


def step_summary(runs: list[dict]) -> dict:
    """Per spacing: max and median over pairs of each figure, and the share of walks within 2x."""
    out = {}
    for spacing in ("uniform", "even"):
        rows = [r[spacing] for r in runs]
        out[spacing] = {f"{k}_{stat}": float(fn([row[k] for row in rows]))
                        for k in ("grey", "rgb", "renders", "seconds") for stat, fn in (("max", np.max), ("median", np.median))}
        if spacing == "even":
            for k in ("grey_between_cuts", "rgb_between_cuts"):
                out[spacing][f"{k}_max"] = float(np.max([row[k] for row in rows]))
                out[spacing][f"share_within_2_{k}"] = float(np.mean([row[k] <= 2.0 for row in rows]))
            out[spacing]["walks_with_cuts"] = int(sum(row["cuts"] > 0 for row in rows))
        for k in ("grey", "rgb"):
            out[spacing][f"share_within_2_{k}"] = float(np.mean([row[k] <= 2.0 for row in rows]))
    return out


def negation(lab: Lab, seeds: int) -> dict:
    result = lab.negation_shares("a cat in a living room", "ginger", seeds=range(seeds))
    return {"seeds": seeds, **result["shares"]}


def inpainting(lab: Lab, seeds: int) -> dict:
    """A house in a meadow; the middle repainted as a red car: outside kept, inside followed."""
    mask = Image.new("L", (128, 128), 0)
    ImageDraw.Draw(mask).rectangle((16, 48, 112, 120), fill=255)
    inside = np.asarray(mask) > 0
    outside_change, follows = [], []
    for seed in range(seeds):
        source = lab.generate("a house in a meadow at noon", seed=seed).image
        out = lab.inpaint(source, mask, "a red car in a meadow at noon", strengths=[1.0], seed=seed)[0].image
        outside_change.append(np.abs(np.asarray(out, float) - np.asarray(source, float))[~inside].mean() / 255)
        pred = prior.classifier().predict([out])[0]
        follows.append(pred["subject"] == "car" or pred["colour"] == "red")
    return {"seeds": seeds, "outside_mean_change": float(np.mean(outside_change)), "follows_prompt": float(np.mean(follows))}


def costs(lab: Lab, runs: int) -> dict:
    """Seconds per image beyond the generations each exercise runs (median of `runs`; wall
    time: the pipelines use every core, so CPU time would count each second twice)."""
    def median(fn):
        fn()  # first-call costs (a derived pipeline, a processor swap) are not per image
        times = []
        for _ in range(runs):
            start = time.perf_counter()
            fn()
            times.append(time.perf_counter() - start)
        return float(np.median(times))
    plain = median(lambda: lab.generate("a ginger cat on the left, in a meadow", seed=1))
    attention = median(lambda: lab.attention_maps("a ginger cat on the left, in a meadow", seed=1))
    walk = median(lambda: lab.interpolate("a cat", seeds=(1, 2), frames=4, spacing="uniform"))
    grid4 = median(lambda: lab.seed_grid("a cat", seeds=range(4)))
    cat = median(lambda: lab.generate("a cat", seed=1))
    negation = median(lambda: lab.negation("a cat", "ginger", seed=1))  # three generations
    house = lab.generate("a red house in a meadow", seed=1).image
    mask = Image.new("L", house.size, 0)
    mask.paste(255, (32, 32, 96, 96))
    inpainted = median(lambda: lab.inpaint(house, mask, "a red car", strengths=(1.0,), seed=1))  # all steps
    written = median(lambda: lab.captions("a", temperatures=(0.2, 0.7, 1.2), seed=1, samples=4))
    texts = range(3 * 4)  # three temperatures, four samples each
    return {"cpu_s_plain_image": plain, "attention_overhead": attention / plain - 1,
            "walk_extra_cpu_s_per_image": (walk - grid4) / 4,
            "negation_extra_s_per_image": (negation - 3 * cat) / 3,
            "inpaint_extra_s_per_image": inpainted - cat,
            "captions_s_per_caption": written / len(texts)}


def check(name, value, target: str | None = None, ok: bool | None = None):
    """A row of the evaluation's table (eval_sections.row's shape) from a value and a verdict;
    the target is text, as some are ranges or comparisons ("0.65..0.77", "< slerp's")."""
    shown = f"{value:.4f}" if isinstance(value, float) else str(value)
    return (name, shown, target or "report", "-" if ok is None else "PASS" if ok else "FAIL")


def walk_rows(f: dict) -> list:
    """Noise norms and image steps. The image steps are measured in RGB (what a viewer sees
    change; grey misses a hue turning at one brightness), and a cut (a chaotic jump narrower
    than MIN_WIDTH of t) counts as one step, so the target is on the steps between cuts."""
    even, uniform = f["image_steps"]["even"], f["image_steps"]["uniform"]
    contrast = f["middle_contrast_vs_ends"]
    between = even.get("rgb_between_cuts_max")
    return [check("walks: slerp norm within 2% of the ends", f["slerp_max_norm_deviation"], "<= 0.02",
                  f["slerp_max_norm_deviation"] <= 0.02),
            check("walks: lerp middle norm (about 0.71)", f["lerp_middle_norm_ratio"], "0.65..0.77",
                  0.65 <= f["lerp_middle_norm_ratio"] <= 0.77),
            check("walks: lerp middle contrast < slerp's", contrast["lerp"], f"< {contrast['slerp']:.4f}",
                  contrast["lerp"] < contrast["slerp"]),
            check("walks: slerp noise max step / median", f["slerp_noise_max_step_over_median"], "<= 2",
                  f["slerp_noise_max_step_over_median"] <= 2.0),
            check("walks: image step max/median, uniform (rgb)", uniform["rgb_max"]),
            check("walks: image step max/median, even, cuts included (rgb)", even["rgb_max"]),
            check("walks: image step max/median, even, cuts included (grey)", even["grey_max"]),
            check("walks: even, steps between cuts max/median (grey)", even.get("grey_between_cuts_max")),
            check("walks: even walks with a cut (count)", even.get("walks_with_cuts")),
            check("walks: even, steps between cuts max/median (rgb)", between, "<= 2",
                  between is not None and between <= 2.0),
            check("walks: even walk renders (8 frames, max)", even["renders_max"])]


def cost_rows(f: dict) -> list:
    limits = (("attention: overhead over a plain image", "attention_overhead", 0.3),
              ("negation: extra s per image", "negation_extra_s_per_image", 1.0),
              ("inpaint: extra s per image", "inpaint_extra_s_per_image", 1.0),
              ("captions: s per caption written", "captions_s_per_caption", 1.0),
              ("walks: extra CPU s per image", "walk_extra_cpu_s_per_image", 1.0))
    return [check(name, f[key], f"<= {limit:g}", f[key] <= limit) for name, key, limit in limits]


def run_attention(ctx):
    f = attention_sides(ctx["lab"], ctx["cfg"]["attention_seeds"])
    return f, [check("attention: subject map on its side", f["share"], ">= 0.8", f["share"] >= 0.8)]


def run_walks(ctx):
    f = walks(ctx["lab"], ctx["cfg"]["walk_pairs"])
    return f, walk_rows(f)


def run_negation(ctx):
    f = negation(ctx["lab"], ctx["cfg"]["negation_seeds"])
    plain, written, negative = (f[k] for k in list(f)[1:])
    return f, [check("negation: written >= plain, negative < plain", f"{plain:.2f} / {written:.2f} / {negative:.2f}",
                     "both", written >= plain and negative < plain)]


def run_inpaint(ctx):
    f = inpainting(ctx["lab"], ctx["cfg"]["inpaint_seeds"])
    return f, [check("inpaint: outside mean change (2/255 at most)", f["outside_mean_change"], "<= 0.0078",
                     f["outside_mean_change"] <= 2 / 255),
               check("inpaint: inside follows the prompt", f["follows_prompt"], ">= 0.7", f["follows_prompt"] >= 0.7)]


def run_costs(ctx):
    f = costs(ctx["lab"], ctx["cfg"]["cost_runs"])
    return f, cost_rows(f)


# The lessons' sections of workshop.evaluate (`--sections lessons`), and their sizes there.
LESSON_RUNS = {"attention": run_attention, "walks": run_walks, "negation": run_negation,
               "inpaint": run_inpaint, "costs": run_costs}
LESSON_FULL = dict(attention_seeds=32, walk_pairs=8, negation_seeds=32, inpaint_seeds=16, cost_runs=3)
LESSON_QUICK = dict(attention_seeds=4, walk_pairs=2, negation_seeds=4, inpaint_seeds=4, cost_runs=1)
