"""The ONNX Runtime engine (playground/engine.py): plain UNet and VAE-decoder calls go through it with the same
result, every other call stays on torch, the export is made once, and a failure keeps torch."""
import numpy as np
import pytest
import torch

from playground import engine
from playground.tiny import tiny_controlnet, tiny_sd_components
from tests.conftest import max_diff


@pytest.fixture
def unet():
    return tiny_sd_components(seed=3)["unet"].eval()


def inputs(unet, batch=2, tokens=5, seed=0):
    g = torch.Generator().manual_seed(seed)
    size = unet.config.sample_size
    return (torch.randn(batch, 4, size, size, generator=g), torch.tensor(321),
            torch.randn(batch, tokens, unet.config.cross_attention_dim, generator=g))


def test_a_plain_call_runs_on_onnxruntime_with_the_same_result(unet, tmp_path):
    x, t, states = inputs(unet)
    with torch.no_grad():
        eager = unet(x, t, encoder_hidden_states=states).sample
        assert engine.attach(unet, cache=tmp_path)
        fast = unet(x, t, encoder_hidden_states=states).sample
        as_tuple = unet(x, t, encoder_hidden_states=states, return_dict=False)[0]
        x8, t8, s8 = inputs(unet, batch=8, tokens=9, seed=1)  # batch and text length are free
        fast8 = unet(x8, t8, encoder_hidden_states=s8).sample
        wide = torch.randn(2, 4, unet.config.sample_size, 2 * unet.config.sample_size)  # any picture size
        fast_wide = unet(wide, t, encoder_hidden_states=states).sample
        assert unet._lab_engine.calls == {"onnxruntime": 4, "torch": 0}
        engine.detach(unet)
        eager8 = unet(x8, t8, encoder_hidden_states=s8).sample
        assert torch.allclose(fast_wide, unet(wide, t, encoder_hidden_states=states).sample, atol=1e-4)
    assert fast.shape == eager.shape and torch.allclose(fast, eager, atol=1e-4)
    assert torch.equal(as_tuple, fast)
    assert torch.allclose(fast8, eager8, atol=1e-4) and not torch.allclose(fast8[:2], fast, atol=1e-2)
    assert not engine.active(unet) and "forward" not in vars(unet)  # detach leaves the module as it was


class Spy:
    """A session stand-in that notes its name, then runs the real one."""

    def __init__(self, name, real, used):
        self.name, self.real, self.used = name, real, used

    def run(self, *args):
        self.used.append(self.name)
        return self.real.run(*args)


def test_one_image_runs_on_the_spinning_session_a_batch_on_the_plain_one(unet, tmp_path):
    assert engine.attach(unet, cache=tmp_path)
    eng, used = unet._lab_engine, []
    assert eng.quick is not None and eng.quick is not eng.runner
    eng.quick, eng.runner = Spy("quick", eng.quick, used), Spy("runner", eng.runner, used)
    one, many = inputs(unet, batch=2), inputs(unet, batch=8)
    with torch.no_grad():
        fast = [unet(x, t, encoder_hidden_states=states).sample for x, t, states in (one, many)]
        engine.detach(unet)
        eager = [unet(x, t, encoder_hidden_states=states).sample for x, t, states in (one, many)]
    assert used == ["quick", "runner"]  # one image with guidance (batch 2), then a batch
    assert all(torch.allclose(f, e, atol=1e-4) for f, e in zip(fast, eager))


