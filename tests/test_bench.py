"""The bench runs on the tiny pipeline and reports every figure it promises."""
import pytest

from tools import bench

pytestmark = pytest.mark.integration  # the tiny random pipeline


def test_bench_on_the_tiny_pipeline(capsys):
    report = bench.main(["--tiny", "--steps", "2", "--seeds", "3"])
    out = capsys.readouterr().out
    for words in ("seconds per image", "3 sequential generate calls", "batched 3-seed grid",
                  "faster", "max pixel difference", "peak memory", "RSS"):
        assert words in out
    assert report["model"] == "tiny-sd1.x" and report["steps"] == 2 and report["seeds"] == 3
    assert report["max_pixel_diff"] <= 3 and report["sequential_s"] > 0 and report["rss_mb"] > 0


def test_the_walk_section_times_the_tabs_default_call():
    """--walk: the Walks tab's call at its preset (warmed up first), and with compare four more."""
    from types import SimpleNamespace

    from playground.exercises.interpolate import Walk
    from playground.params import load_preset

    calls = []

    class FakeLab:
        progress = True

        def interpolate(self, prompt, **kw):
            calls.append(kw)
            steps = kw.get("num_inference_steps", 20)
            panels = [SimpleNamespace(params={"t": t, "num_inference_steps": steps}) for t in (0.0, 0.25, 1.0)]
            return Walk(panels, kw["spacing"], renders=kw["budget"] or 3, rounds=1, ratio=1.25)

    preset = load_preset("interpolate")
    report = bench.run_walk_bench(FakeLab(), compare=True)
    assert calls[0]["spacing"] == "uniform" and calls[0]["num_inference_steps"] == 2  # the warm-up
    assert calls[1] == dict(seeds=preset["seeds"], frames=preset["frames"], mode=preset["mode"], prompt_b=None,
                            spacing=preset["spacing"], budget=preset["renders"])  # the model's own settings
    assert [(c["spacing"], c["budget"], c["num_inference_steps"]) for c in calls[2:]] == [
        (s, r if s == "even" else None, n) for s, r, n in bench.WALK_FIGURES]
    out = bench.format_walk(report)
    assert report["walk_s"] > 0 and report["walk_t"] == [0.0, 0.25, 1.0] and report["walk_renders"] == preset["renders"]
    assert f"{preset['renders']} renders in 2 calls, largest step / median 1.25" in out
    assert "0.0000, 0.2500, 1.0000" in out and "even 32 at 10 steps: 32 renders" in out


def test_the_class_bench_prints_each_figure_beside_its_target():
    """tools.class_bench's table: ratios against the old app, '-' where a variant was not run."""
    from tools.class_bench import format_class

    engine = {"image_1_torch": 0.6, "image_1_onnxruntime": 0.4, "image_1_speedup": 1.5, "image_8_torch": 2.2,
              "image_8_onnxruntime": 2.0, "image_8_speedup": 1.1, "max_pixel_diff": 1, "seeds": 16}
    new = {"images_s": 6.0, "images_s_wall": 4.0, "p50": 4.0, "eta": 0.2, "eta_n": 30, "silent": 0}
    old = {"images_s": 2.0, "p50": 10.0, "eta": 0.5, "eta_n": 40, "silent": 1}
    off = {"images_s": 5.0, "p50": 5.0, "eta": None, "eta_n": 0, "silent": 0}
    result = {"engine": engine, "walk_s": 3.8, "tabs": {"seed_grid": 1.25}, "replay": {10: 8.0, 30: 9.0},
              "classes": {10: {"new": new, "batching off": off, "old": old}, 30: {"new": new, "batching off": off}}}
    text = format_class(result)
    assert "1.50x (target >= 1.6x)" in text and "1.10x (target >= 1.3x)" in text
    assert "seed_grid: server / engine time 1.25" in text and "3.80 s (target < 10 s)" in text
    ten, thirty = text.split("10 students")[1].split("30 students")
    assert "3.00x" in ten and "0.40x" in ten  # 6 / 2 images/s, 4 / 10 s
    assert "20%" in ten and "50%" in ten and "6.00 / 8.00 images/s = 0.75" in ten
    assert "over the whole run, arrivals and connects included: 0.50" in ten  # 4 / 8
    row = next(line for line in thirty.splitlines() if line.strip().startswith("images/s"))
    assert row.split() == ["images/s", "6.00", "5.00", "-", "-", ">=", "2x"]  # no old app: no ratio
    assert "6.00 / 9.00 images/s = 0.67" in thirty
