"""A class's requests replayed in-process, one at a time: what the engine alone can serve.

    python -m tools.replay --students 10 [--requests 4] [--steps 4] [--seed 0]

tools.load's students draw their actions from seeded generators; this draws the same ones and
runs each generation as the Lab call its tab makes (the seed grid with its prior statistics),
without the server, the queue or the network. Images per second here against the load run's is
the served share: what the server keeps of the engine's speed. Bad requests are left out (the
server refuses them before any model work); an export is its triptych and the export itself
(PNG, PDF and ZIP, as the portfolio tab writes them: work the served class does too).
"""
from __future__ import annotations

import argparse
import io
import random
import tempfile
import time

from PIL import Image

from playground import Lab
from playground.export import export_all
from tools.load import ACTIONS, BAD, EXPORT_STATEMENT, EXPORT_TITLE, photo_bytes, settings_for


def plan(students: int, requests: int, seed: int) -> list[tuple[str, int, float]]:
    """(action, value, arrival order) per request, drawn as tools.load.Student draws them."""
    out = []
    for index in range(students):
        rng = random.Random(seed * 1000 + index)
        for r in range(requests):
            action = rng.choices(list(ACTIONS), weights=list(ACTIONS.values()))[0]
            if action in ("triptych", "img2img", "export"):
                value = rng.randrange(1000)
            elif action == "grid":
                value = rng.choice((4, 8))
            else:
                rng.choice(BAD)
                value = 0
            out.append((action, value, r + index / students))
    return sorted(out, key=lambda a: a[2])  # request rounds, students within a round


def replay(lab, students: int = 10, requests: int = 4, seed: int = 0, steps: int = 4) -> dict:
    settings = {k: v for k, v in settings_for(steps=steps).items() if k not in ("model", "upscale")}
    photo = Image.open(io.BytesIO(photo_bytes(seed))).convert("RGB")
    lab.progress = False
    lab.seed_grid("a cat", seeds=[0], **settings)  # warm, as the load run's warm-up
    images, start = 0, time.perf_counter()
    for action, value, _ in plan(students, requests, seed):
        if action in ("triptych", "export"):
            panels = lab.triptych("a fox in a meadow", vary="guidance_scale", values=[1, 2, 4], seed=value,
                                  **settings)
            images += len(panels)
            if action == "export":  # tools.load's export: these three, its title and statement
                with tempfile.TemporaryDirectory() as folder:
                    export_all(panels, folder, EXPORT_TITLE, EXPORT_STATEMENT)
        elif action == "grid":
            panels = lab.seed_grid("a cat", count=value, **settings)
            lab.prior("a cat", panels)
            images += len(panels)
        elif action == "img2img":
            images += len(lab.img2img_strength(photo, "a fox", strengths=[0.5, 0.8], seed=value, **settings))
    seconds = time.perf_counter() - start
    return {"students": students, "requests": requests, "images": images, "seconds": seconds,
            "images_per_s": images / seconds}


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(prog="python -m tools.replay", description=__doc__.split("\n")[0])
    parser.add_argument("--students", type=int, default=10)
    parser.add_argument("--requests", type=int, default=4)
    parser.add_argument("--steps", type=int, default=4)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    r = replay(Lab(), args.students, args.requests, args.seed, args.steps)
    print(f"replay of {r['students']} students x {r['requests']} requests in-process: {r['images']} images "
          f"in {r['seconds']:.1f} s, {r['images_per_s']:.2f} images/s")
    return r


if __name__ == "__main__":
    main()
