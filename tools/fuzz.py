"""A seeded fuzzer for the app's uploads and raw-API payloads (loopback only).

    python -m tools.fuzz --uploads 10000 --payloads 10000 --seed 0

starts `python app.py` (the embedded model) on 127.0.0.1, or uses --url of one already there.
Every case i is made by random.Random(seed, i) alone, so any failure is re-made by its number.
Uploads (tools/fuzz_files.py) go to the endpoints that read files; payloads start from each public
endpoint's valid inputs (read from /gradio_api/info) and get one to three mutations: a value
of another type, markup, 100 000 characters, a path out of the sandbox, a URL, a list where a
dict belongs, missing or extra inputs, not a list at all. Counted: answered, refused with a
message (the user reads why), and the failures: an error without a message, a server error
(HTTP 5xx or no answer), the server gone. The test suite runs 200 of each (tests/test_security_fuzz.py).
"""
from __future__ import annotations

import argparse
import copy
import json
import random
import re
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import httpx

from tools.fuzz_files import fuzz_file, image_bytes
from tools.probe import check_loopback, start_app
from tools.rawapi import RawAPI, Result, _detail

HOSTILE = (None, True, False, 0, -1, 1, 7, 2 ** 31, 2 ** 64, 1e308, -1e308, 0.5, float("nan"), float("inf"), "",
           "abc", "1, 2, 3", "<img src=http://example.invalid/x onerror=alert(1)>", "$\\frac{$", "x" * 100_000,
           "\x00", "😀" * 50, "../../etc/passwd", "12", "-3", [], [1, 2], [[1]], [None], {}, {"a": 1},
           {"path": "/etc/passwd"}, {"composite": "x"}, "Sketch", "Upload", "Typed list")
FILES = ({"path": "/etc/passwd", "meta": {"_type": "gradio.FileData"}},
         {"path": "../../../../etc/passwd", "meta": {"_type": "gradio.FileData"}},
         {"path": "http://169.254.169.254/latest/meta-data", "meta": {"_type": "gradio.FileData"}},
         {"url": "http://127.0.0.1:22/", "path": "x.png", "meta": {"_type": "gradio.FileData"}},
         {"path": "/tmp", "meta": {"_type": "gradio.FileData"}}, {"path": None}, {"meta": {}}, "photo.png")
FILE_TARGETS = {"img2img_check_upload": 4, "read_params": 4, "img2img": 1, "controlnet": 1, "sketch": 1}
FAILURES = ("silent", "server error", "no answer")


@dataclass
class Tally:
    counts: Counter = field(default_factory=Counter)
    failures: list = field(default_factory=list)  # (case, endpoint, kind, message, payload excerpt)
    messages: Counter = field(default_factory=Counter)  # the start of each message, to read them

    def add(self, case: str, endpoint: str, result, payload) -> None:
        kind = _classify(result)
        self.counts[kind] += 1
        if kind in ("message", "refused by a route"):
            self.messages[re.sub(r"\d+", "N", result.message)[:70]] += 1
        if kind in FAILURES:
            self.failures.append((case, endpoint, kind, getattr(result, "message", str(result))[:200],
                                  json.dumps(payload, default=str)[:300]))


def _classify(result) -> str:
    if isinstance(result, Exception):
        return "no answer"
    if result.kind == "http":
        return "server error" if result.status >= 500 or not result.message else "refused by a route"
    return {"ok": "answered", "message": "message"}.get(result.kind, "silent")


def templates(api: RawAPI, photo: str) -> dict:
    """A valid payload per public endpoint, from /gradio_api/info (cheap settings: 1 step)."""
    info = api.http.get(f"{api.base}/info").json()["named_endpoints"]
    out = {}
    for name, spec in info.items():
        values = []
        for p in spec["parameters"]:
            value = p.get("parameter_default") if p.get("parameter_has_default") else p.get("example_input")
            comp, pname = p.get("component"), p.get("parameter_name")
            if comp in ("File", "Image"):
                value = api.file(photo)
            elif comp == "Sketchpad":
                value = {"background": None, "layers": [], "composite": api.file(photo)}
            elif pname == "num_inference_steps":
                value = 1
            elif pname == "params":
                value = {"prompt": "a cat", "seed": 3}
            values.append(value)
        out[name.lstrip("/")] = values
    return out


def mutate(rng: random.Random, data: list, photo_file: dict):
    """One to three mutations of a valid payload."""
    data = copy.deepcopy(data)
    for _ in range(rng.randint(1, 3)):
        op = rng.random()
        if op < 0.05:
            return rng.choice(("abc", {"data": 1}, 7, None))  # not a list: the route answers 422
        if op < 0.15 and data:
            del data[rng.randrange(len(data))]
        elif op < 0.2:
            data.append(rng.choice(HOSTILE))
        elif op < 0.35 and data:
            i = rng.randrange(len(data))
            data[i] = rng.choice(FILES) if isinstance(data[i], dict) else rng.choice(HOSTILE)
        elif data:
            i = rng.randrange(len(data))
            if isinstance(data[i], dict) and data[i].get("composite"):
                data[i][rng.choice(("background", "layers", "composite", "id"))] = rng.choice(
                    (photo_file, [photo_file] * rng.randint(0, 6), *FILES, *HOSTILE[:12]))
            else:
                data[i] = rng.choice(HOSTILE)
    return data


