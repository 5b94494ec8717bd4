"""workshop.train.train_unet as a fine-tune (issue 10): --unet-resume starts from a given UNet,
and --unet-drawn sets the share of each batch taken from the pictures of person drawings,
which sit after the world's scenes in the latents."""
import dataclasses

import torch
import pytest
from diffusers import UNet2DConditionModel

from playground.world.text_encoder import MAX_TOKENS
from workshop.model import unet_config
from workshop.train import train_unet
from workshop.training import SMOKE, Config


pytestmark = pytest.mark.slow  # trains the real-size UNet a few steps


class RecordingText:
    """Stands in for the TextBank: records which rows each batch drew."""

    def __init__(self):
        self.rows = []

    def embed(self, idx, gen, dropout):
        self.rows.append(idx.tolist())
        return torch.zeros(len(idx), MAX_TOKENS, unet_config()["cross_attention_dim"])


def tune(share, start=None, steps=3):
    cfg = dataclasses.replace(Config(**SMOKE), unet_steps=steps, unet_batch=8, unet_drawn=share, log_every=100)
    latents = torch.randn(30, 4, 16, 16, generator=torch.Generator().manual_seed(0))
    text = RecordingText()
    return train_unet(latents, text, cfg, torch.device("cpu"), n_world=20, start=start), text.rows


def test_drawn_share_of_each_batch():
    _, rows = tune(0.25)
    assert all(sum(r >= 20 for r in batch) == 2 for batch in rows)  # round(0.25 * 8) drawn rows
    _, rows = tune(0.0)
    assert all(max(batch) < 20 for batch in rows)  # without the share, only the world's scenes


def test_resume_fine_tunes_the_given_unet():
    torch.manual_seed(5)
    start = UNet2DConditionModel(**unet_config())
    before = {k: v.clone() for k, v in start.state_dict().items()}
    fresh, _ = tune(0.25, steps=1)  # a fresh UNet from the run's seed
    tuned, _ = tune(0.25, start=start, steps=1)
    w = "conv_in.weight"
    assert not torch.equal(tuned.state_dict()[w], before[w])  # it learnt
    # one warm-up step (lr 1e-4 / 200) moves it a little: it is the given UNet, not a fresh one
    assert (tuned.state_dict()[w] - before[w]).abs().max() < (fresh.state_dict()[w] - before[w]).abs().max()


def test_a_share_that_leaves_no_drawn_rows_is_refused():
    with pytest.raises(ValueError, match="unet_drawn"):
        tune(0.01)  # round(0.01 * 8) == 0 drawn rows
