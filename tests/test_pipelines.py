"""PipelineManager: weight sharing, ControlNet cache, scheduler swaps, registry and hub rules."""
import gc
import json
import weakref

import pytest
import torch

from playground import pipelines
from playground.pipelines import PipelineManager, find_truncation
from playground.registry import HubUnavailableError, load_registry, resolve_model
from playground.tiny import tiny_controlnet, tiny_pipeline, tiny_tokenizer


def module_state(pipe):
    """dtype and storage address of every tensor in every shared module of a pipeline."""
    state = {}
    for name, module in pipe.components.items():
        if isinstance(module, torch.nn.Module) and name != "controlnet":
            for pname, tensor in list(module.named_parameters()) + list(module.named_buffers()):
                state[f"{name}.{pname}"] = (tensor.dtype, tensor.data_ptr())
    return state


@pytest.mark.parametrize("family", ["sd1.x", "sdxl"])
@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16])
def test_derived_pipelines_share_weights_without_casting(family, dtype):
    # docs/design.md's pitfall: from_pipe without the dtype casts an fp16 base to fp32 in place.
    # In fp32 that cast is a no-op, so only a half-precision base can catch it.
    base = tiny_pipeline(family, dtype=dtype)
    manager = PipelineManager.from_pipeline(base, controlnets={"canny": tiny_controlnet(base.unet).to(dtype=dtype)})
    before = module_state(base)
    assert {d for d, _ in before.values() if d.is_floating_point} == {dtype}
    img2img = manager.pipeline("img2img")
    control = manager.pipeline("controlnet", "canny")
    inpaint = manager.pipeline("inpaint")
    assert module_state(base) == before
    for derived in (img2img, control, inpaint):
        for name in ("unet", "vae", "text_encoder"):
            assert getattr(derived, name) is getattr(base, name)
        assert derived.dtype == dtype
    assert control.controlnet.dtype == dtype
    assert dict(img2img.config).get("force_zeros_for_empty_prompt") == dict(base.config).get("force_zeros_for_empty_prompt")
    assert type(img2img).__name__ == ("StableDiffusionXLImg2ImgPipeline" if family == "sdxl"
                                      else "StableDiffusionImg2ImgPipeline")


def test_the_sharing_check_would_catch_the_pitfall():
    # Negative control: plain from_pipe (no dtype) does cast the shared fp16 UNet in place.
    from diffusers import StableDiffusionImg2ImgPipeline

    base = tiny_pipeline("sd1.x", dtype=torch.float16)
    before = module_state(base)
    StableDiffusionImg2ImgPipeline.from_pipe(base)
    assert module_state(base) != before and base.unet.dtype == torch.float32


def test_derived_pipelines_and_controlnets_are_cached(lab):
    m = lab.manager
    assert m.pipeline("img2img") is m.pipeline("img2img")
    assert m.pipeline("controlnet", "canny") is m.pipeline("controlnet", "canny")
    assert m.controlnet_model("canny") is m.controlnet_model("canny")
    assert m.pipeline("controlnet", "canny") is not m.pipeline("controlnet", "scribble")
    with pytest.raises(ValueError, match=r"detector must be one with a ControlNet for tiny-sd1.x \(canny, scribble\)"):
        m.controlnet_model("depth")
    with pytest.raises(ValueError, match="task must be one of"):
        m.pipeline("upscale")


@pytest.mark.parametrize("name, cls, karras", [
    ("DDIM", "DDIMScheduler", None), ("Euler", "EulerDiscreteScheduler", False),
    ("Euler a", "EulerAncestralDiscreteScheduler", None), ("DPM++ 2M", "DPMSolverMultistepScheduler", False),
    ("DPM++ 2M Karras", "DPMSolverMultistepScheduler", True), ("UniPC", "UniPCMultistepScheduler", None),
    ("DDPM", "DDPMScheduler", None), ("PNDM", "PNDMScheduler", None), ("LMS", "LMSDiscreteScheduler", None),
])
def test_scheduler_swap_keeps_weights_and_model_config(lab, name, cls, karras):
    m = lab.manager
    pipe = m.pipeline("text2img")
    unet_ptr = next(pipe.unet.parameters()).data_ptr()
    m.set_scheduler(pipe, name)
    assert type(pipe.scheduler).__name__ == cls
    assert pipe.scheduler.config.beta_schedule == "scaled_linear"  # from the model's own config
    if karras is not None:
        assert pipe.scheduler.config.use_karras_sigmas is karras
    assert next(pipe.unet.parameters()).data_ptr() == unet_ptr


def test_unknown_scheduler(lab):
    with pytest.raises(ValueError, match="scheduler must be one of DDIM"):
        lab.manager.set_scheduler(lab.manager.base, "Heun")


