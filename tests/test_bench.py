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
