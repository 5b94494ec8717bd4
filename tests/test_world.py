"""The procedural world: sampling follows the prior tables, captions never lie, renders are
deterministic and the attributes show in the pixels."""

import numpy as np
import pytest

from playground.world import (ATTRIBUTES, EVAL_ATTRIBUTES, VALUES, Scene, caption, make_batch,
                              parse_prompt, prompt_for, render, sample_scene)

LAB_PROMPTS = {
    "sunset over mountains": {"subject": "none", "setting": "mountains", "light": "sunset"},
    "a cat": {"subject": "cat"},
    "a ginger tabby cat sleeping on a navy velvet armchair, afternoon light from a window on "
    "the left, 35mm photography": {"subject": "cat", "colour": "ginger", "light": "day",
                                   "style": "photo"},
    "a golden retriever playing fetch on a beach at sunset":
        {"subject": "dog", "colour": "golden", "setting": "beach", "light": "sunset"},
    "a vintage red sports car parked on a city street, blue apartment building in the "
    "background, a few birds overhead": {"subject": "car", "colour": "red", "setting": "city"},
    "a beautiful landscape": {"subject": "none"},
    "a watercolour illustration of a fox reading a book in a library, soft lighting, warm "
    "tones": {"subject": "fox", "setting": "library", "style": "watercolour"},
    "a Norwegian fjord": {"subject": "none", "setting": "fjord"},
}


def scenes(n, seed=0, **fixed):
    rng = np.random.default_rng(seed)
    return [sample_scene(rng, **fixed) for _ in range(n)]


def test_tables_are_distributions():
    for name, table in ATTRIBUTES.items():
        assert abs(sum(table.values()) - 1.0) < 1e-9, name
        assert all(p >= 0 for p in table.values()), name


def test_render_shape_dtype_and_determinism():
    for scene in scenes(20):
        image = render(scene)
        assert image.shape == (128, 128, 3) and image.dtype == np.uint8
        assert np.array_equal(image, render(scene))
    assert render(scenes(1)[0], size=64).shape == (64, 64, 3)


def test_render_rejects_bad_size():
    with pytest.raises(ValueError, match="size"):
        render(scenes(1)[0], size=4)


def test_seed_changes_the_jitter_only():
    a = scenes(1, subject="cat", style="photo")[0]
    b = Scene(**{**a.__dict__, "seed": a.seed + 1})
    assert not np.array_equal(render(a), render(b))
    assert a.attributes() == b.attributes()


def test_attributes_use_the_evaluation_vocabulary():
    for scene in scenes(2000):
        attrs = scene.attributes()
        assert tuple(attrs) == EVAL_ATTRIBUTES
        for key, value in attrs.items():
            assert value in VALUES[key], (key, value)


def test_fixed_attributes_are_honoured():
    for fixed in ({"subject": "car", "colour": "red"}, {"colour": "ginger"},
                  {"light": "night", "style": "pixel art"}, {"birds": 3}, {"birds": "5"},
                  {"subject": "fox", "setting": "library", "pose": "reading"},
                  {"subject": "car", "setting": "library"}, {"placement": "left"}):
        for scene in scenes(50, **fixed):
            attrs = {**scene.attributes(), "pose": scene.pose}
            for key, value in fixed.items():
                assert attrs[key] == str(value), (fixed, scene)
    assert {s.subject for s in scenes(200, colour="ginger")} == {"cat"}
    assert all(s.setting not in ("living room", "library") for s in scenes(200, birds=2))


def test_impossible_combinations_raise():
    rng = np.random.default_rng(0)
    for fixed in ({"subject": "cat", "colour": "green"}, {"setting": "library", "birds": 2},
                  {"subject": "none", "placement": "left"}, {"subject": "unicorn"},
                  {"flavour": "sweet"}):
        with pytest.raises(ValueError):
            sample_scene(rng, **fixed)


def frequencies(values):
    keys, counts = np.unique(values, return_counts=True)
    return dict(zip(keys, counts / len(values)))


