"""/gradio_api/info answered from memory: the same bytes for every caller until the app restarts.

gradio keeps the API description as a dict, and FastAPI walks that dict through
jsonable_encoder on every request: under a class (every gradio_client student fetches it when it
connects, health checks poll it) py-spy found 12% of the server's CPU there, beside 13% for the
model's UNet. This ASGI middleware keeps the first successful answer per Host header (the
answer's snippets name the URL the caller used) and query string (gradio_client asks for
`?serialize=False`: uncached, that was 23% of the event loop's CPU under a 30-student class) and
sends it again; other routes pass through. At most 16 answers are kept; past them, requests are
answered by gradio as before.
"""
from __future__ import annotations

PATHS = frozenset({"/gradio_api/info", "/gradio_api/info/"})


class InfoCache:
    def __init__(self, app):
        self.app = app
        self.answers: dict[tuple[bytes, bytes], list[dict]] = {}  # (Host, query) -> the answer's ASGI messages

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope.get("method") != "GET" or scope.get("path") not in PATHS:
            return await self.app(scope, receive, send)
        key = (dict(scope.get("headers") or ()).get(b"host", b""), scope.get("query_string") or b"")
        cached = self.answers.get(key)
        if cached is None:
            messages: list[dict] = []

            async def keep(message):
                messages.append(message)
                await send(message)
            await self.app(scope, receive, keep)
            if messages and messages[0].get("status") == 200 and len(self.answers) < 16:
                self.answers[key] = messages
            return
        for message in cached:
            await send(message)
