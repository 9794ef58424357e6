"""`assistant serve --workers N` (N > 1) on Linux: N worker processes, each listening on the port with a
socket of its own (SO_REUSEPORT), and a small supervisor that keeps N of them running.

Why not uvicorn's multi-process mode: its workers share one listening socket, and the worker that wakes
first accepts every connection waiting, so the keep-alive connections opened together (a proxy's pool, a
load test) often land mostly or all on one worker while the other idles (bench_http.py saw 32/0 and 30/2).
With a socket per worker the kernel hands each new connection to one of the listening sockets, chosen
by a hash of the connection's addresses.

A worker binds its socket at once but listens only once its app has started (engine loaded, question
log's journal recovered): until then, and from the moment it exits, the kernel gives new connections to
the other workers. Connections still waiting in an exiting worker's queue are refused; the ones it holds
end with it, as with uvicorn's workers.

The supervisor: starts the workers; starts a replacement when one exits (kill -9 included; after a quick
succession of early exits it waits a little longer each time, up to RESTART_DELAY_MAX); stops them all on
SIGINT or SIGTERM (each finishes its requests and writes its journal, then is killed if it takes longer
than STOP_SECONDS); stops serving if a worker fails at start-up (uvicorn's exit code 3: a broken
configuration fails the same way every time). A worker ends with the supervisor even when the supervisor
is killed with kill -9 (`api._end_with_parent`). Where SO_REUSEPORT is missing, `serve` falls back to
uvicorn's own mode.
"""
from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import socket
import sys
import time
from multiprocessing.connection import wait
from typing import Any, Callable

log = logging.getLogger("uvicorn.error")      # uvicorn's logging configuration shows it like its own lines

WORKER_APP = "assistant.service.api:create_worker_app"
STARTUP_FAILURE = 3                 # uvicorn's exit code for a server that could not start
STOP_SECONDS = 20.0                 # a worker's graceful stop (uvicorn's 10 s for requests, then the journal)
RESTART_DELAY_MAX = 10.0            # the longest wait before restarting a worker that keeps exiting early
STEADY_SECONDS = 10.0               # a worker that ran this long is restarted at once


def _family(host: str) -> socket.AddressFamily:
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def reuseport_available() -> bool:
    """Can a TCP socket here be bound with SO_REUSEPORT (Linux 3.9+; absent on some platforms)?"""
    if not hasattr(socket, "SO_REUSEPORT"):
        return False
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    except OSError:
        return False
    return True


def check_port(host: str, port: int) -> None:
    """Raise OSError if (host, port) is taken. Sockets with SO_REUSEPORT share a port with one another, so
    without this a second `assistant serve` on the same port (same user) would quietly take a share of the
    connections; a bind without the option fails while anyone listens there."""
    with socket.socket(_family(host), socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)   # connections in TIME_WAIT are no owner
        probe.bind((host, port))


