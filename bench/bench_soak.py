"""Soak benchmark: 200 concurrent clients mixing pages, PDF, API and CDS calls, on loopback.

Starts the real server (``allnav serve --workers 2``) on 127.0.0.1 with a config trusting a
benchmark EHR, then runs ``--clients`` closed-loop clients for ``--seconds``: each holds one
keep-alive HTTP/1.1 connection, sends a request drawn from the mix below, reads the whole
answer, waits ``--think`` seconds (randomised +-50 %) and goes on. In the same run one more
client asks ``GET /healthz`` every 0.1 s: the baseline each route's p99 is compared with.

Mix (weights): home and topic pages 3, an example's results page 2, the results page from
posted answers 2, the JSON API 2, a CDS Hooks card call 2 (each with its own signed JWT), the
PDF summary 1. Reported per route: requests, errors, busy answers (503 with Retry-After: only
the PDF may answer so, by design), p50/p99 latency and p99 / healthz p99; and per server
process (the workers and the PDF renderers they started) the memory (RSS) after the warm-up,
at the end and the growth.

Goals (issue 17): no errors (anything but 200, or a 503 with Retry-After from the PDF), and
memory flat (each worker grows < 10 % from the warm-up to the end; the PDF renderers are
reported too). Exit 0 when met.

Bounded: loopback only, a fixed duration, at most ``--clients`` connections, a deadline for
the server start; all JWTs are signed before the timed phase.

Run: ``.venv/bin/python bench/bench_soak.py [--clients 200] [--seconds 60] [--think 1.0]``
(not part of ``make test``; ``make soak`` runs it).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.conftest import example_facts  # noqa: E402
from tests.ehr_harness import SERVICE_PATH, Ehr, full_prefetch, hook_request  # noqa: E402

from allnav.web.pages.forms import facts_to_pairs  # noqa: E402
from bench_cds import HOST, free_port, process_tree, start_server  # noqa: E402

FORM = "application/x-www-form-urlencoded"
EXAMPLE = "first-relapse-cd19-positive"
WARMUP_S = 5.0
IDLE_EXPIRY_S = 4.0
MEMORY_GROWTH_GOAL = 0.10


@dataclass
class Route:
    name: str
    weight: int
    heads: list[bytes] = field(default_factory=list)  # one per request (CDS: its own JWT)
    body: bytes = b""
    latencies: list[float] = field(default_factory=list)
    sent: int = 0
    errors: int = 0
    busy: int = 0
    statuses: dict[int, int] = field(default_factory=dict)

    def request(self) -> bytes | None:
        """The next request; ``None`` when a route of one-time heads (CDS JWTs) ran out."""
        if self.name == "cds" and self.sent >= len(self.heads):
            return None
        self.sent += 1
        return self.heads[(self.sent - 1) % len(self.heads)] + self.body


def _head(method: str, path: str, port: int, ctype: str | None = None, length: int = 0,
          extra: str = "") -> bytes:
    head = f"{method} {path} HTTP/1.1\r\nHost: {HOST}:{port}\r\nAccept: text/html\r\n{extra}"
    if ctype:
        head += f"Content-Type: {ctype}\r\nContent-Length: {length}\r\n"
    return (head + "\r\n").encode()


def routes(port: int, ehr: Ehr, cds_calls: int) -> list[Route]:
    answers = urlencode(facts_to_pairs(example_facts(EXAMPLE))).encode()
    data = yaml.safe_load((ROOT / "examples" / "patients" / f"{EXAMPLE}.yaml").read_text())
    facts = json.dumps(data, default=str).encode()
    cds = json.dumps(hook_request(full_prefetch(60))).encode()
    aud = f"http://{HOST}:{port}{SERVICE_PATH}"
    return [
        Route("page", 3, [_head("GET", p, port) for p in ("/", "/topics", "/when-to-call")]),
        Route("example", 2, [_head("GET", "/examples/first-relapse-cd19-positive", port)]),
        Route("results", 2, [_head("POST", "/results", port, FORM, len(answers))], answers),
        Route("api", 2, [_head("POST", "/api/assess", port, "application/json", len(facts))],
              facts),
        Route("cds", 2, [_head("POST", SERVICE_PATH, port, "application/json", len(cds),
                               f"Authorization: Bearer {ehr.token(aud)}\r\n")
                         for _ in range(cds_calls)], cds),
        Route("pdf", 1, [_head("POST", "/summary.pdf", port, FORM, len(answers))], answers),
    ]


async def _answer(reader: asyncio.StreamReader) -> tuple[int, bytes, bool]:
    """Status, head and whether the server keeps the connection, of one whole answer."""
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    lower = head.lower()
    if b"transfer-encoding: chunked" in lower:
        while True:
            size = int((await reader.readline()).strip(), 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    else:
        length = int(lower.split(b"content-length:")[1].split(b"\r\n")[0]) \
            if b"content-length:" in lower else 0
        await reader.readexactly(length)
    return status, head, b"connection: close" not in lower


async def client(port: int, mix: Sequence[Route], deadline: float, think: float,
                 counter: list[int], rng: random.Random) -> None:
    conn: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None
    last_used = 0.0
    weights = [r.weight for r in mix]
    while time.monotonic() < deadline:
        route = rng.choices(mix, weights)[0]
        request = route.request()
        if request is None:
            counter[0] += 1  # out of signed JWTs: counted, and another route is drawn
            continue
        started = time.monotonic()
        if conn is not None and started - last_used > IDLE_EXPIRY_S:
            # The server closes keep-alive connections idle for 5 s; as HTTP client pools do,
            # a connection idle that long is not reused (a request written into a closing
            # connection would be lost and counted as an error of the server).
            conn[1].close()
            conn = None
        try:
            if conn is None:
                conn = await asyncio.open_connection(HOST, port)
            reader, writer = conn
            writer.write(request)
            status, head, keep = await asyncio.wait_for(_answer(reader), 120)
        except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError):
            route.errors += 1
            route.statuses[0] = route.statuses.get(0, 0) + 1
            if conn is not None:
                conn[1].close()
            conn = None
            await asyncio.sleep(think)
            continue
        last_used = time.monotonic()
        route.latencies.append(last_used - started)
        route.statuses[status] = route.statuses.get(status, 0) + 1
        if status == 503 and route.name == "pdf" and b"retry-after:" in head.lower():
            route.busy += 1
        elif status != 200:
            route.errors += 1
        if not keep:
            conn[1].close()
            conn = None
        await asyncio.sleep(think * rng.uniform(0.5, 1.5))
    if conn is not None:
        conn[1].close()


def rss_mib(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def role(pid: int, server_pid: int) -> str:
    """A worker is a child of the server; a PDF renderer is a worker's child."""
    try:
        cmd = Path(f"/proc/{pid}/cmdline").read_bytes()
        parent = int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except OSError:
        return "gone"
    if b"resource_tracker" in cmd:
        return "resource tracker"
    return "worker" if parent == server_pid else "pdf renderer"


