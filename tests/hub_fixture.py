"""A Hugging Face cache of tiny random-weight stand-ins for every hub repo of presets/models.yaml.

Each repo is laid out as huggingface_hub caches it (models--org--name/snapshots/<rev>/, refs/main),
with the real repo's pipeline, model and tokenizer classes and its real scheduler and image
processor configs, only tiny: SD 1.5 with its safety checker and feature extractor, SD-Turbo,
SDXL-Turbo with two text encoders, every ControlNet, the upscaler (hub_upscaler.py), and the
lllyasviel/Annotators files controlnet-aux reads for depth and OpenPose. A repo holds exactly the
files `registry.hub_repos` names (the Space's preload list), fp32 and, where the real repo has them,
fp16: a test that loads from it proves that list is enough. The fp16 files hold the fp32 weights
negated, so a test can tell which file a load read. The annotator weights have the real networks'
shapes with one value per output channel (stride-0 tensors: KB on disk), so controlnet-aux's own
loading code runs.

In tests/, not playground/: a Space never needs it. By hand (an offline try of the hub path):
`python tests/hub_fixture.py /tmp/hf`, then `HF_HUB_OFFLINE=1 HF_HUB_CACHE=/tmp/hf python app.py`.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(ROOT))

from playground import detectors  # noqa: E402
from playground.params import PRESETS_DIR  # noqa: E402
from playground.registry import ANNOTATOR_FILES, ANNOTATOR_REPO, hub_repos, load_registry, variant_name  # noqa: E402
from playground.tiny import TINY_MAX_TOKENS, tiny_tokenizer  # noqa: E402
from hub_upscaler import write_upscalers  # noqa: E402  (tests/, beside this file)

# The real repos' scheduler configs (the keys that change behaviour: spacing, offsets, betas).
_BETAS = dict(beta_start=0.00085, beta_end=0.012, beta_schedule="scaled_linear", num_train_timesteps=1000,
              trained_betas=None, clip_sample=False, set_alpha_to_one=False, steps_offset=1)
SCHEDULERS = {
    "sd1.x": dict(_class_name="PNDMScheduler", skip_prk_steps=True, **_BETAS),
    "sd2.x": dict(_class_name="EulerDiscreteScheduler", interpolation_type="linear", prediction_type="epsilon",
                  sample_max_value=1.0, timestep_spacing="trailing", use_karras_sigmas=False, **_BETAS),
    "sdxl": dict(_class_name="EulerAncestralDiscreteScheduler", interpolation_type="linear",
                 prediction_type="epsilon", sample_max_value=1.0, skip_prk_steps=True, timestep_spacing="trailing",
                 use_karras_sigmas=False, **_BETAS),
}
# SD 1.5's feature_extractor/preprocessor_config.json, legacy type name and all.
FEATURE_EXTRACTOR = {"crop_size": 224, "do_center_crop": True, "do_convert_rgb": True, "do_normalize": True,
                     "do_resize": True, "feature_extractor_type": "CLIPFeatureExtractor",
                     "image_mean": [0.48145466, 0.4578275, 0.40821073],
                     "image_std": [0.26862954, 0.26130258, 0.27577711], "resample": 3, "size": 224}
# OpenAI CLIP pads with the end token; OpenCLIP (SD 2.x, SDXL's second encoder) with "!".
PAD = {"sd1.x": "<|endoftext|>", "sd2.x": "!", "sdxl": "<|endoftext|>"}


def _text_config(family: str, projection: bool = False):
    from transformers import CLIPTextConfig

    return CLIPTextConfig(bos_token_id=0, eos_token_id=1, pad_token_id=1, hidden_size=32, intermediate_size=37,
                          num_attention_heads=4, num_hidden_layers=2, vocab_size=600, projection_dim=32,
                          hidden_act="quick_gelu" if family == "sd1.x" and not projection else "gelu",
                          max_position_embeddings=TINY_MAX_TOKENS)


def _vae(spec):
    from diffusers import AutoencoderKL

    # four blocks: the real 8x factor, so a registry size of 512 means 64 x 64 latents
    return AutoencoderKL(block_out_channels=(16, 16, 32, 32), down_block_types=("DownEncoderBlock2D",) * 4,
                         up_block_types=("UpDecoderBlock2D",) * 4, latent_channels=4, layers_per_block=1,
                         norm_num_groups=8, sample_size=spec.size,
                         scaling_factor=0.13025 if spec.family == "sdxl" else 0.18215)


def _unet(spec):
    from diffusers import UNet2DConditionModel

    shape = dict(block_out_channels=(32, 64), layers_per_block=1, sample_size=spec.size // 8, norm_num_groups=8,
                 down_block_types=("CrossAttnDownBlock2D", "DownBlock2D"),
                 up_block_types=("UpBlock2D", "CrossAttnUpBlock2D"))
    if spec.family == "sdxl":  # text_time conditioning: 6 size numbers x 8 + the pooled 32
        shape.update(down_block_types=("DownBlock2D", "CrossAttnDownBlock2D"),
                     up_block_types=("CrossAttnUpBlock2D", "UpBlock2D"), attention_head_dim=(2, 4),
                     use_linear_projection=True, addition_embed_type="text_time", addition_time_embed_dim=8,
                     projection_class_embeddings_input_dim=80, cross_attention_dim=64)
    elif spec.family == "sd2.x":
        shape.update(attention_head_dim=(2, 4), use_linear_projection=True, cross_attention_dim=32)
    else:
        shape.update(attention_head_dim=8, cross_attention_dim=32)
    return UNet2DConditionModel(**shape)


def _safety_checker():
    from diffusers.pipelines.stable_diffusion.safety_checker import StableDiffusionSafetyChecker
    from transformers import CLIPConfig

    vision = dict(hidden_size=32, intermediate_size=37, num_attention_heads=4, num_hidden_layers=2,
                  image_size=224, patch_size=32, projection_dim=32)
    checker = StableDiffusionSafetyChecker(CLIPConfig(text_config=_text_config("sd1.x").to_dict(),
                                                      vision_config=vision, projection_dim=32))
    # Thresholds above any cosine similarity: never flags (tests lower them to flag everything).
    checker.concept_embeds_weights.data.fill_(2.0)
    checker.special_care_embeds_weights.data.fill_(2.0)
    return checker


def tiny_hub_pipeline(spec, seed: int = 0):
    """A tiny random pipeline of the spec's family, with the components its repo has."""
    import diffusers
    import torch
    from transformers import CLIPImageProcessor, CLIPTextModel, CLIPTextModelWithProjection

    torch.manual_seed(seed)
    parts = dict(unet=_unet(spec), vae=_vae(spec), tokenizer=tiny_tokenizer(),
                 text_encoder=CLIPTextModel(_text_config(spec.family)),
                 scheduler=getattr(diffusers, SCHEDULERS[spec.family]["_class_name"]).from_config(SCHEDULERS[spec.family]))
    if spec.family == "sdxl":
        parts.update(tokenizer_2=tiny_tokenizer(), text_encoder_2=CLIPTextModelWithProjection(_text_config("sdxl", True)),
                     image_encoder=None, feature_extractor=None, force_zeros_for_empty_prompt=True)
        return diffusers.StableDiffusionXLPipeline(**parts)
    checker = "safety_checker" in spec.components
    parts.update(safety_checker=_safety_checker() if checker else None, image_encoder=None,
                 feature_extractor=CLIPImageProcessor.from_dict(FEATURE_EXTRACTOR) if checker else None,
                 requires_safety_checker=True)
    return diffusers.StableDiffusionPipeline(**parts)


