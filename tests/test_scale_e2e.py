"""Serving a province (issue 13), end to end as deployed: `assistant serve --workers 2` with the real engine
against a throwaway PostgreSQL. Conversations move between workers, a worker is killed with SIGKILL, the
whole server restarts, and two servers on two ports (two hosts) answer each other's follow-ups — on the
web API and on WeChat."""
from __future__ import annotations

import hashlib
import os
import signal
import sys
import time
from pathlib import Path

import httpx
import pytest
import xmltodict

from _served import ServedProcess
from _pgserver import shared_server
from assistant.helpdesk.log import JOURNAL_DIR, QuestionLog, resolve_url

ROOT = Path(__file__).resolve().parent.parent
ADMIN = "scale-admin-token-5f1d"
SALT = "scale-test-salt"
WX = "scale-wechat-token"

# (first question, follow-up, the level the follow-up asks about); alone, each follow-up is a clarify.
PAIRS = [("市里的作品登记谁出钱？", "那县区的呢？", "县区"),
         ("钦南区开展专利导航，谁出钱？", "那市里的呢？", "市"),
         ("知识产权质押融资谁出钱？", "县区的呢？", "县区"),
         ("市知识产权保护中心建设由谁承担支出责任？", "那县区的呢？", "县区")]


class Server(ServedProcess):
    """`python -m assistant serve --workers N` in a subprocess; its own state folder (its disk), the
    shared database from ASSISTANT_DB_URL."""

    def __init__(self, state: Path, db_url: str, workers: int) -> None:
        super().__init__(state)
        self.db_url, self.workers = db_url, workers

    def start(self) -> None:
        self.launch([sys.executable, "-m", "assistant", "serve", "--host", "127.0.0.1", "--port", str(self.port),
                     "--workers", str(self.workers), "--no-access-log"],
                    {"ASSISTANT_DB_URL": self.db_url, "ASSISTANT_ADMIN_TOKEN": ADMIN, "ASSISTANT_HASH_SALT": SALT,
                     "ASSISTANT_WECHAT_TOKEN": WX, "ASSISTANT_TRUSTED_PROXIES": "127.0.0.1"})
        self.wait_for_workers(self.workers)


def worker_clients(server: Server) -> dict[int, httpx.Client]:
    """One keep-alive client per worker: a connection stays with the worker that accepted it."""
    clients: dict[int, httpx.Client] = {}
    for _ in range(60):
        c = httpx.Client(base_url=server.base, timeout=15, limits=httpx.Limits(max_connections=1))
        pid = c.get("/api/health").json()["pid"]
        if pid in clients:
            c.close()
        else:
            clients[pid] = c
        if len(clients) == server.workers:
            return clients
    raise AssertionError(f"connections reached only workers {sorted(clients)}")


def ask(client: httpx.Client, question: str, session_id: str | None = None, **headers: str) -> dict:
    r = client.post("/api/ask", json={"question": question, "session_id": session_id},
                    headers={"X-Assistant-Channel": "web", **headers})
    assert r.status_code == 200, r.text
    return r.json()


def assert_follow_up(first: dict, follow: dict, level: str) -> None:
    """The follow-up was answered in the first turn's context: the same matter, at the level it asks."""
    assert follow["session_id"] == first["session_id"] and follow["session_expired"] is False
    assert follow["status"] == "answered", follow["answer"]
    assert {f["matter"] for f in follow["findings"]} == {f["matter"] for f in first["findings"]}
    assert {f["level"] for f in follow["findings"]} == {level}


@pytest.fixture(scope="module")
def pg():
    return shared_server()


