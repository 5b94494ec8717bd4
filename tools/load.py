"""A class on one server: `python -m tools.load --students 30` (loopback only).

Starts `python app.py` (the embedded model) on 127.0.0.1 with its own temp folders, then N
students, each a gradio_client Client, do a seeded mix of triptychs, seed grids, img2img
sweeps and portfolio exports, with bad requests mixed in (a guidance of 99, a text file as an
image, a grid past the cost cap, a string seed through the raw API, an over-long title).
Bounded: at most 64 students and 20 requests each, and --deadline seconds in all.

Prints: completed, failed with a message, failed without one, p50/p95 latency, images per
second, the queue ETA's error on queued generation, the server's peak RSS, /gradio_api/info
latency, and the temp folders' growth at the peak and after the app's own cleanup.
"""
from __future__ import annotations

import argparse
import functools
import io
import random
import ssl
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from tools.probe import (Vitals, check_loopback, disk_bytes, peak_rss, reset_peak, start_app, wait_for_cleanup,
                         yield_cpu)
from tools.rawapi import RawAPI

MAX_STUDENTS, MAX_REQUESTS = 64, 20
ACTIONS = {"triptych": 3, "grid": 2, "img2img": 2, "export": 2, "bad": 1.5}  # relative weights
EXPORT_TITLE, EXPORT_STATEMENT = "Three guidance scales", "What changed."  # what each export sends
BAD = ("guidance", "text file", "cost cap", "string seed", "long title")
# The app's own cleanup, shortened for the run (production: minutes to an hour, ui/upkeep.py).
# An upload must outlive its wait in the queue: 120 s, not less.
CLEANUP_ENV = {"PLAYGROUND_SWEEP_EVERY_S": "5", "PLAYGROUND_CACHE_MAX_AGE_S": "120",
               "PLAYGROUND_SCRATCH_AGE_S": "10", "PLAYGROUND_SESSION_IDLE_S": "30"}


@dataclass
class Outcome:
    action: str
    kind: str  # ok | message | silent | unfinished
    seconds: float
    images: int = 0
    message: str = ""
    eta_error: float | None = None  # |told - true| / true, for generation that waited in the queue
    eta: tuple = ()  # (told, true) seconds, for the same requests
    start: float = 0.0  # monotonic, to see what ran when /gradio_api/info was slow


@functools.cache
def _tls() -> ssl.SSLContext:
    """One TLS context for every student: given `True`, httpx reads the CA bundle on every call
    (a third of the load generator's CPU under py-spy, taken from the server on the same cores)."""
    return ssl.create_default_context()


def photo_bytes(seed: int) -> bytes:
    img = Image.effect_noise((96, 96), 60).convert("RGB").rotate(seed % 360)
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


