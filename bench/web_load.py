"""Bounded load test of the web workbench on loopback.

50 concurrent clients for 20 s (by default) send a mix of cheap requests (derivatives,
three-way checks, plot samples, tangents of the seeds' formulas) and pathological ones
(a derivative that explodes, 9^9^9^9, ``__import__('os')``, 100,000 parentheses, a
binary body).  The pathological formulas are made unique per request, so the server's
"known too slow" cache cannot answer them for free: every one costs real compute.

Reported: errors on valid requests (must be 0), latency percentiles of the cheap ones,
how the pathological ones were answered (all 4xx, how fast), throughput, whether the
server still answers afterwards, the CPU seconds the load generator itself used, and
the load average before and after.

The clients speak HTTP/1.1 over asyncio streams (:class:`RawClient`, keep-alive, no
compression), not httpx: on the 2-core machine httpx's async connection pool spent about
5 ms of CPU per request, more than the server (about 2 ms in its event loop plus the
worker's), so the measuring client took the CPU the server was being measured on and its
own event loop lag showed up as "latency" (50 clients at 57-73 requests per second, p50
0.4-0.6 s even with no pathological request at all).  ``--client httpx`` runs the old one.

    python -m bench.web_load                    # starts `bibun serve` on a free port
    python -m bench.web_load --url http://127.0.0.1:8000 --clients 50 --duration 20
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import socket
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx

CHEAP_FORMULAS = ["(x^3+1)^2", "1/(x^3+1)", "sigmoid(x)", "tanh(x)", "0.01x^2+0.1x",
                  "(2x+3)^2", "e^x", "sin(x)cos(x)", "(x^2+3x+1)^4", "a^x", "x^2+y^2"]


def cheap_request(rng: random.Random) -> tuple[str, dict[str, Any]]:
    """A request a learner's page sends; varied so the result cache does not answer all."""
    f = rng.choice(CHEAP_FORMULAS)
    k = rng.randint(1, 9)
    f = f.replace("1", str(k), 1) if "1" in f else f
    x = round(rng.uniform(0.05, 2), 2)  # away from the poles of 1/(x^3+k)
    kind = rng.random()
    if "y" in f:
        return "diff", {"expr": f, "var": "x", "at": {"x": x, "y": 1.0}}
    if "a^x" in f:
        return "diff", {"expr": f, "var": "x"}
    if kind < 0.4:
        return "diff", {"expr": f, "steps": rng.random() < 0.3, "lang": rng.choice(["en", "ja"]),
                        "at": {"x": x}}
    if kind < 0.6:
        return "verify", {"expr": f, "at": x}
    if kind < 0.8:
        return "sample", {"expr": f, "lo": -3, "hi": 3, "n": 201}
    return "tangent", {"expr": f, "at": x}


def hostile_request(rng: random.Random, n: int) -> tuple[str, Any, str]:
    """(endpoint, body, label); bodies are unique so no cache can short-cut them."""
    kind = rng.choice(["explode", "explode", "power", "import", "parens", "binary", "huge"])
    if kind == "explode":  # exceeds the compute budget: the worker is killed
        inner = f"x+{n}"
        return "diff", {"expr": "sin(" * 800 + inner + ")" * 800, "order": 3}, kind
    if kind == "power":
        return "diff", {"expr": f"9^9^9^{9 + n % 5} + {n}"}, kind
    if kind == "import":
        return "diff", {"expr": f"__import__('os').system('echo {n}')"}, kind
    if kind == "parens":
        return "diff", {"expr": "(" * 100_000 + "x" + ")" * 100_000}, kind
    if kind == "binary":
        return "diff", bytes(rng.randrange(256) for _ in range(512)), kind
    return "diff", {"expr": "x+" * 6000 + str(n)}, kind


