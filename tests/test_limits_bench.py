"""tools.limits_bench, the limits' timings the tests no longer assert: its cheap parts run and
print each figure beside its budget; its arguments are checked."""
import pytest

from tools import limits_bench


def test_the_readers_and_refusals_print_each_figure_beside_its_budget(capsys):
    rows = limits_bench.main(["--only", "readers", "--only", "refusals", "--repeat", "1"])
    out = capsys.readouterr().out
    assert out.splitlines()[0].split() == ["what", "seconds", "budget"]
    names = [*limits_bench.SETTINGS_LINES, "read_params", *limits_bench.over_long_calls()]
    assert len(rows) == len(names) and all(seconds >= 0 and budget > 0 for _, seconds, budget in rows)
    for name in names:
        assert name in out, name


@pytest.mark.parametrize("argv", [["--only", "nothing"], ["--repeat", "0"]])
def test_bad_arguments_are_refused(argv, capsys):
    with pytest.raises(SystemExit):
        limits_bench.main(argv)
    assert "error" in capsys.readouterr().err
