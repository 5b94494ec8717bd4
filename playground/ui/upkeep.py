"""Housekeeping while the app serves: temp files, idle sessions and old portfolios go away.

Runs as the server's lifespan task (layout.launch_kwargs), once a minute, off the event loop:
- the scratch folders of exports, "send to img2img" and GIFs older than scratch.MAX_AGE_S;
- gradio's copies of this app's uploads and results past a byte budget, oldest first (its own
  delete_cache removes them by age, set in layout.build_blocks);
- sessions nobody used for SESSION_IDLE_S: an API client never closes its session, so its
  state stayed for good; a browser that comes back gets its portfolio from the store;
- portfolios in the store not visited for its keep_days.
"""
from __future__ import annotations

import asyncio
import contextlib
import datetime
import os
import traceback
from contextlib import asynccontextmanager

import anyio

from playground import scratch
from playground.store import PortfolioStore

# Each can be changed by an environment variable PLAYGROUND_<NAME> (the load test shortens them).
DEFAULTS = {
    "SWEEP_EVERY_S": 60,
    "SESSION_IDLE_S": 2 * 3600,  # a class period
    "CACHE_MAX_BYTES": 4 * 2**30,  # gradio's copies of this app's files, all visitors together
    "CACHE_MAX_AGE_S": 3600,  # delete_cache: an upload or a result is kept an hour (a session)
    "SCRATCH_AGE_S": scratch.MAX_AGE_S,
}


def setting(name: str) -> float:
    return float(os.environ.get(f"PLAYGROUND_{name}") or DEFAULTS[name])


def delete_cache() -> tuple[int, int]:
    """gr.Blocks(delete_cache=...): (how often, minimum age) in seconds."""
    age = int(setting("CACHE_MAX_AGE_S"))
    return max(1, min(int(setting("SWEEP_EVERY_S")), age)), age


def drop_idle_sessions(holder, idle_s: float, now: datetime.datetime | None = None) -> int:
    """Forget sessions not used for idle_s seconds; returns how many."""
    now = now or datetime.datetime.now()
    cutoff = now - datetime.timedelta(seconds=idle_s)
    dropped = 0
    with holder.lock:
        for session, last in list(holder.time_last_used.items()):
            if last < cutoff:
                holder.session_data.pop(session, None)
                holder.time_last_used.pop(session, None)
                dropped += 1
    return dropped


def app_files(blocks) -> list[str]:
    """The files gradio made for this app (uploads and results), as delete_cache sees them."""
    return [f for files in getattr(blocks, "temp_file_sets", []) for f in list(files)]


def sweep_once(blocks, holder, store: PortfolioStore | None) -> dict:
    """One round of housekeeping; returns what it removed (for logs and tests)."""
    done = {"scratch": scratch.sweep(setting("SCRATCH_AGE_S"))}
    done["cache"] = len(scratch.trim(app_files(blocks), int(setting("CACHE_MAX_BYTES"))))
    done["sessions"] = drop_idle_sessions(holder, setting("SESSION_IDLE_S")) if holder is not None else 0
    done["portfolios"] = store.sweep() if store is not None else 0
    return done


async def _loop(app, every: float) -> None:
    while True:
        await asyncio.sleep(every)
        blocks = app.get_blocks()
        try:
            await anyio.to_thread.run_sync(sweep_once, blocks, getattr(app, "state_holder", None),
                                           getattr(blocks, "portfolio_store", None))
        except Exception:  # noqa: BLE001 - a failed round is logged and the next one tries again
            traceback.print_exc()


def lifespan(every: float | None = None):
    """For launch(app_kwargs={"lifespan": ...}): the sweep loop while the server runs."""
    @asynccontextmanager
    async def run(app):
        task = asyncio.create_task(_loop(app, every or setting("SWEEP_EVERY_S")))
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
    return run
