"""The question log store, run against SQLite and against a real PostgreSQL server."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import sqlalchemy as sa

from _pgserver import shared_server
from assistant.qlog import QuestionLog, open_log, percentile, resolve_salt, resolve_url

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def pg_server():
    return shared_server()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path) -> str | None:
    """None → the default SQLite file; else a fresh PostgreSQL database."""
    if request.param == "sqlite":
        return None
    return request.getfixturevalue("pg_server").create_database()


@pytest.fixture
def store(db_url, tmp_path):
    log = open_log(db_url, tmp_path / "state", salt="test-salt")
    yield log
    log.close()


def rec(n: int, **kw) -> dict:
    base = {"time": f"2025-03-0{1 + n % 3}T02:00:{n % 60:02d}Z", "channel": "web", "session_id": f"s{n % 4}",
            "question": f"问题{n}", "status": "answered", "matters": ["专利导航"],
            "anchors": ["钦政办〔2025〕15号 二（三）第3段"], "latency_ms": float(n), "answer_id": f"{n:032x}",
            "client": "203.0.113.7"}
    base.update(kw)
    return base


def test_add_and_get_round_trip_hashes_personal_data(store):
    store.add(rec(1, time="2025-03-01T17:30:00.123456+00:00", user="oUSERopenid123",
                  matters=["专利导航", "作品登记"]))
    got = store.get(f"{1:032x}")
    assert got["time"] == "2025-03-01T17:30:00.123Z"
    assert got["day"] == "2025-03-02"  # 01:30 the next day in UTC+8
    assert got["question"] == "问题1" and got["status"] == "answered" and got["channel"] == "web"
    assert got["matters"] == ["专利导航", "作品登记"]
    assert got["anchors"] == ["钦政办〔2025〕15号 二（三）第3段"]
    assert got["latency_ms"] == 1.0 and got["rating"] is None
    assert got["client_hash"] == store.hash("203.0.113.7") and len(got["client_hash"]) == 32
    assert got["user_hash"] == store.hash("oUSERopenid123")
    # The raw address and user id are nowhere in the database.
    with store.engine.connect() as conn:
        cells = [str(v) for row in conn.execute(sa.text("SELECT * FROM questions")).all() for v in row]
    assert not any("203.0.113.7" in c or "oUSERopenid123" in c for c in cells)
    assert store.get("f" * 32) is None


def test_duplicate_answer_id_is_rejected(store):
    store.add(rec(1))
    with pytest.raises(sa.exc.IntegrityError):
        store.add(rec(1, question="另一个"))
    assert store.count() == 1
    with pytest.raises(ValueError):
        store.add(rec(2, answer_id=""))


def test_feedback_replaces_rating_and_keeps_comment(store):
    store.add(rec(1))
    aid = f"{1:032x}"
    assert store.add_feedback("0" * 31 + "9", "up") is False
    assert store.add_feedback(aid, "up") is True
    assert store.get(aid)["rating"] == "up"
    assert store.add_feedback(aid, "down", "  引用的段落不对  ") is True
    assert store.get(aid)["rating"] == "down" and store.get(aid)["comment"] == "引用的段落不对"
    assert store.add_feedback(aid, "down", "") is True  # an empty comment keeps the earlier one
    assert store.get(aid)["comment"] == "引用的段落不对"
    store.add_feedback(aid, "down", "长" * 5000)
    assert len(store.get(aid)["comment"]) == 1000
    with pytest.raises(ValueError):
        store.add_feedback(aid, "meh")
    with store.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM feedback")).scalar_one() == 1


def test_stats(store):
    for n in range(1, 101):  # latencies 1..100 ms
        store.add(rec(n, time="2025-03-01T02:00:00Z"))
    for n in range(101, 106):
        store.add(rec(n, status="not_listed", question="商标代理谁管？", channel="wechat", latency_ms=None,
                      time="2025-03-03T02:00:00Z"))
    store.add(rec(106, status="not_listed", question="版权交易补贴？", channel="api", latency_ms=None,
                  time="2025-03-03T03:00:00Z"))
    store.add(rec(107, status="clarify", question="谁出钱？", latency_ms=None, time="2025-03-03T03:00:00Z"))
    store.add_feedback(f"{5:032x}", "down", "没有回答县区的情况")
    store.add_feedback(f"{6:032x}", "up")
    store.add_feedback(f"{106:032x}", "down")

    s = store.stats()
    assert s["totals"] == {"questions": 107, "sessions": 4, "answered": 100, "unanswered": 7,
                           "answered_rate": round(100 / 107, 4), "feedback_up": 1, "feedback_down": 2}
    assert s["per_status"] == {"answered": 100, "not_listed": 6, "clarify": 1}
    assert s["per_channel"] == {"web": 101, "wechat": 5, "api": 1}
    assert [d["day"] for d in s["per_day"]] == ["2025-03-01", "2025-03-02", "2025-03-03"]
    assert s["per_day"][0]["answered"] == 100 and s["per_day"][1]["total"] == 0
    assert s["per_day"][2] == {"day": "2025-03-03", "total": 7, "answered": 0, "not_listed": 6,
                               "out_of_scope": 0, "clarify": 1}
    lat = s["latency_ms"]
    assert lat["count"] == 100 and lat["p50"] == pytest.approx(50.5) and lat["p90"] == pytest.approx(90.1)
    assert lat["p95"] == pytest.approx(95.05) and lat["p99"] == pytest.approx(99.01) and lat["max"] == 100
    assert s["top_unanswered"]["not_listed"][0] == {"question": "商标代理谁管？", "count": 5,
                                                    "last": "2025-03-03T02:00:00.000Z"}
    assert s["top_unanswered"]["not_listed"][1]["question"] == "版权交易补贴？"
    assert s["top_unanswered"]["clarify"] == [{"question": "谁出钱？", "count": 1, "last": "2025-03-03T03:00:00.000Z"}]
    assert s["top_unanswered"]["out_of_scope"] == []
    disliked = {d["answer_id"]: d for d in s["disliked"]}
    assert set(disliked) == {f"{5:032x}", f"{106:032x}"}
    assert disliked[f"{5:032x}"]["comment"] == "没有回答县区的情况"
    assert disliked[f"{5:032x}"]["question"] == "问题5"
    assert disliked[f"{106:032x}"]["comment"] is None

    recent = store.stats(days=2, today="2025-03-04")
    assert recent["since"] == "2025-03-03"
    assert recent["totals"]["questions"] == 7
    assert [d["day"] for d in recent["per_day"]] == ["2025-03-03", "2025-03-04"]
    assert recent["latency_ms"]["count"] == 0 and recent["latency_ms"]["p50"] is None


def test_stats_on_empty_log(store):
    s = store.stats()
    assert s["totals"]["questions"] == 0 and s["totals"]["answered_rate"] is None
    assert s["per_day"] == [] and s["disliked"] == []


def test_rows_in_time_order_across_batches(store):
    for n in (5, 3, 9, 1, 7, 2, 8):
        store.add(rec(n, time=f"2025-03-01T02:00:{n:02d}Z"))
    store.add(rec(10, time="2025-03-01T02:00:05Z"))  # same time as n=5: ordered by answer id
    ids = [r["answer_id"] for r in store.rows(batch=3)]
    assert ids == [f"{n:032x}" for n in (1, 2, 3, 5, 10, 7, 8, 9)]
    assert [r["answer_id"] for r in store.rows(since_day="2025-03-02")] == []


def test_concurrent_writers(store):
    errors: list[BaseException] = []

    def worker(k: int) -> None:
        try:
            for i in range(20):
                store.add(rec(k * 1000 + i))
        except BaseException as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert store.count() == 120


def test_reopen_keeps_records(db_url, tmp_path):
    first = open_log(db_url, tmp_path / "state", salt="s")
    first.add(rec(1))
    first.close()
    second = open_log(db_url, tmp_path / "state", salt="s")
    assert second.get(f"{1:032x}")["question"] == "问题1"
    second.close()


def test_acknowledged_record_survives_kill_9(db_url, tmp_path):
    """A child process adds a record, says so, and is killed with SIGKILL before it can close anything."""
    child = subprocess.Popen(
        [sys.executable, "-c",
         "import sys, time; from pathlib import Path; from assistant.qlog import open_log\n"
         "log = open_log(sys.argv[1] or None, Path(sys.argv[2]), salt='s')\n"
         "log.add({'answer_id': 'k' * 32, 'question': '被杀之前', 'status': 'answered', 'channel': 'api'})\n"
         "print('stored', flush=True)\n"
         "time.sleep(60)\n",
         db_url or "", str(tmp_path / "state")],
        cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline().strip() == "stored"
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=10)
    finally:
        if child.poll() is None:
            child.kill()
    log = open_log(db_url, tmp_path / "state", salt="s")
    assert log.get("k" * 32)["question"] == "被杀之前"
    log.close()


def test_sqlite_is_wal_and_full_sync(tmp_path):
    log = open_log(None, tmp_path, salt="s")
    assert log.url == "sqlite:///" + str((tmp_path / "assistant.db").resolve())
    with log.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
    log.close()


def test_resolve_url(tmp_path):
    assert resolve_url(None, tmp_path / "x") == "sqlite:///" + str((tmp_path / "x" / "assistant.db").resolve())
    assert (tmp_path / "x").is_dir()
    assert resolve_url("postgresql://u:p@db:5432/log", tmp_path) == "postgresql+psycopg://u:p@db:5432/log"
    assert resolve_url("postgres://u@db/log", tmp_path) == "postgresql+psycopg://u@db/log"
    assert resolve_url("sqlite:////tmp/a.db", tmp_path) == "sqlite:////tmp/a.db"
    with pytest.raises(ValueError):
        resolve_url("mysql://u@db/log", tmp_path)
    with pytest.raises(ValueError):
        resolve_url("not a url", tmp_path)


def test_salt_file_is_private_and_stable(tmp_path):
    salt = resolve_salt(tmp_path)
    assert len(salt) == 64
    assert (tmp_path / "hash_salt.key").stat().st_mode & 0o777 == 0o600
    assert resolve_salt(tmp_path) == salt
    assert resolve_salt(tmp_path, "from-env") == b"from-env"
    a = QuestionLog("sqlite://", salt)
    b = QuestionLog("sqlite://", b"other")
    assert a.hash("1.2.3.4") == a.hash("1.2.3.4") != b.hash("1.2.3.4")
    assert a.hash(None) is None and a.hash("") is None


def test_percentile():
    assert percentile([], 50) is None
    assert percentile([7.0], 99) == 7.0
    assert percentile([1.0, 2.0, 3.0, 4.0], 50) == 2.5
    assert percentile([1.0, 2.0, 3.0, 4.0], 100) == 4.0
