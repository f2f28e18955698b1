"""CDS Hooks service benchmark: card latency at a steady request rate, on loopback.

Starts the real server (``allnav serve --workers 2``) as a subprocess on 127.0.0.1 with a config
that trusts a benchmark EHR, then plays that EHR with an open-loop load generator: requests
are sent at a fixed rate whatever the server does, each with its own ES384 JWT (a distinct
``jti``) and a realistic prefetch (a patient with relapsed B-ALL and about 200 resources:
conditions, a long history of blood counts and chemistry, medications, procedures).
Latency runs from the *scheduled* send time to the last byte of the answer, so a server
that falls behind is charged for the queue it builds.

In the same run and at the same rate, the same server answers a trivial endpoint
(``GET /healthz``), before and after the cards: the baseline. Reported: achieved rate and
p50/p95/p99 of both, their ratio, the CPU the server, the load generator and every other
process on the machine used, the CPU time the host took from this virtual machine
("steal"), where the CPU of one card request goes (in process), and the
machine's speed before and after (a fixed Python loop: this shared virtual machine's speed
varies by tens of percent from minute to minute, and the card latency with it).

Goal (issue 5): card p99 < 50 ms while sustaining 300 requests/s on this 2-core machine.
Exit code 0 when met, 1 when not.

The load generator is cheap on purpose, since it shares the two cores with the server: every
JWT is signed and every request head built before the timed phases, requests go out on at
most 32 keep-alive HTTP/1.1 connections, opened on demand and reused as client pools do
(see :class:`Pool`), driven by asyncio protocols (uvloop when installed), and a response is
parsed only as far as its status and length. Everything is bounded: loopback only,
a fixed number of requests per phase, and a deadline for each phase and for the server start.

With ``--repeat N`` the card phase runs N times, each reported with the machine's speed just
before and after it and the cores each server process used (one worker near 1.0 is a
saturated worker), so that a series on a host whose speed drifts can be read run by run.

Run: ``.venv/bin/python bench/bench_cds.py [--rate 300] [--seconds 10] [--workers 2]
[--repeat 1] [--search]`` (``make bench`` runs it).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import cast

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.ehr_harness import SERVICE_PATH, Ehr, full_prefetch, hook_request  # noqa: E402

HOST = "127.0.0.1"
TARGET_P99_MS = 50.0
TARGET_RATE = 300.0
#: The card phase must complete this share of the offered rate (and every request).
SUSTAIN = 0.98
#: At most this many keep-alive connections (opened on demand).
CONNECTIONS = 32
#: A connection idle this long is not reused (uvicorn closes them after 5 s).
KEEP_IDLE_S = 4.0
WARM_UP_S = 3.0
PHASE_DEADLINE_S = 60.0
START_DEADLINE_S = 60.0
TICK = os.sysconf("SC_CLK_TCK")


# -- measuring CPU ---------------------------------------------------------------------------

def _proc_cpu(pid: int) -> float:
    """User + system CPU seconds of one process (Linux /proc)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICK


def _children(pid: int) -> list[int]:
    out = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            out += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
    return out


def process_tree(pid: int) -> list[int]:
    todo, seen = [pid], []
    while todo:
        p = todo.pop()
        seen.append(p)
        todo += _children(p)
    return seen


