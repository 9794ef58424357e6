"""A throwaway PostgreSQL server for tests (Debian's `postgresql` package: initdb / pg_ctl).

Started once per test session in a temp dir, on a free localhost port, as the `postgres` user when
the tests run as root (postgres refuses to run as root). When the binaries are missing the tests
that need it are skipped with a message, except under CI=true, where .ci/run installs them and a
missing server is a failure.
"""
from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from pathlib import Path

import pytest


def find_pg_bin() -> Path | None:
    found = shutil.which("pg_ctl")
    if found and shutil.which("initdb"):
        return Path(os.path.realpath(found)).parent
    for candidate in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if os.path.exists(os.path.join(candidate, "pg_ctl")) and os.path.exists(os.path.join(candidate, "initdb")):
            return Path(candidate)
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PgServer:
    def __init__(self, bindir: Path) -> None:
        self.bindir = bindir
        self.root = Path(tempfile.mkdtemp(prefix="assistant-pg-"))
        self.datadir = self.root / "data"
        self.port = _free_port()
        self.user: str | None = None
        if os.geteuid() == 0:
            try:
                pwd.getpwnam("postgres")
                self.user = "postgres"
            except KeyError:
                raise RuntimeError("running as root but there is no 'postgres' user to run the server")
            shutil.chown(self.root, user="postgres")

    def _run(self, *args: str) -> subprocess.CompletedProcess:
        cmd = [str(self.bindir / args[0]), *args[1:]]
        if self.user:
            cmd = ["runuser", "-u", self.user, "--", *cmd]
        return subprocess.run(cmd, capture_output=True, text=True, timeout=120, cwd=self.root)

    def start(self) -> None:
        r = self._run("initdb", "-D", str(self.datadir), "-U", "postgres", "-A", "trust",
                      "-E", "UTF8", "--no-locale")
        if r.returncode:
            raise RuntimeError("initdb failed: " + r.stderr[-2000:])
        opts = (f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off "
                f"-c full_page_writes=off -c max_connections=50")
        r = self._run("pg_ctl", "-D", str(self.datadir), "-o", opts, "-l", str(self.root / "log"),
                      "-w", "-t", "60", "start")
        if r.returncode:
            log = (self.root / "log").read_text(errors="replace") if (self.root / "log").exists() else ""
            raise RuntimeError("pg_ctl start failed: " + r.stderr[-1000:] + log[-2000:])

    def url(self, dbname: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{dbname}"

    def create_database(self) -> str:
        import psycopg

        name = "t_" + uuid.uuid4().hex[:12]
        with psycopg.connect(f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres",
                             autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.datadir), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.root, ignore_errors=True)


_shared: PgServer | None = None


def shared_server() -> PgServer:
    """One server per test process, stopped at exit (test modules share it)."""
    global _shared
    if _shared is None:
        import atexit

        _shared = start_or_skip()
        atexit.register(_shared.stop)
    return _shared


def start_or_skip() -> PgServer:
    bindir = find_pg_bin()
    if bindir is None:
        message = ("PostgreSQL is not installed (no initdb/pg_ctl on PATH or in /usr/lib/postgresql/*/bin): "
                   "skipping the PostgreSQL question-log tests. Install it with `apt-get install -y postgresql`.")
        if os.environ.get("CI") == "true":
            pytest.fail("CI=true but " + message, pytrace=False)
        pytest.skip(message)
    server = PgServer(bindir)
    try:
        server.start()
    except Exception:
        server.stop()
        raise
    return server
