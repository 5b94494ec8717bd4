"""Tiny random-weight pipelines for tests and the bench, built offline in about a second.

Like diffusers' own fast tests, but with no download: the CLIP tokenizer is a byte-level one
whose vocabulary is every byte with no merges, so a prompt costs one token per character.
Both families are built so both code paths run: SD 1.x shapes (one CLIP text encoder) and
SDXL shapes (two encoders, pooled embeddings, size conditioning).
"""
from __future__ import annotations

TINY_SIZE = 64  # pixels; the tiny VAE has factor 4, so latents are 4 x 16 x 16 like tiny-world's
TINY_MAX_TOKENS = 77  # CLIP's length, so long test prompts really get cut


def tiny_tokenizer():
    """A byte-level CLIP tokenizer: every byte a token (plain and as word end), no merges."""
    from tokenizers.pre_tokenizers import ByteLevel
    from transformers import CLIPTokenizer

    vocab = {"<|startoftext|>": 0, "<|endoftext|>": 1}
    for char in sorted(ByteLevel.alphabet()):
        vocab.setdefault(char, len(vocab))
        vocab.setdefault(char + "</w>", len(vocab))
    return CLIPTokenizer(vocab=vocab, merges=[], model_max_length=TINY_MAX_TOKENS)


def _text_config():
    from transformers import CLIPTextConfig

    return CLIPTextConfig(bos_token_id=0, eos_token_id=1, pad_token_id=1, hidden_size=32,
                          intermediate_size=37, num_attention_heads=4, num_hidden_layers=2,
                          vocab_size=600, projection_dim=32, hidden_act="gelu",
                          max_position_embeddings=TINY_MAX_TOKENS)


def _vae():
    from diffusers import AutoencoderKL

    return AutoencoderKL(block_out_channels=(16, 32, 32), in_channels=3, out_channels=3,
                         down_block_types=("DownEncoderBlock2D",) * 3,
                         up_block_types=("UpDecoderBlock2D",) * 3, latent_channels=4,
                         layers_per_block=1, norm_num_groups=8, sample_size=TINY_SIZE)


def _scheduler():
    from diffusers import DDIMScheduler

    return DDIMScheduler(beta_start=0.00085, beta_end=0.012, beta_schedule="scaled_linear",
                         clip_sample=False, set_alpha_to_one=False, steps_offset=1)


def tiny_sd_components(seed: int = 0) -> dict:
    """Components of a StableDiffusionPipeline (SD 1.x shapes), random weights."""
    import torch
    from diffusers import UNet2DConditionModel
    from transformers import CLIPTextModel

    torch.manual_seed(seed)
    unet = UNet2DConditionModel(
        block_out_channels=(32, 64), layers_per_block=1, sample_size=TINY_SIZE // 4,
        in_channels=4, out_channels=4, cross_attention_dim=32, norm_num_groups=8,
        down_block_types=("DownBlock2D", "CrossAttnDownBlock2D"),
        up_block_types=("CrossAttnUpBlock2D", "UpBlock2D"))
    return dict(unet=unet, vae=_vae(), scheduler=_scheduler(), tokenizer=tiny_tokenizer(),
                text_encoder=CLIPTextModel(_text_config()), safety_checker=None,
                feature_extractor=None, image_encoder=None, requires_safety_checker=False)