def test_prior_frequencies_match_the_tables():
    sample = scenes(5000, seed=1)
    checks = [("subject", [s.subject for s in sample]),
              ("light", [s.light for s in sample]),
              ("style", [s.style for s in sample]),
              ("cat_colour", [s.colour for s in sample if s.subject == "cat"]),
              ("car_setting", [s.setting for s in sample if s.subject == "car"]),
              ("placement", [s.placement for s in sample if s.subject != "none"]),
              ("outdoor_birds", [str(s.birds) for s in sample
                                 if s.setting not in ("living room", "library")])]
    for table, values in checks:
        seen = frequencies(values)
        for value, p in ATTRIBUTES[table].items():
            assert abs(seen.get(value, 0.0) - p) < 0.04, (table, value, seen.get(value), p)


def test_captions_never_contradict_the_scene():
    rng = np.random.default_rng(2)
    for scene in scenes(3000, seed=2):
        text = caption(scene, rng)
        named = parse_prompt(text)
        truth = scene.attributes()
        assert named.get("subject") == scene.subject, text
        assert all(truth[k] == v for k, v in named.items()), (text, named, truth)


def test_detail_controls_caption_length():
    rng = np.random.default_rng(3)
    sample = scenes(300, seed=3)
    terse = [set(parse_prompt(caption(s, rng, detail=0.0))) for s in sample]
    full = [len(parse_prompt(caption(s, rng, detail=1.0))) for s in sample]
    assert all(named <= {"subject", "setting"} for named in terse)  # a street is never "a landscape"
    assert np.mean([len(named) for named in terse]) < 1.1 and np.mean(full) > 4
    assert caption(scenes(1, subject="cat")[0], rng, detail=0.0) == "a cat"
    with pytest.raises(ValueError, match="detail"):
        caption(sample[0], rng, detail=1.5)


def test_synonyms_are_understood():
    pairs = {"golden hour": "sunset", "in the evening": "sunset", "at sunrise": "dawn",
             "by moonlight": "night", "watercolor painting": "watercolour",
             "35mm photography": "photo", "8-bit": "pixel art", "pencil drawing": "pencil sketch",
             "flat vector illustration": "flat illustration"}
    for phrase, value in pairs.items():
        named = parse_prompt(f"a cat, {phrase}")
        assert value in (named.get("light"), named.get("style")), phrase
    assert parse_prompt("a dog on the left side")["placement"] == "left"
    assert "placement" not in parse_prompt("a dog, light from a window on the right")
    assert parse_prompt("a fox, three birds")["birds"] == "3"
    assert "birds" not in parse_prompt("a fox, a few birds")
    assert parse_prompt("a grey tabby cat")["colour"] == "grey"
    assert parse_prompt("a tabby cat")["colour"] == "tabby"


def test_lab_prompts_parse_and_render():
    rng = np.random.default_rng(4)
    for prompt, expected in LAB_PROMPTS.items():
        assert parse_prompt(prompt) == expected, prompt
        scene = sample_scene(rng, **expected)
        assert scene.attributes().items() >= expected.items()
        assert render(scene).shape == (128, 128, 3)


def test_prompt_for_names_exactly_the_attributes():
    rng = np.random.default_rng(5)
    for scene in scenes(400, seed=5):
        truth = scene.attributes()
        attrs = {k: truth[k] for k in EVAL_ATTRIBUTES if rng.random() < 0.5}
        attrs.setdefault("subject", scene.subject)
        attrs = {k: v for k, v in attrs.items() if v != "none" or k == "subject"}
        prompt = prompt_for(attrs, rng)
        assert parse_prompt(prompt) == attrs, (attrs, prompt)


def test_make_batch_shapes():
    images, captions, batch = make_batch(6, seed=7)
    assert images.shape == (6, 128, 128, 3) and images.dtype == np.uint8
    assert len(captions) == len(batch) == 6
    assert np.array_equal(images[2], render(batch[2]))
    again, captions2, _ = make_batch(6, seed=7)
    assert np.array_equal(images, again) and captions == captions2


def mean_image(n, **fixed):
    return np.mean([render(s).astype(np.float32) for s in scenes(n, seed=8, **fixed)], axis=0)


