"""Synchronous CPU work (assessment, Jinja rendering, CDS evaluation) off the event loop.

Issue 17, item 3: work done inside an ``async`` handler holds every other request on that
worker, ``/healthz`` included. Each kind of work runs in a worker thread under its own
concurrency cap, so a burst of page loads can neither starve the event loop nor take the
threads CDS cards need: CDS has a limiter of its own (the PDF has its own process queue,
:mod:`allnav.web.pdf`). Call sites stay one line: ``await offload.pages(fn, *args)``.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Callable
from typing import TypeVar, TypeVarTuple, Unpack

import anyio.to_thread
from anyio import CapacityLimiter

T = TypeVar("T")
Ts = TypeVarTuple("Ts")

# Threads per kind and per worker process. Two cores are shared by everything, so more
# threads would only queue on the GIL; a small cap keeps the event loop's share of it.
CAPS: dict[str, int] = {"pages": 2, "cds": 2}

# anyio limiters belong to one event loop; tests and the bench run several loops in turn.
_limiters: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[str, CapacityLimiter]] = (
    weakref.WeakKeyDictionary())


def limiter(kind: str) -> CapacityLimiter:
    """The limiter of ``kind`` for the running event loop (made on first use)."""
    loop = asyncio.get_running_loop()
    per_loop = _limiters.setdefault(loop, {})
    if kind not in per_loop:
        per_loop[kind] = CapacityLimiter(CAPS[kind])
    return per_loop[kind]


async def run(kind: str, fn: Callable[[Unpack[Ts]], T], *args: *Ts) -> T:
    """``fn(*args)`` in a worker thread, at most ``CAPS[kind]`` at once on this worker."""
    return await anyio.to_thread.run_sync(fn, *args, limiter=limiter(kind))


async def pages(fn: Callable[[Unpack[Ts]], T], *args: *Ts) -> T:
    """A web page or JSON API answer: assessment and rendering."""
    return await run("pages", fn, *args)


async def cds(fn: Callable[[Unpack[Ts]], T], *args: *Ts) -> T:
    """A CDS Hooks evaluation: its own cap, so cards never wait behind page loads."""
    return await run("cds", fn, *args)