def test_calls_the_graph_cannot_serve_stay_on_torch(unet, tmp_path):
    from diffusers.models.attention_processor import AttnProcessor

    net = tiny_controlnet(unet, seed=4)
    x, t, states = inputs(unet)
    hint = torch.rand(2, 3, unet.config.sample_size * 4, unet.config.sample_size * 4)
    assert engine.attach(unet, cache=tmp_path)
    calls = unet._lab_engine.calls
    with torch.no_grad():
        down, mid = net(x, t, encoder_hidden_states=states, controlnet_cond=hint, return_dict=False)
        controlled = unet(x, t, encoder_hidden_states=states, down_block_additional_residuals=down,
                          mid_block_additional_residual=mid).sample
        assert calls == {"onnxruntime": 0, "torch": 1}
        unet(x, t, encoder_hidden_states=states, cross_attention_kwargs={"scale": 1.0})
        assert calls["torch"] == 2
        original = unet.attn_processors
        unet.set_attn_processor(AttnProcessor())  # a lesson reading the attention maps
        unet(x, t, encoder_hidden_states=states)
        assert calls == {"onnxruntime": 0, "torch": 3}
        unet.set_attn_processor(original)  # put back: the graph serves again
        plain = unet(x, t, encoder_hidden_states=states).sample
        assert calls == {"onnxruntime": 1, "torch": 3}
    assert not torch.allclose(controlled, plain, atol=1e-3)  # the residuals did act, on torch


def test_the_export_is_made_once_per_weights(unet, tmp_path, monkeypatch):
    made = []
    real = engine.export
    monkeypatch.setattr(engine, "export", lambda u, p: made.append(p) or real(u, p))
    assert engine.attach(unet, cache=tmp_path)
    engine.detach(unet)
    assert engine.attach(unet, cache=tmp_path)  # a second start opens the cached file
    assert len(made) == 1 and made[0].is_file() and list(tmp_path.glob("*.tmp")) == []
    other = tiny_sd_components(seed=4)["unet"].eval()  # other weights: another file
    assert engine.attach(other, cache=tmp_path)
    assert len(made) == 2 and made[1] != made[0]


def test_a_failed_export_leaves_the_model_on_torch(unet, tmp_path, monkeypatch, caplog):
    def broken(u, p):
        raise RuntimeError("exporter fell over")

    monkeypatch.setattr(engine, "export", broken)
    x, t, states = inputs(unet)
    with torch.no_grad():
        before = unet(x, t, encoder_hidden_states=states).sample
        assert engine.attach(unet, cache=tmp_path) is False
        after = unet(x, t, encoder_hidden_states=states).sample
    assert not engine.active(unet) and torch.equal(before, after)
    assert "exporter fell over" in caplog.text and "PyTorch" in caplog.text


