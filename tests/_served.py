"""A server under test in its own process, as deployed: a state folder of its own (its disk), its log in
that folder, ready when a condition holds (by default /api/health answers), stopped gracefully."""
from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path
from typing import Callable

import httpx

from _browser import free_port

ROOT = Path(__file__).resolve().parent.parent


class ServedProcess:
    def __init__(self, state: Path, port: int | None = None) -> None:
        self.state = state
        self.port = port or free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None
        state.mkdir(parents=True, exist_ok=True)

    def launch(self, cmd: list[str], env: dict[str, str]) -> None:
        """Start `cmd` with this server's state folder and `env` on top of an environment without any
        ASSISTANT_ setting of the test run's own."""
        full = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
        full.update(ASSISTANT_CACHE=str(self.state), PYTHONUNBUFFERED="1", **env)
        self.log = open(self.state / f"server-{time.time_ns()}.log", "wb")
        self.proc = subprocess.Popen(cmd, cwd=ROOT, env=full, stdout=self.log, stderr=subprocess.STDOUT)

    def pids(self, tries: int = 30) -> set[int]:
        """Worker pids seen on `tries` fresh connections (the kernel hands each to some worker)."""
        seen = set()
        for _ in range(tries):
            try:
                seen.add(httpx.get(self.base + "/api/health", timeout=2).json()["pid"])
            except httpx.HTTPError:
                pass
        return seen

    def wait_for_workers(self, n: int, exclude: frozenset[int] = frozenset()) -> set[int]:
        def answering() -> set[int] | None:
            pids = self.pids() - exclude
            return pids if len(pids) >= n else None
        return self.wait_until(answering, f"{n} workers did not answer", timeout=120, pause=0.2)

    def healthy(self) -> bool:
        try:
            return httpx.get(self.base + "/api/health", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    def wait_until(self, ready: Callable[[], object], what: str, timeout: float, pause: float = 0.1):
        """`ready()`'s first true value; fails with the log's end if the process exits or time runs out."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            assert self.proc is not None
            if self.proc.poll() is not None:
                raise AssertionError("server exited: " + self.read_log())
            value = ready()
            if value:
                return value
            time.sleep(pause)
        raise AssertionError(f"{what}: " + self.read_log())

    def read_log(self) -> str:
        return Path(self.log.name).read_text(errors="replace")[-3000:]

    def kill9(self) -> None:
        assert self.proc is not None
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)
        assert self.proc.returncode == -signal.SIGKILL

    def stop(self, timeout: float = 30) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()                   # graceful: the supervisor stops its workers
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self.log.close()