def test_registry_has_the_required_models():
    registry, default = load_registry(pipelines.PRESETS_DIR / "models.yaml")
    assert default == "tiny-world"
    assert {"tiny-world", "stabilityai/sd-turbo", "stable-diffusion-v1-5/stable-diffusion-v1-5",
            "stabilityai/sdxl-turbo"} <= set(registry)
    tiny = registry["tiny-world"]
    assert tiny.family == "embedded" and tiny.size == 128 and tiny.scheduler == "DDIM"
    assert tiny.path.endswith("models/tiny-world") and set(tiny.controlnets) == {"canny", "scribble"}
    sd15 = registry["stable-diffusion-v1-5/stable-diffusion-v1-5"]
    assert sd15.controlnets == {d: f"lllyasviel/sd-controlnet-{d}" for d in ("canny", "depth", "openpose", "scribble")}
    assert registry["stabilityai/sdxl-turbo"].family == "sdxl"


def test_only_registry_models_unless_allowed(monkeypatch):
    registry, _ = load_registry(pipelines.PRESETS_DIR / "models.yaml")
    monkeypatch.delenv("PLAYGROUND_ALLOW_ANY_MODEL", raising=False)
    with pytest.raises(ValueError, match=r"model must be one of tiny-world.*PLAYGROUND_ALLOW_ANY_MODEL=1.*'someone/model'"):
        resolve_model("someone/model", registry)
    monkeypatch.setenv("PLAYGROUND_ALLOW_ANY_MODEL", "1")
    assert resolve_model("someone/model", registry).family == "sd1.x"
    assert resolve_model("someone/my-xl-model", registry).family == "sdxl"
    with pytest.raises(ValueError):
        resolve_model("../../etc/passwd", registry)  # not a hub id, not a model folder


def test_hub_model_offline_fails_naming_the_model_before_any_load_or_connection(monkeypatch):
    """Fast because nothing is tried: no connection, no diffusers load (its retries were the wait).
    The seconds, against their budget: `python -m tools.limits_bench --only hub`."""
    import socket

    tried = []

    def refuse(what):
        def attempt(*args, **kwargs):
            tried.append(what)
            raise OSError(f"{what} attempted")
        return attempt

    monkeypatch.setattr(socket.socket, "connect", refuse("socket.connect"))
    monkeypatch.setattr(socket, "create_connection", refuse("socket.create_connection"))
    monkeypatch.setattr(socket, "getaddrinfo", refuse("socket.getaddrinfo"))
    monkeypatch.setattr(pipelines, "_from_pretrained", refuse("from_pretrained"))
    manager = PipelineManager("stabilityai/sd-turbo", device="cpu")
    with pytest.raises(HubUnavailableError, match=r"stabilityai/sd-turbo.*HF_HUB_OFFLINE=1"):
        manager.base
    assert tried == [] and not manager.loaded


def test_cpu_defaults_to_float32():
    assert pipelines.default_dtype("cpu") == torch.float32
    assert pipelines.default_dtype("cuda") == torch.float16
    assert PipelineManager("stabilityai/sd-turbo", device="cpu").dtype == torch.float32


def save_embedded_layout(folder, family_seed=0):
    """A tiny pipeline saved like models/tiny-world: no text encoder, ControlNets beside it."""
    pipe = tiny_pipeline("sd1.x", seed=family_seed)
    pipe.save_pretrained(folder, safe_serialization=True)
    for sub in ("text_encoder", "tokenizer"):
        import shutil
        shutil.rmtree(folder / sub)
    index = json.loads((folder / "model_index.json").read_text())
    index.update(text_encoder=[None, None], tokenizer=[None, None])
    (folder / "model_index.json").write_text(json.dumps(index))
    tiny_controlnet(pipe.unet).save_pretrained(folder / "controlnet-canny", safe_serialization=True)
    return pipe


@pytest.fixture
def embedded_folder(tmp_path, monkeypatch):
    from transformers import CLIPTextModel

    reference = save_embedded_layout(tmp_path / "tiny")
    # The embedded family takes its text encoder from load_text_encoder(); give it the tiny one.
    monkeypatch.setattr(pipelines, "load_text_encoder",
                        lambda dtype=None: (tiny_tokenizer(), reference.text_encoder))
    assert isinstance(reference.text_encoder, CLIPTextModel)
    return tmp_path / "tiny"