def reuseport_socket(host: str, port: int) -> socket.socket:
    """A TCP socket bound to (host, port) with SO_REUSEPORT, not yet listening: asyncio's create_server
    calls listen() when the server starts, after the app's start-up."""
    sock = socket.socket(_family(host), socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    return sock


def worker_main(host: str, port: int, options: dict[str, Any]) -> None:
    """One worker process: its own socket on the shared port, uvicorn serving the app built from the
    environment (`api.create_worker_app`)."""
    import uvicorn

    from assistant.service.api import _end_with_parent

    _end_with_parent()
    config = uvicorn.Config(WORKER_APP, factory=True, host=host, port=port, **options)   # sets up logging
    try:
        sock = reuseport_socket(host, port)
    except OSError as exc:
        log.error("工作进程 %d 无法监听 %s:%d：%s", os.getpid(), host, port, exc)
        sys.exit(STARTUP_FAILURE)
    log.info("工作进程 %d 启动，监听 %s:%d", os.getpid(), host, port)
    try:
        uvicorn.Server(config).run(sockets=[sock])
    except KeyboardInterrupt:       # Ctrl-C reaches the whole process group; uvicorn has already stopped
        pass


def _describe(exitcode: int | None) -> str:
    if exitcode is not None and exitcode < 0:
        try:
            return f"信号 {signal.Signals(-exitcode).name}"
        except ValueError:
            return f"信号 {-exitcode}"
    return f"退出码 {exitcode}"


class Supervisor:
    """Keeps `workers` worker processes (`worker_main`) serving host:port until SIGINT or SIGTERM."""

    def __init__(self, workers: int, host: str, port: int, options: dict[str, Any],
                 target: Callable[[str, int, dict[str, Any]], None] = worker_main) -> None:
        self.workers, self.host, self.port, self.options, self.target = workers, host, port, options, target
        self._spawn = multiprocessing.get_context("spawn")
        self.procs: list[Any] = [None] * workers          # slot → the process serving it (None: restarting)
        self._started = [0.0] * workers
        self._delay = [0.0] * workers
        self._due: dict[int, float] = {}                  # slot → when its replacement starts
        self._signals: list[int] = []
        self.failed = False

    def run(self) -> int:
        """Serve until stopped; the exit code (0, or 1 when a worker could not start)."""
        import uvicorn

        uvicorn.Config(WORKER_APP, host=self.host, port=self.port, **self.options)   # logging, as in the workers
        wake_r, wake_w = os.pipe()
        os.set_blocking(wake_w, False)
        old_wakeup = signal.set_wakeup_fd(wake_w)       # a signal wakes the wait below at once
        previous = {sig: signal.signal(sig, self._on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            log.info("主进程 %d：启动 %d 个工作进程（各自监听 %s:%d，SO_REUSEPORT）",
                     os.getpid(), self.workers, self.host, self.port)
            for slot in range(self.workers):
                self._start(slot)
            while not self._signals and not self.failed:
                timeout = max(0.0, min(self._due.values()) - time.monotonic()) if self._due else None
                wait([p.sentinel for p in self.procs if p is not None] + [wake_r], timeout)
                self._drain(wake_r)
                self._reap()
                now = time.monotonic()
                for slot, due in list(self._due.items()):
                    if due <= now and not self._signals and not self.failed:
                        del self._due[slot]
                        self._start(slot)
            self._stop_all(wake_r)
        finally:
            signal.set_wakeup_fd(old_wakeup)
            for sig, handler in previous.items():
                signal.signal(sig, handler)
            os.close(wake_r)
            os.close(wake_w)
        log.info("主进程 %d：已停止", os.getpid())
        return 1 if self.failed else 0

    def _on_signal(self, signum: int, _frame: Any) -> None:
        self._signals.append(signum)

    @staticmethod
    def _drain(fd: int) -> None:
        os.set_blocking(fd, False)
        try:
            while os.read(fd, 512):
                pass
        except BlockingIOError:
            pass

    def _start(self, slot: int) -> None:
        proc = self._spawn.Process(target=self.target, args=(self.host, self.port, self.options),
                                   name=f"assistant-worker-{slot}")
        proc.start()
        self.procs[slot] = proc
        self._started[slot] = time.monotonic()

    def _reap(self) -> None:
        """Notice the workers that exited; schedule their replacements."""
        for slot, proc in enumerate(self.procs):
            if proc is None or proc.is_alive():
                continue
            proc.join()
            self.procs[slot] = None
            if self._signals:
                continue
            if proc.exitcode == STARTUP_FAILURE:
                log.error("工作进程 %d 启动失败，停止服务", proc.pid)
                self.failed = True
                continue
            # Quick successive exits (a crash at every start): wait longer each time instead of spinning.
            lived = time.monotonic() - self._started[slot]
            self._delay[slot] = 0.0 if lived >= STEADY_SECONDS else min(RESTART_DELAY_MAX, max(0.5, 2 * self._delay[slot]))
            log.warning("工作进程 %d 已退出（%s），%s启动新的工作进程", proc.pid, _describe(proc.exitcode),
                        f"{self._delay[slot]:.1f} 秒后" if self._delay[slot] else "立即")
            self._due[slot] = time.monotonic() + self._delay[slot]

    def _stop_all(self, wake_r: int) -> None:
        """SIGTERM to every worker (uvicorn finishes the requests in hand, the app writes its journal);
        whoever is still running after STOP_SECONDS, or after a second Ctrl-C, is killed."""
        self._due.clear()
        alive = [p for p in self.procs if p is not None and p.is_alive()]
        for proc in alive:
            try:
                os.kill(proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        seen = len(self._signals)
        deadline = time.monotonic() + STOP_SECONDS
        while alive and time.monotonic() < deadline and len(self._signals) <= max(seen, 1):
            wait([p.sentinel for p in alive] + [wake_r], deadline - time.monotonic())
            self._drain(wake_r)
            alive = [p for p in alive if p.is_alive()]
        for proc in alive:
            log.warning("工作进程 %d 未能及时停止，强制结束", proc.pid)
            proc.kill()
        for proc in self.procs:
            if proc is not None:
                proc.join()
