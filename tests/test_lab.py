"""The public Lab API of docs/design.md, on the tiny pipeline (and on the shipped embedded model)."""
import pytest
from conftest import PIXEL_TOLERANCE, TINY_STEPS, max_diff

from playground import Lab, Panel, read_params
from playground import pipelines
from playground.params import SCHEDULERS


def test_defaults_come_from_the_model(lab):
    p = lab.generate("a cat", seed=7)
    assert isinstance(p, Panel) and p.caption == "seed 7"
    assert {k: p.params[k] for k in ("num_inference_steps", "guidance_scale", "scheduler", "width", "height")} == \
        {"num_inference_steps": TINY_STEPS, "guidance_scale": 5.0, "scheduler": "DDIM", "width": 64, "height": 64}
    assert p.params["negative_prompt"] == "" and p.params["model"] == "tiny-sd1.x"
    d = lab.defaults()
    assert d["num_inference_steps"] == TINY_STEPS and d["width"] == 64 and d["max_size"] == 128


def test_no_seed_draws_a_fresh_one_and_records_it(lab):
    a, b = lab.generate("a cat"), lab.generate("a cat")
    assert a.params["seed"] != b.params["seed"]  # 1 in 4 billion to collide
    again = lab.generate("a cat", seed=a.params["seed"])
    assert max_diff(a.image, again.image) == 0


@pytest.mark.parametrize("kwargs, word", [
    (dict(seed=4294967296), "seed"), (dict(seed=-1), "seed"), (dict(seed=1, num_inference_steps=0), "num_inference_steps"),
    (dict(seed=1, guidance_scale=31), "guidance_scale"), (dict(seed=1, width=100), "width"),
    (dict(seed=1, height=256), "height must be at most 128"), (dict(seed=1, scheduler="Heun"), "scheduler"),
])
def test_validation_errors_name_the_field(lab, kwargs, word):
    with pytest.raises(ValueError, match=word):
        lab.generate("a cat", **kwargs)


def test_unknown_setting_is_a_type_error(lab):
    with pytest.raises(TypeError, match="eta"):
        lab.generate("a cat", seed=1, eta=0.5)


def test_saved_png_remakes_the_same_image(any_lab, tmp_path):
    p = any_lab.generate("a red car, on a city street", seed=123, guidance_scale=6.5, scheduler="Euler a")
    p.save(tmp_path / "p.png")
    rp = read_params(tmp_path / "p.png")
    assert rp["seed"] == 123 and rp["guidance_scale"] == 6.5 and rp["scheduler"] == "Euler a"
    keep = {k: rp[k] for k in ("seed", "num_inference_steps", "guidance_scale", "negative_prompt",
                               "scheduler", "width", "height")}
    again = any_lab.generate(rp["prompt"], **keep)
    assert max_diff(again.image, p.image) <= PIXEL_TOLERANCE


def test_compose_strip_and_grid(lab):
    tri = lab.triptych("a fox reading a book", vary="guidance_scale", values=[1.0, 7.5, 20.0], seed=7)
    strip = lab.compose(tri, title="Three guidance scales", statement="A short statement.")
    assert strip.width >= 3 * tri[0].image.width
    grid = lab.xy_grid("a cat", "seed", [1, 2], "guidance_scale", [1.0, 9.0])
    assert lab.compose(grid).height > lab.compose(grid[:2]).height  # two labelled rows


def test_model_facts(lab):
    assert lab.schedulers() == list(SCHEDULERS)
    assert lab.detectors() == ["canny", "scribble"]
    assert lab.models() == {"tiny-sd1.x": "tiny-sd1.x"}
    assert lab.model == "tiny-sd1.x" and lab.device == "cpu"
    assert lab.params("a cat", 3).seed == 3
    assert lab.control_map(lab.generate("a cat", seed=1).image, "canny").size == (64, 64)


def test_lab_refuses_models_outside_the_registry(monkeypatch):
    monkeypatch.delenv("PLAYGROUND_ALLOW_ANY_MODEL", raising=False)
    with pytest.raises(ValueError, match="model must be one of tiny-world"):
        Lab(model="someone/unknown-model")


def test_lab_with_a_hub_model_offline_fails_at_once():
    with pytest.raises(RuntimeError, match="stabilityai/sdxl-turbo"):
        Lab(model="stabilityai/sdxl-turbo")