def tiny_sdxl_components(seed: int = 0) -> dict:
    """Components of a StableDiffusionXLPipeline: two text encoders, text_time conditioning."""
    import torch
    from diffusers import UNet2DConditionModel
    from transformers import CLIPTextModel, CLIPTextModelWithProjection

    torch.manual_seed(seed)
    unet = UNet2DConditionModel(
        block_out_channels=(32, 64), layers_per_block=1, sample_size=TINY_SIZE // 4,
        in_channels=4, out_channels=4, norm_num_groups=8,
        down_block_types=("DownBlock2D", "CrossAttnDownBlock2D"),
        up_block_types=("CrossAttnUpBlock2D", "UpBlock2D"),
        attention_head_dim=(2, 4), use_linear_projection=True, addition_embed_type="text_time",
        addition_time_embed_dim=8, transformer_layers_per_block=(1, 1),
        projection_class_embeddings_input_dim=80,  # 6 size/crop numbers x 8 + pooled 32
        cross_attention_dim=64)  # both encoders' 32-wide states, concatenated
    config = _text_config()
    return dict(unet=unet, vae=_vae(), scheduler=_scheduler(), tokenizer=tiny_tokenizer(),
                text_encoder=CLIPTextModel(config), tokenizer_2=tiny_tokenizer(),
                text_encoder_2=CLIPTextModelWithProjection(config), image_encoder=None,
                feature_extractor=None)


def tiny_controlnet(unet, seed: int = 0):
    """A ControlNet copied from the UNet's encoder, its zero convolutions made non-zero.

    Training starts from zero output convolutions, so an untrained ControlNet changes
    nothing; random ones let tests see the control map act on the image.
    """
    import torch
    from diffusers import ControlNetModel

    torch.manual_seed(seed)
    net = ControlNetModel.from_unet(unet, conditioning_embedding_out_channels=(8, 16, 32))  # /4 like the VAE
    for conv in [*net.controlnet_down_blocks, net.controlnet_mid_block, net.controlnet_cond_embedding.conv_out]:
        torch.nn.init.normal_(conv.weight, std=0.05)
    return net


def tiny_pipeline(family: str = "sd1.x", dtype=None, seed: int = 0):
    """A ready text-to-image pipeline of the given family ("sd1.x" or "sdxl") on the CPU."""
    import torch
    from diffusers import StableDiffusionPipeline, StableDiffusionXLPipeline

    if family == "sdxl":
        pipe = StableDiffusionXLPipeline(**tiny_sdxl_components(seed))
    elif family == "sd1.x":
        pipe = StableDiffusionPipeline(**tiny_sd_components(seed))
    else:
        raise ValueError(f"family must be 'sd1.x' or 'sdxl', got {family!r}")
    return pipe.to(dtype=dtype or torch.float32)


def tiny_upscaler_state(num_feat: int = 8, num_conv: int = 2, scale: int = 2, seed: int = 0) -> dict:
    """A random-weight Real-ESRGAN Compact (SRVGGNetCompact) state dict in the original's key
    layout: body.0 conv 3 -> F, body.1 PReLU, num_conv pairs of conv F -> F and PReLU, then the
    last conv to 3 x scale^2 channels. spandrel reads architecture and scale off the tensors, as
    it does for the real files (the net adds the nearest-upscaled input, so pictures stay
    recognisable)."""
    import torch

    gen = torch.Generator().manual_seed(seed)

    def conv(index: int, cin: int, cout: int) -> dict:
        return {f"body.{index}.weight": torch.randn(cout, cin, 3, 3, generator=gen) * 0.05,
                f"body.{index}.bias": torch.randn(cout, generator=gen) * 0.01}

    state = {**conv(0, 3, num_feat), "body.1.weight": torch.full((num_feat,), 0.25)}
    for i in range(num_conv):
        state |= {**conv(2 + 2 * i, num_feat, num_feat), f"body.{3 + 2 * i}.weight": torch.full((num_feat,), 0.25)}
    return state | conv(2 + 2 * num_conv, num_feat, 3 * scale * scale)


def tiny_upscaler(path, **shape):
    """tiny_upscaler_state(**shape) saved as safetensors at `path`: tests of the upscaler path."""
    from pathlib import Path

    from safetensors.torch import save_file

    Path(path).parent.mkdir(parents=True, exist_ok=True)
    save_file(tiny_upscaler_state(**shape), str(path), metadata={"format": "pt"})
    return Path(path)
