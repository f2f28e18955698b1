"""``allnav serve --workers N --pin-workers``: each worker on its own CPU, none doubled up,
and a CPU freed when its worker dies. Real processes (pinning the test process itself would
change the rest of the run)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

WORKER = """
import os, sys
from allnav.web.cpu_pinning import pin_this_worker
cpu = pin_this_worker(sys.argv[1])
print(cpu, sorted(os.sched_getaffinity(0)), flush=True)
sys.stdin.read()  # hold the CPU until the test closes our stdin
"""


def start(lock_dir: Path) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-c", WORKER, str(lock_dir)], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True)


def answer(proc: subprocess.Popen[str]) -> tuple[int | None, list[int]]:
    assert proc.stdout is not None
    cpu, _, affinity = proc.stdout.readline().strip().partition(" ")
    return (None if cpu == "None" else int(cpu)), [int(c) for c in affinity.strip("[]").split(",")]


def stop(proc: subprocess.Popen[str], kill: bool = False) -> None:
    assert proc.stdin is not None and proc.stdout is not None
    if kill:
        proc.kill()
    proc.stdin.close()
    proc.wait(timeout=10)
    proc.stdout.close()


@pytest.mark.skipif(not hasattr(os, "sched_setaffinity"), reason="Linux only")
def test_each_worker_gets_its_own_cpu_and_a_dead_workers_cpu_is_reused(tmp_path: Path) -> None:
    cpus = sorted(os.sched_getaffinity(0))
    workers = [start(tmp_path) for _ in cpus]
    try:
        pinned = [answer(w) for w in workers]
        assert sorted(cpu for cpu, _ in pinned) == cpus  # type: ignore[type-var]  # every CPU once, none twice
        assert all(affinity == [cpu] for cpu, affinity in pinned)
        extra = start(tmp_path)
        cpu, affinity = answer(extra)
        assert cpu is None and affinity == cpus  # more workers than CPUs: not pinned
        stop(extra)
        freed = pinned[0][0]
        stop(workers[0], kill=True)  # a worker dies; the kernel drops its lock
        again = start(tmp_path)
        assert answer(again) == (freed, [freed])
        stop(again)
    finally:
        for w in workers:
            if w.stdout is not None and not w.stdout.closed:
                stop(w)


def test_pinning_is_off_unless_serve_asks_for_it(monkeypatch: pytest.MonkeyPatch) -> None:
    from allnav.web.cpu_pinning import PIN_DIR_ENV, pin_from_environment

    monkeypatch.delenv(PIN_DIR_ENV, raising=False)
    before = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else None
    assert pin_from_environment() is None
    if before is not None:
        assert os.sched_getaffinity(0) == before
