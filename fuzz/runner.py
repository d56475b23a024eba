"""Running one call under a budget: a forked worker with a memory limit, killed when it
uses more CPU time than allowed (read from /proc, so a loaded machine does not count).
A hang or a runaway allocation becomes a finding instead of stopping the run."""

from __future__ import annotations

import multiprocessing as mp
import os
import resource
import time
import traceback
import warnings
from dataclasses import dataclass
from pathlib import Path

from bibun.errors import BibunError

MEMORY = 2 << 30  # bytes of address space a call may reach


@dataclass(frozen=True)
class Outcome:
    """``kind`` is "ok", "bibun" (one of bibun's errors), "raw" (any other exception),
    "timeout" or "memory"; ``detail`` names the exception and where it came from."""

    kind: str
    detail: str = ""

    @property
    def broken(self) -> bool:
        return self.kind not in ("ok", "bibun")


def _mapped() -> int:
    """Bytes of address space this process maps now (VmSize), 0 where /proc is absent."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmSize:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _serve(conn) -> None:  # pragma: no cover - runs in the child
    from fuzz.targets import TARGETS

    # on top of what the process already maps: a worker forked from a pytest process that
    # imported torch or JAX starts with gigabytes of address space reserved
    limit = _mapped() + MEMORY
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    while True:
        msg = conn.recv()
        if msg is None:
            return
        target, text = msg
        try:
            with warnings.catch_warnings():
                if target != "cli":  # an API may warn; the CLI's stderr is judged whole
                    warnings.simplefilter("ignore")
                TARGETS[target](text)
            conn.send(Outcome("ok"))
        except BibunError as exc:
            conn.send(Outcome("bibun", type(exc).__name__))
        except MemoryError:
            conn.send(Outcome("memory", "MemoryError"))
        except RecursionError:
            conn.send(Outcome("raw", "RecursionError"))
        except Exception as exc:
            if type(exc).__name__ == "Broken":  # a check of fuzz.cli: it names the bug
                conn.send(Outcome("raw", str(exc)))
                continue
            frame = traceback.extract_tb(exc.__traceback__)[-1]
            where = f"{frame.filename.rsplit('/src/', 1)[-1]}:{frame.lineno}"
            conn.send(Outcome("raw", f"{type(exc).__name__} at {where}: {str(exc)[:120]}"))


class Runner:
    """A worker process reused across calls and replaced after a timeout."""

    def __init__(self, seconds: float = 5.0):
        self.seconds = seconds
        # forkserver: a fresh process forks the workers, so none inherits the threads of a
        # parent that imported JAX or torch (fork there can deadlock)
        self._ctx = mp.get_context("forkserver")
        self._start()

    def _start(self) -> None:
        self.conn, child = self._ctx.Pipe()
        self.proc = self._ctx.Process(target=_serve, args=(child,), daemon=True)
        self.proc.start()

    def _cpu(self) -> float:
        """CPU seconds the worker has used (user + system), from /proc."""
        try:
            fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            return float("inf")
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def run(self, target: str, text: str) -> Outcome:
        """One call; a timeout is the worker spending more than ``seconds`` of CPU time
        on it (on a loaded machine wall time would blame the neighbours), or ten times
        that in wall time (a call that sleeps or waits)."""
        self.conn.send((target, text))
        start, wall = self._cpu(), time.monotonic()
        while True:
            if self.conn.poll(min(0.25, self.seconds)):
                try:
                    return self.conn.recv()
                except EOFError:
                    break
            if (self._cpu() - start > self.seconds
                    or time.monotonic() - wall > 10 * self.seconds):
                break
        self.proc.kill()
        self.proc.join()
        code = self.proc.exitcode
        self._start()
        if code not in (None, -9):
            return Outcome("memory", f"worker died (exit code {code})")
        return Outcome("timeout", f"over {self.seconds:g} s")

    def close(self) -> None:
        self.conn.send(None)
        self.proc.join(1)
        if self.proc.is_alive():
            self.proc.kill()