def machine_cpu() -> tuple[float, float]:
    """CPU seconds used by everything on the machine (all cores, not idle or iowait), and of
    them the seconds stolen: this virtual machine's CPUs were ready to run but the host ran
    something else."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = fields[:8]
    return (user + nice + system + irq + softirq + steal) / TICK, steal / TICK


@dataclass
class Cpu:
    server: float
    generator: float
    machine: float
    #: CPU seconds the host took from this virtual machine (``steal`` in /proc/stat).
    steal: float
    #: CPU seconds of each server process (the workers, and the supervisor).
    per_process: dict[int, float]

    @staticmethod
    def now(server_pids: Sequence[int]) -> Cpu:
        per = {p: _proc_cpu(p) for p in server_pids}
        machine, steal = machine_cpu()
        return Cpu(sum(per.values()), time.process_time(), machine, steal, per)

    def __sub__(self, other: Cpu) -> Cpu:
        return Cpu(self.server - other.server, self.generator - other.generator,
                   self.machine - other.machine, self.steal - other.steal,
                   {p: v - other.per_process.get(p, 0.0) for p, v in self.per_process.items()})


def machine_speed() -> float:
    """ms of CPU for a fixed dict-heavy Python loop (best of 5): lower is faster."""
    best = float("inf")
    for _ in range(5):
        start = time.process_time()
        d: dict[int, int] = {}
        for i in range(200_000):
            d[i % 1000] = d.get(i % 1000, 0) + i
        best = min(best, time.process_time() - start)
    return best * 1000


# -- one phase -------------------------------------------------------------------------------

@dataclass
class Phase:
    name: str
    rate: float
    sent: int
    ok: int
    errors: int
    latencies_ms: list[float]
    wall_s: float
    cpu: Cpu
    #: What the errors were: HTTP status, -1 for a lost connection, 0 for no answer in time.
    error_kinds: dict[int, int]
    #: The machine's speed (see :func:`machine_speed`) just before and after, when measured.
    speed: tuple[float, float] | None = None

    def pct(self, q: float) -> float:
        if not self.latencies_ms:
            return float("nan")
        xs = sorted(self.latencies_ms)
        return xs[min(len(xs) - 1, int(q * len(xs)))]

    @property
    def achieved(self) -> float:
        return self.ok / self.wall_s if self.wall_s else 0.0

    def row(self) -> str:
        per = max(self.ok, 1)
        others = max(self.cpu.machine - self.cpu.steal - self.cpu.server - self.cpu.generator,
                     0.0)
        return (f"| {self.name} | {self.rate:.0f} | {self.achieved:.1f} | {self.errors} | "
                f"{self.pct(0.50):.1f} | {self.pct(0.95):.1f} | {self.pct(0.99):.1f} | "
                f"{max(self.latencies_ms, default=float('nan')):.1f} | "
                f"{1000 * self.cpu.server / per:.2f} | {1000 * self.cpu.generator / per:.2f} | "
                f"{others / self.wall_s:.2f} | {1000 * self.cpu.steal:.0f} | "
                f"{self.worker_load()} | {self.speed_text()} |")

    def worker_load(self) -> str:
        """Cores each busy server process used, busiest first (e.g. ``0.95 / 0.81``)."""
        busy = sorted((v / self.wall_s for v in self.cpu.per_process.values()
                       if v / self.wall_s >= 0.02), reverse=True) if self.wall_s else []
        return " / ".join(f"{v:.2f}" for v in busy) or "-"

    def speed_text(self) -> str:
        return f"{self.speed[0]:.0f} / {self.speed[1]:.0f}" if self.speed else "-"

    @property
    def met(self) -> bool:
        return (self.pct(0.99) < TARGET_P99_MS and self.achieved >= SUSTAIN * self.rate
                and not self.errors)


HEADER = ("| phase | offered /s | achieved /s | errors | p50 ms | p95 ms | p99 ms | max ms | "
          "server CPU ms/req | generator CPU ms/req | other processes (cores) | "
          "stolen by the host (ms) | server processes (cores) | machine loop before / after (ms) |\n"
          "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")


class Connection(asyncio.Protocol):
    """One keep-alive HTTP/1.1 connection with at most one request in flight."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.buf = bytearray()
        self.need = -1
        self.status = 0
        self.reusable = True  # False once the server answers "Connection: close"
        self.idle_since = 0.0
        self.on_done: Callable[[Connection, int], None] | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's is not a subclass

    def send(self, parts: tuple[bytes, ...], on_done: Callable[[Connection, int], None]) -> None:
        assert self.transport is not None
        self.on_done = on_done
        self.transport.writelines(parts)

    def data_received(self, data: bytes) -> None:
        self.buf += data
        if self.need < 0:
            end = self.buf.find(b"\r\n\r\n")
            if end < 0:
                return
            head = bytes(self.buf[:end]).lower()
            self.status = int(head[9:12])
            if b"\r\nconnection: close" in head:
                self.reusable = False
            m = _LENGTH.search(head)
            if m is None:  # the server always sends Content-Length; anything else is an error
                self.status = -1
                self.need = end + 4
            else:
                self.need = end + 4 + int(m.group(1))
        if len(self.buf) >= self.need:
            del self.buf[:self.need]
            self.need = -1
            done, self.on_done = self.on_done, None
            if done is not None:
                done(self, self.status)

    def connection_lost(self, exc: Exception | None) -> None:
        self.transport = None
        done, self.on_done = self.on_done, None
        if done is not None:
            done(self, -1)