class RawClient:
    """One keep-alive HTTP/1.1 connection over asyncio streams; reconnects when the server
    closed it (it does after refusing a body it did not read)."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    def _drop(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None

    async def post(self, path: str, body: bytes) -> tuple[int, bytes]:
        head = (f"POST {path} HTTP/1.1\r\nhost: {self.host}\r\ncontent-type: "
                f"application/json\r\ncontent-length: {len(body)}\r\n\r\n").encode()
        for attempt in (0, 1):
            if self.writer is None:
                self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
            assert self.reader is not None
            try:
                self.writer.write(head + body)
                await self.writer.drain()
                line = await self.reader.readline()
                if not line:
                    raise ConnectionResetError("closed by the server")
                status, length, close = int(line.split()[1]), 0, False
                while (h := await self.reader.readline()) not in (b"\r\n", b""):
                    name, _, value = h.partition(b":")
                    name = name.strip().lower()
                    if name == b"content-length":
                        length = int(value)
                    elif name == b"connection" and b"close" in value.lower():
                        close = True
                data = await self.reader.readexactly(length)
                if close:
                    self._drop()
                return status, data
            except (ConnectionError, asyncio.IncompleteReadError):
                self._drop()
                if attempt:
                    raise
        raise AssertionError("unreachable")

    async def close(self) -> None:
        self._drop()


def percentile(xs: list[float], p: float) -> float:
    if not xs:
        return float("nan")
    s = sorted(xs)
    return s[min(len(s) - 1, max(0, round(p / 100 * (len(s) - 1))))]


async def client(c: httpx.AsyncClient | None, base: str, until: float, seed: int,
                 hostile_share: float, out: dict[str, list]) -> None:
    rng = random.Random(seed)
    raw = None
    if c is None:
        url = httpx.URL(base)
        raw = RawClient(url.host, url.port or 80)
    n = seed * 1_000_000
    while time.monotonic() < until:
        n += 1
        if rng.random() < hostile_share:
            path, body, label = hostile_request(rng, n)
            valid = False
        else:
            path, body = cheap_request(rng)
            label, valid = path, True
        t0 = time.monotonic()
        try:
            if raw is not None:
                data = body if isinstance(body, bytes) else json.dumps(body).encode()
                status, text = await raw.post(f"/api/{path}", data)
                if valid and status != 200 and len(out["samples"]) < 10:
                    out["samples"].append({"request": body, "status": status,
                                           "response": text[:300].decode(errors="replace")})
            elif isinstance(body, bytes):
                r = await c.post(f"{base}/api/{path}", content=body,
                                 headers={"content-type": "application/json"})
            else:
                r = await c.post(f"{base}/api/{path}", json=body)
            if raw is None:
                status = r.status_code
                if valid and status != 200 and len(out["samples"]) < 10:
                    out["samples"].append({"request": body, "status": status,
                                           "response": r.text[:300]})
        except (httpx.HTTPError, OSError, asyncio.IncompleteReadError) as exc:
            status = f"{type(exc).__name__}"
        dt = time.monotonic() - t0
        (out["valid"] if valid else out["hostile"]).append((label, status, dt))
    if raw is not None:
        await raw.close()


async def run(base: str, clients: int, duration: float, hostile_share: float,
              kind: str = "raw") -> dict[str, Any]:
    out: dict[str, list] = {"valid": [], "hostile": [], "samples": []}
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    load_before = os.getloadavg()[0]
    async with httpx.AsyncClient(timeout=30, limits=limits) as c:
        until = time.monotonic() + duration
        t0 = time.monotonic()
        cpu0 = time.process_time()
        await asyncio.gather(*(client(c if kind == "httpx" else None, base, until, i + 1,
                                      hostile_share, out) for i in range(clients)))
        wall = time.monotonic() - t0
        client_cpu = time.process_time() - cpu0
        t1 = time.monotonic()
        after = await c.post(f"{base}/api/diff", json={"expr": "(x^3+1)^2"})
        after_ms = (time.monotonic() - t1) * 1000
        health = (await c.get(f"{base}/api/health")).json()
    valid, hostile = out["valid"], out["hostile"]
    lat = [dt * 1000 for _, s, dt in valid if s == 200]
    errors = Counter(str(s) for _, s, _ in valid if s != 200)
    h_codes = Counter(f"{label}:{s}" for label, s, _ in hostile)
    h_lat = [dt * 1000 for _, _, dt in hostile]
    refused = [dt * 1000 for label, _, dt in hostile if label != "explode"]
    h5xx = [1 for _, s, _ in hostile if not isinstance(s, int) or s >= 500]
    return {
        "clients": clients, "client": kind, "duration_s": round(wall, 1),
        "hostile_share": hostile_share, "client_cpu_s": round(client_cpu, 2),
        "load_average": {"before": round(load_before, 2), "after": round(os.getloadavg()[0], 2)},
        "valid_requests": len(valid), "valid_errors": sum(errors.values()),
        "valid_error_kinds": dict(errors), "valid_error_samples": out["samples"],
        "cheap_latency_ms": {"p50": round(percentile(lat, 50), 1),
                             "p95": round(percentile(lat, 95), 1),
                             "p99": round(percentile(lat, 99), 1),
                             "max": round(max(lat), 1) if lat else None},
        "throughput_rps": round((len(valid) + len(hostile)) / wall, 1),
        "hostile_requests": len(hostile), "hostile_5xx_or_failed": len(h5xx),
        "hostile_outcomes": dict(sorted(h_codes.items())),
        "hostile_latency_ms": {"p50": round(percentile(h_lat, 50), 1),
                               "p95": round(percentile(h_lat, 95), 1),
                               "p99": round(percentile(h_lat, 99), 1),
                               "max": round(max(h_lat), 1) if h_lat else None},
        # refused without computing (not a formula, too large, binary): must not queue
        # behind the slow lane; "explode" is the kind that runs into the budget
        "refused_latency_ms": {q: round(percentile(refused, p), 1)
                               for q, p in (("p50", 50), ("p95", 95), ("p99", 99))},
        "refused_by_kind_p95_ms": {k: round(percentile(
            [dt * 1000 for label, _, dt in hostile if label == k], 95), 1)
            for k in sorted({label for label, _, _ in hostile})},
        "after": {"status": after.status_code, "ms": round(after_ms, 1)},
        "server_stats": health.get("stats"), "worker_restarts": health.get("restarts"),
    }


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server() -> tuple[subprocess.Popen, str]:
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-c", "import sys; from bibun.cli import main; "
                               f"sys.exit(main(['serve', '--port', '{port}']))"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=dict(os.environ))
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/api/health", timeout=1).status_code == 200:
                return proc, base
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit("bibun serve did not start")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--url", help="an already running server (default: start one)")
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--duration", type=float, default=20.0)
    ap.add_argument("--hostile", type=float, default=0.1,
                    help="share of pathological requests (default 0.1)")
    ap.add_argument("--json", type=Path, help="also write the report here")
    ap.add_argument("--client", choices=["raw", "httpx"], default="raw",
                    help="raw: HTTP/1.1 over asyncio streams (default, light); httpx: the "
                         "heavier client of earlier runs")
    args = ap.parse_args(argv)
    if not (1 <= args.clients <= 200 and 1 <= args.duration <= 120):
        raise SystemExit("keep it bounded: 1-200 clients, 1-120 s")
    proc = None
    base = args.url
    if base is None:
        proc, base = start_server()
    try:
        report = asyncio.run(run(base.rstrip("/"), args.clients, args.duration, args.hostile,
                                 args.client))
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(timeout=10)
    print(json.dumps(report, indent=2))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, indent=2))
    ok = report["valid_errors"] == 0 and report["hostile_5xx_or_failed"] == 0 \
        and report["after"]["status"] == 200
    print(f"valid errors: {report['valid_errors']}, cheap p95/p99: "
          f"{report['cheap_latency_ms']['p95']}/{report['cheap_latency_ms']['p99']} ms, refused"
          f" p95: {report['refused_latency_ms']['p95']} ms, hostile 5xx: "
          f"{report['hostile_5xx_or_failed']} -> {'OK' if ok else 'FAIL'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
