"""Space.yaml is the single source of the Space settings; the README's front matter copies it.
The hub models it names, preloads and licenses are the registry's (presets/models.yaml)."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from playground import detectors, pipelines
from playground.pipelines import check_available
from playground.registry import (ANNOTATOR_REPO, GPU_CALL_SECONDS, GPU_MAX_SECONDS, gpu_duration, hub_models_runnable,
                                 hub_repos, load_registry)

ROOT = Path(__file__).resolve().parents[1]
REQUIRED = ("sdk", "sdk_version", "app_file", "python_version", "short_description", "models", "tags")


def _space() -> dict:
    return yaml.safe_load((ROOT / "Space.yaml").read_text(encoding="utf-8"))


def _front_matter() -> dict:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    match = re.match(r"---\n(.*?)\n---\n", text, re.S)
    assert match, "README.md must start with the Space's YAML front matter between --- lines"
    return yaml.safe_load(match.group(1))


def test_space_yaml_has_the_required_keys():
    space = _space()
    missing = [k for k in REQUIRED if not space.get(k)]
    assert not missing, f"Space.yaml lacks {missing}"
    assert space["sdk"] == "gradio" and space["app_file"] == "app.py"
    assert (ROOT / space["app_file"]).is_file()
    assert len(space["short_description"]) <= 60  # the Hub refuses longer card lines
    assert isinstance(space["python_version"], str), "quote python_version: YAML reads 3.10 as 3.1"


def test_readme_front_matter_agrees_with_space_yaml():
    space, front = _space(), _front_matter()
    differ = {k: (space.get(k), front.get(k)) for k in set(space) | set(front) if space.get(k) != front.get(k)}
    assert not differ, f"README front matter differs from Space.yaml (Space.yaml, README): {differ}"


def test_sdk_version_is_the_pinned_gradio():
    pins = dict(re.findall(r"^([A-Za-z0-9_.\-]+)==(\S+)", (ROOT / "requirements.txt").read_text(), re.M))
    assert pins.get("gradio") == _space()["sdk_version"], "Space.yaml sdk_version must equal the gradio pin"


def test_python_version_matches_this_interpreter_family():
    import sys
    assert _space()["python_version"] == f"{sys.version_info.major}.{sys.version_info.minor}"


def _registry():
    return load_registry(ROOT / "presets" / "models.yaml")[0]


def test_models_are_every_hub_repo_the_registry_may_load():
    # models, their ControlNets, and lllyasviel/Annotators (the depth and OpenPose detectors)
    assert _space()["models"] == list(hub_repos(_registry()))
    assert "lllyasviel/Annotators" in _space()["models"]


def test_preload_from_hub_lists_exactly_the_files_each_fp16_load_reads():
    # Weights once downloaded at run time, on the first click. tests/test_hub_loading.py
    # loads every model from a cache that holds only these files.
    preload = {}
    for entry in _space()["preload_from_hub"]:
        repo, files, *commit = entry.split(" ")
        assert not commit or re.fullmatch(r"[0-9a-f]{40}", commit[0]), entry
        preload[repo] = files.split(",")
    assert preload == hub_repos(_registry(), fp16=True)
    weights = [f for repo, files in preload.items() if repo != ANNOTATOR_REPO for f in files if "model" in f
               and not f.endswith(".json")]
    assert weights and all(f.endswith(".safetensors") for f in weights)


def test_suggested_hardware_is_a_gpu_flavour():
    from huggingface_hub import SpaceHardware

    hardware = _space()["suggested_hardware"]
    assert hardware in {h.value for h in SpaceHardware} and not hardware.startswith("cpu")


def test_readme_names_the_licence_of_every_hub_repo():
    licences = yaml.safe_load((ROOT / "presets" / "models.yaml").read_text(encoding="utf-8"))["licences"]
    assert set(licences) == set(hub_repos(_registry()))
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text[text.index("## Hub models and their licences"):]
    section = section[:section.index("\n## ", 3)]
    for repo, licence in licences.items():
        assert re.search(rf"^\| `{re.escape(repo)}` \| [^|]+ \| {re.escape(licence)} \|$", section, re.M), repo


def test_requirements_install_from_any_folder():
    # `-e .` is resolved against the folder pip runs in, not the file's.
    lines = [ln.strip() for ln in (ROOT / "requirements.txt").read_text().splitlines()]
    lines = [ln for ln in lines if ln and not ln.startswith("#")]
    assert all(re.fullmatch(r"[A-Za-z0-9_.\-]+==[\w.+]+", ln) for ln in lines), lines


def test_requires_python_is_what_the_code_needs():
    import tomllib

    needs = (3, 11) if any("Unpack" in p.read_text(encoding="utf-8") for p in (ROOT / "playground").rglob("*.py")) \
        else (3, 10)  # typing.Unpack is new in 3.11
    requires = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"]
    assert requires == f">={needs[0]}.{needs[1]}" == f">={_space()['python_version']}"


# ---------------------------------------------------------------- the hardware a hub model needs
@pytest.mark.parametrize("env, cuda, runnable", [
    ({}, False, True),                                               # a laptop: slow, but allowed
    ({"SPACE_ID": "me/lab"}, False, False),                          # a CPU Space
    ({"SPACE_ID": "me/lab"}, True, True),                            # a GPU Space
    ({"SPACE_ID": "me/lab", "SPACES_ZERO_GPU": "true"}, False, True),  # ZeroGPU: a GPU per call
    ({"SPACE_ID": "me/lab", "PLAYGROUND_HUB_ON_CPU": "1"}, False, True),
])
def test_hub_models_runnable(monkeypatch, env, cuda, runnable):
    import torch

    for name in ("SPACE_ID", "SPACES_ZERO_GPU", "PLAYGROUND_HUB_ON_CPU"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: cuda)
    assert hub_models_runnable() is runnable
    registry = _registry()
    if not runnable:  # refused before any file is looked for: no 14 GB download on a CPU Space
        with pytest.raises(ValueError, match=r"stabilityai/sdxl-turbo needs a GPU.*tiny-world"):
            check_available(registry["stabilityai/sdxl-turbo"])
    check_available(registry["tiny-world"])


def test_gpu_duration_grows_with_the_work():
    registry = _registry()
    turbo, sd15, xl = (registry[m] for m in ("stabilityai/sd-turbo", "stable-diffusion-v1-5/stable-diffusion-v1-5",
                                             "stabilityai/sdxl-turbo"))
    one = gpu_duration(turbo, images=1, steps=1)
    assert GPU_CALL_SECONDS <= one < 60  # one Turbo image: far below ZeroGPU's default 60 s
    assert gpu_duration(sd15, images=64, steps=10) > 60  # a 64-seed grid: above it
    assert gpu_duration(xl, 4, 4) > gpu_duration(turbo, 4, 4)
    assert gpu_duration(sd15, 8, 20) > gpu_duration(sd15, 4, 20) > gpu_duration(sd15, 4, 10)
    assert gpu_duration(sd15, 1, 20, 1024, 1024) > gpu_duration(sd15, 1, 20)
    assert gpu_duration(sd15, 10_000, 150) == GPU_MAX_SECONDS


def test_zero_gpu_puts_the_weights_on_cuda_at_start_up(monkeypatch):
    # ZeroGPU attaches a GPU only inside spaces.GPU calls; weights moved to "cuda" before are
    # moved for real in each call. CPU weights would run on the CPU inside the GPU call.
    import torch

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.delenv("SPACES_ZERO_GPU", raising=False)
    assert pipelines.default_device() == "cpu" == detectors.detector_device()
    monkeypatch.setenv("SPACES_ZERO_GPU", "true")
    assert pipelines.default_device() == "cuda" == detectors.detector_device()
    assert pipelines.default_dtype(pipelines.default_device()) == torch.float16