_LENGTH = re.compile(rb"\r\ncontent-length:\s*(\d+)")


class Pool:
    """Keep-alive connections as HTTP client pools keep them (urllib3, aiohttp, nginx's upstream
    keepalive): a request takes the connection freed most recently, else opens a new one (at
    most ``size`` in all), else waits for one.

    This matters with several workers, each holding the connections it accepted. The
    connection freed most recently belongs to a worker that has just finished a request, and a
    new connection is accepted by whichever worker is idle; so requests go mostly to idle
    workers. Taking the connection idle longest instead spreads requests evenly over the
    connections, and a worker gets its share whether busy or not (measured: card p99 156 ms
    that way vs 42 ms this way, in one run at 300/s)."""

    def __init__(self, port: int, size: int) -> None:
        self.port, self.size = port, size
        self.idle: list[Connection] = []  # a stack: the last one freed is on top
        self.count = 0  # open or opening

    def take(self) -> Connection | None:
        """The connection freed last, leaving out those idle too long: uvicorn closes a
        keep-alive connection after 5 s of silence, and a request sent as it closes is lost
        (clients such as httpx expire idle connections for the same reason)."""
        now = time.perf_counter()
        while self.idle:
            conn = self.idle.pop()
            if conn.transport is not None and now - conn.idle_since < KEEP_IDLE_S:
                return conn
            if conn.transport is not None:
                conn.transport.close()
            self.count -= 1
        return None

    def close(self) -> None:
        for c in self.idle:
            if c.transport is not None:
                c.transport.close()
        self.idle.clear()


async def run_phase(name: str, pool: Pool, rate: float, requests: Sequence[tuple[bytes, ...]],
                    expect: int, server_pids: Sequence[int]) -> Phase:
    """Send ``requests`` at ``rate`` per second (open loop); bounded by PHASE_DEADLINE_S.

    A request's latency counts from its scheduled time (measured with ``time.perf_counter``:
    uvloop's clock has millisecond steps), or from when its timer fired if that was earlier,
    whatever it waited for: a free connection, a new connection, the server."""
    loop = asyncio.get_running_loop()
    n = len(requests)
    latencies: list[float] = []
    kinds: dict[int, int] = {}
    current: dict[Connection, int] = {}  # the request each busy connection carries
    answered = 0
    finished: asyncio.Future[None] = loop.create_future()
    waiting: deque[int] = deque()
    tasks: set[asyncio.Task[None]] = set()
    fired = [0.0] * n  # when due(i) ran, by perf_counter
    # The generator's own garbage collector stays out of the timed phase: a full collection
    # of its heap (the signed requests) paused it for 24-35 ms, measured, and every request
    # in flight would have been charged for it. Collected here, before the clock starts.
    gc.collect()
    gc.disable()
    lead = 0.05
    start, loop_start = time.perf_counter() + lead, loop.time() + lead
    last = start

    def count(i: int, status: int) -> None:
        nonlocal answered, last
        last = time.perf_counter()
        if status == expect:
            # From the scheduled time, or from when the timer fired if that was earlier
            # (uvloop's timers have millisecond steps and may fire up to 1 ms early): a late
            # send is charged to the server, an early one never makes the latency look shorter.
            latencies.append((last - min(start + i / rate, fired[i])) * 1000)
        else:
            kinds[status] = kinds.get(status, 0) + 1
        answered += 1
        if answered == n and not finished.done():
            finished.set_result(None)

    def done(conn: Connection, status: int) -> None:
        count(current.pop(conn), status)
        if conn.transport is not None and conn.reusable:
            if waiting:
                send(conn, waiting.popleft())
            else:
                conn.idle_since = time.perf_counter()
                pool.idle.append(conn)
            return
        if conn.transport is not None:
            conn.transport.close()
        pool.count -= 1
        if waiting:
            open_for(waiting.popleft())

    def send(conn: Connection, i: int) -> None:
        current[conn] = i
        conn.send(requests[i], done)

    async def connect(i: int) -> None:
        try:
            _, conn = await loop.create_connection(Connection, HOST, pool.port)
        except OSError:
            pool.count -= 1
            count(i, -1)
            return
        send(conn, i)

    def open_for(i: int) -> None:
        pool.count += 1
        task = loop.create_task(connect(i))
        tasks.add(task)
        task.add_done_callback(tasks.discard)

    def due(i: int) -> None:
        fired[i] = time.perf_counter()
        conn = pool.take()
        if conn is not None:
            send(conn, i)
        elif pool.count < pool.size:
            open_for(i)
        else:
            waiting.append(i)

    handles = [loop.call_at(loop_start + i / rate, due, i) for i in range(n)]
    cpu0 = Cpu.now(server_pids)
    try:
        with contextlib.suppress(TimeoutError):  # what is unanswered counts as errors
            await asyncio.wait_for(finished, PHASE_DEADLINE_S)
    finally:
        gc.enable()
    for h in handles:
        h.cancel()
    cpu = Cpu.now(server_pids) - cpu0
    wall = (last if answered == n else time.perf_counter()) - start
    if answered < n:
        kinds[0] = n - answered
    return Phase(name, rate, n, len(latencies), n - len(latencies), latencies, wall, cpu, kinds)


