"""The app's HTTP API without gradio_client: what the fuzzer, the load test and the security
tests send, malformed payloads included (gradio_client would refuse to build those).

    api = RawAPI("http://127.0.0.1:7860/")
    path = api.upload("photo.png", data)              # gradio's upload route
    r = api.call("img2img_check_upload", [api.file(path), 128, 128])
    r.kind: "ok" (r.data), "message" (r.message: what the user would read), "silent" (an error
    with no message: what the load script counts as a failure without a message), "http" (refused by a route, r.message).
"""
from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx

PREFIX = "gradio_api"


@dataclass
class Result:
    kind: str  # ok | message | silent | http
    data: Any = None
    message: str = ""
    status: int = 200
    seconds: float = 0.0
    events: list = field(default_factory=list)  # (event name, data) as they came


class RawAPI:
    """One session (a session_hash) against a running app."""

    def __init__(self, base: str, timeout: float = 300.0, session: str | None = None):
        self.base = base.rstrip("/") + f"/{PREFIX}"
        self.http = httpx.Client(timeout=timeout)
        self.session = session or uuid.uuid4().hex

    def close(self) -> None:
        self.http.close()

    @staticmethod
    def file(path: str) -> dict:
        return {"path": path, "meta": {"_type": "gradio.FileData"}}

    def upload(self, name: str, data: bytes) -> str:
        """Upload bytes as a file named `name`; the server path (HTTPError when refused)."""
        r = self.http.post(f"{self.base}/upload", files={"files": (name, data)})
        r.raise_for_status()
        return r.json()[0]

    def info(self, timeout: float = 10.0) -> float:
        """Seconds /gradio_api/info took to answer (the server's pulse)."""
        start = time.monotonic()
        self.http.get(f"{self.base}/info", timeout=timeout).raise_for_status()
        return time.monotonic() - start

    def call(self, api_name: str, data: Any, session: str | None = None) -> Result:
        """POST the payload (any JSON, not only a list), then read its result stream."""
        start = time.monotonic()
        body = {"data": data, "session_hash": session or self.session}
        r = self.http.post(f"{self.base}/call/{api_name}", content=json.dumps(body),
                           headers={"Content-Type": "application/json"})
        if r.status_code != 200:
            return Result("http", message=_detail(r), status=r.status_code, seconds=time.monotonic() - start)
        event_id = r.json()["event_id"]
        result = self._stream(f"{self.base}/call/{api_name}/{event_id}")
        result.seconds = time.monotonic() - start
        return result

    def _stream(self, url: str) -> Result:
        events, name = [], None
        with self.http.stream("GET", url) as r:
            if r.status_code != 200:
                return Result("http", message=r.read().decode("utf-8", "replace")[:500], status=r.status_code)
            for line in r.iter_lines():
                if line.startswith("event:"):
                    name = line[6:].strip()
                elif line.startswith("data:") and name:
                    payload = json.loads(line[5:].strip() or "null")
                    events.append((name, payload))
                    if name in ("complete", "error"):
                        break
        if not events:
            return Result("silent", message="", events=events)
        name, payload = events[-1]
        if name == "complete":
            return Result("ok", data=payload, events=events)
        message = payload.get("error") if isinstance(payload, dict) else payload
        message = str(message or "").strip()
        return Result("message" if message and message != "None" else "silent", message=message, events=events)


def _detail(r: httpx.Response) -> str:
    try:
        detail = r.json().get("detail")
    except (ValueError, AttributeError):
        detail = r.text
    return str(detail or r.reason_phrase)[:500]