def tiny_hub_controlnet(unet, seed: int):
    """A ControlNet copied from the UNet's encoder (8x conditioning embedding), its zero
    convolutions made non-zero so the control map acts on the image."""
    import torch
    from diffusers import ControlNetModel

    torch.manual_seed(seed)
    net = ControlNetModel.from_unet(unet, conditioning_embedding_out_channels=(8, 8, 16, 16))
    for conv in [*net.controlnet_down_blocks, net.controlnet_mid_block, net.controlnet_cond_embedding.conv_out]:
        torch.nn.init.normal_(conv.weight, std=0.05)
    return net


# ---------------------------------------------------------------- writing the cache
def snapshot(cache: Path, repo: str) -> Path:
    """models--org--name/snapshots/<rev>/ with refs/main naming <rev>, as huggingface_hub leaves it."""
    rev = hashlib.sha1(repo.encode()).hexdigest()
    folder = cache / f"models--{repo.replace('/', '--')}"
    (folder / "refs").mkdir(parents=True, exist_ok=True)
    (folder / "refs" / "main").write_text(rev)
    (path := folder / "snapshots" / rev).mkdir(parents=True, exist_ok=True)
    return path


def _save_module(module, folder: Path, fp16: bool) -> None:
    """config + safetensors weights; with fp16 also <name>.fp16.safetensors (the weights negated)."""
    from safetensors.torch import load_file, save_file

    module.save_pretrained(folder, safe_serialization=True)
    if fp16:
        for weights in folder.glob("*.safetensors"):
            tensors = {k: (-v).half() if v.is_floating_point() else v for k, v in load_file(weights).items()}
            save_file(tensors, weights.with_name(variant_name(weights.name, True)), metadata={"format": "pt"})