# -- the server ------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def start_server(tmp: Path, ehr: Ehr, port: int, workers: int, pin: bool = False,
                 ) -> subprocess.Popen[bytes]:
    """``allnav serve`` as an operator runs it; returns once every worker has started."""
    (tmp / "jwks.json").write_text(json.dumps(ehr.jwks()))
    (tmp / "allnav.toml").write_text(
        f'[server]\nbase_url = "http://{HOST}:{port}"\n\n'
        f'[[issuers]]\niss = "{ehr.iss}"\njwks_file = "jwks.json"\n')
    cmd = [sys.executable, "-m", "allnav", "serve", "--config", str(tmp / "allnav.toml"),
           "--host", HOST, "--port", str(port), "--workers", str(workers)]
    cmd += ["--pin-workers"] if pin else []
    log_path = tmp / "server.log"
    with log_path.open("wb") as log:
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)
    deadline = time.monotonic() + START_DEADLINE_S
    while time.monotonic() < deadline and proc.poll() is None:
        if log_path.read_text(errors="replace").count("Application startup complete") >= workers:
            return proc
        time.sleep(0.2)
    proc.kill()
    proc.wait(timeout=10)
    raise SystemExit(f"the server did not start; its log:\n{log_path.read_text()[-3000:]}")


def connections_per_worker(port: int, workers: Sequence[int]) -> dict[int, int]:
    """How many established connections to ``port`` each worker process holds (Linux)."""
    inodes: dict[str, int] = {}
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        f = line.split()
        if int(f[1].split(":")[1], 16) == port and f[3] == "01":  # ESTABLISHED, server side
            inodes[f[9]] = 0
    out = {}
    for pid in workers:
        held = 0
        for fd in Path(f"/proc/{pid}/fd").glob("*"):
            try:
                target = os.readlink(fd)
            except OSError:
                continue
            if target.startswith("socket:[") and target[8:-1] in inodes:
                held += 1
        out[pid] = held
    return out


# -- requests --------------------------------------------------------------------------------

def card_requests(ehr: Ehr, port: int, n: int, body: bytes) -> list[tuple[bytes, ...]]:
    """``n`` requests, each with its own signed JWT (distinct jti); the body is shared."""
    aud = f"http://{HOST}:{port}{SERVICE_PATH}"
    out = []
    for _ in range(n):
        head = (f"POST {SERVICE_PATH} HTTP/1.1\r\nHost: {HOST}:{port}\r\n"
                f"Authorization: Bearer {ehr.token(aud)}\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(body)}\r\n\r\n").encode()
        out.append((head, body))
    return out  # type: ignore[return-value]


def health_requests(port: int, n: int) -> list[tuple[bytes, ...]]:
    return [(f"GET /healthz HTTP/1.1\r\nHost: {HOST}:{port}\r\n\r\n".encode(),)] * n


# -- where one request's CPU goes ------------------------------------------------------------

