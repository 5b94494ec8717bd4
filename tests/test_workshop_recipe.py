"""workshop.recipe: the commands that made models/tiny-world are data. The model card carries
their list (kept equal here), every command parses with its module's own parser, the runner
never writes into the shipped folder unasked, and the first two steps run at tiny sizes (slow)."""
from pathlib import Path

import pytest

from workshop import evaluate, train
from workshop.model import MODEL_DIR
from workshop.recipe import STEPS, command, main, markdown, select

CARD = MODEL_DIR / "README.md"
BEGIN, END = "<!-- recipe: python -m workshop.recipe -->", "<!-- /recipe -->"
PARSERS = {"workshop.train": train.parse, "workshop.evaluate": evaluate.parse_args}


def test_the_model_card_carries_the_recipe_list():
    card = CARD.read_text(encoding="utf-8")
    assert card.count(BEGIN) == 1 and card.count(END) == 1
    assert card.split(BEGIN)[1].split(END)[0].strip() == markdown().strip()


def test_every_step_parses_and_says_what_it_writes():
    assert len({s.name for s in STEPS}) == len(STEPS)
    for step in STEPS:
        assert step.writes and all(w.startswith(("{out}/", "{work}/")) for w in step.writes), step.name
        assert step.seconds is None or step.seconds > 0
        assert (step.tiny is None) == step.app, step.name  # only the browser steps have no tiny form
        for argv in (step.argv, step.tiny or step.argv):
            module, *rest = command(argv, "out", "work")
            assert "{" not in " ".join(rest)
            if module in PARSERS:
                PARSERS[module](rest)  # a SystemExit here is a recipe the module no longer takes
    shipped = {w.split("/")[1] for s in STEPS for w in s.writes if w.startswith("{out}/")}
    assert shipped == {p.name for p in MODEL_DIR.iterdir()} - {"README.md"}  # every shipped file has a step


def test_steps_are_picked_by_name_and_the_shipped_folder_needs_asking(tmp_path):
    assert [s.name for s in select("classifier", "captioner")] == ["classifier", "controlnets-cpu", "captioner"]
    assert select(None, None) == STEPS
    for first, last in (("unet", None), ("captioner", "classifier")):
        with pytest.raises(ValueError):
            select(first, last)
    for argv in (["--run"], ["--run", "--out", str(MODEL_DIR)], ["--run", "--out", str(tmp_path), "--to", "x"]):
        with pytest.raises(SystemExit):
            main(argv)


@pytest.mark.slow
def test_the_first_steps_run_at_tiny_sizes_and_write_what_they_say(tmp_path):
    out = tmp_path / "model"
    main(["--run", "--tiny", "--out", str(out), "--to", "controlnets-gpu"])
    for written in STEPS[0].writes + STEPS[1].writes:
        path = Path(written.format(out=out, work=tmp_path / "model.work"))
        assert path.exists(), written
    for part in ("vae", "unet", "controlnet-canny", "controlnet-scribble"):
        assert (out / part / "config.json").exists() and any((out / part).glob("*.safetensors")), part
    assert (out / "scheduler" / "scheduler_config.json").exists()
    from diffusers import AutoencoderKL
    assert AutoencoderKL.from_pretrained(out / "vae").config.latent_channels == 4  # a loadable model
