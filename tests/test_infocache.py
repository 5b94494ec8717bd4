"""playground/ui/infocache.py: /gradio_api/info and /config answered from memory, per address."""
import asyncio

from playground.ui.infocache import MAX_ANSWERS, InfoCache


class Inner:
    """A stand-in for gradio: answers with the query it got and counts its calls."""

    def __init__(self, status=200):
        self.calls, self.status = 0, status

    async def __call__(self, scope, receive, send):
        self.calls += 1
        await send({"type": "http.response.start", "status": self.status, "headers": []})
        await send({"type": "http.response.body", "body": b"info for " + scope.get("query_string", b"")})


def get(app, path="/gradio_api/info", query=b"", host=b"127.0.0.1:7860", method="GET", headers=()) -> bytes:
    sent = []

    async def send(message):
        sent.append(message)
    scope = {"type": "http", "method": method, "path": path, "query_string": query, "scheme": "http",
             "headers": [(b"host", host), *headers]}
    asyncio.run(app(scope, None, send))
    return sent[-1]["body"]


def test_each_query_is_answered_once_by_gradio_then_from_memory():
    inner = Inner()
    app = InfoCache(inner)
    assert get(app, query=b"serialize=False") == b"info for serialize=False"  # what gradio_client asks
    assert get(app, query=b"serialize=False") == b"info for serialize=False"
    assert inner.calls == 1
    assert get(app) == b"info for " and get(app) == b"info for "
    assert get(app, query=b"all_endpoints=True") == b"info for all_endpoints=True"
    assert inner.calls == 3  # one per query string, never one query's answer for another
    get(app, query=b"serialize=False", host=b"lab.example:443")
    assert inner.calls == 4  # the snippets name the caller's URL: one answer per Host


def test_other_routes_errors_and_too_many_answers_pass_through():
    inner = Inner()
    app = InfoCache(inner)
    get(app, path="/gradio_api/queue/join")
    get(app, path="/gradio_api/queue/join")
    get(app, method="POST")
    assert inner.calls == 3
    failing = Inner(status=500)
    app = InfoCache(failing)
    get(app)
    get(app)
    assert failing.calls == 2  # an error is not kept
    inner = Inner()
    app = InfoCache(inner)
    for i in range(40):  # junk query strings cannot grow the memory past the cap
        get(app, query=b"x=%d" % i)
    assert len(app.answers) == MAX_ANSWERS
    get(app, query=b"x=39")
    assert inner.calls == 41  # past the cap: gradio answers, as before the cache


def test_the_pages_config_is_kept_per_address_and_never_for_a_logged_in_user():
    inner = Inner()
    app = InfoCache(inner)
    get(app, path="/config")
    get(app, path="/config")
    assert inner.calls == 1  # a class opening the page pays gradio's deep copy once
    # behind a proxy the config's URLs name the proxy's address: its own answer
    get(app, path="/config", headers=[(b"x-forwarded-host", b"lab.hf.space"), (b"x-forwarded-proto", b"https")])
    get(app, path="/config", headers=[(b"x-forwarded-host", b"lab.hf.space"), (b"x-forwarded-proto", b"https")])
    assert inner.calls == 2
    get(app, path="/config", query=b"page=other")
    assert inner.calls == 3
    for _ in range(2):  # a login cookie: the config names the user, so gradio answers each time
        get(app, path="/config", headers=[(b"cookie", b"access-token-abc=xyz")])
    assert inner.calls == 5