def stage_breakdown(ehr: Ehr, body: bytes) -> list[tuple[str, float]]:
    """CPU ms per stage of one card request, in this process (best of 5 runs of 20)."""
    from tests.ehr_harness import AS_OF, BASE, PATIENT_ID, USER_ID

    from allnav.engine import assess
    from allnav.interop import fastjson
    from allnav.interop.fhir import facts_from_resources
    from allnav.pathway import load_pathway
    from allnav.web.cds.cards import assessment_cards
    from allnav.web.cds.models import CdsRequest
    from allnav.web.cds.prefetch import gather, mentions_all
    from allnav.web.http import json_response
    from allnav.web.jwt_auth import JwtVerifier

    settings = ehr.settings()
    pathway = load_pathway()
    loop = asyncio.new_event_loop()
    verifier = JwtVerifier(settings)
    tokens = iter([ehr.token(BASE + SERVICE_PATH) for _ in range(5 * 20)])
    parsed = fastjson.loads(body)
    req = CdsRequest.model_validate(parsed)
    data = loop.run_until_complete(gather(req, settings))
    facts, problems = facts_from_resources(data.resources, AS_OF)
    result = assess(pathway, facts, AS_OF, problems)
    cards = assessment_cards(result, pathway, base_url=BASE, patient_id=PATIENT_ID, user_id=USER_ID)
    stages: list[tuple[str, Callable[[], object]]] = [
        ("parse the JSON body", lambda: fastjson.loads(body)),
        ("verify the JWT (ES384)", lambda: loop.run_until_complete(
            verifier.verify(next(tokens), BASE + SERVICE_PATH))),
        ("check the request shape", lambda: CdsRequest.model_validate(parsed)),
        ("gather prefetch + ALL check", lambda: (loop.run_until_complete(gather(req, settings)),
                                                 mentions_all(data.resources))),
        ("FHIR -> facts (interop)", lambda: facts_from_resources(data.resources, AS_OF)),
        ("assess", lambda: assess(pathway, facts, AS_OF, problems)),
        ("build cards", lambda: assessment_cards(result, pathway, base_url=BASE,
                                                 patient_id=PATIENT_ID, user_id=USER_ID)),
        ("serialise the response", lambda: json_response({"cards": cards})),
    ]
    out = []
    for name, fn in stages:
        runs = []
        for _ in range(5):
            start = time.process_time()
            for _ in range(20):
                fn()
            runs.append((time.process_time() - start) / 20 * 1000)
        out.append((name, min(runs)))
    loop.close()
    return out


# -- main ------------------------------------------------------------------------------------

