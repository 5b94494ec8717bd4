"""Space.yaml is the single source of the Space settings; the README's front matter copies it."""
from __future__ import annotations

import re
from pathlib import Path

import yaml

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


def test_models_are_registry_models_or_their_controlnets():
    registry = yaml.safe_load((ROOT / "presets" / "models.yaml").read_text(encoding="utf-8"))
    hub = set()
    for entry in registry["models"]:
        if "path" in entry:  # local folder: shipped in the repo, not a hub model
            continue
        hub.add(entry["id"])
        hub.update((entry.get("controlnets") or {}).values())
    models = set(_space()["models"])
    assert models <= hub, f"Space.yaml names models outside presets/models.yaml: {models - hub}"
    base = {e["id"] for e in registry["models"] if "path" not in e}
    assert base <= models, f"Space.yaml should list every hub model of the registry: {base - models}"
