"""Loading hub models from a cache: the fp16 files when the dtype is fp16 (the Space's preload list
is enough), fp32 files otherwise, and partial caches failing with a message that names the repo
and what is missing. Loading only (fp16 convolutions are slow or missing on a CPU)."""
from __future__ import annotations

import pytest
import torch
from hub_fixture import partial_copy, pointing_at, session_cache, snapshot
from PIL import Image
from safetensors.torch import load_file

from playground import detectors, upscale
from playground.exercises import controlnet as controlnet_exercise
from playground.lab import Lab
from playground.panels import Panel
from playground.params import PRESETS_DIR
from playground.registry import ANNOTATOR_REPO, HubUnavailableError, hub_repos, load_registry

pytestmark = pytest.mark.integration
REGISTRY, _ = load_registry(PRESETS_DIR / "models.yaml")
HUB = [m for m, spec in REGISTRY.items() if not spec.path]
SD15, TURBO, XL = "stable-diffusion-v1-5/stable-diffusion-v1-5", "stabilityai/sd-turbo", "stabilityai/sdxl-turbo"


@pytest.fixture(scope="module")
def hub_cache(tmp_path_factory):
    return session_cache(tmp_path_factory)


@pytest.fixture(scope="module")
def preload_only(hub_cache, tmp_path_factory):
    """What a GPU Space holds after preload_from_hub: only the fp16 list of every repo."""
    return partial_copy(hub_cache, tmp_path_factory.mktemp("preload") / "hub", keep=hub_repos(REGISTRY, fp16=True))


def weights_of(cache, repo: str, name: str) -> dict:
    return load_file(snapshot(cache, repo) / name)


def same(module, tensors: dict) -> bool:
    """Every tensor of the file is the module's (a file with other keys is not "the same")."""
    state = module.state_dict()
    assert tensors and set(tensors) <= set(state), sorted(set(tensors) - set(state))[:3]
    return all(torch.equal(state[k], v.to(state[k].dtype)) for k, v in tensors.items())


@pytest.mark.parametrize("model", HUB)
def test_fp16_loads_the_fp16_files_from_the_preloaded_cache(preload_only, model):
    spec = REGISTRY[model]
    with pointing_at(preload_only):
        lab = Lab(model=model, device="cpu", dtype=torch.float16)
        base = lab.manager.base
        for name in ("unet", "vae", "text_encoder"):
            module = getattr(base, name)
            assert module.dtype == torch.float16
            file = "diffusion_pytorch_model.fp16.safetensors" if name in ("unet", "vae") else "model.fp16.safetensors"
            # the fixture's fp16 files hold the fp32 weights negated: equal means this file was read
            assert same(module, weights_of(preload_only, model, f"{name}/{file}"))
        for detector, repo in spec.controlnets.items():
            net = lab.manager.controlnet_model(detector)
            assert net.dtype == torch.float16
            file = "diffusion_pytorch_model.fp16.safetensors" if spec.controlnet_fp16_variant \
                else "diffusion_pytorch_model.safetensors"  # lllyasviel's: fp32 files, cast on load
            assert same(net, weights_of(preload_only, repo, file))


def test_fp32_reads_the_plain_files(hub_cache):
    with pointing_at(hub_cache):
        lab = Lab(model=XL, device="cpu")
        assert lab.manager.base.unet.dtype == torch.float32
        assert same(lab.manager.base.unet, weights_of(hub_cache, XL, "unet/diffusion_pytorch_model.safetensors"))
        assert same(lab.manager.controlnet_model("canny"),
                    weights_of(hub_cache, "diffusers/controlnet-canny-sdxl-1.0", "diffusion_pytorch_model.safetensors"))


def without(hub_cache, tmp_path, *pairs):
    return partial_copy(hub_cache, tmp_path / "hub", drop=pairs)


def test_a_missing_fp16_variant_is_named(hub_cache, tmp_path):
    cache = without(hub_cache, tmp_path, (TURBO, "unet/diffusion_pytorch_model.fp16.safetensors"))
    with pointing_at(cache):
        # the fp32 files are there, the fp16 ones are not: the Lab says so when it is made
        with pytest.raises(HubUnavailableError, match=r"stabilityai/sd-turbo: the fp16 variant missing from the local "
                                                      r"cache \(unet/diffusion_pytorch_model.fp16.safetensors\).*OFFLINE"):
            Lab(model=TURBO, device="cpu", dtype=torch.float16)
        assert Lab(model=TURBO, device="cpu").manager.base.unet.dtype == torch.float32  # fp32 still loads


def test_a_missing_file_is_named_when_the_lab_is_made(hub_cache, tmp_path):
    cache = without(hub_cache, tmp_path, (SD15, "tokenizer/vocab.json"), (SD15, "safety_checker/model.safetensors"))
    with pointing_at(cache):
        with pytest.raises(HubUnavailableError, match=r"stable-diffusion-v1-5/stable-diffusion-v1-5: files missing "
                                                      r"from the local cache \(safety_checker/model.safetensors, "
                                                      r"tokenizer/vocab.json\)"):
            Lab(model=SD15, device="cpu")


def test_a_missing_controlnet_is_named(hub_cache, tmp_path, photo):
    cache = without(hub_cache, tmp_path, ("lllyasviel/sd-controlnet-canny", "diffusion_pytorch_model.safetensors"),
                    ("diffusers/controlnet-depth-sdxl-1.0", "diffusion_pytorch_model.fp16.safetensors"))
    with pointing_at(cache):
        lab = Lab(model=SD15, device="cpu")
        with pytest.raises(HubUnavailableError, match=r"lllyasviel/sd-controlnet-canny: files missing.*"
                                                      r"\(diffusion_pytorch_model.safetensors\)"):
            lab.controlnet(photo, "a car", detector="canny", width=64, height=64, num_inference_steps=1)
        half = Lab(model=XL, device="cpu", dtype=torch.float16).manager
        with pytest.raises(HubUnavailableError, match=r"controlnet-depth-sdxl-1.0: the fp16 variant missing"):
            half.controlnet_model("depth")