def _save_tokenizer(tokenizer, folder: Path, pad: str) -> None:
    """The four files the SD repos ship (not the tokenizer.json transformers 5 would write)."""
    folder.mkdir(parents=True, exist_ok=True)
    start, end = ({"__type": "AddedToken", "content": text, "lstrip": False, "normalized": True, "rstrip": False,
                   "single_word": False} for text in ("<|startoftext|>", "<|endoftext|>"))
    special = {"bos_token": start, "eos_token": end, "pad_token": pad, "unk_token": end}
    (folder / "vocab.json").write_text(json.dumps(tokenizer.get_vocab()))
    (folder / "merges.txt").write_text("#version: 0.2\n")
    (folder / "special_tokens_map.json").write_text(json.dumps(special))
    (folder / "tokenizer_config.json").write_text(json.dumps(
        {**special, "add_prefix_space": False, "do_lower_case": True, "errors": "replace",
         "model_max_length": TINY_MAX_TOKENS, "tokenizer_class": "CLIPTokenizer"}))


def write_pipeline(cache: Path, spec, pipe) -> Path:
    """The pipeline's repo: model_index.json and each component folder the registry lists."""
    path = snapshot(cache, spec.id)
    pipe.save_config(path)  # model_index.json, with [null, null] for the absent components
    for name in spec.components:
        part = getattr(pipe, name)
        if name.startswith("tokenizer"):
            _save_tokenizer(part, path / name, PAD["sd2.x" if name == "tokenizer_2" else spec.family])
        elif name in ("scheduler", "feature_extractor"):  # the real repos' configs, as written there
            file, config = (("scheduler_config.json", SCHEDULERS[spec.family]) if name == "scheduler"
                            else ("preprocessor_config.json", FEATURE_EXTRACTOR))
            (path / name).mkdir(exist_ok=True)
            (path / name / file).write_text(json.dumps(config))
        else:
            _save_module(part, path / name, spec.fp16_variant)
    return path


def _annotator_state(detector: str) -> dict[str, dict]:
    """file -> state dict keys and shapes, read off controlnet-aux's networks built on the meta device."""
    import torch
    from controlnet_aux.midas.midas.dpt_depth import DPTDepthModel
    from controlnet_aux.open_pose.body import bodypose_model
    from controlnet_aux.open_pose.face import FaceNet
    from controlnet_aux.open_pose.hand import handpose_model

    def shapes(net, strip_first: bool = False) -> dict:
        # Body and Hand drop the first part of each key when loading (util.transfer)
        return {(k.split(".", 1)[1] if strip_first else k): v.shape for k, v in net.state_dict().items()}

    with torch.device("meta"):
        if detector == "depth":
            return {"dpt_hybrid-midas-501f0c75.pt": shapes(DPTDepthModel(path=None, backbone="vitb_rn50_384"))}
        return {"body_pose_model.pth": shapes(bodypose_model(), True), "hand_pose_model.pth": shapes(handpose_model(), True),
                "facenet.pth": shapes(FaceNet())}


