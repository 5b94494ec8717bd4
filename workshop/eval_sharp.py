"""The evaluation's sharpness sections (`python -m workshop.evaluate --sections sharp`), which
judge any decoder on the model's latents. Each is `run_<name>(ctx)` as in workshop.eval_sections:
- vae: held-out renders encoded (posterior mean) and decoded: L1 in [-1, 1], and sharpness
  (metrics.sharpness, mean absolute Laplacian of grey) of the decoded over the renders';
- generated: images from detailed captions of held-out scenes over the renders of those
  scenes (a decoder that outputs more pixels is compared with renders drawn at its size);
- styles: one caption in four styles per seed: pixel art's grid share (metrics.blockiness)
  against watercolour's, pencil sketch's saturation, watercolour's sharpness over photo's.
"""
from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np

from playground.world import parse_prompt, sample_scene
from playground.world.vocab import STYLE_PREFIX
from workshop.captions import caption, prompt_for
from workshop.eval_sections import HELDOUT_SEED, TARGETS, gen, row
from workshop.metrics import blockiness, pooled_share, saturation, sharpness
from workshop.render import render

VAE_L1_TARGET, VAE_SHARPNESS_TARGET, GENERATED_SHARPNESS_TARGET = 0.03, 0.8, 0.7
GENERATED_FLOOR = 0.5  # what the decoder's first CPU runs had to reach; 0.7 is the goal
STYLES = ("photo", "watercolour", "pixel art", "pencil sketch")
STYLE_SUBJECTS = ("house", "car", "cat", "dog", "fox", "none")
# sizes, merged into workshop.evaluate's
SHARP_FULL = dict(vae_scenes=32, gen_scenes=16, style_seeds=8)
SHARP_QUICK = dict(vae_scenes=4, gen_scenes=2, style_seeds=2)


def round_trip(folder: Path, images: np.ndarray, batch: int = 16) -> np.ndarray:
    """Encode (posterior mean) and decode with the folder's VAE on the CPU, as uint8."""
    import torch
    from diffusers import AutoencoderKL
    vae = AutoencoderKL.from_pretrained(Path(folder) / "vae").float().eval()
    out = []
    with torch.no_grad():
        for i in range(0, len(images), batch):
            x = torch.from_numpy(images[i:i + batch]).permute(0, 3, 1, 2).float() / 127.5 - 1
            y = vae.decode(vae.encode(x).latent_dist.mean).sample
            out.append(((y.clamp(-1, 1) + 1) * 127.5).round().byte().permute(0, 2, 3, 1).numpy())
    return np.concatenate(out)


def renders_at(scenes, size: int) -> np.ndarray:
    return np.stack([render(s, size) for s in scenes])


def run_vae(ctx):
    cfg, a = ctx["cfg"], ctx["args"]
    rng = np.random.default_rng(HELDOUT_SEED + 11)
    scenes = [sample_scene(rng) for _ in range(cfg["vae_scenes"])]
    decoded = round_trip(a.model_dir, renders_at(scenes, 128))
    refs = renders_at(scenes, decoded.shape[1])
    l1 = float(np.abs(decoded.astype(np.float32) - refs.astype(np.float32)).mean() / 127.5)
    f = {"scenes": len(scenes), "size": int(decoded.shape[1]), "l1": l1,
         "sharpness_renders": sharpness(refs), "sharpness_decoded": sharpness(decoded)}
    f["sharpness_ratio"] = f["sharpness_decoded"] / f["sharpness_renders"]
    return f, [row("VAE round trip: L1 in [-1, 1]", l1, VAE_L1_TARGET, higher=False, fmt="{:.3f}"),
               row(f"VAE round trip: sharpness ratio ({f['sharpness_decoded']:.1f} / renders "
                   f"{f['sharpness_renders']:.1f})", f["sharpness_ratio"], VAE_SHARPNESS_TARGET, fmt="{:.2f}")]


