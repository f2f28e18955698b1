"""Pinning each worker process of ``allnav serve --workers N --pin-workers`` to its own CPU.

On a machine that runs little else, a CDS Hooks card request is CPU-bound work on a few MB of
freshly parsed JSON; a worker that stays on one core keeps its caches warm and is not moved
while the other worker waits. As nginx's ``worker_cpu_affinity``, it is off by default: on a
machine shared with other busy processes a pinned worker cannot move to an idle core.

Each worker claims the lowest free CPU by taking an exclusive lock on a file per CPU in the
server's private folder and holding it for its lifetime; a worker that dies releases its CPU
(the kernel drops the lock), so the worker uvicorn starts in its place takes the same one.
Workers beyond the number of CPUs are not pinned.
"""

from __future__ import annotations

import fcntl
import logging
import os
from pathlib import Path

log = logging.getLogger("allnav.web")

#: Set by ``allnav serve --pin-workers`` for its workers: the folder of the per-CPU lock files.
PIN_DIR_ENV = "ALLNAV_PIN_DIR"

_held: list[int] = []  # the lock's file descriptor, kept open for the life of the process


def pin_this_worker(lock_dir: str | Path) -> int | None:
    """Pin this process to the lowest CPU no other worker holds; the CPU, or ``None``."""
    cpus = sorted(os.sched_getaffinity(0))
    for cpu in cpus:
        fd = os.open(Path(lock_dir) / f"cpu-{cpu}.lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            continue
        os.sched_setaffinity(0, {cpu})
        _held.append(fd)
        log.info("worker %d pinned to CPU %d", os.getpid(), cpu)
        return cpu
    log.info("worker %d not pinned: every CPU has a worker", os.getpid())
    return None


def pin_from_environment() -> int | None:
    """In a worker of ``allnav serve --pin-workers``: pin it; otherwise do nothing."""
    lock_dir = os.environ.get(PIN_DIR_ENV)
    return pin_this_worker(lock_dir) if lock_dir else None