def pct(values: Sequence[float], q: float) -> float:
    if not values:
        return float("nan")
    s = sorted(values)
    return s[min(len(s) - 1, int(q * len(s)))]


async def soak(args: argparse.Namespace, port: int, server_pid: int, ehr: Ehr) -> int:
    # Enough one-time JWTs for every CDS call the clients could make (each waits >= think/2).
    most = int((args.clients * (args.seconds + 1) + 6 * WARMUP_S) / (args.think * 0.5))
    mix = routes(port, ehr, cds_calls=most * 2 // 12 + 100)
    health = Route("healthz", 1, [_head("GET", "/healthz", port)])
    rng = random.Random(17)
    counter = [0]
    # Warm-up (pages compiled, PDF renderers started), then the memory baseline.
    warm_end = time.monotonic() + WARMUP_S
    await asyncio.gather(*(client(port, mix, warm_end, 0.5, counter, rng) for _ in range(6)))
    for r in mix:
        r.latencies.clear()
        r.errors = r.busy = 0
        r.statuses.clear()
    before = {pid: rss_mib(pid) for pid in process_tree(server_pid)[1:]}
    deadline = time.monotonic() + args.seconds
    tasks = [client(port, mix, deadline, args.think, counter, random.Random(i))
             for i in range(args.clients)]
    tasks.append(client(port, [health], deadline, 0.1, [0], random.Random(-1)))
    started = time.monotonic()
    await asyncio.gather(*tasks)
    elapsed = time.monotonic() - started
    after = {pid: rss_mib(pid) for pid in process_tree(server_pid)[1:]}
    roles = {pid: role(pid, server_pid) for pid in set(before) | set(after)}

    base_p99 = pct(health.latencies, 0.99)
    print(f"soak: {args.clients} clients, {elapsed:.0f} s, think {args.think:g} s, "
          f"{sum(len(r.latencies) for r in mix)} answers")
    print(f"{'route':8} {'answers':>7} {'errors':>6} {'busy':>5} {'p50 ms':>8} {'p99 ms':>8} "
          f"{'p99/healthz':>11}  statuses")
    errors = 0
    for r in [*mix, health]:
        p99 = pct(r.latencies, 0.99)
        errors += r.errors
        print(f"{r.name:8} {len(r.latencies):7d} {r.errors:6d} {r.busy:5d} "
              f"{pct(r.latencies, 0.5) * 1000:8.1f} {p99 * 1000:8.1f} {p99 / base_p99:11.1f}  "
              f"{dict(sorted(r.statuses.items()))}")
    if counter[0]:
        print(f"out of signed JWTs {counter[0]} times (CDS calls not sent)")
    flat = True
    print("memory (RSS MiB) per server process, after warm-up -> end (the goal is for workers;"
          " a PDF renderer's first renders load fonts):")
    for pid in sorted(set(before) | set(after)):
        b, a = before.get(pid, 0.0), after.get(pid, 0.0)
        growth = (a - b) / b if b else float("inf")
        ok = roles.get(pid) != "worker" or growth < MEMORY_GROWTH_GOAL
        flat = flat and ok
        print(f"  pid {pid} ({roles.get(pid, 'gone')}): {b:.0f} -> {a:.0f} MiB ({growth:+.1%})"
              f"{'' if ok else '  NOT FLAT'}")
    met = errors == 0 and flat
    print(f"goal (0 errors, worker memory flat: < {MEMORY_GROWTH_GOAL:.0%} growth): "
          f"{'met' if met else 'NOT met'}")
    return 0 if met else 1


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--clients", type=int, default=200)
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--think", type=float, default=1.0, help="mean pause between requests")
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    if not (1 <= args.clients <= 500 and 1 <= args.seconds <= 600 and args.think >= 0.05):
        ap.error("clients 1-500, seconds 1-600, think >= 0.05")
    ehr = Ehr()
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="allnav-soak-") as tmp:
        server = start_server(Path(tmp), ehr, port, args.workers)
        try:
            return asyncio.run(soak(args, port, server.pid, ehr))
        finally:
            server.terminate()
            server.wait(timeout=30)


if __name__ == "__main__":
    sys.exit(main())
