"""playground.ui.shared/values/panels: errors become toasts, values parse strictly, the portfolio is copied."""
from __future__ import annotations

import importlib.util
import sys
import types

import gradio as gr
import pytest

from playground.ui import panels, shared, values
from support import UI_STEPS, panel, settings_for


def test_core_errors_turn_value_errors_into_toasts_and_keep_others():
    def bad(x):
        raise ValueError(f"seed must be an integer in 0..4294967295, got {x}")

    with pytest.raises(gr.Error, match="seed must be an integer"):
        shared.core_errors(bad)(-1)

    def broken():
        raise KeyError("a bug, not a user error")

    with pytest.raises(KeyError):  # bugs stay bugs: no blanket except
        shared.core_errors(broken)()


def test_core_errors_covers_hub_unavailable():
    from playground.registry import HubUnavailableError

    def offline():
        raise HubUnavailableError("model stabilityai/sd-turbo: the hub is not reachable")

    with pytest.raises(gr.Error, match="sd-turbo"):
        shared.core_errors(offline)()


def test_wrapped_callbacks_keep_their_signature_for_gradio():
    def fn(prompt, seed, progress=gr.Progress(track_tqdm=True), **settings):
        return prompt

    import inspect
    params = inspect.signature(shared.model_fn(fn)).parameters
    assert list(params) == ["prompt", "seed", "progress", "settings"]
    assert isinstance(params["progress"].default, gr.Progress)


def test_on_gpu_uses_spaces_only_when_importable(monkeypatch):
    def fn():
        return 1

    monkeypatch.delitem(sys.modules, "spaces", raising=False)
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)  # the same module labs.py reads
    assert shared.on_gpu(fn) is fn
    fake = types.ModuleType("spaces")
    fake.GPU = lambda f, duration=None: types.SimpleNamespace(gpu=True, fn=f, duration=duration)
    monkeypatch.setitem(sys.modules, "spaces", fake)
    wrapped = shared.on_gpu(fn)
    assert wrapped.gpu and wrapped.fn is fn


@pytest.mark.parametrize("text, cast, expected", [
    ("1, 7.5, 20", float, [1.0, 7.5, 20.0]),
    ("2,8\n20", values.int_item, [2, 8, 20]),
    ("DDIM, Euler a", str, ["DDIM", "Euler a"]),
])
def test_parse_list(text, cast, expected):
    assert values.parse_list(text, "values", cast) == expected


def test_parse_list_names_the_bad_item_and_refuses_empty():
    with pytest.raises(ValueError, match="values must be numbers.*'seven'"):
        values.parse_list("1, seven", "values", float)
    with pytest.raises(ValueError, match="at least one value"):
        values.parse_list(" , ", "values", float)
    with pytest.raises(ValueError, match="whole number"):
        values.parse_list("1.5", "seeds", values.int_item)


def test_as_int_refuses_fractions_instead_of_rounding():
    assert values.as_int(128.0, "width") == 128
    with pytest.raises(ValueError, match="width must be a whole number"):
        values.as_int(127.5, "width")
    with pytest.raises(ValueError, match="seed"):
        values.seed_value(None)


def test_lab_call_passes_settings_as_lab_keywords(lab):
    got_lab, kw = shared.lab_call(shared.Labs(lab), settings_for(lab, width=64.0, negative_prompt=None))
    assert got_lab is lab
    assert kw == dict(negative_prompt="", num_inference_steps=UI_STEPS,
                      guidance_scale=lab.defaults()["guidance_scale"],
                      scheduler=lab.defaults()["scheduler"], width=64, height=lab.defaults()["height"])
    with pytest.raises(ValueError, match="settings must include"):
        shared.lab_call(shared.Labs(lab), {"model": lab.model})


def test_add_to_portfolio_copies_and_caps(monkeypatch):
    before = [panel()]
    after = panels.add_to_portfolio(before, [panel("blue")])
    assert len(after) == 2 and len(before) == 1  # a new list: a session's state is never shared
    with pytest.raises(ValueError, match="nothing to add"):
        panels.add_to_portfolio(before, [])
    monkeypatch.setattr(panels, "PORTFOLIO_MAX", 2)
    with pytest.raises(ValueError, match="at most 2 panels"):
        panels.add_to_portfolio(after, [panel()])


def test_with_notes_copies_panels_and_skips_blank_notes():
    items = [panel(), panel("blue"), panel("green")]
    noted = panels.with_notes(items, ["  Darker.  ", "", None])
    assert noted[0].params["note"] == "Darker." and noted[0] is not items[0]
    assert "note" not in items[0].params  # the tab's own result is not rewritten
    assert noted[1] is items[1] and noted[2] is items[2]
    # the selected panel (gallery position 2) gets note 3, not note 1
    assert panels.with_notes([items[2]], ["a", "b", "c"], [2])[0].params["note"] == "c"
    assert panels.with_notes(items, []) == items  # a tab without note boxes


def test_selected_panels_needs_a_click():
    items = [panel(), panel("blue")]
    assert panels.selected_panels(items, 1) == [items[1]]
    with pytest.raises(ValueError, match="click a panel"):
        panels.selected_panels(items, None)
    with pytest.raises(ValueError, match="1..2"):
        panels.selected_panels(items, 5)


def test_portfolio_view_fills_badge_gallery_and_pick_list():
    state, badge, gallery, picked = panels.portfolio_view([panel(caption=f"CFG {i}") for i in range(4)])
    assert len(state) == 4 and "4 panels" in badge and gallery[0][1] == "CFG 0"
    assert picked.value == [0, 1, 2] and picked.choices[3] == ("4 · CFG 3", 3)


def test_warn_truncated_names_the_cut_text(recwarn):
    panels.warn_truncated([panel(truncated="on a velvet armchair")])
    assert any("velvet armchair" in str(w.message) for w in recwarn)


def test_save_panel_file_keeps_metadata():
    from playground.panels import read_params
    path = panels.save_panel_file(panel(seed=42))
    assert path.endswith(".png") and read_params(path)["seed"] == 42


def test_slider_ranges_come_from_presets():
    from playground.params import load_preset
    spec = load_preset("generate")["sliders"]["guidance_scale"]
    assert values.slider(load_preset("generate"), "guidance_scale") == {
        "minimum": spec["min"], "maximum": spec["max"], "step": spec["step"]}


def test_preload_loads_and_warms_the_model_in_the_background(lab, monkeypatch):
    calls = []
    monkeypatch.setattr(lab, "generate", lambda *a, **k: calls.append(k))
    shared.Labs(lab).preload().join(timeout=60)
    assert lab.manager.loaded and calls == [{"seed": 0, "num_inference_steps": 1}]