class Student(threading.Thread):
    """One student: a gradio_client session doing `requests` things in a row."""

    def __init__(self, url: str, index: int, requests: int, settings: dict, seed: int, deadline: float, files: dict,
                 arrive: float = 0.0):
        super().__init__(daemon=True)
        self.url, self.index, self.requests, self.deadline, self.files = url, index, requests, deadline, files
        self.rng = random.Random(seed * 1000 + index)
        self.settings, self.arrive = settings, arrive
        self.outcomes: list[Outcome] = []

    def run(self) -> None:
        from gradio_client import Client

        time.sleep(self.arrive)  # a class does not open the page in the same second
        yield_cpu()
        self.client = Client(self.url, verbose=False, ssl_verify=_tls())
        for _ in range(self.requests):
            if time.monotonic() > self.deadline:
                break
            action = self.rng.choices(list(ACTIONS), weights=list(ACTIONS.values()))[0]
            start = time.monotonic()
            outcome = getattr(self, f"do_{action}")()
            outcome.start = start
            self.outcomes.append(outcome)

    def submit(self, action: str, api_name: str, *args, images: int = 0, model: bool = True, **kw) -> Outcome:
        from gradio_client.exceptions import AppError

        start = time.monotonic()
        job = self.client.submit(*args, api_name=f"/{api_name}", **({**self.settings, **kw} if model else kw))
        told = None  # (when, eta) of the first estimate the queue sent
        while not job.done() and time.monotonic() < self.deadline:
            status = job.status()
            if told is None and status.eta is not None and (status.rank or 0) >= 1:
                told = (time.monotonic(), float(status.eta))
            time.sleep(0.05)
        if not job.done():
            job.cancel()
            return Outcome(action, "unfinished", time.monotonic() - start)
        try:
            job.result()
        except (AppError, ValueError, OSError) as e:
            message = str(getattr(e, "message", None) or e or "").strip()
            kind = "message" if message and message != "None" else "silent"
            return Outcome(action, kind, time.monotonic() - start, message=message[:200])
        done = time.monotonic()
        if not (told and model):
            return Outcome(action, "ok", done - start, images=images)
        true = done - told[0]
        return Outcome(action, "ok", done - start, images=images, eta_error=abs(true - told[1]) / max(true, 1e-3),
                       eta=(round(told[1], 2), round(true, 2)))

    def do_triptych(self) -> Outcome:
        return self.submit("triptych", "triptych", "a fox in a meadow", "guidance_scale", "1, 2, 4",
                           self.rng.randrange(1000), images=3)

    def do_grid(self) -> Outcome:
        n = self.rng.choice((4, 8))
        return self.submit("grid", "seed_grid", "a cat", "Random seeds", n, "", images=n)

    def do_img2img(self) -> Outcome:
        from gradio_client import handle_file

        return self.submit("img2img", "img2img", handle_file(self.files["photo"]), "a fox", "0.5, 0.8",
                           self.rng.randrange(1000), images=2)

    def do_export(self) -> Outcome:
        made = self.do_triptych()
        if made.kind != "ok":
            return made
        self.submit("export", "triptych_add_all", model=False)
        out = self.submit("export", "portfolio_export", [0, 1, 2], EXPORT_TITLE, EXPORT_STATEMENT, model=False)
        out.images, out.seconds = made.images, out.seconds + made.seconds
        return out

    def do_bad(self) -> Outcome:
        from gradio_client import handle_file

        bad = self.rng.choice(BAD)
        if bad == "guidance":
            out = self.submit("bad", "triptych", "a fox", "guidance_scale", "1, 99", 7)
        elif bad == "text file":
            out = self.submit("bad", "img2img", handle_file(self.files["text"]), "a fox", "0.5", 7)
        elif bad == "cost cap":
            out = self.submit("bad", "seed_grid", "a cat", "Typed list", 8, ", ".join(map(str, range(64))),
                              num_inference_steps=50)
        elif bad == "long title":
            out = self.submit("bad", "portfolio_export", [0], "t" * 500, "", model=False)
        else:  # the raw API, as a script would send it: the seed as text
            start, api = time.monotonic(), RawAPI(self.url)
            r = api.call("triptych", ["a fox", "seed", "1, 2", "abc", *self.settings.values()])
            api.close()
            kind = "ok" if r.kind == "ok" else "message" if r.kind in ("message", "http") and r.message else "silent"
            out = Outcome("bad", kind, time.monotonic() - start, message=r.message[:200])
        out.action = f"bad: {bad}"
        return out


def _pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q / 100 * (len(values) - 1))))]


def settings_for(model: str = "tiny-world", steps: int = 4, size: int = 128) -> dict:
    """The advanced settings every student's generation sends."""
    return dict(model=model, negative_prompt="", num_inference_steps=steps, guidance_scale=2.0, scheduler="DDIM",
                width=size, height=size, upscale="Off")


def warm_up(url: str, settings: dict) -> None:
    """One image before the clock starts: students come to a page whose model has loaded."""
    api = RawAPI(url)
    try:
        api.call("seed_grid", ["a cat", "Typed list", 1, "0", *settings.values()])
    finally:
        api.close()


def run(url: str, pid: int, folders, students: int = 3, requests: int = 3, settings: dict | None = None,
        seed: int = 0, deadline_s: float = 1800, cleanup_s: float = 180, arrive_s: float = 10.0, workdir=None) -> dict:
    """The class, against a running app whose server process is `pid`; returns the figures."""
    url = check_loopback(url)
    if not (1 <= students <= MAX_STUDENTS and 1 <= requests <= MAX_REQUESTS):
        raise ValueError(f"students must be in 1..{MAX_STUDENTS} and requests in 1..{MAX_REQUESTS}")
    work = Path(workdir or tempfile.mkdtemp(prefix="playground-load-"))
    files = {"photo": str(work / "photo.png"), "text": str(work / "notes.png")}
    Path(files["photo"]).write_bytes(photo_bytes(seed))
    Path(files["text"]).write_text("not an image")
    settings = settings or settings_for()
    warm_up(url, settings)
    disk0 = disk_bytes(folders)
    start = time.monotonic()
    arrivals = random.Random(seed).random
    crowd = [Student(url, i, requests, settings, seed, start + deadline_s, files, arrive_s * arrivals())
             for i in range(students)]
    reset_peak(pid)
    vitals = Vitals(url, pid)
    vitals.start()
    disk_peak = disk0
    for s in crowd:
        s.start()
    while any(s.is_alive() for s in crowd):
        disk_peak = max(disk_peak, disk_bytes(folders))
        time.sleep(1)
    wall = time.monotonic() - start
    vitals.finish()
    disk_end = disk_bytes(folders)
    disk_after, waited = wait_for_cleanup(folders, disk0, cleanup_s)
    outcomes = [o for s in crowd for o in s.outcomes]
    # serving time: first request sent to last answered (not arrivals and connects, nor 1 s polling)
    window = max(o.start + o.seconds for o in outcomes) - min(o.start for o in outcomes) if outcomes else wall
    return {"students": students, "requests": requests, "steps": settings["num_inference_steps"], "wall": wall,
            "window": window, "outcomes": outcomes, "peak_rss": max([peak_rss(pid), *vitals.rss]), "info": vitals.info,
            "info_at": vitals.info_at, "start": start, "disk0": disk0, "disk_peak": max(disk_peak, disk_end),
            "disk_after": disk_after, "cleanup_wait": waited}