def test_the_vae_decoder_runs_on_onnxruntime_with_the_same_pictures(tmp_path):
    vae = tiny_sd_components(seed=3)["vae"].eval()
    latents = torch.randn(2, vae.config.latent_channels, 8, 12, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        eager = vae.decode(latents).sample
        assert engine.attach_vae_part(vae, "decoder", cache=tmp_path)
        fast = vae.decode(latents).sample
        wide = vae.decode(torch.cat([latents, latents], dim=3)).sample  # any size, any batch
        assert vae.decoder._lab_engine.calls == {"onnxruntime": 2, "torch": 0}
        assert engine.attach_vae_part(vae, "decoder", cache=tmp_path)  # twice: still one engine
        assert len(list(tmp_path.glob("decoder-*.onnx"))) == 1
    grads = latents.clone().requires_grad_()
    vae.decode(grads).sample.mean().backward()  # a gradient through the decoder: torch does it
    assert grads.grad is not None and vae.decoder._lab_engine.calls["torch"] == 1
    engine.detach(vae.decoder)
    with torch.no_grad():
        eager_wide = vae.decode(torch.cat([latents, latents], dim=3)).sample
    assert fast.shape == eager.shape and torch.allclose(fast, eager, atol=1e-4)
    assert wide.shape[3] == 2 * eager.shape[3] and torch.allclose(wide, eager_wide, atol=1e-4)
    assert fast.std() > 0.01  # a picture, not a constant
    assert not engine.active(vae.decoder) and "forward" not in vars(vae.decoder)


def test_the_vae_encoder_runs_on_onnxruntime_with_the_same_latents(tmp_path):
    vae = tiny_sd_components(seed=3)["vae"].eval()
    pictures = torch.rand(2, 3, 32, 48, generator=torch.Generator().manual_seed(0)) * 2 - 1
    with torch.no_grad():
        eager = vae.encode(pictures).latent_dist.mean
        assert engine.attach_vae_part(vae, "encoder", cache=tmp_path)
        fast = vae.encode(pictures).latent_dist.mean
        tall = vae.encode(torch.cat([pictures, pictures], dim=2)).latent_dist.mean  # any size
        assert vae.encoder._lab_engine.calls == {"onnxruntime": 2, "torch": 0}
        assert len(list(tmp_path.glob("encoder-*.onnx"))) == 1 and not engine.active(vae.decoder)
    grads = pictures.clone().requires_grad_()
    vae.encode(grads).latent_dist.mean.sum().backward()  # a gradient to the picture: torch
    assert grads.grad is not None and vae.encoder._lab_engine.calls["torch"] == 1
    engine.detach(vae.encoder)
    with torch.no_grad():
        eager_tall = vae.encode(torch.cat([pictures, pictures], dim=2)).latent_dist.mean
    assert fast.shape == eager.shape and torch.allclose(fast, eager, atol=1e-4) and fast.std() > 0.01
    assert tall.shape[2] == 2 * eager.shape[2] and torch.allclose(tall, eager_tall, atol=1e-4)
    assert not engine.active(vae.encoder) and "forward" not in vars(vae.encoder)


@pytest.mark.parametrize("half", ["decoder", "encoder"])
def test_a_failed_vae_export_leaves_that_half_on_torch(tmp_path, monkeypatch, caplog, half):
    vae = tiny_sd_components(seed=3)["vae"].eval()
    monkeypatch.setattr(engine, "export_vae_part", lambda *a: (_ for _ in ()).throw(RuntimeError("no graph today")))
    assert engine.attach_vae_part(vae, half, cache=tmp_path) is False
    assert not engine.active(getattr(vae, half)) and "no graph today" in caplog.text


def test_only_a_cpu_float32_entry_that_asks_gets_it(monkeypatch):
    monkeypatch.delenv("LAB_ENGINE", raising=False)
    assert engine.wanted("onnxruntime", "cpu", torch.float32)
    assert not engine.wanted("", "cpu", torch.float32)
    assert not engine.wanted("onnxruntime", "cuda", torch.float16)
    assert not engine.wanted("onnxruntime", "cpu", torch.float16)
    monkeypatch.setenv("LAB_ENGINE", "torch")
    assert not engine.wanted("onnxruntime", "cpu", torch.float32)


@pytest.mark.slow
def test_the_embedded_model_draws_the_same_pictures_on_either_engine(monkeypatch):
    """Within 1/255 on every pixel of 4 seeds, through the whole pipeline (20 steps)."""
    from playground import Lab

    monkeypatch.delenv("LAB_ENGINE", raising=False)
    lab = Lab()
    lab.progress = False
    unet = lab.manager.base.unet
    decoder, encoder = lab.manager.base.vae.decoder, lab.manager.base.vae.encoder
    assert engine.active(unet) and engine.active(decoder) and engine.active(encoder)  # the entry asks for all
    fast = lab.batch(["a cat in a library"] * 4, [0, 1, 2, 3])
    assert unet._lab_engine.calls["onnxruntime"] > 0 and unet._lab_engine.calls["torch"] == 0
    assert decoder._lab_engine.calls == {"onnxruntime": 4, "torch": 0}  # one picture at a time (slicing)
    photo = fast[3].image
    fast_i2i = lab.img2img_strength(photo, "a fox", strengths=[0.5, 0.8], seed=5)
    assert encoder._lab_engine.calls == {"onnxruntime": 2, "torch": 0}
    for module in (unet, decoder, encoder):
        engine.detach(module)
    try:
        eager = lab.batch(["a cat in a library"] * 4, [0, 1, 2, 3])
        eager_i2i = lab.img2img_strength(photo, "a fox", strengths=[0.5, 0.8], seed=5)
    finally:
        engine.attach(unet)
        engine.attach_vae_part(lab.manager.base.vae, "decoder")
        engine.attach_vae_part(lab.manager.base.vae, "encoder")
    assert max(max_diff(a.image, b.image) for a, b in zip(fast, eager)) <= 1
    assert max(max_diff(a.image, b.image) for a, b in zip(fast_i2i, eager_i2i)) <= 1
    assert np.asarray(fast[0].image).std() > 10  # a picture, not a blank
