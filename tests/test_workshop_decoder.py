"""workshop.train_decoder: a resumable decoder run on the shipped encoder's latents.
Two tiny runs on the CPU; what a long run learns is measured in the model card, not here."""
import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch

from workshop import train_decoder as td
from workshop.metrics import sharpness
from workshop.model import MODEL_DIR


def test_sharpness_is_the_mean_absolute_laplacian():
    flat = np.full((2, 16, 16, 3), 90, np.uint8)
    stripes = flat.copy()
    stripes[:, :, ::2] = 200
    assert sharpness(flat) == 0
    assert sharpness(stripes) == pytest.approx(2 * 110)  # each column: two neighbours differ by 110


@pytest.mark.slow  # trains a decoder for a few steps
def test_a_run_resumes_from_its_checkpoint_and_exports(tmp_path):
    cfg = td.DecoderConfig(scenes=16, batch=2, steps=2, adv_start=1, ckpt_every=1, eval_every=2, gen_every=10**6)
    first = td.train(cfg, tmp_path / "work")
    assert set(first) >= {"step", "seconds", "l1", "sharpness_ratio"} and first["step"] == 2
    saved = torch.load(tmp_path / "work" / "ckpt.pt", weights_only=False)
    assert saved["step"] == 2 and all(k.startswith(("decoder.", "post_quant_conv.")) for k in saved["decoder"])
    again = td.train(td.DecoderConfig(**{**cfg.__dict__, "steps": 4}), tmp_path / "work")
    assert again["step"] == 4  # went on from step 2, not from 0
    rows = [json.loads(line) for line in (tmp_path / "work" / "curve.jsonl").read_text().splitlines()]
    assert [r["step"] for r in rows] == [2, 4] and rows[1]["seconds"] >= rows[0]["seconds"]
    # export: only the decoder changes; the encoder, and so every latent, stays as shipped
    model = tmp_path / "model"
    (model / "vae").mkdir(parents=True)
    for f in (MODEL_DIR / "vae").iterdir():
        shutil.copy(f, model / "vae" / f.name)
    td.export(tmp_path / "work", model)
    old, new = td.vae_from(MODEL_DIR), td.vae_from(model)
    enc_old = {k: v for k, v in old.state_dict().items() if k.startswith(("encoder.", "quant_conv."))}
    enc_new = {k: v for k, v in new.state_dict().items() if k.startswith(("encoder.", "quant_conv."))}
    assert all(torch.equal(enc_old[k], enc_new[k]) for k in enc_old)
    assert not torch.equal(old.decoder.conv_out.weight, new.decoder.conv_out.weight)


OLD_DECODER = Path(__file__).parent / "data" / "old_decoder.png"  # 8 decodes, side by side
OLD_SCENES = 777_001  # make_batch seed of the scenes those 8 decodes are of


@pytest.mark.slow
def test_the_shipped_decoder_is_sharper_than_the_old_one_on_the_same_latents():
    """tests/data/old_decoder.png holds what the decoder shipped before the decoder trainer made of 8
    held-out renders (the encoder's posterior means; the encoder has not changed since, so the
    latents are the same). The shipped decoder, on those latents, draws more edge (mean
    absolute Laplacian) and keeps the colours as near the renders as the old one did."""
    from PIL import Image

    from workshop.dataset import make_batch

    images, _, _ = make_batch(8, seed=OLD_SCENES)
    strip = np.asarray(Image.open(OLD_DECODER).convert("RGB"))
    old = np.stack(np.split(strip, 8, axis=1))
    vae = td.vae_from(MODEL_DIR)
    with torch.no_grad():
        x = torch.as_tensor(images).permute(0, 3, 1, 2).float() / 127.5 - 1
        out = vae.decode(vae.encode(x).latent_dist.mean).sample
    new = ((out.clamp(-1, 1) + 1) * 127.5).round().byte().permute(0, 2, 3, 1).numpy()
    renders = sharpness(images)
    assert sharpness(old) / renders < 0.4  # the fixture is the old, soft decoder (0.33)
    assert sharpness(new) / renders >= 0.5 and sharpness(new) >= 1.5 * sharpness(old)

    def l1(a):
        return float(np.abs(a.astype(np.float32) - images.astype(np.float32)).mean() / 127.5)
    assert l1(new) <= l1(old) + 0.03  # sharper without repainting the scene