def test_default_lab_without_weights_says_how_to_get_them(tmp_path, monkeypatch):
    (tmp_path / "presets").mkdir()
    (tmp_path / "models" / "tiny-world").mkdir(parents=True)
    (tmp_path / "presets" / "models.yaml").write_text(
        "default: tiny-world\nmodels:\n  - {id: tiny-world, path: models/tiny-world, family: embedded}\n")
    monkeypatch.setattr(pipelines, "PRESETS_DIR", tmp_path / "presets")
    with pytest.raises(FileNotFoundError, match="python -m workshop.model --init-random"):
        Lab()


@pytest.mark.slow
def test_default_lab_runs_the_embedded_model(capfd):
    lab = Lab()
    lab.progress = False
    assert lab.model == "tiny-world" and lab.family == "embedded"
    lab.preload(warm_up=False)
    # A newcomer's terminal: loading prints no library tables, hints or type warnings.
    printed = "".join(capfd.readouterr())
    for noise in ("LOAD REPORT", "accelerate", "Expected types", "UNEXPECTED"):
        assert noise not in printed, f"{noise!r} printed on load:\n{printed[-2000:]}"
    grid = lab.seed_grid("a cat", seeds=[0, 4294967295], num_inference_steps=2)
    single = lab.generate("a cat", seed=4294967295, num_inference_steps=2)
    assert grid[0].image.size == (128, 128)
    assert max_diff(grid[1].image, single.image) <= PIXEL_TOLERANCE
    cn = lab.controlnet(single.image, "a cat", detector="canny", seed=1, num_inference_steps=2)
    assert cn[0].image.size == (128, 128)


def test_switching_to_an_unavailable_model_keeps_the_current_one(tmp_path, monkeypatch):
    from playground.pipelines import PipelineManager
    from playground.tiny import tiny_pipeline
    (tmp_path / "presets").mkdir()
    (tmp_path / "presets" / "models.yaml").write_text(
        "models:\n  - {id: stabilityai/sd-turbo, family: sd2.x}\n")
    manager = PipelineManager.from_pipeline(tiny_pipeline("sd1.x"), model="tiny")
    manager.registry = pipelines.load_registry(tmp_path / "presets" / "models.yaml")[0]
    lab = Lab(manager=manager)
    with pytest.raises(RuntimeError, match="stabilityai/sd-turbo"):
        lab.switch_model("stabilityai/sd-turbo")
    assert lab.model == "tiny" and lab.manager.loaded


def test_model_facts_for_another_model_need_no_loading(monkeypatch):
    monkeypatch.delenv("PLAYGROUND_MAX_BATCH", raising=False)
    lab = Lab()  # the embedded model, not loaded
    turbo = lab.defaults("stabilityai/sd-turbo")
    assert (turbo["num_inference_steps"], turbo["guidance_scale"], turbo["width"]) == (1, 0.0, 512)
    assert lab.detectors("stabilityai/sd-turbo") == []
    assert lab.detectors() == ["canny", "scribble"] and lab.defaults()["width"] == 128
    assert "depth" in lab.detectors("stable-diffusion-v1-5/stable-diffusion-v1-5")
    with pytest.raises(ValueError, match="model must be one of"):
        lab.defaults("someone/unknown-model")
    assert not lab.loaded


def test_batch_gives_each_prompt_its_own_seed(lab):
    panels = lab.batch(["a cat", "a red car"], [3, 4])
    assert [p.params["prompt"] for p in panels] == ["a cat", "a red car"]
    assert max_diff(panels[1].image, lab.generate("a red car", seed=4).image) <= PIXEL_TOLERANCE
    with pytest.raises(ValueError, match="same length"):
        lab.batch(["a cat"], [1, 2])


def test_batch_through_a_controlnet_takes_one_map_per_prompt(lab, photo):
    maps = [lab.control_map(photo, "canny"), lab.control_map(photo.transpose(0), "canny")]
    panels = lab.batch(["a house", "a house"], [1, 1], control_images=maps, detector="canny")
    assert panels[0].params["controlnet_conditioning_scale"] == 1.0
    assert max_diff(panels[0].image, panels[1].image) > 0  # same seed and prompt: only the map differs
    single = lab.controlnet(photo, "a house", detector="canny", seed=1)
    assert max_diff(panels[0].image, single[0].image) <= PIXEL_TOLERANCE
    with pytest.raises(ValueError, match="ControlNet for tiny-sd1.x"):
        lab.batch(["a house"], [1], control_images=maps[:1], detector="depth")
