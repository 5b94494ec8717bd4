"""Three layers, one direction: the core never imports gradio, and importing loads nothing."""
import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORE = [p for p in (ROOT / "playground").rglob("*.py") if "ui" not in p.relative_to(ROOT / "playground").parts]


def run_python(code: str) -> str:
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                            env={"HF_HUB_OFFLINE": "1", "PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)})
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout.strip()


def test_importing_the_core_loads_no_gradio_and_no_model():
    # torch and diffusers are imported only when a model is used, so importing is instant and
    # can never start a download or a model load.
    out = run_python(
        "import sys, playground\n"
        "from playground import Lab, Panel, read_params, GenerationParams, PromptBandit\n"
        "import playground.lab, playground.pipelines, playground.registry, tools.bench\n"
        "from playground.exercises import bandit, common, controlnet, generate, img2img, "
        "prompt_styles, trajectory, triptych, xy_grid\n"
        "print(sorted(m for m in ('gradio', 'torch', 'diffusers', 'transformers') if m in sys.modules))")
    assert out == "[]"


def test_no_core_module_imports_gradio():
    offenders = []
    for path in CORE:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            if any(n == "gradio" or n.startswith("gradio.") or n.startswith("playground.ui") for n in names):
                offenders.append(str(path.relative_to(ROOT)))
    assert not offenders, f"core modules import the UI layer: {offenders}"


def test_exercises_never_load_remote_code():
    text = "\n".join(p.read_text(encoding="utf-8") for p in CORE)
    for word in ("trust_remote_code=True", "custom_pipeline="):
        assert word not in text
