"""workshop.sketch_knobs: its first setting is the evaluation's, so on the same drawings and
seeds it must give the sketch section's figures (the other rows are then comparable)."""
import numpy as np
import pytest

from playground.world.classifier import AttributeClassifier
from workshop.drawings import drawing_set
from workshop.eval_drawings import DRAWING_SEED, scribble_maps, stroke_f1
from workshop.eval_sections import TARGETS
from workshop.metrics import pooled_share
from workshop.model import MODEL_DIR
from workshop.sampling import generate, open_lab
from workshop.sketch_knobs import SETTINGS, measure

pytestmark = pytest.mark.slow


def test_the_first_setting_reproduces_the_evaluations_figures():
    lab = open_lab(MODEL_DIR, "cpu")
    clf = AttributeClassifier.load(MODEL_DIR / "classifier", "cpu")
    drawings = drawing_set(3, DRAWING_SEED)
    maps = scribble_maps([d.image for d in drawings])
    made = generate(lab, [d.caption for d in drawings], range(3), control=maps, detector="scribble")
    f1 = np.mean(stroke_f1(made, maps))
    adherence = pooled_share([d.named for d in drawings], clf.predict(made), TARGETS)
    pipe = lab.manager.pipeline("controlnet", "scribble")
    lab.manager.set_scheduler(pipe, lab.defaults()["scheduler"])
    assert SETTINGS[0] == {"controlnet_conditioning_scale": 1.0}
    knob_f1, knob_adherence = measure(pipe, clf, drawings, maps, SETTINGS[0], lab.defaults())
    assert knob_f1 == pytest.approx(f1, abs=0.02) and knob_adherence == pytest.approx(adherence, abs=0.07)