def test_two_workers_share_conversations_through_kill_9_and_restart(pg, tmp_path: Path) -> None:
    db_url = pg.create_database()
    server = Server(tmp_path / "host", db_url, workers=2)
    server.start()
    acknowledged: list[str] = []
    firsts: list[dict] = []
    try:
        clients = worker_clients(server)
        a, b = sorted(clients)
        # 1. 50 conversations; each first turn on one worker and its follow-up on the other.
        for i in range(50):
            q1, _, _ = PAIRS[i % len(PAIRS)]
            w1 = (a, b)[i % 2]
            first = ask(clients[w1], q1, **({"X-Forwarded-For": "203.0.113.7"} if i == 0 else {}))
            firsts.append(first)
            acknowledged.append(first["answer_id"])
        for i in range(25):
            _, q2, level = PAIRS[i % len(PAIRS)]
            w2 = (b, a)[i % 2]
            follow = ask(clients[w2], q2, firsts[i]["session_id"])
            assert_follow_up(firsts[i], follow, level)
            acknowledged.append(follow["answer_id"])
        # 2. kill -9 the worker that just answered, the moment its answer is in hand (its journal not yet
        # written to the database); the remaining follow-ups go to the survivor and to the replacement.
        victim, survivor = w2, (a if w2 == b else b)
        os.kill(victim, signal.SIGKILL)
        clients.pop(victim).close()
        pids = server.wait_for_workers(2, exclude=frozenset({victim}))
        assert survivor in pids and len(pids) == 2   # uvicorn started a replacement
        for c in clients.values():
            c.close()
        clients = worker_clients(server)
        for i in range(25, 50):
            _, q2, level = PAIRS[i % len(PAIRS)]
            follow = ask(clients[sorted(clients)[i % 2]], q2, firsts[i]["session_id"])
            assert_follow_up(firsts[i], follow, level)
            acknowledged.append(follow["answer_id"])
        for c in clients.values():
            c.close()
    finally:
        server.stop()

    # 3. A full restart keeps every conversation: a third turn on either worker still has the context.
    server = Server(tmp_path / "host", db_url, workers=2)
    server.start()
    try:
        clients = worker_clients(server)
        for i, first in enumerate(firsts):
            _, _, level = PAIRS[i % len(PAIRS)]
            other = "市" if level == "县区" else "县区"
            third = ask(clients[sorted(clients)[i % 2]], "那市里的呢？" if other == "市" else "那县区的呢？",
                        first["session_id"])
            assert_follow_up(first, third, other)
            acknowledged.append(third["answer_id"])
            if i % 10 == 0:
                turns = clients[sorted(clients)[(i + 1) % 2]].get(f"/api/sessions/{first['session_id']}").json()["turns"]
                assert [t["result"]["answer_id"] for t in turns][0] == first["answer_id"] and len(turns) == 3
        for c in clients.values():
            c.close()
        # 4. kill -9 of the supervisor itself takes its workers with it (no orphan keeps serving the port).
        workers = server.pids()
        os.kill(server.proc.pid, signal.SIGKILL)
        deadline = time.time() + 10
        while any(Path(f"/proc/{pid}").exists() for pid in workers) and time.time() < deadline:
            time.sleep(0.1)
        assert not any(Path(f"/proc/{pid}").exists() for pid in workers)
    finally:
        server.stop()
    assert len(acknowledged) == 150
    # 5. Every answer a client received is in the log, once: in the database, or in a journal that the
    # next start writes there (the killed worker's, and whatever the workers had not yet written when
    # their supervisor was killed). Opening the log as a start does runs that recovery. (An export read
    # while the server runs may still miss the other worker's last 50 ms: its journal is not yet written.)
    journal = tmp_path / "host" / JOURNAL_DIR
    qlog = QuestionLog(resolve_url(db_url, tmp_path), SALT.encode(), journal_dir=journal)
    try:
        logged = [r["answer_id"] for r in qlog.rows()]
        missing = set(acknowledged) - set(logged)
        assert not missing, f"{len(missing)} acknowledged answers are not in the log"
        assert len(logged) == len(set(logged)) == 150
        assert not list(journal.glob("*")), "every journal was written and removed"
        assert qlog.get(firsts[0]["answer_id"])["client_hash"] == qlog.hash("203.0.113.7")
        assert qlog.get(firsts[1]["answer_id"])["client_hash"] == qlog.hash("127.0.0.1")
    finally:
        qlog.close()


def wechat(base: str, text: str, msg_id: int, user: str = "oScaleUser") -> str:
    ts, nonce = str(int(time.time())), os.urandom(4).hex()
    sig = hashlib.sha1("".join(sorted([WX, ts, nonce])).encode()).hexdigest()
    body = (f"<xml><ToUserName><![CDATA[gh_bureau]]></ToUserName><FromUserName><![CDATA[{user}]]></FromUserName>"
            f"<CreateTime>{ts}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
            f"<Content><![CDATA[{text}]]></Content><MsgId>{msg_id}</MsgId></xml>")
    r = httpx.post(base + "/wechat/callback", params={"signature": sig, "timestamp": ts, "nonce": nonce},
                   content=body.encode(), timeout=15)
    assert r.status_code == 200, r.text
    return xmltodict.parse(r.text)["xml"]["Content"]


def test_two_hosts_answer_each_others_follow_ups(pg, tmp_path: Path) -> None:
    """Two servers, each with its own disk, on two ports of this machine, one PostgreSQL."""
    db_url = pg.create_database()
    hosts = [Server(tmp_path / "host-a", db_url, workers=1), Server(tmp_path / "host-b", db_url, workers=1)]
    for host in hosts:
        host.start()
    try:
        with httpx.Client(base_url=hosts[0].base, timeout=15) as on_a, \
                httpx.Client(base_url=hosts[1].base, timeout=15) as on_b:
            for k, (q1, q2, level) in enumerate(PAIRS):
                one, two = (on_a, on_b) if k % 2 == 0 else (on_b, on_a)
                first = ask(one, q1)
                assert_follow_up(first, ask(two, q2, first["session_id"]), level)
                turns = one.get(f"/api/sessions/{first['session_id']}").json()["turns"]
                assert [t["question"] for t in turns] == [q1, q2]
            # An id neither host knows is said to be gone, on both.
            for c in (on_a, on_b):
                assert ask(c, "那县区的呢？", "f" * 32)["session_expired"] is True
        # WeChat: the official account's messages may reach either host.
        msg = time.time_ns()
        first = wechat(hosts[0].base, "市里的作品登记谁出钱？", msg)
        follow = wechat(hosts[1].base, "那县区的呢？", msg + 1)
        assert "作品登记" in follow and "县区" in follow, follow
        # The platform retries a message it got no reply to, maybe to the other host: the same reply, once.
        assert wechat(hosts[0].base, "那县区的呢？", msg + 1) == follow
        stats = httpx.get(hosts[1].base + "/api/admin/stats", headers={"Authorization": f"Bearer {ADMIN}"},
                          timeout=30).json()
        assert stats["per_channel"]["wechat"] == 2
        assert "作品登记" in first
    finally:
        for host in hosts:
            host.stop()
