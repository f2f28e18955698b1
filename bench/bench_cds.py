"""CDS Hooks service benchmark: card latency under a steady request rate, on loopback.

Starts the real server (what ``allnav serve [--workers N]`` runs) on 127.0.0.1 with a config that
trusts a benchmark EHR, then plays that EHR with an open-loop load generator: requests
are scheduled at a fixed rate whatever the server does, each with its own freshly
signed ES384 JWT and a realistic prefetch (a patient with relapsed B-ALL and about 200
resources: conditions, a long history of blood counts and chemistry, medications,
procedures). Latency runs from the *scheduled* send time to the last byte of the answer,
so a server that falls behind is charged for the queue it builds.

In the same run and at the same rate, the same server answers a trivial endpoint
(``GET /healthz``): the baseline. Reported: both, and their ratio. Then a short step
search finds the highest rate whose card p99 stays under the target.

Goal (issue 5): card p99 < 50 ms while sustaining 300 requests/s on this 2-core machine.

Everything is bounded: loopback only, a fixed number of requests per phase, and a
deadline for each phase. Run: ``.venv/bin/python bench/bench_cds.py [--rate 300]
[--seconds 10] [--workers 2]``; ``BENCH_UVICORN_ARGS="--http h11"`` passes extra options to
uvicorn.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.ehr_harness import SERVICE_PATH, Ehr, full_prefetch, hook_request  # noqa: E402

HOST = "127.0.0.1"
TARGET_P99_MS = 50.0
TARGET_RATE = 300.0
CONNECTIONS = 32
PHASE_DEADLINE_S = 60.0


@dataclass
class Phase:
    name: str
    rate: float
    sent: int
    ok: int
    errors: int
    latencies_ms: list[float]
    wall_s: float
    server_cpu_s: float

    def pct(self, q: float) -> float:
        if not self.latencies_ms:
            return float("nan")
        xs = sorted(self.latencies_ms)
        return xs[min(len(xs) - 1, int(q * len(xs)))]

    @property
    def achieved(self) -> float:
        return self.ok / self.wall_s if self.wall_s else 0.0

    def row(self) -> str:
        cpu_ms = 1000 * self.server_cpu_s / max(self.ok, 1)
        return (f"| {self.name} | {self.rate:.0f} | {self.achieved:.0f} | {self.errors} | "
                f"{self.pct(0.50):.1f} | {self.pct(0.90):.1f} | {self.pct(0.99):.1f} | "
                f"{max(self.latencies_ms, default=float('nan')):.1f} | {cpu_ms:.2f} |")


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process and its children still running (Linux /proc), in s."""
    total = 0.0
    for p in [pid, *_children(pid)]:
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def _children(pid: int) -> list[int]:
    try:
        found = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return []
    return [int(c) for c in found]


def start_server(tmp: Path, ehr: Ehr, port: int, workers: int) -> subprocess.Popen[bytes]:
    (tmp / "jwks.json").write_text(json.dumps(ehr.jwks()))
    (tmp / "allnav.toml").write_text(
        f'[server]\nbase_url = "http://{HOST}:{port}"\n\n'
        f'[[issuers]]\niss = "{ehr.iss}"\njwks_file = "jwks.json"\n')
    # What `allnav serve --workers N` runs, without importing every CLI command.
    cmd = [sys.executable, "-m", "uvicorn", "allnav.web.app:app_from_environment", "--factory",
           "--host", HOST, "--port", str(port), "--workers", str(workers), "--no-server-header",
           "--log-level", "info", *os.environ.get("BENCH_UVICORN_ARGS", "").split()]
    env = {**os.environ, "ALLNAV_CONFIG": str(tmp / "allnav.toml"),
           "ALLNAV_JTI_STORE": str(tmp / "jti.sqlite3") if workers > 1 else ""}
    log = (tmp / "server.log").open("wb")
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT, env=env)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((HOST, port), timeout=0.5):
                time.sleep(1.0 if workers > 1 else 0)  # let every worker come up
                return proc
        except OSError:
            if proc.poll() is not None:
                break
            time.sleep(0.1)
    proc.kill()
    raise SystemExit(f"the server did not start; see {tmp / 'server.log'}:\n"
                     + (tmp / "server.log").read_text()[-2000:])


