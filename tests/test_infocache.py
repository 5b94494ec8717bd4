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
    get(app, query=b"serialize=False")
    for i in range(40):  # junk query strings cannot grow the memory past the cap
        get(app, query=b"x=%d" % i)
        get(app, query=b"serialize=False")  # in use: never the one dropped
    assert len(app.answers) == MAX_ANSWERS and inner.calls == 41
    get(app, query=b"x=39")
    assert inner.calls == 41  # the newest answer is still kept
    get(app, query=b"x=0")
    assert inner.calls == 42  # the least recently used was dropped: gradio answers it again


class Slow(Inner):
    """gradio taking its time over the first answer (the 47 ms deep copy of /config)."""

    async def __call__(self, scope, receive, send):
        await asyncio.sleep(0.05)
        await super().__call__(scope, receive, send)


def test_a_class_opening_the_page_at_once_makes_one_answer():
    inner = Slow()
    app = InfoCache(inner)
    bodies = []

    async def one():
        sent = []

        async def send(message):
            sent.append(message)
        await app({"type": "http", "method": "GET", "path": "/config", "query_string": b"", "scheme": "http",
                   "headers": [(b"host", b"127.0.0.1:7860")]}, None, send)
        bodies.append(sent[-1]["body"])

    async def class_of(n):
        await asyncio.gather(*(one() for _ in range(n)))
    asyncio.run(class_of(30))
    assert inner.calls == 1 and bodies == [b"info for "] * 30 and not app.making


def test_a_repeated_header_counts_by_its_first_line_as_gradio_reads_it():
    inner = Inner()
    app = InfoCache(inner)
    get(app, path="/config", headers=[(b"x-forwarded-host", b"a.example"), (b"x-forwarded-host", b"b.example")])
    get(app, path="/config", headers=[(b"x-forwarded-host", b"a.example"), (b"x-forwarded-host", b"c.example")])
    assert inner.calls == 1  # both name a.example to gradio
    get(app, path="/config", headers=[(b"x-forwarded-host", b"b.example"), (b"x-forwarded-host", b"a.example")])
    assert inner.calls == 2
    for _ in range(2):  # a login cookie on a second cookie line is still a login
        get(app, path="/config", headers=[(b"cookie", b"theme=dark"), (b"cookie", b"access-token-x=y")])
    assert inner.calls == 4


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