def run_generated(ctx):
    clf, cfg, a = ctx["clf"], ctx["cfg"], ctx["args"]
    rng = np.random.default_rng(HELDOUT_SEED + 22)
    scenes = [sample_scene(rng) for _ in range(cfg["gen_scenes"])]
    captions = [caption(s, rng, detail=1.0) for s in scenes]
    images = gen(ctx, captions, [a.seed + i for i in range(len(scenes))])
    refs = renders_at(scenes, images.shape[1])
    f = {"scenes": len(scenes), "size": int(images.shape[1]), "sharpness_renders": sharpness(refs),
         "sharpness_generated": sharpness(images),
         "adherence": pooled_share([parse_prompt(c) for c in captions], clf.predict(images), TARGETS)}
    f["sharpness_ratio"] = f["sharpness_generated"] / f["sharpness_renders"]
    return f, [row(f"generated: sharpness ratio ({f['sharpness_generated']:.1f} / renders "
                   f"{f['sharpness_renders']:.1f}; floor {GENERATED_FLOOR})", f["sharpness_ratio"],
                   GENERATED_SHARPNESS_TARGET, fmt="{:.2f}"),
               row("generated: caption adherence of those images", f["adherence"])]


def style_prompts(n: int, seed: int):
    """n captions without a style, subjects in turn, and their scenes; the style is added as
    the world's first prefix ("pixel art of ...")."""
    rng = np.random.default_rng(seed)
    scenes = [sample_scene(rng, subject=STYLE_SUBJECTS[i % len(STYLE_SUBJECTS)]) for i in range(n)]
    bases = [prompt_for({k: v for k, v in s.attributes().items()
                         if k in ("subject", "colour", "setting", "light") and v != "none"}, rng) for s in scenes]
    return bases, scenes


def run_styles(ctx):
    clf, cfg, a = ctx["clf"], ctx["cfg"], ctx["args"]
    bases, scenes = style_prompts(cfg["style_seeds"], HELDOUT_SEED + 33)
    seeds = [a.seed + i for i in range(len(bases))]
    made = {s: gen(ctx, [f"{STYLE_PREFIX[s][0]} {b}" for b in bases], seeds) for s in STYLES}
    refs = {s: renders_at([dataclasses.replace(sc, style=s) for sc in scenes], made[s].shape[1]) for s in STYLES}
    f = {"seeds": len(bases), "prompts": bases}
    for s in STYLES:
        f[s] = {"blockiness": float(np.mean(blockiness(made[s]))), "saturation": saturation(made[s]),
                "sharpness": sharpness(made[s]), "style_read": float(np.mean([p["style"] == s for p in clf.predict(made[s])])),
                "renders": {"blockiness": float(np.mean(blockiness(refs[s]))), "saturation": saturation(refs[s]),
                            "sharpness": sharpness(refs[s])}}
    wins = np.greater(blockiness(made["pixel art"]), blockiness(made["watercolour"]))
    f["pixel_blockier_than_watercolour"] = float(wins.mean())
    f["watercolour_softness"] = f["watercolour"]["sharpness"] / f["photo"]["sharpness"]
    f["watercolour_softness_renders"] = f["watercolour"]["renders"]["sharpness"] / f["photo"]["renders"]["sharpness"]
    px, pencil = f["pixel art"], f["pencil sketch"]
    rows = [row(f"styles: pixel art blockier than watercolour, same prompt and seed ({int(wins.sum())} of {len(wins)})",
                f["pixel_blockier_than_watercolour"]),
            row(f"styles: pixel art grid share (watercolour {f['watercolour']['blockiness']:.2f}; renders "
                f"{px['renders']['blockiness']:.2f}; none 0.25)", px["blockiness"], fmt="{:.2f}"),
            row(f"styles: pencil sketch saturation (photo {f['photo']['saturation']:.2f}; renders "
                f"{pencil['renders']['saturation']:.2f})", pencil["saturation"], fmt="{:.2f}"),
            row(f"styles: watercolour sharpness / photo's (renders {f['watercolour_softness_renders']:.2f})",
                f["watercolour_softness"], fmt="{:.2f}")]
    rows += [row(f"styles: classifier reads {s}", f[s]["style_read"]) for s in STYLES]
    return f, rows


SHARP_RUNS = {"vae": run_vae, "generated": run_generated, "styles": run_styles}