def upload_case(api: RawAPI, temps: dict, seed: int, i: int, tally: Tally) -> None:
    rng = random.Random(f"{seed}-upload-{i}")
    name, data, kind = fuzz_file(rng)
    try:
        path = api.upload(name, data)
    except httpx.HTTPStatusError as e:  # refused at the door (too large, a bad name): with a reason?
        r = e.response
        tally.add(f"upload {i} ({kind})", "upload", Result("http", message=_detail(r), status=r.status_code), name)
        return
    except httpx.HTTPError as e:
        tally.add(f"upload {i} ({kind})", "upload", e, name)
        return
    target = rng.choices(list(FILE_TARGETS), weights=list(FILE_TARGETS.values()))[0]
    payload = copy.deepcopy(temps["controlnet" if target == "sketch" else target])
    if target == "sketch":
        part = rng.choice(("composite", "background", "layers"))
        payload[1][part] = [api.file(path)] * rng.randint(1, 6) if part == "layers" else api.file(path)
    elif target == "controlnet":
        payload[0], payload[2] = "Upload", api.file(path)
    else:
        payload[0] = api.file(path)
    call(api, tally, f"upload {i} ({kind})", "sketch" if target == "sketch" else target, payload,
         api_name=target if target != "sketch" else "controlnet")


def call(api: RawAPI, tally: Tally, case: str, endpoint: str, payload, api_name: str | None = None) -> None:
    try:
        result = api.call(api_name or endpoint, payload)
    except (httpx.HTTPError, ValueError) as e:
        result = e
    tally.add(case, endpoint, result, payload)


def payload_case(api: RawAPI, temps: dict, seed: int, i: int, tally: Tally) -> None:
    rng = random.Random(f"{seed}-payload-{i}")
    endpoint = rng.choice(sorted(temps))
    photo = temps["img2img_check_upload"][0]
    call(api, tally, f"payload {i}", endpoint, mutate(rng, temps[endpoint], photo))


def fuzz(url: str, uploads: int = 200, payloads: int = 200, seed: int = 0, workers: int = 2, first: int = 0) -> Tally:
    """Run the cases against the app at `url` (loopback); the Tally says how each ended. Each
    case is its own session, as a new visitor or a script would be."""
    url = check_loopback(url)
    head = RawAPI(url)
    photo = head.upload("photo.png", image_bytes(random.Random(seed), "PNG", (96, 96)))
    temps = templates(head, photo)
    tally, local = Tally(), threading.local()

    def run(job) -> None:
        case, i = job
        if not hasattr(local, "api"):
            local.api = RawAPI(url, timeout=600)
        local.api.session = f"fuzz-{seed}-{case.__name__}-{i}"
        case(local.api, temps, seed, i, tally)

    jobs = [(upload_case, i) for i in range(first, first + uploads)]
    jobs += [(payload_case, i) for i in range(first, first + payloads)]
    with ThreadPoolExecutor(workers) as pool:
        for n, _ in enumerate(pool.map(run, jobs)):
            if n and n % 1000 == 0:
                print(f"  {n} cases, {dict(tally.counts)}", flush=True)
    try:
        head.info(timeout=30)
        tally.counts["server alive at the end"] = 1
    except httpx.HTTPError:
        tally.counts["server gone at the end"] = 1
    head.close()
    return tally


def report(tally: Tally, seconds: float) -> str:
    failed = sum(tally.counts[k] for k in FAILURES)
    lines = [f"{sum(v for k, v in tally.counts.items() if 'server' not in k)} cases in {seconds:.0f} s: "
             + ", ".join(f"{k} {v}" for k, v in sorted(tally.counts.items())),
             f"failures (no message, server error, no answer): {failed}"]
    lines += [f"  {case} -> {endpoint}: {kind} {message!r} payload {payload}"
              for case, endpoint, kind, message, payload in tally.failures[:20]]
    lines += [f"{len(tally.messages)} kinds of message; the most common:"]
    lines += [f"  {n:5d}  {text}" for text, n in tally.messages.most_common(25)]
    return "\n".join(lines)


def main(argv=None) -> Tally:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--uploads", type=int, default=10_000)
    parser.add_argument("--payloads", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workers", type=int, default=2, help="requests in flight at once")
    parser.add_argument("--first", type=int, default=0, help="number of the first case (to run a range)")
    parser.add_argument("--url", help="an app already running on this machine (default: start python app.py)")
    parser.add_argument("--log", help="keep the started app's log here")
    args = parser.parse_args(argv)
    start = time.monotonic()
    if args.url:
        tally = fuzz(args.url, args.uploads, args.payloads, args.seed, args.workers, args.first)
    else:
        with start_app(log_to=args.log) as (url, _, _):
            tally = fuzz(url, args.uploads, args.payloads, args.seed, args.workers, args.first)
    print(report(tally, time.monotonic() - start))
    return tally


if __name__ == "__main__":
    main()