async def measure(args: argparse.Namespace, port: int, server_pid: int, ehr: Ehr, body: bytes,
                  ) -> tuple[list[Phase], list[Phase], list[int]]:
    """Baseline, the card phase (``--repeat`` times, the machine's speed measured around
    each), baseline again; then the optional rate search."""
    n = int(args.rate * args.seconds)
    pids = process_tree(server_pid)
    workers = [p for p in pids if p != server_pid] or [server_pid]
    print(f"signing {n * args.repeat + int(args.rate * WARM_UP_S)} JWTs and building the "
          "requests...", flush=True)
    warm = card_requests(ehr, port, int(args.rate * WARM_UP_S), body)
    rounds = [card_requests(ehr, port, n, body) for _ in range(args.repeat)]
    health = health_requests(port, n)
    pool = Pool(port, CONNECTIONS)
    await run_phase("warm-up (cards)", pool, args.rate, warm, 200, pids)
    phases = [await run_phase("baseline GET /healthz (before)", pool, args.rate, health, 200, pids)]
    spread: list[int] = []
    for i, cards in enumerate(rounds):
        name = "cards POST patient-view" + (f" #{i + 1}" if args.repeat > 1 else "")
        before = machine_speed()
        phase = await run_phase(name, pool, args.rate, cards, 200, pids)
        phase.speed = (before, machine_speed())
        phases.append(phase)
        if i == 0:
            spread = sorted((v for v in connections_per_worker(port, workers).values() if v),
                            reverse=True)
    phases.append(await run_phase("baseline GET /healthz (after)", pool, args.rate, health, 200,
                                  pids))
    search: list[Phase] = []
    if args.search:
        for rate in (350, 400, 450, 500, 600):
            p = await run_phase("cards (step)", pool, rate,
                                card_requests(ehr, port, int(rate * 4), body), 200, pids)
            search.append(p)
            if p.pct(0.99) > TARGET_P99_MS or p.errors:
                break
    pool.close()
    return phases, search, spread


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rate", type=float, default=TARGET_RATE, help="requests per second")
    ap.add_argument("--seconds", type=float, default=10.0, help="length of each timed phase")
    ap.add_argument("--workers", type=int, default=2, help="server worker processes")
    ap.add_argument("--pin-workers", action="store_true",
                    help="start the server with --pin-workers (each worker on its own CPU)")
    ap.add_argument("--repeat", type=int, default=1,
                    help="card phases to run (each reported, with the machine's speed around it)")
    ap.add_argument("--search", action="store_true",
                    help="then step the card rate up from 350/s until p99 passes the target")
    args = ap.parse_args()
    if not 0 < args.rate * args.seconds <= 20_000:
        ap.error("rate x seconds must be between 1 and 20000 requests")
    if not 1 <= args.repeat <= 10:
        ap.error("--repeat must be between 1 and 10")
    try:
        import uvloop
    except ImportError:
        uvloop = None  # type: ignore[assignment]
    ehr = Ehr()
    prefetch = full_prefetch(188)
    resources = sum(len(v["entry"]) if v.get("resourceType") == "Bundle" else 1
                    for v in prefetch.values())
    body = json.dumps(hook_request(prefetch)).encode()
    speed_before = machine_speed()
    stages = stage_breakdown(ehr, body)
    with tempfile.TemporaryDirectory() as d:
        port = free_port()
        proc = start_server(Path(d), ehr, port, args.workers, args.pin_workers)
        try:
            pin = " --pin-workers" if args.pin_workers else ""
            print(f"server: allnav serve --workers {args.workers}{pin} on {HOST}:{port}; prefetch: "
                  f"{resources} resources, {len(body) / 1024:.0f} KiB per request; client loop: "
                  f"{'uvloop' if uvloop else 'asyncio'}", flush=True)
            runner = asyncio.Runner(loop_factory=uvloop.new_event_loop if uvloop else None)
            with runner:
                phases, search, spread = runner.run(measure(args, port, proc.pid, ehr, body))
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)
    speed_after = machine_speed()
    print(f"\nkeep-alive connections per worker after the card phase: {spread}")
    print(f"machine speed (a fixed Python loop, lower is faster): {speed_before:.1f} ms before, "
          f"{speed_after:.1f} ms after")
    print(f"\n{HEADER}")
    for p in phases + search:
        print(p.row())
    for p in phases + search:
        if p.error_kinds:
            print(f"errors in '{p.name}' (status: count; -1 connection lost, 0 no answer in "
                  f"{PHASE_DEADLINE_S:.0f} s): {p.error_kinds}")
    print("\n| stage of one card request (in process, best of 5) | CPU ms |\n|---|---|")
    for name, ms in stages:
        print(f"| {name} | {ms:.2f} |")
    print(f"| total (without HTTP and framework) | {sum(ms for _, ms in stages):.2f} |")
    before, *cards, after = phases
    base_p99 = max(before.pct(0.99), after.pct(0.99))
    base_p50 = max(before.pct(0.50), after.pct(0.50))
    print()
    for card in cards:
        print(f"{card.name}: p99 / baseline p99 = {card.pct(0.99):.1f} / {base_p99:.1f} ms "
              f"= {card.pct(0.99) / base_p99:.1f}x; p50 / baseline p50 = {card.pct(0.5):.1f} / "
              f"{base_p50:.1f} ms = {card.pct(0.5) / base_p50:.1f}x")
    good = [p.rate for p in search if p.pct(0.99) < TARGET_P99_MS and not p.errors]
    if search:
        print(f"highest stepped rate with card p99 < {TARGET_P99_MS:.0f} ms: "
              f"{max(good, default=args.rate if cards[0].met else 0):.0f}/s")
    met = sum(p.met for p in cards)
    print(f"goal (card p99 < {TARGET_P99_MS:.0f} ms at {args.rate:.0f}/s, "
          f"{args.workers} workers): {'met' if met == len(cards) else 'NOT met'}"
          f"{f' (met in {met} of {len(cards)} card phases)' if len(cards) > 1 else ''}; load average "
          f"{os.getloadavg()[0]:.2f}")
    return 0 if met == len(cards) else 1


if __name__ == "__main__":
    raise SystemExit(main())