def _eta_split(out) -> str:
    """The ETA's error apart for requests told before any run had finished (the clock knew only
    its prior) and after (it had timed the runs)."""
    done = [o.start + o.seconds for o in out if o.kind == "ok"]
    first = min(done, default=0.0)
    parts = []
    for label, keep in (("told before the first result", lambda o: o.start < first),
                        ("after", lambda o: o.start >= first)):
        eta = [o.eta_error for o in out if o.eta_error is not None and keep(o)]
        parts.append(f"{label} (n={len(eta)}): median {100 * _pct(eta, 50):.0f}%, within 30%: "
                     f"{100 * sum(e <= 0.3 for e in eta) / max(len(eta), 1):.0f}%")
    return "  of which " + "; ".join(parts)


def report(r: dict) -> str:
    """The figures as the issue asks for them."""
    out = r["outcomes"]
    count = {k: sum(o.kind == k for o in out) for k in ("ok", "message", "silent", "unfinished")}
    latency = [o.seconds for o in out if o.kind in ("ok", "message")]
    images = sum(o.images for o in out if o.kind == "ok")
    eta = [o.eta_error for o in out if o.eta_error is not None]
    info = [t for t in r["info"] if t != float("inf")]
    mb = 2**20
    lines = [
        f"students {r['students']} x {r['requests']} requests ({r['steps']} steps), {r['wall']:.1f} s; "
        f"first request to last answer {r['window']:.1f} s",
        f"completed {count['ok']}, failed with a message {count['message']}, failed without one {count['silent']}, "
        f"unfinished {count['unfinished']}",
        f"latency p50 {_pct(latency, 50):.2f} s, p95 {_pct(latency, 95):.2f} s; images {images}, "
        f"{images / r['window']:.2f} images/s ({images / r['wall']:.2f} over the whole run)",
        f"queue ETA on queued generation (n={len(eta)}): median error {100 * _pct(eta, 50):.0f}%, "
        f"90th percentile {100 * _pct(eta, 90):.0f}%, within 30%: "
        f"{100 * sum(e <= 0.3 for e in eta) / max(len(eta), 1):.0f}%",
        _eta_split(out),
        f"server peak RSS {r['peak_rss'] / mb:.0f} MB; /gradio_api/info p95 {_pct(info, 95):.3f} s, "
        f"max {max(r['info'], default=0):.3f} s",
        f"temp folders: start {r['disk0'] / mb:.1f} MB, peak +{(r['disk_peak'] - r['disk0']) / mb:.1f} MB, "
        f"after cleanup +{(r['disk_after'] - r['disk0']) / mb:.1f} MB (waited {r['cleanup_wait']:.0f} s)",
    ]
    messages = sorted({f"{o.action}: {o.message}" for o in out if o.kind == "message"})
    lines += ["messages seen:"] + [f"  {m[:160]}" for m in messages[:12]]
    lines.append(f"ETA told/true (s): {[o.eta for o in out if o.eta][:12]}")
    if r["info"]:
        worst = max(range(len(r["info"])), key=r["info"].__getitem__)
        at = r["info_at"][worst]
        running = sorted({o.action for o in out if o.start <= at <= o.start + o.seconds})
        lines.append(f"slowest /info at +{at - r['start']:.0f} s, while: {', '.join(running) or 'nothing'}")
    silent = [o.action for o in out if o.kind in ("silent", "unfinished")]
    if silent:
        lines.append(f"WITHOUT A MESSAGE: {silent}")
    return "\n".join(lines)


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--students", type=int, default=30)
    parser.add_argument("--requests", type=int, default=4, help="per student")
    parser.add_argument("--steps", type=int, default=4, help="denoising steps of every generation")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--deadline", type=float, default=1800, help="seconds for the whole class")
    parser.add_argument("--arrive", type=float, default=10, help="students open the page within this many seconds")
    parser.add_argument("--cleanup", type=float, default=180, help="seconds to wait for the app's cleanup (0: none)")
    args = parser.parse_args(argv)
    with start_app(CLEANUP_ENV) as (url, pid, folders):
        result = run(url, pid, list(folders.values()), args.students, args.requests,
                     settings_for(steps=args.steps), args.seed, args.deadline, cleanup_s=args.cleanup,
                     arrive_s=args.arrive)
    print(report(result))
    return result


if __name__ == "__main__":
    main()
