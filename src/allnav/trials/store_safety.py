"""Keeping the trial store whole: one import at a time, and clear words for disk trouble.

Two imports at once would each copy the current snapshot, add their records and
replace the file: the second rename would throw away the first import's studies.
An import therefore holds an exclusive lock (``flock`` on ``trials.sqlite.lock``
beside the store) across copy, build and replace; a second import waits for it,
up to a limit, then stops with a message naming the other process. The lock is
released by the kernel when the process ends, so a killed import never leaves it
held.

A store that is damaged, a full disk or a read-only folder are problems of the
input, not crashes: :func:`store_errors` turns them into :class:`InputError`
(exit code 2 at the command line) with what happened and what to do.
An edge module: it touches the file system.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

from allnav.problems import InputError, Problem

#: How long a second import waits for the first before it gives up (seconds).
LOCK_WAIT_S = 600.0


def _problem(msg: str) -> InputError:
    return InputError([Problem("store", ("--store",), msg)])


def lock_path(path: Path) -> Path:
    """The lock file of a store."""
    return path.with_name(f"{path.name}.lock")


@contextlib.contextmanager
def import_lock(path: Path, wait_s: float = LOCK_WAIT_S, poll_s: float = 0.05) -> Iterator[None]:
    """Hold the store's import lock; wait up to ``wait_s`` for another import to finish."""
    lock = lock_path(path)
    try:
        fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as e:
        raise _os_problem(e, path) from None
    try:
        deadline = time.monotonic() + wait_s
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise _problem(
                        f"another import into {path} is still running (process "
                        f"{_holder(lock)}); nothing was imported. Run this import again when "
                        "it has finished.") from None
                time.sleep(poll_s)
        with contextlib.suppress(OSError):
            os.ftruncate(fd, 0)
            os.write(fd, str(os.getpid()).encode())
        yield
    finally:
        os.close(fd)  # closing releases the lock


def _holder(lock: Path) -> str:
    try:
        return lock.read_text(encoding="ascii").strip() or "unknown"
    except OSError:
        return "unknown"


def _os_problem(e: OSError, path: Path) -> InputError:
    if e.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
        return _problem(f"the disk holding {path.parent} is full; the store was not changed. "
                        "Free some space and import again.")
    if e.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return _problem(f"cannot write in {path.parent} (read-only or no permission); the "
                        "store was not changed. Use --store with a folder you can write to.")
    return _problem(f"the store at {path} could not be used ({e.strerror or e}); the store "
                    "was not changed.")


@contextlib.contextmanager
def store_errors(path: Path) -> Iterator[None]:
    """Turn disk and SQLite failures around a store into a clear :class:`InputError`."""
    try:
        yield
    except InputError:
        raise
    except OSError as e:
        raise _os_problem(e, path) from None
    except sqlite3.DatabaseError as e:
        text = str(e).lower()
        if "full" in text:
            raise _os_problem(OSError(errno.ENOSPC, "disk full"), path) from None
        if "readonly" in text or "read-only" in text or "unable to open" in text:
            raise _os_problem(OSError(errno.EACCES, "read-only"), path) from None
        raise _problem(f"{path} is damaged or is not a trial store ({e}); import again with "
                       "--replace to build a new one.") from None
