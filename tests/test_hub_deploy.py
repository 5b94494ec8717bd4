"""The deploy rehearsal (scripts/deploy_rehearsal.py): a clean Python 3.11 virtualenv, pip install -r
requirements.txt from another folder, python app.py, its page. Minutes (the CUDA torch wheels
alone are ~4 GB to unpack): slow."""
from __future__ import annotations

import importlib.util
import json
import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("deploy_rehearsal", ROOT / "scripts" / "deploy_rehearsal.py")
rehearsal = importlib.util.module_from_spec(spec)
spec.loader.exec_module(rehearsal)


@pytest.mark.slow
def test_a_space_build_installs_and_serves(capsys):
    python = shutil.which("python3.11") or sys.executable
    why = rehearsal.torch_installable(python)
    if why:
        pytest.skip(f"no offline torch wheel, the rehearsal would download gigabytes: {why}")
    assert rehearsal.main(["--python", python]) == 0, capsys.readouterr().err[-3000:]
    # the rehearsal waits up to 300 s for the page and checks its markers; its seconds are figures it prints
    times = json.loads(capsys.readouterr().out.splitlines()[0])
    assert times["page_bytes"] > 0 and times["config_bytes"] > 0 and times["files"] > 100