def test_a_missing_upscaler_is_named_before_anything_loads(hub_cache, tmp_path, monkeypatch):
    import huggingface_hub

    repo, file = REGISTRY[SD15].upscaler["repo"], REGISTRY[SD15].upscaler["file"]
    assert (repo, file) == ("Phips/2xParimgCompact", "2xParimgCompact.safetensors")
    reads = []
    monkeypatch.setattr(upscale, "load", lambda *args: reads.append(args))  # spandrel: not reached
    monkeypatch.setattr(huggingface_hub, "hf_hub_download", lambda *args, **kwargs: reads.append(args))
    with pointing_at(without(hub_cache, tmp_path, (repo, file))):
        lab = Lab(model=SD15, device="cpu")  # the pipeline's files are all there
        panel = Panel(Image.new("RGB", (64, 64), "gray"), "seed 1", {"model": SD15, "seed": 1})
        with pytest.raises(HubUnavailableError, match=r"^model Phips/2xParimgCompact: files missing from the local "
                                                      r"cache \(2xParimgCompact.safetensors\) and the Hugging Face "
                                                      r"Hub is unreachable \(HF_HUB_OFFLINE=1\)"):
            lab.upscale(panel, 2)
        assert not reads and not lab.loaded  # neither the upscaler nor the pipeline was read
        assert lab.upscale(panel, 2, "bicubic").image.size == (128, 128)  # the plain filters still work


@pytest.mark.parametrize("detector, missing", [("depth", "dpt_hybrid-midas-501f0c75.pt"),
                                               ("openpose", "body_pose_model.pth"),
                                               ("openpose", "hand_pose_model.pth"),
                                               ("openpose", "facenet.pth")])
def test_every_annotator_file_is_probed(hub_cache, tmp_path, photo, detector, missing):
    # OpenPose once probed its body weights only; the hand and face files then
    # failed inside controlnet-aux with a generic error.
    cache = without(hub_cache, tmp_path, (ANNOTATOR_REPO, missing))
    with pointing_at(cache):
        with pytest.raises(HubUnavailableError, match=rf"lllyasviel/Annotators: files missing from the local cache "
                                                      rf"\({missing}\)"):
            controlnet_exercise.control_map(photo, detector, 64, 64)


def test_a_detector_failing_inside_controlnet_aux_is_a_hub_error(hub_cache, photo, monkeypatch):
    import controlnet_aux.open_pose as open_pose
    from huggingface_hub.errors import LocalEntryNotFoundError

    def vanished(*args, **kwargs):
        raise LocalEntryNotFoundError("the file went away between the check and the load")
    monkeypatch.setattr(open_pose, "hf_hub_download", vanished)
    with pointing_at(hub_cache):
        with pytest.raises(HubUnavailableError, match="detector openpose: lllyasviel/Annotators could not be read"):
            detectors.control_map(photo, "openpose")


def test_detectors_run_where_the_pipelines_run(monkeypatch):
    moved = []

    class Fake:
        @classmethod
        def from_pretrained(cls, repo, local_files_only):
            return cls()

        def to(self, device):
            moved.append(device)
            return self

    import controlnet_aux

    monkeypatch.setattr(controlnet_aux, "MidasDetector", Fake)
    monkeypatch.setattr(detectors, "check_hub", lambda repo, files: True)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    detectors._hub_detector.cache_clear()
    try:
        assert detectors.detector_device() == "cuda"
        detectors._hub_detector("depth", detectors.detector_device())
        detectors._hub_detector("depth", "cpu")
    finally:
        detectors._hub_detector.cache_clear()
    assert moved == ["cuda", "cpu"]


def test_switching_from_the_embedded_model_to_each_hub_model_and_back(hub_cache):
    # the app's path: Lab() at start-up, then the picker's Lab.switch_model (ui/shared.Labs.get)
    with pointing_at(hub_cache):
        lab = Lab(device="cpu")
        lab.progress = False
        for model in [*HUB, "tiny-world"]:
            lab.switch_model(model)
            panel = lab.generate("a red car", seed=1, width=64, height=64, num_inference_steps=1)
            assert lab.model == model == panel.params["model"] and lab.family == REGISTRY[model].family


def test_hub_models_keep_diffusers_guidance_rule(hub_cache):
    """SD-Turbo's default guidance 0 means "no guidance" (diffusers' rule, what it was distilled
    for): the same picture as 1. Only the embedded family guides as the formula says at 0
    (playground/guidance.py; tests/test_pipelines.py)."""
    import diffusers
    import numpy as np

    with pointing_at(hub_cache):
        lab = Lab(model=TURBO, device="cpu")
        lab.progress = False
        at = {g: lab.generate("a red car", seed=1, width=64, height=64, num_inference_steps=1, guidance_scale=g)
              for g in (0.0, 1.0)}
        assert type(lab.manager.base) is diffusers.StableDiffusionPipeline
        assert type(lab.manager.pipeline("img2img")) is diffusers.StableDiffusionImg2ImgPipeline
    pixels = [np.asarray(p.image.convert("RGB"), dtype=np.int16) for p in at.values()]
    assert np.abs(pixels[0] - pixels[1]).max() == 0
