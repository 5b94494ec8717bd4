"""The portfolio outlives a page reload (and a restart, where the Space keeps /data).

The browser holds one random token (gr.BrowserState: localStorage, encrypted with a key that
stays the same across restarts); the panels live in playground.store under that token. When a
page opens, its token comes back and the saved panels fill the session's portfolio; every
change to the portfolio is saved under it (ui/panels.commit). API clients have no browser and
no token: their portfolio lives in their session only, as before.
"""
from __future__ import annotations

import gradio as gr

from playground.store import PortfolioStore
from playground.ui.shared import IMAGE_CONCURRENCY, IMAGE_QUEUE, Shared, info
from playground.ui.panels import portfolio_view
from playground.ui.words import say

STORAGE_KEY = "diffusion-lab-playground-portfolio"


def make_token_widgets(shared: Shared, store: PortfolioStore) -> None:
    """The browser's token and the session's copy of it (called inside the Blocks)."""
    shared.store = store
    shared.browser_token = gr.BrowserState("", storage_key=STORAGE_KEY, secret=store.secret())
    shared.owner = gr.State(None)


def reopen(store: PortfolioStore, token, request: gr.Request | None = None) -> tuple:
    """A page opened: its saved portfolio back (a new token for a browser seen the first time),
    the message and the badge in the request's language."""
    panels = store.load(token) if store.valid(token) else []
    token = token if store.valid(token) else store.new_token()
    if panels:
        info(say(request, "shared.reopen.one" if len(panels) == 1 else "shared.reopen.many", n=len(panels)))
    return (token, token, *portfolio_view(panels, request))


def wire_reopen(demo: gr.Blocks, shared: Shared) -> None:
    def reopened(token, request: gr.Request = None):  # gradio passes the request by the annotation
        return reopen(shared.store, token, request)

    demo.load(reopened, shared.browser_token,
              [shared.browser_token, shared.owner, *shared.portfolio_outputs], api_name="portfolio_reopen",
              api_visibility="private", concurrency_id=IMAGE_QUEUE, concurrency_limit=IMAGE_CONCURRENCY)
