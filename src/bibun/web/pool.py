"""A pool of worker processes with a hard per-task deadline.

Why processes and not threads: Python cannot interrupt a thread that is busy inside a
computation, so a formula whose derivative explodes (``sin(sin(…sin(x)…))`` a thousand
deep, third order) would keep a core busy long after its request gave up.  A process
can be killed.  Each worker runs one task at a time; when a task overruns its budget
the worker is killed and replaced, and the request gets a clear 4xx.  Other requests
are served meanwhile by the other workers.

Why two lanes: every task first runs in the *fast* lane with a short budget of CPU
time.  Almost every real formula finishes there in milliseconds.  A task that overruns
it is killed and retried in the *slow* lane (one low-priority worker) with the rest of
the request's budget, as wall time.  A burst of pathological formulas then costs the
fast lane a tenth of a second of CPU each and queues in the slow lane, while cheap
requests keep flowing through the fast lane.

Why a third, *quick* lane: the page asks twice for each state, first for what the learner
looks at (the derivative and its value at the point: a few milliseconds of work) and
then for everything else (plot, steps, graph, descent...).  The first answer must never
queue behind the second kind, nor behind the computations of requests the page has
already given up on (a cancelled fetch does not stop its worker), so it has workers of
its own; when they are busy it borrows an idle fast worker rather than wait.

Why CPU time in the fast lane: under load a cheap formula may wait for a core; it must
not be killed for the server's business, only for its own cost.

Workers fork from a forkserver that has imported and warmed up everything
(:mod:`bibun.web.preload`), so a replacement for a killed worker is ready at once and
answers its first request as fast as an old one.

The pool is synchronous (threads block on pipes) on purpose: it does not depend on any
event loop, so it works the same under uvicorn, Starlette's TestClient and schemathesis,
and the ASGI handlers call it through ``anyio.to_thread``.
"""

from __future__ import annotations

import contextlib
import multiprocessing as mp
import os
import queue
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

#: address space per worker; a formula that would allocate more gets a MemoryError (a 4xx)
#: instead of pushing the machine into swap
WORKER_MEMORY_BYTES = 2 * 1024**3


_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _cpu_seconds(pid: int | None) -> float | None:
    """User + system CPU time of a process, from /proc (None where there is no /proc)."""
    if pid is None:
        return None
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            fields = fh.read().rsplit(b")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / _TICKS


class BudgetExceeded(Exception):
    """The task did not finish within its compute budget (the worker was killed)."""


class Busy(Exception):
    """No worker became free in time: the server is saturated."""


class WorkerCrashed(Exception):
    """The worker died while computing (out of memory, a signal)."""


def _limit_resources() -> None:
    """Run inside a fresh worker: cap memory and keep BLAS single-threaded."""
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (WORKER_MEMORY_BYTES, WORKER_MEMORY_BYTES))
    except (ImportError, ValueError, OSError):  # pragma: no cover - non-POSIX or locked down
        pass


