"""/gradio_api/info and /config answered from memory: the same bytes for every caller with the
same address until the app restarts.

gradio keeps the API description and the page's config as dicts and serialises them on every
request: FastAPI walks /gradio_api/info through jsonable_encoder (under a class, where every
gradio_client student fetches it, py-spy found 12% of the server's CPU there, beside 13% for the
model's UNet), and /config deep-copies the 690 kB config of fifteen lessons (47 ms of server CPU
per page load, measured: a class opening the page at once paid it thirty times, on the cores the
model needs). This ASGI middleware keeps the first successful answer per path, query string and
the headers that gradio builds the answer's URLs from (the answers name the address the caller
used) and sends it again; other routes pass through. At most 32 answers are kept; past them,
gradio answers as before. A request that carries a login cookie is never cached, since /config
names the user (this app has no login; the rule keeps the cache safe if one is added).
"""
from __future__ import annotations

PATHS = frozenset({"/gradio_api/info", "/gradio_api/info/", "/config", "/config/"})
# what gradio.route_utils.get_request_origin reads to write the answer's URLs
ADDRESS = (b"host", b"x-forwarded-host", b"x-forwarded-proto", b"x-gradio-server")
MAX_ANSWERS = 32


class InfoCache:
    def __init__(self, app):
        self.app = app
        self.answers: dict[tuple, list[dict]] = {}  # the request's address -> the answer's ASGI messages

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope.get("method") != "GET" or scope.get("path") not in PATHS:
            return await self.app(scope, receive, send)
        headers = dict(scope.get("headers") or ())
        if b"access-token" in headers.get(b"cookie", b""):  # a logged-in user's own answer
            return await self.app(scope, receive, send)
        key = (scope["path"], scope.get("query_string") or b"", scope.get("scheme"), scope.get("root_path"),
               *(headers.get(name, b"") for name in ADDRESS))
        cached = self.answers.get(key)
        if cached is None:
            messages: list[dict] = []

            async def keep(message):
                messages.append(message)
                await send(message)
            await self.app(scope, receive, keep)
            if messages and messages[0].get("status") == 200 and len(self.answers) < MAX_ANSWERS:
                self.answers[key] = messages
            return
        for message in cached:
            await send(message)