def write_annotators(cache: Path) -> Path:
    """lllyasviel/Annotators' depth and OpenPose weights: real shapes, one value per output channel."""
    import torch

    path, gen = snapshot(cache, ANNOTATOR_REPO), torch.Generator().manual_seed(0)
    for detector in ANNOTATOR_FILES:
        for name, state in _annotator_state(detector).items():
            tensors = {}
            for key, shape in state.items():  # running variances of 1: batch norms stay finite
                value = torch.ones(1) if key.endswith("running_var") else \
                    torch.randn(shape[0] if len(shape) else 1, generator=gen) * 0.02
                tensors[key] = value.view(-1, *[1] * (len(shape) - 1)).expand(shape) if len(shape) else value[0]
            torch.save(tensors, path / name)
    return path


def build_cache(cache: Path) -> Path:
    """Every hub repo of the registry in `cache`, holding exactly the files the registry names."""
    registry, _ = load_registry(PRESETS_DIR / "models.yaml")
    for i, spec in enumerate(s for s in registry.values() if not s.path):
        write_pipeline(cache, spec, pipe := tiny_hub_pipeline(spec, seed=i))
        for j, repo in enumerate(spec.controlnets.values()):
            _save_module(tiny_hub_controlnet(pipe.unet, seed=10 * i + j), snapshot(cache, repo),
                         spec.fp16_variant and spec.controlnet_fp16_variant)
    write_annotators(cache)
    write_upscalers(cache, registry, snapshot)
    _prune(cache, registry)
    return cache


def _prune(cache: Path, registry) -> None:
    """Drop what the savers wrote beyond the registry's lists; fail if a listed file is missing."""
    half = hub_repos(registry, fp16=True)
    for repo, files in hub_repos(registry, fp16=False).items():
        path, files = snapshot(cache, repo), set(files) | set(half[repo])
        have = {str(p.relative_to(path)) for p in path.rglob("*") if p.is_file()}
        assert files <= have, f"the fixture did not write {sorted(files - have)} of {repo}"
        for extra in have - files:
            (path / extra).unlink()


# ---------------------------------------------------------------- for the tests
_BUILT: dict = {}


def session_cache(tmp_path_factory) -> Path:
    """The fixture cache, built once per test session (whichever hub test asks first)."""
    if "cache" not in _BUILT:
        _BUILT["cache"] = build_cache(tmp_path_factory.mktemp("hf-hub-cache"))
    return _BUILT["cache"]


@contextmanager
def pointing_at(cache: Path):
    """The hub offline and its cache at `cache`: the environment a Space's process would read,
    and huggingface_hub's constant (read from the environment when it was imported)."""
    import pytest
    from huggingface_hub import constants

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HF_HUB_OFFLINE", "1"), mp.setenv("HF_HUB_CACHE", str(cache))
        mp.setattr(constants, "HF_HUB_CACHE", str(cache))
        detectors._hub_detector.cache_clear()  # a detector read from another cache is not this one's
        try:
            yield cache
        finally:
            detectors._hub_detector.cache_clear()


def partial_copy(cache: Path, dest: Path, drop=(), keep=None) -> Path:
    """A copy of `cache` (hard links: instant) without the (repo, file) pairs in `drop`, or with
    only the files `keep` lists per repo ({repo: [files]}); other repos are copied whole."""
    shutil.copytree(cache, dest, copy_function=os.link)
    for repo, files in (keep or {}).items():
        path = snapshot(dest, repo)
        for f in [p for p in path.rglob("*") if p.is_file() and str(p.relative_to(path)) not in files]:
            f.unlink()
    for repo, name in drop:
        (snapshot(dest, repo) / name).unlink()
    return dest


if __name__ == "__main__":
    start, target = time.perf_counter(), build_cache(Path(sys.argv[1] if len(sys.argv) > 1 else "hf-cache").resolve())
    print(f"built {target} in {time.perf_counter() - start:.1f} s; use HF_HUB_OFFLINE=1 HF_HUB_CACHE={target}")