def _serve(conn: Connection, nice: int = 0) -> None:
    """Worker main loop: receive (task, payload), send back ("ok"|"error", data)."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the server's, not ours
    _limit_resources()
    if nice:
        with contextlib.suppress(OSError, AttributeError):
            os.nice(nice)
    from bibun.web.page import run_task  # the tasks, with the page's batch registered

    while True:
        try:
            task, payload = conn.recv()
        except (EOFError, OSError):
            return
        result = run_task(task, payload)
        try:
            conn.send(result)
        except (BrokenPipeError, OSError):
            return


@dataclass
class _Worker:
    process: Any
    conn: Connection

    def kill(self) -> None:
        with contextlib.suppress(Exception):  # already gone
            self.process.kill()
            self.process.join(timeout=2)
        with contextlib.suppress(OSError):
            self.conn.close()


def _context() -> Any:
    """forkserver: workers fork from a small clean server that has bibun preloaded, so a
    replacement for a killed worker starts in milliseconds, and we never fork the
    multi-threaded web server itself."""
    if "forkserver" in mp.get_all_start_methods():
        ctx = mp.get_context("forkserver")
        ctx.set_forkserver_preload(["bibun.web.preload"])
        return ctx
    return mp.get_context("spawn")  # pragma: no cover - Windows


class WorkerPool:
    """``size`` worker processes; :meth:`run` gives each task at most ``budget`` seconds."""

    def __init__(self, size: int, name: str = "pool", nice: int = 0) -> None:
        self.size = size
        self.name = name
        self.nice = nice
        self._ctx = _context()
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._lock = threading.Lock()
        self._all: set[int] = set()
        self._closed = False
        self.restarts = 0
        os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
        os.environ.setdefault("OMP_NUM_THREADS", "1")
        for _ in range(size):
            self._idle.put(self._spawn())

    def _spawn(self) -> _Worker:
        parent, child = self._ctx.Pipe(duplex=True)
        proc = self._ctx.Process(target=_serve, args=(child, self.nice), daemon=True,
                                 name=f"bibun-{self.name}")
        proc.start()
        child.close()
        w = _Worker(proc, parent)
        with self._lock:
            self._all.add(id(w))
        return w

    def _replace(self, w: _Worker) -> None:
        """Kill a worker that overran or died and put a fresh one in its place."""
        w.kill()
        with self._lock:
            self._all.discard(id(w))
            self.restarts += 1
        if not self._closed:
            self._idle.put(self._spawn())

    def run(self, task: str, payload: dict[str, Any], cpu: float, wall: float,
            wait: float = 30.0, shared: bool = False) -> Any:
        """Run ``task`` in a worker; BudgetExceeded once it has used ``cpu`` seconds of
        CPU time or ``wall`` seconds of wall time.

        CPU time is the measure of a formula's cost: under load a cheap formula may wait
        for a core, and must not be killed for the server's business.  The wall limit
        keeps a request from hanging whatever happens.  ``wait`` bounds the time spent
        waiting for a free worker; with ``shared`` that wait counts against ``wall``.
        """
        t0 = time.monotonic()
        try:
            w = self._idle.get(timeout=wait)
        except queue.Empty:
            raise Busy(f"all {self.size} {self.name} workers busy for {wait:.1f} s") from None
        if shared:
            wall = max(0.01, wall - (time.monotonic() - t0))
        healthy = False
        try:
            if not w.process.is_alive():
                raise WorkerCrashed("worker was not running")
            w.conn.send((task, payload))
            if not self._wait(w, cpu, wall):
                raise BudgetExceeded(f"{task} took longer than {cpu:.2f} s of CPU")
            result = w.conn.recv()
            healthy = True
            return result
        except (EOFError, BrokenPipeError, ConnectionResetError) as exc:
            raise WorkerCrashed(f"the worker stopped while computing {task}") from exc
        finally:
            if healthy:
                self._idle.put(w)
            else:
                self._replace(w)

    def _wait(self, w: _Worker, cpu: float, wall: float) -> bool:
        """Wait for the answer; False when the CPU or the wall limit is reached."""
        start_cpu = _cpu_seconds(w.process.pid)
        if start_cpu is None:  # no /proc: wall time is all we can measure
            return w.conn.poll(min(cpu, wall))
        wall_end = time.monotonic() + wall
        step = min(0.05, cpu / 4)
        while True:
            if w.conn.poll(step):
                return True
            used = _cpu_seconds(w.process.pid)
            if used is None or used - start_cpu >= cpu or time.monotonic() >= wall_end:
                return w.conn.poll(0)

    def close(self) -> None:
        """Stop every worker (idle ones now; busy ones are killed when they come back)."""
        self._closed = True
        while True:
            try:
                w = self._idle.get_nowait()
            except queue.Empty:
                break
            w.kill()


class Compute:
    """The two lanes plus two small caches.

    ``results`` remembers answers (the page asks for the same plot repeatedly as a point
    is dragged); ``too_slow`` remembers fingerprints of requests that overran the whole
    budget, so repeating a pathological formula costs nothing the second time.
    """

    def __init__(self, fast_workers: int = 2, slow_workers: int = 1,
                 fast_budget: float = 0.1, total_budget: float = 1.6,
                 cache_size: int = 512, wall_limit: float = 10.0,
                 quick_workers: int = 2) -> None:
        self.fast = WorkerPool(fast_workers, "fast")
        self.quick = WorkerPool(quick_workers, "quick")
        # the slow lane runs at a lower priority: a long computation only gets the CPU
        # the cheap requests leave over
        self.slow = WorkerPool(slow_workers, "slow", nice=10)
        self.fast_budget = fast_budget
        self.total_budget = total_budget
        self.wall_limit = wall_limit
        self.results: OrderedDict[tuple, Any] = OrderedDict()
        self.too_slow: OrderedDict[tuple, None] = OrderedDict()
        self.cache_size = cache_size
        self._lock = threading.Lock()
        self.stats = {"tasks": 0, "cache_hits": 0, "escalated": 0, "over_budget": 0}

    def _remember(self, store: OrderedDict, key: tuple, value: Any) -> None:
        with self._lock:
            store[key] = value
            store.move_to_end(key)
            while len(store) > self.cache_size:
                store.popitem(last=False)

    def _first_lane(self, task: str, payload: dict[str, Any], lane: str) -> Any:
        """Run in the fast lane; ``lane="quick"`` runs in the quick lane's workers, or in an
        idle fast worker when both quick ones are busy (waiting only when none is idle)."""
        if lane == "quick":
            for pool in (self.quick, self.fast):
                with contextlib.suppress(Busy):
                    return pool.run(task, payload, cpu=self.fast_budget, wall=self.wall_limit,
                                    wait=0.0)
            return self.quick.run(task, payload, cpu=self.fast_budget, wall=self.wall_limit)
        return self.fast.run(task, payload, cpu=self.fast_budget, wall=self.wall_limit)

    def run(self, task: str, payload: dict[str, Any], lane: str = "fast") -> Any:
        """Result of ``task``; BudgetExceeded if it cannot finish within the budget.
        ``lane`` is "fast" or "quick" (the page's first answer, see the module docstring)."""
        key = (task, _freeze(payload))
        with self._lock:
            self.stats["tasks"] += 1
            if key in self.results:
                self.stats["cache_hits"] += 1
                self.results.move_to_end(key)
                return self.results[key]
            slow_before = key in self.too_slow
        if slow_before:
            raise BudgetExceeded("this request overran the compute budget before")
        t0 = time.monotonic()
        try:
            result = self._first_lane(task, payload, lane)
        except BudgetExceeded:
            with self._lock:
                self.stats["escalated"] += 1
            left = self.total_budget - self.fast_budget
            start = time.monotonic()
            # the answer is due total_budget (+ a little) after the request started, even
            # if the fast lane was slowed down by other work
            wall = max(0.1, min(left, t0 + self.total_budget + 0.2 - start))
            try:
                result = self.slow.run(task, payload, cpu=left, wall=wall, wait=wall,
                                       shared=True)
            except Busy:
                # the slow lane is full of other expensive requests: refuse this one
                # without branding it as too slow (it never got its chance)
                with self._lock:
                    self.stats["over_budget"] += 1
                raise BudgetExceeded(f"{task} needs more than {self.fast_budget:.1f} s and"
                                     " the lane for long computations is busy") from None
            except BudgetExceeded:
                with self._lock:
                    self.stats["over_budget"] += 1
                self._remember(self.too_slow, key, None)
                raise BudgetExceeded(f"{task} needs more than {self.total_budget:.1f} s"
                                     f" ({time.monotonic() - start:.1f} s in the slow lane)") \
                    from None
        if result[0] == "ok":
            self._remember(self.results, key, result)
        return result

    def close(self) -> None:
        self.fast.close()
        self.quick.close()
        self.slow.close()


def _freeze(x: Any) -> Any:
    """A hashable fingerprint of a JSON-like payload."""
    if isinstance(x, dict):
        return tuple(sorted((k, _freeze(v)) for k, v in x.items()))
    if isinstance(x, list | tuple):
        return tuple(_freeze(v) for v in x)
    return x