def test_light_shows_in_the_pixels():
    night, day = mean_image(30, light="night"), mean_image(30, light="day")
    sunset = mean_image(30, light="sunset")
    assert night.mean() < 0.6 * day.mean()
    sky = slice(0, 30)
    assert sunset[sky, :, 0].mean() > sunset[sky, :, 2].mean() + 30  # red-orange sky
    assert day[sky, :, 2].mean() > day[sky, :, 0].mean() + 30        # blue sky


def test_styles_look_different():
    for scene in scenes(20, seed=9, style="pencil sketch"):
        image = render(scene).astype(np.float32)
        assert np.abs(image - image.mean(axis=2, keepdims=True)).max() < 12  # grayscale paper
    for scene in scenes(20, seed=9, style="pixel art"):
        image = render(scene)
        blocks = image.reshape(32, 4, 32, 4, 3)
        assert (blocks == blocks[:, :1, :, :1]).all()  # 4x4 blocks of one colour
    photo = scenes(1, seed=9, style="photo")[0]
    variants = {style: render(Scene(**{**photo.__dict__, "style": style})).astype(np.float32)
                for style in VALUES["style"]}
    for a in variants:
        for b in variants:
            if a < b:
                assert np.abs(variants[a] - variants[b]).mean() > 8, (a, b)


def test_subject_position_follows_placement():
    def centre_of_change(placement):
        base = scenes(1, seed=10, subject="none", setting="beach", light="day",
                      style="flat illustration", birds=0)[0]
        base = Scene(**{**base.__dict__, "placement": placement})  # same sun, same jitter
        with_subject = Scene(**{**base.__dict__, "subject": "car", "colour": "red",
                                "variant": "sedan"})
        diff = np.abs(render(with_subject).astype(int) - render(base).astype(int)).sum(axis=2)
        columns = (diff > 40).sum(axis=0)
        return (columns * np.arange(128)).sum() / columns.sum() / 128

    assert centre_of_change("left") < 0.4 < centre_of_change("centre") < 0.6 < centre_of_change("right")


def test_captions_fit_the_text_encoder():
    from playground.world.captions import TOKEN_BUDGET, token_estimate
    rng = np.random.default_rng(11)
    for scene in scenes(500, seed=11):
        assert token_estimate(caption(scene, rng, detail=1.0)) <= TOKEN_BUDGET


def test_scene_for_prompt_honours_details():
    from playground.world import scene_for_prompt
    rng = np.random.default_rng(12)
    for _ in range(20):
        cat = scene_for_prompt(LIST_PROMPTS[2], rng)
        assert (cat.pose, cat.variant, cat.extra("armchair"), cat.extra("window")) == \
            ("sleeping", "tabby", "navy", "left")
        assert cat.placement != "left" and cat.setting == "living room"
        car = scene_for_prompt(LIST_PROMPTS[4], rng)
        assert (car.variant, car.extra("building")) == ("vintage sports", "blue")
        assert scene_for_prompt(LIST_PROMPTS[3], rng).pose == "fetch"
        assert scene_for_prompt(LIST_PROMPTS[6], rng).extra("book") == ""
        assert scene_for_prompt("a beautiful landscape", rng).setting != "city"


LIST_PROMPTS = list(LAB_PROMPTS)


def test_outline_view_keeps_the_layout_and_drops_the_style():
    """The outline view is the scene's own layout (its edges fall on the render's edges far
    more than on another scene's), drawn flat: a flat illustration is its own outline view."""
    import dataclasses
    from playground.detectors import canny_map
    from playground.world.metrics import edge_f1
    from playground.world.render import outline_view
    images, _, scenes = make_batch(8, seed=19)
    views = [outline_view(s) for s in scenes]
    own = [edge_f1(canny_map(v), canny_map(im))["f1"] for v, im in zip(views, images)]
    other = [edge_f1(canny_map(v), canny_map(im))["f1"] for v, im in zip(views, np.roll(images, 1, 0))]
    assert np.mean(own) > np.mean(other) + 0.2
    flat = dataclasses.replace(scenes[0], style="flat illustration")
    assert np.array_equal(outline_view(flat), render(flat))
    pencil = dataclasses.replace(scenes[0], style="pencil sketch")
    assert not np.array_equal(outline_view(pencil), render(pencil))
