"""`assistant serve --workers 2` on Linux (issue 13): each worker listens on the port with a socket of its own
(SO_REUSEPORT), so the kernel spreads connections over the workers; the supervisor
(assistant/service/workers.py) replaces a worker killed with kill -9, stops them all on SIGTERM or SIGINT,
and refuses a port someone already listens on. Real engine, conversations in the default SQLite file.
(Conversations across workers, the question log through kill -9 and restarts: test_scale_e2e.py.)"""
from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from _served import ServedProcess
from assistant.service import workers as multi

pytestmark = pytest.mark.skipif(not multi.reuseport_available() or not shutil.which("ss"),
                                reason="needs SO_REUSEPORT (Linux) and ss (iproute2)")


class Server(ServedProcess):
    def start(self, workers: int = 2) -> None:
        self.launch([sys.executable, "-m", "assistant", "serve", "--host", "127.0.0.1", "--port", str(self.port),
                     "--workers", str(workers), "--no-access-log"], {})
        self.wait_for_workers(workers)

    def listeners(self) -> list[int]:
        """The pid of each socket listening on the port, one entry per socket (`ss`)."""
        out = subprocess.run(["ss", "-ltnpH", f"( sport = :{self.port} )"], capture_output=True, text=True,
                             check=True).stdout
        return sorted(int(p) for line in out.splitlines() for p in re.findall(r"pid=(\d+)", line)[:1])

    def children(self) -> set[int]:
        assert self.proc is not None
        found = set()
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == self.proc.pid:
                found.add(int(stat.parent.name))
        return found


def alive(pid: int) -> bool:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return False
    return fields[0] != "Z"


def connection_split(base: str, n: int = 32) -> dict[int, int]:
    """Open `n` keep-alive connections together, as a proxy's pool or wrk does: how many each worker got."""
    clients = [httpx.Client(base_url=base, timeout=10, limits=httpx.Limits(max_connections=1)) for _ in range(n)]
    try:
        split: dict[int, int] = {}
        for c in clients:
            pid = c.get("/api/health").json()["pid"]
            split[pid] = split.get(pid, 0) + 1
        return split
    finally:
        for c in clients:
            c.close()


def test_each_worker_listens_and_is_replaced_after_kill_9(tmp_path: Path) -> None:
    server = Server(tmp_path)
    server.start()
    try:
        workers = server.wait_for_workers(2)
        # Each worker holds a listening socket of its own on the port; the supervisor holds none.
        assert server.listeners() == sorted(workers)
        assert workers <= server.children()
        # Connections opened together reach both workers (the kernel picks a socket per connection).
        split = connection_split(server.base)
        assert set(split) == workers and sum(split.values()) == 32

        # kill -9 of a worker: the supervisor starts another, which listens in its place.
        victim = min(workers)
        os.kill(victim, signal.SIGKILL)
        now = server.wait_for_workers(2, exclude=frozenset({victim}))
        assert (workers - {victim}) <= now and not alive(victim)
        server.wait_until(lambda: len(server.listeners()) == 2, "the replacement does not listen", timeout=30)
        assert server.listeners() == sorted(now)
        r = httpx.post(server.base + "/api/ask", json={"question": "专利导航谁出钱？"}, timeout=10)
        assert r.status_code == 200 and r.json()["status"] == "answered"

        # SIGTERM to the supervisor stops every worker, and the port is free again.
        assert server.proc is not None
        server.proc.send_signal(signal.SIGTERM)
        assert server.proc.wait(timeout=60) == 0
        assert not any(alive(pid) for pid in now)
        assert server.listeners() == []
        multi.check_port("127.0.0.1", server.port)
    finally:
        server.stop()
    log = Path(server.log.name).read_text(encoding="utf-8")
    assert re.search(rf"工作进程 {victim} 已退出（信号 SIGKILL），(立即|[\d.]+ 秒后)启动新的工作进程", log), log


def test_ctrl_c_stops_the_workers(tmp_path: Path) -> None:
    server = Server(tmp_path)
    server.start()
    try:
        workers = server.wait_for_workers(2)
        assert server.proc is not None
        # A terminal's Ctrl-C: SIGINT to the supervisor and to every worker (one process group).
        server.proc.send_signal(signal.SIGINT)
        for pid in workers:
            os.kill(pid, signal.SIGINT)
        assert server.proc.wait(timeout=60) == 0
        assert not any(alive(pid) for pid in workers)
    finally:
        server.stop()


def test_a_port_in_use_is_refused(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
        done = subprocess.run([sys.executable, "-m", "assistant", "serve", "--host", "127.0.0.1", "--port", str(port),
                               "--workers", "2"], capture_output=True, text=True, timeout=60,
                              env={**env, "ASSISTANT_CACHE": str(tmp_path)})
    assert done.returncode == 1
    assert f"无法监听 127.0.0.1:{port}" in done.stderr and "端口已被占用" in done.stderr


def test_reuseport_sockets_share_a_port_a_plain_bind_does_not() -> None:
    """What the supervisor relies on: workers' sockets bind the same port; `check_port` then fails."""
    a = multi.reuseport_socket("127.0.0.1", 0)
    port = a.getsockname()[1]
    b = multi.reuseport_socket("127.0.0.1", port)
    try:
        a.listen()
        b.listen()
        with pytest.raises(OSError):
            multi.check_port("127.0.0.1", port)
    finally:
        a.close()
        b.close()
    multi.check_port("127.0.0.1", port)


def _fail_at_start(host: str, port: int, options: dict) -> None:
    sys.exit(multi.STARTUP_FAILURE)           # what uvicorn does when the app or the socket cannot start


def test_a_worker_failing_at_start_up_stops_the_supervisor() -> None:
    # A broken configuration fails the same way at every start: stop serving rather than restart forever.
    assert multi.Supervisor(2, "127.0.0.1", 0, {}, target=_fail_at_start).run() == 1
