"""workshop.upscaler (the x2 upscaler for the embedded model's pictures) and its resumable trainer.
What a long run learns is measured by `python -m workshop.evaluate --sections upscaler` and written in the model card."""
import json

import numpy as np
import pytest
import torch

from workshop import upscaler
from workshop import upscaler_train as ut


def test_spandrel_loads_a_saved_upscaler_as_real_esrgan_compact_x2(tmp_path):
    """ComfyUI and AUTOMATIC1111 load upscalers through spandrel: it must recognise the file by
    its keys alone and compute what our network computes."""
    import spandrel  # requirements.txt: the app loads upscalers through it too (playground.upscale)
    net = upscaler.build(seed=0).eval()
    path = upscaler.save(net, tmp_path / upscaler.WEIGHTS)
    model = spandrel.ModelLoader().load_from_file(str(path))
    assert model.architecture.id == "Compact" and model.architecture.name == "RealESRGAN Compact"
    assert model.scale == 2 and (model.input_channels, model.output_channels) == (3, 3)
    assert model.tags == [f"{upscaler.NUM_FEAT}nf", f"{upscaler.NUM_CONV}nc"]
    x = torch.rand(1, 3, 20, 28)
    with torch.no_grad():
        assert torch.allclose(model.model(x), net(x), atol=1e-6)


def test_the_output_is_twice_the_input_and_fp16_files_load_back(tmp_path):
    net = upscaler.build(num_feat=8, num_conv=2, seed=0).eval()
    images = np.random.default_rng(0).integers(0, 256, (3, 24, 40, 3), dtype=np.uint8)
    out = upscaler.upscale(net, images)
    assert out.shape == (3, 48, 80, 3) and out.dtype == np.uint8
    assert upscaler.upscale(net, images, times=2).shape == (3, 96, 160, 3)
    back = upscaler.load(upscaler.save(net, tmp_path / "half.safetensors", half=True))
    assert (back.num_feat, back.num_conv, back.upscale) == (8, 2, 2)
    assert np.abs(upscaler.upscale(back, images).astype(int) - out).max() <= 2  # fp16 weights: rounding only


def test_an_untrained_upscaler_starts_as_nearest_neighbour():
    """The network adds its residual to the nearest-upsampled input (the original's design);
    with the last conv at zero it is exactly nearest neighbour."""
    net = upscaler.build(num_feat=8, num_conv=1, seed=0).eval()
    torch.nn.init.zeros_(net.body[-1].weight)
    torch.nn.init.zeros_(net.body[-1].bias)
    images = np.random.default_rng(1).integers(0, 256, (2, 10, 12, 3), dtype=np.uint8)
    assert np.array_equal(upscaler.upscale(net, images), images.repeat(2, 1).repeat(2, 2))


def test_crops_cut_the_same_window_of_input_and_target():
    low = np.random.default_rng(2).integers(0, 256, (5, 32, 32, 3), dtype=np.uint8)
    high = low.repeat(2, 1).repeat(2, 2)  # each input pixel is a 2x2 block of the target
    cfg = ut.UpscalerConfig(batch=12, crop=8)
    x, y, _ = ut.crops(low, high, cfg, torch.Generator().manual_seed(0))
    assert x.shape == (12, 3, 8, 8) and y.shape == (12, 3, 16, 16)
    assert torch.equal(y, x.repeat_interleave(2, 2).repeat_interleave(2, 3))  # mirrored ones too


@pytest.mark.slow
def test_a_smoke_run_checkpoints_resumes_and_exports(tmp_path):
    work, out = tmp_path / "work", tmp_path / "out"
    ut.main(["--smoke", "--work", str(work), "--threads", "1"])
    saved = torch.load(work / "ckpt.pt", weights_only=False)
    assert saved["step"] == ut.SMOKE["steps"] and not out.exists()  # the model folder only at the end
    pairs = sorted(work.glob("pairs-*.npz"))
    data = np.load(pairs[0])
    assert data["low"].shape[1:] == (128, 128, 3) and data["high"].shape[1:] == (256, 256, 3)
    ut.main(["--smoke", "--work", str(work), "--steps", "6", "--out", str(out)])
    log = (work / "train.log").read_text()
    assert f"resumed at step {ut.SMOKE['steps']}" in log and "step 6/6" in log and "ETA" in log
    assert "step 1/6" not in log  # went on from the checkpoint, not from 0
    assert sorted(work.glob("pairs-*.npz")) == pairs and "pairs" not in log.split("resumed")[1]  # reused
    assert torch.load(work / "ckpt.pt", weights_only=False)["step"] == 6
    config = json.loads((out / "config.json").read_text())
    assert config["scale"] == 2 and config["steps"] == 6 and "--steps 6" in config["training_command"]
    assert [(r["from_step"], r["config"]["steps"]) for r in config["runs"]] == [(0, 4), (4, 6)]  # what each run set
    net = upscaler.load(out / upscaler.WEIGHTS)
    assert (net.num_feat, net.num_conv) == (ut.SMOKE["num_feat"], ut.SMOKE["num_conv"])
    ut.main(["--work", str(work), "--export-from-checkpoint", "--out", str(tmp_path / "again")])
    again = json.loads((tmp_path / "again" / "config.json").read_text())
    assert again["training_command"] == config["training_command"]  # the run's, not the export's


def test_the_contact_sheet_shows_four_labelled_columns_per_row(tmp_path):
    from PIL import Image

    from workshop.upscaler_eval import contact_sheet
    rng = np.random.default_rng(3)  # 16 px blocks of random colours: a sheet well under 1 MB, kept exact
    small = rng.integers(0, 256, (3, 8, 8, 3), dtype=np.uint8).repeat(16, 1).repeat(16, 2)
    big = {k: rng.integers(0, 256, (3, 16, 16, 3), dtype=np.uint8).repeat(16, 1).repeat(16, 2)
           for k in ("bicubic", "upscaler", "render")}
    sheet = Image.open(contact_sheet({"input": small, **big}, tmp_path / "sheet.png"))
    assert sheet.size == (4 * 260 + 4, 18 + 3 * 260 + 4)
    cell = np.asarray(sheet)[18:18 + 256, 4 + 2 * 260:4 + 2 * 260 + 256]  # row 1, the upscaler's column
    assert np.array_equal(cell, big["upscaler"][0])
