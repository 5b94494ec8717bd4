"""/gradio_api/info and /config answered from memory: the same bytes for every caller with the
same address until the app restarts.

gradio keeps the API description and the page's config as dicts and serialises them on every
request: FastAPI walks /gradio_api/info through jsonable_encoder (under a class, where every
gradio_client student fetches it, py-spy found 12% of the server's CPU there, beside 13% for the
model's UNet), and /config deep-copies the 690 kB config of fifteen lessons (47 ms of server CPU
per page load, measured: a class opening the page at once paid it thirty times, on the cores the
model needs). This ASGI middleware keeps the first successful answer per path, query string and
the headers that gradio builds the answer's URLs from (the answers name the address the caller
used) and sends it again; other routes pass through. Requests that arrive while the first
answer for their key is being made wait for it, rather than each making their own (a class
opening the page in the same second). At most 32 answers are kept, the least recently used dropped first (a
stray query string cannot crowd out the page's own). A request that carries a login cookie is
never cached, since /config names the user (this app has no login; the rule keeps the cache
safe if one is added).
"""
from __future__ import annotations

import asyncio
from collections import OrderedDict

PATHS = frozenset({"/gradio_api/info", "/gradio_api/info/", "/config", "/config/"})
# what gradio.route_utils.get_request_origin reads to write the answer's URLs
ADDRESS = (b"host", b"x-forwarded-host", b"x-forwarded-proto", b"x-gradio-server")
MAX_ANSWERS = 32


class InfoCache:
    def __init__(self, app):
        self.app = app
        self.answers: OrderedDict[tuple, list[dict]] = OrderedDict()  # the request's address -> ASGI messages
        self.making: dict[tuple, asyncio.Lock] = {}  # keys whose first answer is being made

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope.get("method") != "GET" or scope.get("path") not in PATHS:
            return await self.app(scope, receive, send)
        headers = scope.get("headers") or ()
        if any(name == b"cookie" and b"access-token" in value for name, value in headers):  # a user's own
            return await self.app(scope, receive, send)
        first: dict[bytes, bytes] = {}
        for name, value in headers:  # a repeated header counts by its first line, as gradio reads it
            first.setdefault(name, value)
        key = (scope["path"], scope.get("query_string") or b"", scope.get("scheme"), scope.get("root_path"),
               *(first.get(name, b"") for name in ADDRESS))
        cached = self.answers.get(key)
        if cached is None:
            async with self.making.setdefault(key, asyncio.Lock()):
                cached = self.answers.get(key)
                if cached is None:  # the first of its key, or the one after a failed first
                    await self._make(key, scope, receive, send)
                    return
        self.answers.move_to_end(key)
        for message in cached:
            await send(message)

    async def _make(self, key: tuple, scope, receive, send) -> None:
        """gradio's answer, sent on as it comes and kept when it is a success."""
        messages: list[dict] = []

        async def keep(message):
            messages.append(message)
            await send(message)
        try:
            await self.app(scope, receive, keep)
        finally:
            self.making.pop(key, None)
        if messages and messages[0].get("status") == 200:
            self.answers[key] = messages
            while len(self.answers) > MAX_ANSWERS:
                self.answers.popitem(last=False)