def test_local_folder_loads_as_embedded_with_its_controlnets(embedded_folder, monkeypatch):
    from diffusers import AutoencoderKL, ControlNetModel, UNet2DConditionModel

    calls = []
    for cls in (AutoencoderKL, UNet2DConditionModel, ControlNetModel):
        original = cls.from_pretrained

        def spy(klass, *args, _original=original, **kwargs):
            calls.append(kwargs)
            return _original(*args, **kwargs)
        monkeypatch.setattr(cls, "from_pretrained", classmethod(spy))
    manager = PipelineManager(str(embedded_folder), device="cpu")
    assert manager.spec.family == "embedded" and manager.spec.size == 64
    assert manager.spec.controlnets == {"canny": "controlnet-canny"}
    base = manager.base
    assert type(base).__name__ == "StableDiffusionPipeline" and base.safety_checker is None
    cn = manager.pipeline("controlnet", "canny")
    assert cn.unet is base.unet and cn.controlnet is manager.controlnet_model("canny")
    # Weights only as safetensors, never remote code, never the hub for a local folder.
    assert len(calls) == 3  # VAE, UNet, ControlNet
    for kwargs in calls:
        assert kwargs["use_safetensors"] is True and kwargs["local_files_only"] is True
        assert not {"trust_remote_code", "custom_pipeline"} & set(kwargs)


def test_switching_model_frees_the_old_one(embedded_folder, tmp_path):
    second = tmp_path / "second"
    save_embedded_layout(second, family_seed=1)
    manager = PipelineManager(str(embedded_folder), device="cpu")
    old = weakref.ref(manager.base.unet)
    manager.pipeline("img2img")
    manager.switch(str(second))
    gc.collect()
    assert old() is None, "the previous model's UNet is still referenced"
    assert not manager.loaded and manager.spec.path.endswith("second")
    assert manager.base.unet is not None


def test_missing_weights_say_how_to_get_them(tmp_path):
    (tmp_path / "presets").mkdir()
    (tmp_path / "models" / "tiny-world").mkdir(parents=True)
    (tmp_path / "presets" / "models.yaml").write_text(
        "default: tiny-world\nmodels:\n  - {id: tiny-world, path: models/tiny-world, family: embedded}\n")
    manager = PipelineManager(registry_path=tmp_path / "presets" / "models.yaml", device="cpu")
    with pytest.raises(FileNotFoundError, match=r"tiny-world: no weights.*--init-random"):
        manager.base


def test_find_truncation_reports_the_cut_part():
    tok = tiny_tokenizer()  # one token per character, 77 with the two specials
    assert find_truncation(tok, "a cat") is None
    text = "x" * 75 + "yz"
    assert find_truncation(tok, text) == "yz"


# ---------------------------------------------------------------- guidance (playground/guidance.py)
def picture(pipe, prompt: str, guidance: float, seed: int = 7):
    """One 4-step picture as floats in 0..1, its noise drawn as the app draws it."""
    out = pipe(prompt=[prompt], generator=[torch.Generator("cpu").manual_seed(seed)], num_inference_steps=4,
               guidance_scale=guidance, output_type="np")
    return out.images[0]


def test_the_embedded_family_guides_as_the_formula_says(embedded_folder):
    """uncond + w * (cond - uncond): at w = 0 the prompt is ignored (the empty prompt's picture),
    where diffusers would draw the prompt unguided (as at w = 1)."""
    import diffusers

    from playground.guidance import TrueGuidance

    manager = PipelineManager(str(embedded_folder), device="cpu")
    base = manager.base
    base.set_progress_bar_config(disable=True)
    zero, one = picture(base, "a red fox", 0.0), picture(base, "a red fox", 1.0)
    empty = picture(base, "", 1.0)  # 1: the conditional pass alone, here on the empty prompt
    assert abs(zero - empty).max() <= 1 / 255
    assert abs(zero - one).max() > 3 / 255  # random weights: the prompt moves pixels by a few steps
    # the control: diffusers' own class on the same modules draws the prompt unguided at 0
    plain = pipelines.derive_pipeline(diffusers.StableDiffusionPipeline, base)
    assert not isinstance(plain, TrueGuidance)
    assert abs(picture(plain, "a red fox", 0.0) - one).max() <= 1 / 255
    # every derived pipeline keeps it (built from the family's classes, not with from_pipe)
    for task, detector in (("img2img", None), ("controlnet", "canny"), ("inpaint", None)):
        pipe = manager.pipeline(task, detector)
        assert isinstance(pipe, TrueGuidance) and pipe.unet is base.unet
        pipe._guidance_scale = 0.0
        assert pipe.do_classifier_free_guidance
        pipe._guidance_scale = 1.0
        assert not pipe.do_classifier_free_guidance


def test_hub_families_keep_diffusers_classes():
    import diffusers

    from playground.guidance import pipeline_class
    from playground.registry import TASK_CLASSES

    for family in ("sd1.x", "sd2.x", "sdxl"):
        for task, name in TASK_CLASSES[family].items():
            assert pipeline_class(family, task) is getattr(diffusers, name)
    embedded = pipeline_class("embedded", "text2img")
    # the diffusers name kept: a saved pipeline's model_index.json loads back with plain diffusers
    assert embedded is pipeline_class("embedded", "text2img") and embedded.__name__ == "StableDiffusionPipeline"
    assert issubclass(embedded, diffusers.StableDiffusionPipeline)
    with pytest.raises(ValueError, match="task must be one of"):
        pipeline_class("embedded", "upscale")