def request_bytes(method: str, path: str, port: int, token: str | None = None,
                  body: bytes = b"") -> bytes:
    head = [f"{method} {path} HTTP/1.1", f"Host: {HOST}:{port}"]
    if token:
        head.append(f"Authorization: Bearer {token}")
    if body:
        head += ["Content-Type: application/json", f"Content-Length: {len(body)}"]
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


async def read_response(reader: asyncio.StreamReader) -> int:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    length = 0
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "content-length":
            length = int(value)
    if length:
        await reader.readexactly(length)
    return status


async def run_phase(name: str, port: int, rate: float, requests: list[bytes], expect: int,
                    pid: int) -> Phase:
    """Send ``requests`` at ``rate`` per second (open loop); bounded by PHASE_DEADLINE_S."""
    conns: asyncio.Queue[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = asyncio.Queue()
    for _ in range(CONNECTIONS):
        conns.put_nowait(await asyncio.open_connection(HOST, port))
    latencies: list[float] = []
    errors = 0
    loop = asyncio.get_running_loop()
    cpu0 = cpu_seconds(pid)
    start = loop.time() + 0.05

    async def one(i: int, data: bytes) -> None:
        nonlocal errors
        scheduled = start + i / rate
        delay = scheduled - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        reader, writer = await conns.get()
        try:
            writer.write(data)
            status = await read_response(reader)
            if status == expect:
                latencies.append((loop.time() - scheduled) * 1000)
            else:
                errors += 1
        except (OSError, asyncio.IncompleteReadError):
            errors += 1
            reader, writer = await asyncio.open_connection(HOST, port)
        finally:
            conns.put_nowait((reader, writer))

    tasks = [asyncio.create_task(one(i, d)) for i, d in enumerate(requests)]
    _done, pending = await asyncio.wait(tasks, timeout=PHASE_DEADLINE_S)
    for t in pending:
        t.cancel()
    wall = loop.time() - start
    cpu = cpu_seconds(pid) - cpu0
    while not conns.empty():
        _, writer = conns.get_nowait()
        writer.close()
    return Phase(name, rate, len(requests), len(latencies), errors + len(pending), latencies,
                 wall, cpu)


def stage_breakdown(ehr: Ehr, body: bytes) -> list[tuple[str, float]]:
    """CPU ms per stage of one card request, in this process (median of 5 runs)."""
    from tests.ehr_harness import AS_OF, BASE, PATIENT_ID, USER_ID

    from allnav.engine import assess
    from allnav.interop.fhir import facts_from_resources
    from allnav.pathway import load_pathway
    from allnav.web.cards import assessment_cards
    from allnav.web.cds_models import CdsRequest
    from allnav.web.jwt_auth import JwtVerifier
    from allnav.web.prefetch import gather, mentions_all

    settings = ehr.settings()
    pathway = load_pathway()
    loop = asyncio.new_event_loop()
    verifier = JwtVerifier(settings)
    tokens = iter([ehr.token(BASE + SERVICE_PATH) for _ in range(5 * 20)])
    parsed = json.loads(body)
    req = CdsRequest.model_validate(parsed)
    data = loop.run_until_complete(gather(req, settings))
    facts, problems = facts_from_resources(data.resources, AS_OF)
    result = assess(pathway, facts, AS_OF, problems)
    cards = assessment_cards(result, pathway, base_url=BASE, patient_id=PATIENT_ID, user_id=USER_ID)
    stages = [
        ("parse the JSON body", lambda: json.loads(body)),
        ("verify the JWT (ES384)", lambda: loop.run_until_complete(verifier.verify(next(tokens),
                                                                                   BASE + SERVICE_PATH))),
        ("check the request shape", lambda: CdsRequest.model_validate(parsed)),
        ("gather prefetch + ALL check", lambda: (loop.run_until_complete(gather(req, settings)),
                                                 mentions_all(data.resources))),
        ("FHIR -> facts (interop)", lambda: facts_from_resources(data.resources, AS_OF)),
        ("assess", lambda: assess(pathway, facts, AS_OF, problems)),
        ("build cards", lambda: assessment_cards(result, pathway, base_url=BASE, patient_id=PATIENT_ID,
                                                 user_id=USER_ID)),
        ("serialise the response", lambda: json.dumps({"cards": cards})),
    ]
    out = []
    for name, fn in stages:
        runs = []
        for _ in range(5):
            start = time.process_time()
            for _ in range(20):
                fn()
            runs.append((time.process_time() - start) / 20 * 1000)
        out.append((name, sorted(runs)[2]))
    loop.close()
    return out


def card_requests(ehr: Ehr, port: int, n: int, body: bytes) -> list[bytes]:
    aud = f"http://{HOST}:{port}{SERVICE_PATH}"
    return [request_bytes("POST", SERVICE_PATH, port, ehr.token(aud), body) for _ in range(n)]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rate", type=float, default=TARGET_RATE)
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--workers", type=int, default=1, help="server worker processes")
    ap.add_argument("--no-search", action="store_true", help="skip the step search")
    args = ap.parse_args()
    ehr = Ehr()
    prefetch = full_prefetch(188)
    resources = sum(len(v["entry"]) if v.get("resourceType") == "Bundle" else 1 for v in prefetch.values())
    body = json.dumps(hook_request(prefetch)).encode()
    n = int(args.rate * args.seconds)
    stages = stage_breakdown(ehr, body)
    with tempfile.TemporaryDirectory() as d:
        port = free_port()
        proc = start_server(Path(d), ehr, port, args.workers)
        try:
            print(f"server: allnav serve --workers {args.workers}; "
                  f"prefetch: {resources} resources, {len(body) / 1024:.0f} KiB per request; "
                  f"{CONNECTIONS} keep-alive connections; signing {n + int(args.rate * 2)} JWTs...",
                  flush=True)
            warm = card_requests(ehr, port, int(args.rate * 2), body)
            cards = card_requests(ehr, port, n, body)
            health = [request_bytes("GET", "/healthz", port)] * n
            phases = [
                asyncio.run(run_phase("warm-up (cards)", port, args.rate, warm, 200, proc.pid)),
                asyncio.run(run_phase("baseline GET /healthz", port, args.rate, health, 200, proc.pid)),
                asyncio.run(run_phase("cards POST patient-view", port, args.rate, cards, 200, proc.pid)),
            ]
            search: list[Phase] = []
            if not args.no_search:
                for rate in (50, 100, 150, 200, 250, 300):
                    k = int(rate * 4)
                    p = asyncio.run(run_phase("cards (step)", port, rate,
                                              card_requests(ehr, port, k, body), 200, proc.pid))
                    search.append(p)
                    if p.pct(0.99) > 4 * TARGET_P99_MS or p.errors:
                        break
        finally:
            proc.terminate()
            proc.wait(timeout=10)
    print("\n| phase | rate /s | achieved /s | errors | p50 ms | p90 ms | p99 ms | max ms | server CPU ms/req |")
    print("|---|---|---|---|---|---|---|---|---|")
    for p in phases[1:] + search:
        print(p.row())
    print("\n| stage of one card request (in process) | CPU ms |\n|---|---|")
    for name, ms in stages:
        print(f"| {name} | {ms:.2f} |")
    print(f"| total | {sum(ms for _, ms in stages):.2f} |")
    base, card = phases[1], phases[2]
    ratio = card.pct(0.99) / base.pct(0.99)
    print(f"\ncard p99 / baseline p99 = {card.pct(0.99):.1f} / {base.pct(0.99):.1f} ms = {ratio:.1f}x")
    print(f"card p50 / baseline p50 = {card.pct(0.5):.1f} / {base.pct(0.5):.1f} ms "
          f"= {card.pct(0.5) / base.pct(0.5):.1f}x")
    good = [p.rate for p in search if p.pct(0.99) < TARGET_P99_MS and not p.errors]
    if good:
        print(f"highest stepped rate with card p99 < {TARGET_P99_MS:.0f} ms: {max(good):.0f}/s")
    met = card.pct(0.99) < TARGET_P99_MS and card.achieved >= 0.98 * args.rate and not card.errors
    print(f"goal (p99 < {TARGET_P99_MS:.0f} ms at {args.rate:.0f}/s): {'met' if met else 'NOT met'}; "
          f"load average {os.getloadavg()[0]:.2f}; median server CPU per card "
          f"{1000 * card.server_cpu_s / max(card.ok, 1):.2f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
